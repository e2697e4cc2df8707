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
        base = [R.standard_normal(shape).astype(np.float32) for _ in range(4)]
        base[3] = np.abs(base[3])                 # Adam's second moment is non-negative
        cases = ((K.sgd.update, 2, (0.1,), dict(weight_decay=0.01)),
                 (K.momentum.update, 3, (0.01,), dict(momentum=0.9, weight_decay=0.001)),
                 (K.adam.update, 4, (3,), dict(lr=0.01)))
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
