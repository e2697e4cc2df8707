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
