"""gemm_replay (not timed): it records every product of a floor step and replays them with the same layouts."""
import ast
import pathlib

import numpy as np
import pytest

import workloads
from frameworks import kernels
from tests.benchmarks.gemm_replay import _span, record_gemms, replayer

KERNELS = pathlib.Path(kernels.__file__).resolve().parent


def test_kernels_make_every_product_through_xp_matmul():
    """The `@` operator goes to NumPy's matmul without reading numpy.matmul, so record_gemms would miss its
    products and the gemms entry would understate the BLAS's share."""
    found = [f"{path.name}:{node.lineno}" for path in sorted(KERNELS.glob("*.py"))
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.MatMult)]
    assert not found, f"products written with @ (write xp.matmul(a, b)): {', '.join(found)}"


def _reference(name):
    w = workloads.get(name)
    size = w.sizes[0]
    return w.trainer("reference", size, "cpu").step, w.batch(0, size)


def test_the_cnn_floor_records_its_convolutions_and_head():
    step, batch = _reference("cnn")
    shapes = [(a[0], b[0]) for a, b, _ in record_gemms(step, batch)]
    # forward: conv1's (8, 1*3*3) @ cols (9, 32*28*28), conv2's (16, 8*3*3) @ (72, 32*14*14), the head's
    # (32, 784) @ (784, 10)
    assert ((8, 9), (9, 32 * 28 * 28)) in shapes
    assert ((16, 72), (72, 32 * 14 * 14)) in shapes
    assert ((32, 784), (784, 10)) in shapes
    # backward: both weight gradients as cols @ gy.T, summed over every output pixel
    assert ((9, 32 * 28 * 28), (32 * 28 * 28, 8)) in shapes
    assert ((72, 32 * 14 * 14), (32 * 14 * 14, 16)) in shapes


def test_the_fused_lstm_floor_records_a_product_per_step_each_way():
    step, batch = _reference("lstm")
    calls = record_gemms(step, batch)
    w = workloads.get("lstm")
    t_len = w.spec.SIZES[w.sizes[0]]["T"]
    assert len(calls) >= 2 * t_len - 1   # forward's T steps, backward's T - 1 (h0's gradient is not asked)


def _operands(calls):
    return [la for call in calls for la in call if la is not None]


@pytest.mark.parametrize("name", ["cnn", "lstm", "fc-adam"])
def test_the_replay_makes_the_recorded_products_with_their_layouts_and_sharing(name):
    step, batch = _reference(name)
    calls = record_gemms(step, batch)
    assert calls
    again = record_gemms(replayer(calls))
    # the same products in order: shapes, strides, dtypes, and an output where the step gave one
    assert [[la and la[:3] for la in call] for call in again] == [[la and la[:3] for la in call] for call in calls]
    # operands whose memory overlapped in the step overlap in the replay the same way (one weight read by
    # every time step is one array; a pool block that two products used is one block)
    was, now = _operands(calls), _operands(again)
    for i in range(len(was)):
        for j in range(i):
            (lo_i, hi_i), (lo_j, hi_j) = _span(was[i]), _span(was[j])
            if lo_i < hi_j and lo_j < hi_i:
                assert now[i][3] - now[j][3] == was[i][3] - was[j][3]


def test_recording_restores_numpy_matmul_when_the_step_fails():
    real = np.matmul

    def step():
        np.matmul(np.ones((2, 3)), np.ones((3, 4)))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        record_gemms(step)
    assert np.matmul is real


def test_replayed_operands_keep_their_layouts_and_hold_finite_values():
    a = np.ones((6, 8), np.float32)[:, ::2].T          # (4, 6), strides (4, 32)
    b = np.ones((5, 6), np.float64)[::-1].T            # (6, 5), a negative stride
    calls = record_gemms(lambda: np.matmul(a, b, out=np.empty((4, 5))))
    (la, lb, out), = calls
    assert la[:3] == (a.shape, a.strides, a.dtype) and lb[:3] == (b.shape, b.strides, b.dtype)
    seen = []
    real = np.matmul

    def keep(x, y, **kw):
        seen.append((x.copy(), y.copy()))
        return real(x, y, **kw)

    np.matmul = keep
    try:
        replayer(calls)()
    finally:
        np.matmul = real
    (x, y), = seen
    assert (x.shape, y.shape) == (a.shape, b.shape)
    assert np.isfinite(x).all() and np.isfinite(y).all() and np.abs(x).max() <= 1


def test_operands_in_touching_spans_replay_each_in_its_own_buffer():
    """b's memory starts where a's ends: two runs of spans, and each operand lies wholly in its own."""
    buf = np.ones(12, np.float32)
    a, b = buf[:6].reshape(2, 3), buf[6:].reshape(3, 2)
    calls = record_gemms(lambda: np.matmul(a, b))
    again = record_gemms(replayer(calls))
    assert [la[:3] for la in again[0][:2]] == [la[:3] for la in calls[0][:2]]
