"""The "Saving and Restoring" guide and a classic train/resume loop (global step, decay schedules,
Saver(max_to_keep), latest_checkpoint), and TF's exact Momentum/RMSProp/Adagrad update rules."""
import os

import numpy as np
import pytest

import frameworks.static_graph as tf


def test_save_and_restore_guide(tmp_path):
    model = str(tmp_path / "model.ckpt")
    tf.reset_default_graph()
    # Create some variables.
    v1 = tf.get_variable("v1", shape=[3], initializer=tf.zeros_initializer)
    v2 = tf.get_variable("v2", shape=[5], initializer=tf.zeros_initializer)
    inc_v1 = v1.assign(v1 + 1)
    dec_v2 = v2.assign(v2 - 1)
    # Add an op to initialize the variables.
    init_op = tf.global_variables_initializer()
    # Add ops to save and restore all the variables.
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(init_op)
        # Do some work with the model.
        inc_v1.op.run()
        dec_v2.op.run()
        # Save the variables to disk.
        save_path = saver.save(sess, model)
    assert save_path == model

    tf.reset_default_graph()
    v1 = tf.get_variable("v1", shape=[3])
    v2 = tf.get_variable("v2", shape=[5])
    saver = tf.train.Saver()
    with tf.Session() as sess:
        saver.restore(sess, model)
        assert v1.eval().tolist() == [1.0] * 3 and v2.eval().tolist() == [-1.0] * 5

    tf.reset_default_graph()           # choosing variables to restore
    v1 = tf.get_variable("v1", [3], initializer=tf.zeros_initializer)
    v2 = tf.get_variable("v2", [5], initializer=tf.zeros_initializer)
    saver = tf.train.Saver({"v2": v2})
    with tf.Session() as sess:
        v1.initializer.run()
        saver.restore(sess, model)
        assert v1.eval().tolist() == [0.0] * 3 and v2.eval().tolist() == [-1.0] * 5


def _train_graph():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.get_variable("w", [4, 1], initializer=tf.zeros_initializer())
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    global_step = tf.train.get_or_create_global_step()
    learning_rate = tf.train.exponential_decay(0.1, global_step, 10, 0.5, staircase=True)
    train_op = tf.train.MomentumOptimizer(learning_rate, 0.9).minimize(loss, global_step=global_step)
    return x, y, w, loss, global_step, learning_rate, train_op


def test_train_checkpoint_resume(tmp_path):
    ckpt_dir = str(tmp_path / "train")
    rs = np.random.RandomState(0)
    xs = rs.randn(32, 4).astype(np.float32)
    ys = xs @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)

    x, y, w, loss, global_step, learning_rate, train_op = _train_graph()
    saver = tf.train.Saver(max_to_keep=2)
    lrs = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(25):
            _, step, lr = sess.run([train_op, global_step, learning_rate], {x: xs, y: ys})
            lrs.append(lr)
            if step % 10 == 0:
                saver.save(sess, os.path.join(ckpt_dir, "model.ckpt"), global_step=global_step)
        last = saver.save(sess, os.path.join(ckpt_dir, "model.ckpt"), global_step=step)
        w_final, l_final = sess.run([w, loss], {x: xs, y: ys})
    # the rate in force for step s (read before the increment) is 0.1 * 0.5 ** (s // 10)
    np.testing.assert_allclose(lrs, [0.1 * 0.5 ** (s // 10) for s in range(25)], rtol=1e-6)
    assert sorted(os.listdir(ckpt_dir)) == ["checkpoint", "model.ckpt-20.index.json", "model.ckpt-20.npz",
                                            "model.ckpt-25.index.json", "model.ckpt-25.npz"]
    assert tf.train.latest_checkpoint(ckpt_dir) == last == os.path.join(ckpt_dir, "model.ckpt-25")
    state = tf.train.get_checkpoint_state(ckpt_dir)
    assert state.all_model_checkpoint_paths == [os.path.join(ckpt_dir, f"model.ckpt-{s}") for s in (20, 25)]
    assert 'model_checkpoint_path: "model.ckpt-25"' in open(os.path.join(ckpt_dir, "checkpoint")).read()

    # a new process would rebuild the graph and resume from the newest checkpoint
    x, y, w, loss, global_step, learning_rate, train_op = _train_graph()
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, tf.train.latest_checkpoint(ckpt_dir))
        assert sess.run(global_step) == 25
        np.testing.assert_array_equal(sess.run(w), w_final)
        np.testing.assert_allclose(sess.run(loss, {x: xs, y: ys}), l_final)
        sess.run(train_op, {x: xs, y: ys})
        assert sess.run(global_step) == 26


def test_restore_of_a_truncated_or_garbage_checkpoint_is_data_loss(tmp_path):
    tf.reset_default_graph()
    v = tf.get_variable("v", [3])
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "m"))
        data = open(path + ".npz", "rb").read()
        with open(path + ".npz", "wb") as f:
            f.write(data[: len(data) // 2])
        with pytest.raises(tf.errors.DataLossError, match=r"m\.npz"):
            saver.restore(sess, path)
        with open(path + ".index.json", "w") as f:
            f.write("\x00garbage")
        with pytest.raises(tf.errors.DataLossError, match=r"m\.index\.json"):
            saver.restore(sess, path)
        with pytest.raises(ValueError, match="Can't load save_path when it is None"):
            saver.restore(sess, tf.train.latest_checkpoint(str(tmp_path / "nowhere")))
    assert v is not None


def test_piecewise_constant_returns_each_value_exactly():
    tf.reset_default_graph()
    step = tf.placeholder(tf.int64, [])
    lr = tf.train.piecewise_constant(step, [100, 200], [0.1, 0.01, 0.001])
    with tf.Session() as sess:
        got = [sess.run(lr, {step: s}) for s in (0, 100, 101, 200, 201, 10 ** 6)]
    assert got == [np.float32(v) for v in (0.1, 0.1, 0.01, 0.01, 0.001, 0.001)]


# ---- TF's update kernels (training_ops.cc), written out in NumPy float32

def _tf_rule(name, p, g, state, lr):
    if name == "momentum":
        (a,) = state
        a[:] = a * np.float32(0.9) + g
        p -= a * lr
    elif name == "nesterov":
        (a,) = state
        a[:] = a * np.float32(0.9) + g
        p -= g * lr + a * np.float32(0.9) * lr
    elif name == "rmsprop":
        ms, mom = state
        ms += (g * g - ms) * np.float32(1 - 0.9)
        mom[:] = mom * np.float32(0.5) + g * lr / np.sqrt(ms + np.float32(1e-10))
        p -= mom
    elif name == "adagrad":
        (acc,) = state
        acc += g * g
        p -= g * lr / np.sqrt(acc)
    elif name == "adam":   # TF1's: the bias corrections folded into the step size
        m, v, t = state
        t[0] += 1
        m[:] = m * np.float32(0.9) + np.float32(0.1) * g
        v[:] = v * np.float32(0.999) + np.float32(0.001) * g * g
        lr_t = lr * np.sqrt(1 - 0.999 ** t[0]) / (1 - 0.9 ** t[0])
        p -= lr_t * m / (np.sqrt(v) + np.float32(0.1))   # a large epsilon: where it sits shows
    elif name == "adadelta":
        accum, accum_update = state
        accum[:] = accum * np.float32(0.95) + g * g * np.float32(0.05)
        update = np.sqrt(accum_update + np.float32(1e-6)) / np.sqrt(accum + np.float32(1e-6)) * g
        p -= update * lr
        accum_update[:] = accum_update * np.float32(0.95) + update * update * np.float32(0.05)


@pytest.mark.parametrize("name", ["momentum", "nesterov", "rmsprop", "adagrad", "adam", "adadelta"])
def test_optimizers_follow_tfs_update_rules(name):
    tf.reset_default_graph()
    rs = np.random.RandomState(1)
    w0 = rs.randn(3, 2).astype(np.float32)
    x = tf.placeholder(tf.float32, [4, 3])
    w = tf.Variable(w0)
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w)))
    lr = np.float32(0.05)
    opt = {"momentum": lambda: tf.train.MomentumOptimizer(lr, 0.9),
           "nesterov": lambda: tf.train.MomentumOptimizer(lr, 0.9, use_nesterov=True),
           "rmsprop": lambda: tf.train.RMSPropOptimizer(lr, momentum=0.5),
           "adagrad": lambda: tf.train.AdagradOptimizer(lr),
           "adam": lambda: tf.train.AdamOptimizer(lr, epsilon=0.1),
           "adadelta": lambda: tf.train.AdadeltaOptimizer(lr, epsilon=1e-6)}[name]()
    train = opt.minimize(loss)
    (grad,) = tf.gradients(loss, [w])
    p = w0.copy()
    state = {"rmsprop": [np.ones_like(p), np.zeros_like(p)],
             "adagrad": [np.full_like(p, 0.1)],
             "adam": [np.zeros_like(p), np.zeros_like(p), [0]],
             "adadelta": [np.zeros_like(p), np.zeros_like(p)]}.get(name, [np.zeros_like(p)])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(4):
            xv = rs.randn(4, 3).astype(np.float32)
            g = sess.run(grad, {x: xv})
            _tf_rule(name, p, g, state, lr)
            sess.run(train, {x: xv})
            np.testing.assert_allclose(sess.run(w), p, rtol=2e-6, atol=1e-6)   # float32 rounding order
    # TF's slot names, and TF's variable names for them (var/Opt, var/Opt_1)
    names = {"momentum": ["momentum"], "nesterov": ["momentum"], "rmsprop": ["momentum", "rms"],
             "adagrad": ["accumulator"], "adam": ["m", "v"], "adadelta": ["accum", "accum_update"]}[name]
    assert opt.get_slot_names() == names
    slots = [opt.get_slot(w, n) for n in names]
    assert sorted(s.op.name for s in slots) == sorted(
        [f"{w.op.name}/{opt._name}"] + [f"{w.op.name}/{opt._name}_{k}" for k in range(1, len(names))])
