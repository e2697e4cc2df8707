"""workspace_bytes is an upper bound: forward's peak traced memory beyond its inputs, y and saved stays
under the declaration, on inputs large enough (~1 MB) that one undeclared full-size temporary shows."""
import tracemalloc

import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels.workspace import WorkspacePool, use_pool

R = np.random.RandomState(9)
N, C = 250, 500
SLACK = 128 * 1024    # Python objects and NumPy's ufunc buffers (64 KiB in float64), far below one 1 MB array


def x(*shape):
    return R.standard_normal(shape)


def labels(n=N, high=C):
    return R.randint(0, high, n)


LARGE = [
    (K.relu, [x(N, C)], {}), (K.abs, [x(N, C)], {}), (K.sqrt, [np.abs(x(N, C))], {}), (K.rsqrt, [np.abs(x(N, C)) + 1], {}),
    (K.cast, [x(N, C)], {"dtype": "float32"}), (K.sign, [x(N, C)], {}),
    (K.equal, [x(N, C), x(C)], {}), (K.less_equal, [x(N, C), x(N, C)], {}),
    (K.softmax, [x(N, C)], {}), (K.softmax, [x(N, C)], {"axis": 0}), (K.log_softmax, [x(N, C)], {}),
    (K.leaky_relu, [x(N, C)], {}), (K.elu, [x(N, C)], {}), (K.softplus, [x(N, C)], {}),
    (K.softplus, [x(N, C)], {"beta": 2.0, "threshold": 1.0}),
    (K.nll_loss, [x(N, C), labels()], {}), (K.nll_loss, [x(N, C), labels()], {"reduction": "none"}),
    (K.softmax_cross_entropy, [x(N, C), labels()], {}),
    (K.softmax_cross_entropy, [x(N, C), labels()], {"ignore_index": 3}),
    (K.softmax_cross_entropy_with_logits, [x(N, C), np.abs(x(N, C))], {}),
    (K.sigmoid_cross_entropy_with_logits, [x(N, C), np.abs(x(N, C))], {}),
    (K.sigmoid_cross_entropy_with_logits, [x(N, C), np.abs(x(N, C))], {"reduction": "mean"}),
    (K.mse_loss, [x(N, C), x(N, C)], {}), (K.mse_loss, [x(N, C), x(N, C)], {"reduction": "none"}),
    (K.max, [x(N, C)], {"axis": 1}), (K.max, [x(N, C)], {"axis": 0}), (K.min, [x(10, N, 50)], {"axis": (0, 2)}),
    (K.argmax, [x(N, C)], {"axis": 1}), (K.argmin, [x(N, C)], {}),
    (K.gather, [x(N, C), R.randint(0, C, (N, 100))], {"axis": 1}),
    (K.take, [x(N, C), labels(2000, N)], {}), (K.take, [x(N, C), labels(2000, N)], {"mode": "wrap"}),
    (K.embedding, [x(N, C), labels((40, 16), N)], {}),
    (K.one_hot, [labels()], {"depth": C}), (K.one_hot, [labels()], {"depth": C, "on_value": 2.0}),
    (K.where, [x(N, C) > 0, x(N, C), x(N, C)], {}),
    (K.stack, [x(N, C), x(N, C)], {"axis": 1}), (K.unstack, [x(4, N, C)], {}),
    (K.broadcast_to, [x(1, C)], {"shape": (N, C)}), (K.pad, [x(N, C)], {"pad_width": 2}),
    (K.squeeze, [x(N, 1, C)], {}), (K.unsqueeze, [x(N, C)], {"axis": 0}), (K.tile, [x(N, C)], {"reps": (2, 2)}),
    # nn, pool, normalization: NCHW maps of ~1 MB and more
    (K.conv2d, [x(8, 16, 32, 32), x(16, 16, 3, 3)], {"pad": 1}),
    (K.conv2d, [x(8, 16, 32, 32), x(32, 16, 3, 3), x(32)], {"pad": 1, "stride": 2}),
    (K.conv_transpose2d, [x(8, 16, 16, 16), x(16, 8, 4, 4), x(8)], {"stride": 2, "pad": 1}),
    (K.conv_transpose2d, [x(8, 16, 32, 32), x(16, 16, 3, 3)], {"pad": 1}),
    (K.max_pool2d, [x(8, 16, 32, 32)], {"kernel": 2}),
    (K.max_pool2d, [x(8, 16, 31, 31)], {"kernel": 3, "stride": 2, "pad": 1, "ceil_mode": True}),
    (K.avg_pool2d, [x(8, 16, 32, 32)], {"kernel": 2}),
    (K.avg_pool2d, [x(8, 16, 31, 31)], {"kernel": 3, "stride": 2, "pad": 1, "ceil_mode": True,
                                        "count_include_pad": False}),
    (K.global_avg_pool2d, [x(8, 16, 32, 32)], {}),
    (K.batch_norm, [x(8, 16, 32, 32), x(16), x(16), x(16), np.abs(x(16))], {}),
    (K.batch_norm, [x(8, 16, 32, 32), x(16), x(16), x(16), np.abs(x(16))], {"training": False}),
    (K.batch_norm, [x(N, C), x(C), x(C), x(C), np.abs(x(C))], {"convention": "decay", "momentum": 0.9}),
    (K.lrn, [x(8, 16, 32, 32)], {"size": 5, "alpha": 1e-4, "beta": 0.75}),
    (K.dropout, [x(N, C)], {"p": 0.3}),
    (K.lstm, [x(10, 16, 64), x(16, 128), x(16, 128), x(64, 512), x(128, 512), x(512), x(512)], {}),
]


@pytest.mark.parametrize("case", LARGE, ids=[f"{c[0].name}-{i}" for i, c in enumerate(LARGE)])
def test_workspace_bounds_forward_temporaries(case):
    kernel, inputs, attrs = case
    kernel.forward(np, *[a.copy() for a in inputs], **attrs)   # warm caches outside the traced call
    xs = [a.copy() for a in inputs]
    tracemalloc.start()
    try:
        y, saved = kernel.forward(np, *xs, **attrs)
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    declared = kernel.workspace_bytes(*[a.shape for a in xs], itemsize=8, **attrs)
    assert peak - now <= declared + SLACK, (
        f"{kernel.name}: forward's temporaries peaked at {peak - now} bytes, workspace_bytes says {declared}")


# ---------------------------------------------------------------- the workspace pool (workspace.py)

def _forward_backward(kernel, inputs, attrs):
    y, saved = kernel.forward(np, *inputs, **attrs)
    gy = tuple(np.ones_like(o) for o in y) if isinstance(y, tuple) else np.ones_like(y)
    return y, kernel.backward(np, saved, gy, **attrs)


@pytest.mark.parametrize("case", LARGE, ids=[f"{c[0].name}-{i}" for i, c in enumerate(LARGE)])
def test_only_kernels_declaring_uses_pool_draw_from_it(case):
    kernel, inputs, attrs = case
    mine = WorkspacePool(min_bytes=0)
    old = use_pool(mine)
    try:
        _forward_backward(kernel, [a.copy() for a in inputs], attrs)
    finally:
        use_pool(old)
    if not kernel.uses_pool:
        assert mine.draws == 0, f"{kernel.name} draws from the pool but does not declare uses_pool"


@pytest.mark.parametrize("kernel", [k for k in K.REGISTRY.values() if getattr(k, "uses_pool", False)],
                         ids=lambda k: k.name)
def test_a_kernel_declaring_uses_pool_draws_from_it(kernel):
    cases = [c for c in LARGE if c[0] is kernel]
    assert cases, f"{kernel.name} declares uses_pool: give it a case in LARGE"
    mine = WorkspacePool(min_bytes=0)
    old = use_pool(mine)
    try:
        for _, inputs, attrs in cases:
            _forward_backward(kernel, [a.copy() for a in inputs], attrs)
    finally:
        use_pool(old)
    assert mine.draws > 0, f"{kernel.name} declares uses_pool but never draws from the pool"


POOLED = [c for c in LARGE if c[0].uses_pool]


@pytest.mark.parametrize("case", POOLED, ids=[f"{c[0].name}-{i}" for i, c in enumerate(POOLED)])
def test_a_pooled_array_is_never_handed_out_while_anything_refers_to_it(case):
    """Two forwards on different data with the first's y and saved alive, then the first's backward: the
    same numbers as with no pool at all, so reuse never overwrote a live y, saved array or gradient."""
    kernel, inputs, attrs = case
    other = [a[::-1].copy() if a.dtype.kind == "f" else a.copy() for a in inputs]

    def run():
        y1, s1 = kernel.forward(np, *[a.copy() for a in inputs], **attrs)
        y2, s2 = kernel.forward(np, *[a.copy() for a in other], **attrs)
        gy = tuple(np.ones_like(o) for o in y1) if isinstance(y1, tuple) else np.ones_like(y1)
        g1 = kernel.backward(np, s1, gy, **attrs)
        kernel.backward(np, s2, gy, **attrs)   # draws again while g1 is alive
        return [np.array(a, copy=True) for a in _flat((y1, g1))]

    old = use_pool(None)
    try:
        want = run()
    finally:
        use_pool(old)
    mine = WorkspacePool(min_bytes=0)
    old = use_pool(mine)
    try:
        run()                       # fills the pool
        got = run()                 # draws from it
    finally:
        use_pool(old)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w, err_msg=f"{kernel.name}: a pooled array was reused while alive")


def _flat(values):
    for v in values:
        if isinstance(v, tuple):
            yield from _flat(v)
        elif v is not None:
            yield v


def test_the_pool_reuses_a_released_array_and_keeps_a_step_s_memory_flat():
    x_, w_ = np.ones((8, 16, 32, 32)), np.ones((16, 16, 3, 3))
    mine = WorkspacePool()
    old = use_pool(mine)
    try:
        for _ in range(2):
            y, saved = K.conv2d.forward(np, x_, w_, pad=1)
            K.conv2d.backward(np, saved, np.ones_like(y), pad=1)
        held = mine.nbytes
        del y, saved
        y, saved = K.conv2d.forward(np, x_, w_, pad=1)
        K.conv2d.backward(np, saved, np.ones_like(y), pad=1)
    finally:
        use_pool(old)
    assert mine.nbytes == held, "a step with the same shapes allocated new pooled arrays"
    assert any(b is y.base for blocks in mine.blocks.values() for b in blocks), "the output is not a reused block"


def test_a_block_is_handed_out_again_only_once_no_view_of_it_is_alive():
    mine = WorkspacePool(min_bytes=0)
    a = mine.empty(np, (64, 64), np.float32)
    view = a[3:, ::2].T        # only a view of a view survives
    del a
    b = mine.empty(np, (64, 64), np.float32)
    assert not np.shares_memory(b, view), "a block still viewed was handed out again"
    del view, b
    c = mine.empty(np, (64, 64), np.float32)
    assert mine.nbytes == 2 * c.nbytes and len(next(iter(mine.blocks.values()))) == 2, "a freed block was not reused"


def test_the_pool_is_on_by_default_in_every_thread():
    import threading
    from frameworks.kernels.workspace import pool, _NoPool
    seen = []
    t = threading.Thread(target=lambda: seen.append(pool()))
    t.start()
    t.join()
    assert not isinstance(pool(), _NoPool) and not isinstance(seen[0], _NoPool)
    assert seen[0] is not pool(), "each thread owns its pool"
