"""Optimizer update kernels follow shared/WORKLOADS.md's formulas exactly and update in place."""
import numpy as np

from frameworks import kernels as K

R = np.random.RandomState(2)


def test_sgd_in_place():
    p, g = R.standard_normal(5).astype(np.float32), R.standard_normal(5).astype(np.float32)
    expect = p - np.float32(0.1) * g
    ref = p
    K.sgd.update(np, p, g, 0.1)
    assert p is ref and p.dtype == np.float32
    np.testing.assert_array_equal(p, expect)


def test_sgd_weight_decay():
    p, g = R.standard_normal(5), R.standard_normal(5)
    expect = p - 0.1 * (g + 0.01 * p)
    K.sgd.update(np, p, g, 0.1, weight_decay=0.01)
    np.testing.assert_allclose(p, expect, rtol=1e-15)


def test_momentum_three_steps():
    p, v = R.standard_normal(4), np.zeros(4)
    p_ref, v_ref = p.copy(), np.zeros(4)
    for _ in range(3):
        g = R.standard_normal(4)
        K.momentum.update(np, p, g, v, 0.01, momentum=0.9)
        v_ref = 0.9 * v_ref + g
        p_ref = p_ref - 0.01 * v_ref
    np.testing.assert_allclose(p, p_ref, rtol=1e-14)
    np.testing.assert_allclose(v, v_ref, rtol=1e-14)


def test_adam_textbook_with_bias_correction():
    p = R.standard_normal(6)
    m, v = np.zeros(6), np.zeros(6)
    p_ref, m_ref, v_ref = p.copy(), m.copy(), v.copy()
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.001
    for t in range(1, 5):
        g = R.standard_normal(6)
        K.adam.update(np, p, g, m, v, t, lr=lr, beta1=b1, beta2=b2, eps=eps)
        m_ref = b1 * m_ref + (1 - b1) * g
        v_ref = b2 * v_ref + (1 - b2) * g * g
        p_ref = p_ref - lr * (m_ref / (1 - b1 ** t)) / (np.sqrt(v_ref / (1 - b2 ** t)) + eps)
    np.testing.assert_allclose(p, p_ref, rtol=1e-13)
    np.testing.assert_allclose(m, m_ref, rtol=1e-13)


def test_adam_float32_stays_float32():
    p = R.standard_normal(3).astype(np.float32)
    m, v = np.zeros_like(p), np.zeros_like(p)
    K.adam.update(np, p, np.ones_like(p), m, v, 1)
    assert p.dtype == m.dtype == v.dtype == np.float32


def _whole(update, arrays, *args, **kw):
    """The same update with blocking turned off: one pass over whole arrays."""
    from frameworks.kernels import optim
    saved, optim.BLOCK_ELEMS = optim.BLOCK_ELEMS, 1 << 62
    try:
        update(np, *arrays, *args, **kw)
    finally:
        optim.BLOCK_ELEMS = saved


def test_blocked_updates_are_bitwise_one_whole_pass():
    # a parameter above the block size, rows not dividing evenly, plus a transposed (strided) view
    for shape, view in (((1000, 301), lambda a: a), ((301, 1000), lambda a: a.T), ((200_003,), lambda a: a)):
        base = [R.standard_normal(shape).astype(np.float32) for _ in range(5)]
        base[2:] = [np.abs(b) for b in base[2:]]  # second moments are non-negative
        base[2] += 100                            # and centered RMSProp's exceeds grad_avg squared
        cases = ((K.sgd.update, 2, (0.1,), dict(weight_decay=0.01)),
                 (K.momentum.update, 3, (0.01,), dict(momentum=0.9, weight_decay=0.001)),
                 (K.momentum.update, 3, (0.01,), dict(lr_in_velocity=True, weight_decay=0.001)),
                 (K.adam.update, 4, (3,), dict(lr=0.01)),
                 (K.adam.update, 4, (3,), dict(lr=0.01, eps_placement="folded")),
                 (K.nesterov.update, 3, (0.01,), dict(momentum=0.9, weight_decay=0.001)),
                 (K.nesterov.update, 3, (0.01,), dict(lr_in_velocity=True)),
                 (K.rmsprop.update, 5, (), dict(centered=True, momentum=0.5)),
                 (K.adagrad.update, 3, (), dict(lr=0.1)),
                 (K.adadelta.update, 4, (), dict(weight_decay=0.01)))
        for update, n, args, kw in cases:
            blocked = [view(b.copy()) for b in base[:n]]
            whole = [view(b.copy()) for b in base[:n]]
            update(np, *blocked, *args, **kw)
            _whole(update, whole, *args, **kw)
            for a, b in zip(blocked, whole):
                np.testing.assert_array_equal(a, b)


def test_blocked_update_keeps_temporaries_small():
    import tracemalloc
    p, g = np.ones((2048, 1024), np.float32), np.ones((2048, 1024), np.float32)   # 8 MiB each
    tracemalloc.start()
    try:
        K.sgd.update(np, p, g, 0.5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < p.nbytes / 8, peak          # a block, not a full-size `lr * grad`
    np.testing.assert_array_equal(p, 0.5)


def test_update_with_grad_aliasing_param():
    p = np.full((400, 400), 2.0, np.float32)
    K.sgd.update(np, p, p, 0.25)              # p -= 0.25 * p, block by block
    np.testing.assert_array_equal(p, 1.5)


# ---------------------------------------------------------------- each framework's rule, written out by hand

def _run(update, steps, p, states, args, **kw):
    """Apply `update` for `steps` fresh gradients (the sequence _grads gives the reference); args(t) are the
    positional arguments after the state arrays."""
    rs = np.random.RandomState(11)
    for t in range(1, steps + 1):
        update(np, p, rs.standard_normal(p.shape), *states, *args(t), **kw)
    return p


def _grads(steps, shape):
    rs = np.random.RandomState(11)
    return [rs.standard_normal(shape) for _ in range(steps)]


def test_nesterov_pytorch_form():
    p0 = R.standard_normal(5)
    lr, mu, wd = 0.05, 0.9, 0.01
    p, v = p0.copy(), np.zeros(5)
    _run(K.nesterov.update, 4, p, (v,), lambda t: (lr,), momentum=mu, weight_decay=wd)
    # torch.optim.SGD(nesterov=True): buf = mu*buf + g (buf = g at step 1); g = g + mu*buf; p -= lr*g
    q, buf = p0.copy(), None
    for g in _grads(4, 5):
        g = g + wd * q
        buf = g.copy() if buf is None else mu * buf + g
        q = q - lr * (g + mu * buf)
    np.testing.assert_allclose(p, q, rtol=1e-14)


def test_nesterov_caffe_form_with_a_changing_lr():
    p0 = R.standard_normal(5)
    mu = 0.9
    p, v = p0.copy(), np.zeros(5)
    _run(K.nesterov.update, 4, p, (v,), lambda t: (0.1 / t,), momentum=mu, lr_in_velocity=True)
    # Caffe NesterovUpdate: h_new = mu*h + local_rate*g; update = (1+mu)*h_new - mu*h; param -= update
    q, h = p0.copy(), np.zeros(5)
    for t, g in enumerate(_grads(4, 5), 1):
        h_new = mu * h + (0.1 / t) * g
        q = q - ((1 + mu) * h_new - mu * h)
        h = h_new
    np.testing.assert_allclose(p, q, rtol=1e-14)
    np.testing.assert_allclose(v, h, rtol=1e-14)


def test_rmsprop_pytorch_plain_and_centered_with_momentum():
    p0 = R.standard_normal(6)
    lr, a, eps, mu = 0.01, 0.99, 1e-8, 0.5
    p, s = p0.copy(), np.zeros(6)
    _run(K.rmsprop.update, 4, p, (s,), lambda t: ())
    q, sq = p0.copy(), np.zeros(6)
    for g in _grads(4, 6):
        sq = a * sq + (1 - a) * g * g
        q = q - lr * g / (np.sqrt(sq) + eps)
    np.testing.assert_allclose(p, q, rtol=1e-13)
    # torch RMSprop(centered=True, momentum=mu): avg = sqrt(sq - ga^2) + eps; buf = mu*buf + g/avg; p -= lr*buf
    p, s, ga, buf = p0.copy(), np.zeros(6), np.zeros(6), np.zeros(6)
    _run(K.rmsprop.update, 4, p, (s, ga, buf), lambda t: (), centered=True, momentum=mu)
    q, sq, gav, b = p0.copy(), np.zeros(6), np.zeros(6), np.zeros(6)
    for g in _grads(4, 6):
        sq = a * sq + (1 - a) * g * g
        gav = a * gav + (1 - a) * g
        b = mu * b + g / (np.sqrt(sq - gav * gav) + eps)
        q = q - lr * b
    np.testing.assert_allclose(p, q, rtol=1e-12)


def test_rmsprop_tf1_eps_inside_and_lr_in_momentum():
    p0 = R.standard_normal(6)
    lr, rho, eps, mu = 0.001, 0.9, 1e-10, 0.3
    p, s, buf = p0.copy(), np.full(6, 1.0), np.zeros(6)   # TF1 starts ms at 1
    _run(K.rmsprop.update, 4, p, (s, None, buf), lambda t: (), lr=lr, alpha=rho, eps=eps, eps_inside=True,
         momentum=mu, lr_in_momentum=True)
    # tf.train.RMSPropOptimizer (ApplyRMSProp): ms += (g^2 - ms)*(1-rho); mom = mom*mu + lr*g/sqrt(ms+eps); var -= mom
    q, ms, mom = p0.copy(), np.full(6, 1.0), np.zeros(6)
    for g in _grads(4, 6):
        ms = ms + (g * g - ms) * (1 - rho)
        mom = mom * mu + lr * g / np.sqrt(ms + eps)
        q = q - mom
    np.testing.assert_allclose(p, q, rtol=1e-12)
    # MXNet rmsprop_update: n = (1-g1)*g^2 + g1*n; w -= lr * g / sqrt(n + eps)
    p, s = p0.copy(), np.zeros(6)
    _run(K.rmsprop.update, 3, p, (s,), lambda t: (), lr=lr, alpha=rho, eps=eps, eps_inside=True)
    q, n = p0.copy(), np.zeros(6)
    for g in _grads(3, 6):
        n = (1 - rho) * g * g + rho * n
        q = q - lr * g / np.sqrt(n + eps)
    np.testing.assert_allclose(p, q, rtol=1e-12)


def test_rmsprop_refuses_missing_state():
    import pytest
    with pytest.raises(ValueError, match="centered=True needs the grad_avg"):
        K.rmsprop.update(np, np.zeros(2), np.zeros(2), np.zeros(2), centered=True)
    with pytest.raises(ValueError, match="momentum > 0 needs the buf"):
        K.rmsprop.update(np, np.zeros(2), np.zeros(2), np.zeros(2), momentum=0.9)


def test_adagrad_pytorch_caffe_and_mxnet_eps():
    p0 = R.standard_normal(5)
    lr, eps, wd = 0.1, 1e-10, 0.01
    p, h = p0.copy(), np.zeros(5)
    _run(K.adagrad.update, 4, p, (h,), lambda t: (), lr=lr, weight_decay=wd)
    # torch Adagrad: g += wd*p; sum += g*g; p -= lr * g / (sqrt(sum) + eps)  (Caffe's AdaGradUpdate: the same)
    q, acc = p0.copy(), np.zeros(5)
    for g in _grads(4, 5):
        g = g + wd * q
        acc = acc + g * g
        q = q - lr * g / (np.sqrt(acc) + eps)
    np.testing.assert_allclose(p, q, rtol=1e-13)
    p, h = p0.copy(), np.zeros(5)
    _run(K.adagrad.update, 2, p, (h,), lambda t: (), lr=lr, eps=1e-7, eps_inside=True)
    q, acc = p0.copy(), np.zeros(5)
    for g in _grads(2, 5):
        acc = acc + g * g
        q = q - lr * g / np.sqrt(acc + 1e-7)
    np.testing.assert_allclose(p, q, rtol=1e-13)


def test_adadelta_pytorch_and_caffe():
    p0 = R.standard_normal(5)
    lr, rho, eps = 1.0, 0.9, 1e-6
    for ratio in (False, True):
        p, s, a = p0.copy(), np.zeros(5), np.zeros(5)
        _run(K.adadelta.update, 4, p, (s, a), lambda t: (), sqrt_of_ratio=ratio)
        # torch Adadelta: sq = rho*sq + (1-rho)g^2; d = sqrt(acc+eps)/sqrt(sq+eps)*g; acc = rho*acc + (1-rho)d^2
        # Caffe AdaDeltaUpdate: gi * sqrt((h2 + delta) / (h + delta)), h2 updated the same way
        q, sq, acc = p0.copy(), np.zeros(5), np.zeros(5)
        for g in _grads(4, 5):
            sq = rho * sq + (1 - rho) * g * g
            d = (np.sqrt((acc + eps) / (sq + eps)) if ratio else np.sqrt(acc + eps) / np.sqrt(sq + eps)) * g
            acc = rho * acc + (1 - rho) * d * d
            q = q - lr * d
        np.testing.assert_allclose(p, q, rtol=1e-13)
        np.testing.assert_allclose(a, acc, rtol=1e-13)


def test_adam_folded_is_caffe_and_mxnet():
    p0 = R.standard_normal(6)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p, m, v = p0.copy(), np.zeros(6), np.zeros(6)
    _run(K.adam.update, 5, p, (m, v), lambda t: (t,), lr=lr, eps_placement="folded")
    # Caffe AdamSolver: corrected_local_rate = lr * sqrt(1 - b2^t) / (1 - b1^t); g = rate * m / (sqrt(v) + eps_hat)
    q, mm, vv = p0.copy(), np.zeros(6), np.zeros(6)
    for t, g in enumerate(_grads(5, 6), 1):
        mm = mm * b1 + g * (1 - b1)
        vv = vv * b2 + g * g * (1 - b2)
        q = q - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * mm / (np.sqrt(vv) + eps)
    np.testing.assert_allclose(p, q, rtol=1e-13)
    import pytest
    with pytest.raises(ValueError, match="eps_placement must be"):
        K.adam.update(np, p, p.copy(), m, v, 1, eps_placement="inside")


def test_adam_placements_differ_where_eps_matters():
    g = np.full(3, 1e-6)
    a, b = np.zeros(3), np.zeros(3)
    K.adam.update(np, a, g, np.zeros(3), np.zeros(3), 1, eps=1e-3)
    K.adam.update(np, b, g, np.zeros(3), np.zeros(3), 1, eps=1e-3, eps_placement="folded")
    assert not np.allclose(a, b)


def test_new_updates_keep_float32():
    for update, n, kw in ((K.nesterov.update, 3, dict(lr=0.1)), (K.rmsprop.update, 5, dict(centered=True, momentum=0.9)),
                          (K.adagrad.update, 3, {}), (K.adadelta.update, 4, {})):
        arrays = [R.standard_normal(4).astype(np.float32) for _ in range(2)]
        arrays += [np.zeros(4, np.float32) for _ in range(n - 2)]
        update(np, *arrays, **kw)
        assert all(a.dtype == np.float32 for a in arrays)


def test_add_weight_decay_in_place():
    p, g = R.standard_normal(4), R.standard_normal(4)
    expect = g + 0.01 * p
    out = K.add_weight_decay(np, p, g, 0.01)
    assert out is g
    np.testing.assert_allclose(g, expect, rtol=1e-15)


def test_clip_by_global_norm():
    a, b = np.array([3.0, 0.0], np.float32), np.array([[4.0]], np.float32)
    norm = K.clip_by_global_norm(np, [a, None, b], 1.0, eps=0.0)   # TF / Caffe: scale = 1 / 5
    assert float(norm) == 5.0 and norm.dtype == np.float32
    np.testing.assert_allclose(a, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b, [[0.8]], rtol=1e-6)
    a, b = np.array([3.0, 0.0]), np.array([4.0])
    K.clip_by_global_norm(np, [a, b], 1.0)                   # PyTorch: max_norm / (norm + 1e-6)
    np.testing.assert_allclose(a, [3.0 / (5 + 1e-6), 0.0], rtol=1e-15)
    small = np.array([0.1, 0.2])
    before = small.copy()
    assert abs(float(K.clip_by_global_norm(np, [small], 1.0)) - np.sqrt(0.05)) < 1e-15
    np.testing.assert_array_equal(small, before)             # under the limit: untouched
    big = np.full((700, 300), 0.01)                          # above the block size: blocked sums agree
    assert abs(float(K.clip_by_global_norm(np, [big], 100.0)) - np.sqrt(700 * 300 * 1e-4)) < 1e-9


# MXNet's optimizers (python/mxnet/optimizer/optimizer.py and src/operator/optimizer_op-inl.h, v1.x), each
# checked over three steps against its formula written out by hand in float64


def _steps(n=3, size=5):
    return [R.standard_normal(size) for _ in range(n)]


def test_adamax_mxnet_formula():
    p = R.standard_normal(5)
    m, u = np.zeros(5), np.zeros(5)
    p_ref, m_ref, u_ref = p.copy(), m.copy(), u.copy()
    for t, g in enumerate(_steps(), 1):
        K.adamax.update(np, p, g, m, u, t, lr=0.002, beta1=0.9, beta2=0.999, weight_decay=0.01)
        gd = g + 0.01 * p_ref
        m_ref = 0.9 * m_ref + 0.1 * gd
        u_ref = np.maximum(0.999 * u_ref, np.abs(gd))
        p_ref = p_ref - 0.002 / (1 - 0.9 ** t) * m_ref / u_ref
    np.testing.assert_allclose(p, p_ref, rtol=1e-14)
    np.testing.assert_allclose(u, u_ref, rtol=1e-14)


def test_nadam_mxnet_formula():
    p = R.standard_normal(5)
    m, v = np.zeros(5), np.zeros(5)
    p_ref, m_ref, v_ref, sched = p.copy(), m.copy(), v.copy(), 1.0
    for t, g in enumerate(_steps(), 1):
        mu_t, mu_t1 = 0.9 * (1 - 0.5 * 0.96 ** (t * 0.004)), 0.9 * (1 - 0.5 * 0.96 ** ((t + 1) * 0.004))
        sched *= mu_t
        K.nadam.update(np, p, g, m, v, t, mu_t, mu_t1, sched, sched * mu_t1, lr=0.001)
        m_ref = 0.9 * m_ref + 0.1 * g
        v_ref = 0.999 * v_ref + 0.001 * g * g
        m_bar = (1 - mu_t) * g / (1 - sched) + mu_t1 * m_ref / (1 - sched * mu_t1)
        p_ref = p_ref - 0.001 * m_bar / (np.sqrt(v_ref / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(p, p_ref, rtol=1e-14)


def test_signum_and_signsgd_mxnet_formula():
    p, s = R.standard_normal(5), np.zeros(5)
    p_ref, s_ref = p.copy(), s.copy()
    q = p.copy()
    q_ref = q.copy()
    for g in _steps():
        K.signum.update(np, p, g, s, 0.01, momentum=0.9, weight_decay=0.1, wd_lh=0.05)
        s_ref = 0.9 * s_ref + 0.1 * (g + 0.1 * p_ref)
        p_ref = (1 - 0.01 * 0.05) * p_ref - 0.01 * np.sign(s_ref)
        K.signum.update(np, q, g, None, 0.01)
        q_ref = q_ref - 0.01 * np.sign(g)
    np.testing.assert_allclose(p, p_ref, rtol=1e-14)
    np.testing.assert_allclose(q, q_ref, rtol=1e-14)


def test_ftrl_mxnet_formula_zeroes_small_z():
    p = R.standard_normal(5)
    z, n = np.zeros(5), np.zeros(5)
    p_ref, z_ref, n_ref = p.copy(), z.copy(), n.copy()
    for g in _steps():
        K.ftrl.update(np, p, g, z, n, lr=0.1, lamda1=0.5, beta=1.0, weight_decay=0.01)
        z_ref = z_ref + g - (np.sqrt(n_ref + g * g) - np.sqrt(n_ref)) * p_ref / 0.1
        n_ref = n_ref + g * g
        p_ref = (np.sign(z_ref) * 0.5 - z_ref) / ((1.0 + np.sqrt(n_ref)) / 0.1 + 0.01) * (np.abs(z_ref) > 0.5)
    np.testing.assert_allclose(p, p_ref, rtol=1e-14)
    assert (p == 0).any() and (p != 0).any()   # lamda1 0.5 both zeroes and keeps coordinates here


def test_ftml_mxnet_formula():
    p = R.standard_normal(5)
    d, v, z = np.zeros(5), np.zeros(5), np.zeros(5)
    p_ref, d_ref, v_ref, z_ref = p.copy(), d.copy(), v.copy(), z.copy()
    for t, g in enumerate(_steps(), 1):
        K.ftml.update(np, p, g, d, v, z, t, lr=0.01, beta1=0.6, beta2=0.999, eps=1e-8, weight_decay=0.01)
        gd = g + 0.01 * p_ref
        v_ref = 0.999 * v_ref + 0.001 * gd * gd
        d_t = (1 - 0.6 ** t) / 0.01 * (np.sqrt(v_ref / (1 - 0.999 ** t)) + 1e-8)
        z_ref = 0.6 * z_ref + 0.4 * gd - (d_t - 0.6 * d_ref) * p_ref
        d_ref = d_t
        p_ref = -z_ref / d_t
    np.testing.assert_allclose(p, p_ref, rtol=1e-13)


def test_dcasgd_mxnet_formula_with_and_without_momentum():
    for momentum in (0.0, 0.9):
        p = R.standard_normal(5)
        prev, vel = p.copy(), (np.zeros(5) if momentum else None)
        p_ref, prev_ref, mom_ref = p.copy(), p.copy(), np.zeros(5)
        for g in _steps():
            K.dcasgd.update(np, p, g, prev, vel, lr=0.1, momentum=momentum, lamda=0.04, weight_decay=0.01)
            step = -0.1 * (g + 0.01 * p_ref + 0.04 * g * g * (p_ref - prev_ref))
            mom_ref = momentum * mom_ref + step
            prev_ref = p_ref.copy()
            p_ref = p_ref + mom_ref
        np.testing.assert_allclose(p, p_ref, rtol=1e-14)
        np.testing.assert_allclose(prev, prev_ref, rtol=1e-14)


def test_mxnet_updates_keep_float32():
    f = np.float32
    p, g = R.standard_normal(4).astype(f), R.standard_normal(4).astype(f)
    z = lambda: np.zeros(4, f)  # noqa: E731
    K.adamax.update(np, p, g, z(), z(), 1)
    K.nadam.update(np, p, g, z(), z(), 1, 0.45, 0.45, 0.45, 0.2)
    K.signum.update(np, p, g, z(), 0.01)
    K.ftrl.update(np, p, g, z(), z())
    K.ftml.update(np, p, g, z(), z(), z(), 1)
    K.dcasgd.update(np, p, g, p.copy(), z())
    assert p.dtype == np.float32


def test_momentum_lr_in_velocity_is_mxnet_sgd_mom_update_with_a_changing_lr():
    # MXNet's SGDMomKernel: mom = momentum * mom - lr * wd * w - lr * g; w += mom (its mom is -velocity)
    p, v = R.standard_normal(5), np.zeros(5)
    p_ref, mom = p.copy(), np.zeros(5)
    for t, g in enumerate(_steps(), 1):
        lr = 0.1 / t
        K.momentum.update(np, p, g, v, lr, momentum=0.9, weight_decay=0.01, lr_in_velocity=True)
        mom = 0.9 * mom - lr * 0.01 * p_ref - lr * g
        p_ref = p_ref + mom
    np.testing.assert_allclose(p, p_ref, rtol=1e-13)
    np.testing.assert_allclose(-v, mom, rtol=1e-13)


def _lamb_reference(w, g, mean, var, t, lr, beta1, beta2, eps, wd, bias_correction, lower, upper):
    """MXNet 1.x's LambUpdatePhaseOneKernel then LambUpdatePhaseTwoKernel (optimizer_op-inl.h), the
    bounds -1 (unset) where the optimizer does not pass them."""
    mean = beta1 * mean + (1 - beta1) * g
    var = beta2 * var + (1 - beta2) * g * g
    step = mean / (np.sqrt(var) + eps) + wd * w
    if bias_correction:
        step = (mean / (1. - beta1 ** t)) / (np.sqrt(var / (1 - beta2 ** t)) + eps) + wd * w
    r1, r2 = np.linalg.norm(w), np.linalg.norm(step)
    if lower >= 0:
        r1 = max(r1, lower)
    if upper >= 0:
        r1 = min(r1, upper)
    lr = lr if r1 == 0.0 or r2 == 0.0 else lr * r1 / r2
    return w - lr * step, mean, var


def test_lamb_mxnet_phase_one_and_two():
    for bias_correction, lower, upper, wd in ((True, None, None, 0.0), (False, None, None, 0.01),
                                              (True, 0.5, 0.6, 0.01), (True, 10.0, None, 0.0)):
        p, m, v = R.standard_normal((3, 4)), np.zeros((3, 4)), np.zeros((3, 4))
        p_ref, m_ref, v_ref = p.copy(), m.copy(), v.copy()
        for t in range(1, 5):
            g = R.standard_normal((3, 4))
            K.lamb.update(np, p, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-6, weight_decay=wd,
                          bias_correction=bias_correction, lower_bound=lower, upper_bound=upper)
            p_ref, m_ref, v_ref = _lamb_reference(p_ref, g, m_ref, v_ref, t, 0.01, 0.9, 0.999, 1e-6, wd,
                                                  bias_correction, -1 if lower is None else lower,
                                                  -1 if upper is None else upper)
            np.testing.assert_allclose(p, p_ref, rtol=1e-13)
            np.testing.assert_allclose(m, m_ref, rtol=1e-13)
            np.testing.assert_allclose(v, v_ref, rtol=1e-13)


def test_lamb_zero_weight_takes_the_plain_step_and_keeps_float32():
    p = np.zeros(4, np.float32)
    m, v = np.zeros(4, np.float32), np.zeros(4, np.float32)
    g = np.array([1., -2., 3., 0.], np.float32)
    K.lamb.update(np, p, g, m, v, 1, lr=0.1)
    assert p.dtype == np.float32 and m.dtype == np.float32
    # r1 = 0: trust ratio 1, so the step is lr * m_hat / (sqrt(v_hat) + eps) = lr * sign(g) at t = 1
    np.testing.assert_allclose(p, -0.1 * np.sign(g) * (np.abs(g) / (np.abs(g) + 1e-6)), rtol=1e-6)
