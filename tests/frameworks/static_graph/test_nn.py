"""tf.nn as TF 1.x defines it: per-example sparse cross-entropy, and 'SAME' padding for every window and stride
(TF pads the odd pixel at the end) in conv2d, max_pool and avg_pool, checked against loops over NumPy."""
import numpy as np
import pytest

import frameworks.static_graph as tf
from frameworks import kernels as K

R = np.random.default_rng(7)


def run(fetch, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetch, feed)


def np_xent(logits, labels):
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, labels[..., None], -1)[..., 0]


def test_sparse_softmax_cross_entropy_with_logits_is_one_loss_per_example():
    tf.reset_default_graph()
    logits, labels = R.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    per = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant(labels), logits=tf.constant(logits))
    assert per.shape.as_list() == [5]
    total = tf.reduce_sum(per)
    mean = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=tf.constant(logits))
    got_per, got_total, got_mean = run([per, total, mean])
    np.testing.assert_allclose(got_per, np_xent(logits, labels), rtol=1e-12)
    np.testing.assert_allclose(got_total, np_xent(logits, labels).sum(), rtol=1e-12)
    np.testing.assert_allclose(got_mean, np_xent(logits, labels).mean(), rtol=1e-12)


def test_sparse_softmax_cross_entropy_gradient_of_a_weighted_sum():
    tf.reset_default_graph()
    x0, labels, w = R.standard_normal((4, 3)), np.array([2, 0, 1, 2]), R.standard_normal(4)
    x = tf.Variable(x0)
    loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x) * w)
    g, = run(tf.gradients(loss, [x]))
    p = np.exp(x0 - x0.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(4), labels] -= 1
    np.testing.assert_allclose(g, p * w[:, None], rtol=1e-12)


def test_sparse_softmax_cross_entropy_on_a_sequence_keeps_the_labels_shape():
    tf.reset_default_graph()
    logits, labels = R.standard_normal((2, 3, 5)), R.integers(0, 5, (2, 3))
    per = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=tf.constant(logits))
    np.testing.assert_allclose(run(per), np_xent(logits, labels), rtol=1e-12)
    with pytest.raises(ValueError, match="Rank mismatch: Rank of labels"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels[0], logits=tf.constant(logits))


def same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2


def np_pool(x, k, s, padding, reduce):
    """NHWC pooling over the windows TF 'SAME'/'VALID' defines; padding never enters a window."""
    n, h, w, c = x.shape
    if padding == "SAME":
        (ho, ph), (wo, pw) = same_pads(h, k[0], s[0]), same_pads(w, k[1], s[1])
    else:
        ho, wo, ph, pw = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1, 0, 0
    y = np.empty((n, ho, wo, c))
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * s[0] - ph, j * s[1] - pw
            win = x[:, max(r0, 0):r0 + k[0], max(c0, 0):c0 + k[1], :]
            y[:, i, j] = reduce(win, axis=(1, 2))
    return y


def np_conv_same(x, f, s):
    n, h, w, c = x.shape
    kh, kw, _, o = f.shape
    (ho, ph), (wo, pw) = same_pads(h, kh, s[0]), same_pads(w, kw, s[1])
    xp = np.zeros((n, h + kh + s[0] * ho, w + kw + s[1] * wo, c))
    xp[:, ph:ph + h, pw:pw + w] = x
    y = np.empty((n, ho, wo, o))
    for i in range(ho):
        for j in range(wo):
            y[:, i, j] = np.einsum("nhwc,hwco->no", xp[:, i * s[0]:i * s[0] + kh, j * s[1]:j * s[1] + kw], f)
    return y


GEOMETRIES = [((7, 7), (3, 3), (3, 3)), ((5, 6), (2, 2), (2, 2)), ((8, 8), (3, 3), (2, 2)),
              ((7, 9), (3, 2), (2, 1)), ((6, 6), (2, 2), (1, 1)), ((9, 9), (4, 4), (3, 3)), ((4, 4), (1, 1), (3, 3))]


@pytest.mark.parametrize("size,k,s", GEOMETRIES)
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_pools_take_tfs_windows(size, k, s, padding):
    tf.reset_default_graph()
    x0 = R.standard_normal((2,) + size + (3,))
    x = tf.Variable(x0)
    ksize, strides = [1, k[0], k[1], 1], [1, s[0], s[1], 1]
    mx = tf.nn.max_pool(x, ksize, strides, padding)
    av = tf.nn.avg_pool(x, ksize, strides, padding)
    gm, ga = tf.gradients(tf.reduce_sum(mx * mx), [x])[0], tf.gradients(tf.reduce_sum(av * av), [x])[0]
    got_m, got_a, got_gm, got_ga = run([mx, av, gm, ga])
    np.testing.assert_allclose(got_m, np_pool(x0, k, s, padding, np.max), rtol=1e-12)
    np.testing.assert_allclose(got_a, np_pool(x0, k, s, padding, np.mean), rtol=1e-12)
    assert mx.shape.as_list() == list(got_m.shape) and av.shape.as_list() == list(got_a.shape)
    # gradients by central differences of the NumPy definition, at a few entries
    for idx in [(0, 0, 0, 0), (1, size[0] - 1, size[1] - 1, 2), (0, size[0] // 2, size[1] // 2, 1)]:
        for got, red in ((got_gm, np.max), (got_ga, np.mean)):
            e = np.zeros_like(x0)
            e[idx] = 1e-6
            fd = ((np_pool(x0 + e, k, s, padding, red) ** 2).sum() - (np_pool(x0 - e, k, s, padding, red) ** 2).sum())
            np.testing.assert_allclose(got[idx], fd / 2e-6, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("size,k,s", [((28, 28), (3, 3), (2, 2)), ((7, 8), (2, 2), (1, 1)), ((6, 6), (5, 5), (1, 1)),
                                      ((9, 7), (4, 3), (3, 2))])
def test_conv2d_same_pads_the_odd_pixel_at_the_end(size, k, s):
    tf.reset_default_graph()
    x0, f0 = R.standard_normal((2,) + size + (3,)), R.standard_normal(k + (3, 4))
    x, f = tf.Variable(x0), tf.Variable(f0)
    y = tf.nn.conv2d(x, f, [1, s[0], s[1], 1], "SAME")
    gx, gf = tf.gradients(tf.reduce_sum(y * y), [x, f])
    got, got_gx, got_gf = run([y, gx, gf])
    want = np_conv_same(x0, f0, s)
    assert y.shape.as_list() == list(want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    for arr, g, idx in ((x0, got_gx, (1, size[0] - 1, size[1] - 1, 2)), (f0, got_gf, (k[0] - 1, k[1] - 1, 2, 3))):
        e = np.zeros_like(arr)
        e[idx] = 1e-6
        plus = np_conv_same(x0 + e, f0, s) if arr is x0 else np_conv_same(x0, f0 + e, s)
        minus = np_conv_same(x0 - e, f0, s) if arr is x0 else np_conv_same(x0, f0 - e, s)
        np.testing.assert_allclose(g[idx], ((plus ** 2).sum() - (minus ** 2).sum()) / 2e-6, rtol=1e-5)


# ---------------------------------------------------------------- fused batch norm

def _bn_reference(x, gamma, beta, eps):
    """The shared kernel's training forward (NCHW), with the batch statistics it hands the running arrays."""
    c = x.shape[1]
    mean, var = np.zeros(c, np.float32), np.zeros(c, np.float32)
    y, _ = K.batch_norm.forward(np, x.copy(), gamma, beta, mean, var, eps=eps, momentum=0.0,
                                convention="decay")
    return y, mean, var


@pytest.mark.parametrize("data_format", ["NCHW", "NHWC"])
def test_fused_batch_norm_is_the_kernel_with_tfs_outputs(data_format):
    tf.reset_default_graph()
    x = R.standard_normal((4, 3, 5, 6)).astype(np.float32)
    gamma, beta = R.uniform(0.5, 1.5, 3).astype(np.float32), R.uniform(-1, 1, 3).astype(np.float32)
    feed = x if data_format == "NCHW" else x.transpose(0, 2, 3, 1)
    xt = tf.placeholder(tf.float32, feed.shape)
    y, mean, var = tf.nn.fused_batch_norm(xt, gamma, beta, epsilon=1e-3, data_format=data_format)
    assert y.op.type == "FusedBatchNorm" and mean.shape.as_list() == [3] and var.shape.as_list() == [3]
    got_y, got_m, got_v = run([y, mean, var], {xt: feed})
    ref_y, ref_m, ref_v = _bn_reference(x, gamma, beta, 1e-3)
    ref_y = ref_y if data_format == "NCHW" else ref_y.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(got_y, ref_y)
    # y not fetched: the plan writes it into its buffer (out=), the same numbers
    np.testing.assert_array_equal(run(y * 2.0, {xt: feed}), 2 * ref_y)
    np.testing.assert_array_equal(got_m, ref_m)
    np.testing.assert_array_equal(got_v, ref_v)
    n = x.size // 3   # batch_variance is Bessel-corrected, as TF's CPU kernel returns it
    np.testing.assert_allclose(got_v, x.var(axis=(0, 2, 3)) * n / (n - 1), rtol=1e-5)


def test_fused_batch_norm_gradients_are_the_kernels():
    tf.reset_default_graph()
    x = R.standard_normal((4, 3, 5, 6)).astype(np.float32)
    gy = R.standard_normal(x.shape).astype(np.float32)
    gamma, beta = R.uniform(0.5, 1.5, 3).astype(np.float32), R.uniform(-1, 1, 3).astype(np.float32)
    xt, gt, bt = tf.constant(x), tf.constant(gamma), tf.constant(beta)
    y, _, _ = tf.nn.fused_batch_norm(xt, gt, bt, epsilon=1e-3, data_format="NCHW")
    got = run(tf.gradients(tf.reduce_sum(y * gy), [xt, gt, bt]))
    _, saved = K.batch_norm.forward(np, x.copy(), gamma, beta, np.zeros(3, np.float32), np.zeros(3, np.float32),
                                    eps=1e-3, momentum=0.0, convention="decay")
    want = K.batch_norm.backward(np, saved, gy, eps=1e-3, momentum=0.0, convention="decay")[:3]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_fused_batch_norm_inference_epsilon_floor_and_errors():
    tf.reset_default_graph()
    x = R.standard_normal((2, 4, 4, 3)).astype(np.float32)
    mean, var = R.uniform(-1, 1, 3).astype(np.float32), R.uniform(0.5, 2, 3).astype(np.float32)
    ones, zeros = np.ones(3, np.float32), np.zeros(3, np.float32)
    y, m, v = tf.nn.fused_batch_norm(x, ones, zeros, mean=mean, variance=var, epsilon=1e-3, is_training=False)
    got_y, got_m, got_v = run([y, m, v])
    np.testing.assert_allclose(got_y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got_m, mean)   # inference returns the statistics it was given
    np.testing.assert_array_equal(got_v, var)
    # TF raises epsilon to cuDNN's minimum 1.001e-5
    y, _, _ = tf.nn.fused_batch_norm(x, ones, zeros, epsilon=1e-8)
    assert y.op.attrs["epsilon"] == 1.001e-5
    with pytest.raises(ValueError, match="must be a 1D tensor when is_training is False"):
        tf.nn.fused_batch_norm(x, ones, zeros, is_training=False)
    with pytest.raises(ValueError, match="4-dimensional"):
        tf.nn.fused_batch_norm(np.zeros((2, 3), np.float32), ones, zeros)


def test_layers_batch_normalization_takes_the_fused_path_where_tf_does():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 3, 4, 4])
    tf.layers.batch_normalization(x, axis=1, training=True)
    tf.layers.batch_normalization(x, axis=1, training=True, fused=False)
    tf.layers.batch_normalization(tf.reshape(x, [-1, 48]), training=True)
    types = [op.type for op in tf.get_default_graph().get_operations()]
    assert types.count("FusedBatchNorm") == 1
