"""Every kernel's declared facts (accepts_out, may_view, may_overwrite, saves_*, grad_may_view, grad_accepts_out,
saved_bytes)
checked against what the kernel really does on the sample inputs of test_gradients.CASES."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels.base import ALL
from tests.frameworks.kernels.test_gradients import CASES

KERNEL_CASES = [c for c in CASES if issubclass(c[1], K.Kernel)]
IDS = [c[0] for c in KERNEL_CASES]


def _outs(y):
    return y if isinstance(y, tuple) else (y,)


def _arrays(obj):
    """Every array reachable from `saved` (tuples, lists, dicts), in order."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [a for o in obj for a in _arrays(o)]
    if isinstance(obj, dict):
        return [a for o in obj.values() for a in _arrays(o)]
    return []


def _part_of(a, b):
    """`a` is `b` or a view into `b`'s memory (its base chain reaches b or b's base)."""
    if a is b:
        return True
    root_b = b if b.base is None else b.base
    base = a.base
    while base is not None:
        if base is b or base is root_b:
            return True
        base = base.base
    return False


def _fresh_inputs(inputs):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in inputs]


def _ones(y):
    return tuple(np.ones_like(o) for o in y) if isinstance(y, tuple) else np.ones_like(y)


def test_every_registered_kernel_has_a_sample():
    """A kernel without a case in test_gradients.CASES has facts nobody checks: add one there."""
    covered = {c[1].name for c in KERNEL_CASES}
    missing = {name for name, cls in K.REGISTRY.items() if issubclass(cls, K.Kernel)} - covered
    assert not missing, f"kernels with no sample input in test_gradients.CASES: {sorted(missing)}"


@pytest.mark.parametrize("case", KERNEL_CASES, ids=IDS)
def test_declarations_are_well_formed(case):
    _, kernel, inputs, _ = case[:4]
    n = len(inputs)
    assert isinstance(kernel.accepts_out, bool) and isinstance(kernel.saves_output, bool)
    assert isinstance(kernel.grad_may_view, bool)
    assert isinstance(kernel.grad_accepts_out, bool)
    for name in ("may_view", "may_overwrite"):
        idx = getattr(kernel, name)
        assert isinstance(idx, tuple) and all(isinstance(i, int) for i in idx), (kernel.name, name)
    assert kernel.saves_inputs is ALL or isinstance(kernel.saves_inputs, tuple)
    # an input overwritten in place must not be one that backward reads from `saved`
    assert not set(kernel.may_overwrite) & set(kernel.saved_input_indices(n)), kernel.name
    assert isinstance(kernel.state_inputs, tuple) and not set(kernel.state_inputs) & set(kernel.may_overwrite)


@pytest.mark.parametrize("case", KERNEL_CASES, ids=IDS)
def test_out_is_written_and_returned(case):
    _, kernel, inputs, attrs = case[:4]
    if not kernel.accepts_out:
        pytest.skip(f"{kernel.name} does not accept out=")
    want, _ = kernel.forward(np, *_fresh_inputs(inputs), **attrs)
    out = np.full(want.shape, np.nan, dtype=want.dtype)
    y, _ = kernel.forward(np, *_fresh_inputs(inputs), out=out, **attrs)
    assert y is out, f"{kernel.name}: forward(out=buf) returned a different array"
    np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("case", KERNEL_CASES, ids=IDS)
def test_output_views_only_the_declared_inputs(case):
    _, kernel, inputs, attrs = case[:4]
    xs = _fresh_inputs(inputs)
    y, _ = kernel.forward(np, *xs, **attrs)
    for i, x in enumerate(xs):
        if not isinstance(x, np.ndarray):
            continue
        if i not in kernel.may_view:
            assert not any(np.shares_memory(o, x) for o in _outs(y)), (
                f"{kernel.name}: output shares memory with input {i} (declare may_view)")


@pytest.mark.parametrize("kernel", sorted({c[1] for c in KERNEL_CASES if c[1].may_view}, key=lambda k: k.name),
                         ids=lambda k: k.name)
def test_a_declared_view_happens(kernel):
    """may_view is not declared idly: some sample's output does share memory with each declared input."""
    for i in kernel.may_view:
        seen = False
        for _, k, inputs, attrs, *_ in KERNEL_CASES:
            if k is kernel:
                xs = _fresh_inputs(inputs)
                y, _ = kernel.forward(np, *xs, **attrs)
                seen |= any(np.shares_memory(o, xs[i]) for o in _outs(y))
        assert seen, f"{kernel.name}: declares its output may view input {i}, yet no sample's does"


@pytest.mark.parametrize("case", KERNEL_CASES, ids=IDS)
def test_saved_references_exactly_the_declared_values(case):
    _, kernel, inputs, attrs = case[:4]
    xs = _fresh_inputs(inputs)
    y, saved = kernel.forward(np, *xs, **attrs)
    arrays = _arrays(saved)
    declared = set(kernel.saved_input_indices(len(xs)))
    for i, x in enumerate(xs):
        if not isinstance(x, np.ndarray):
            continue
        held = any(np.shares_memory(a, x) for a in arrays)
        assert held == (i in declared), (
            f"{kernel.name}: saved {'holds' if held else 'does not hold'} input {i}, "
            f"but saves_inputs = {kernel.saves_inputs}")
    # outputs that are views of an input (reshape) are judged by the input, not twice
    outs = [o for o in _outs(y) if not any(np.shares_memory(o, x) for x in xs if isinstance(x, np.ndarray))]
    if outs:
        held = any(np.shares_memory(a, o) for a in arrays for o in outs)
        assert held == kernel.saves_output, (
            f"{kernel.name}: saved {'holds' if held else 'does not hold'} the output, "
            f"but saves_output = {kernel.saves_output}")


@pytest.mark.parametrize("case", KERNEL_CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saved_bytes_counts_the_other_arrays(case, dtype):
    _, kernel, inputs, attrs = case[:4]
    xs = [a.astype(dtype) if a.dtype.kind == "f" else a.copy() for a in inputs]
    y, saved = kernel.forward(np, *xs, **attrs)
    refs = [a for a in xs if isinstance(a, np.ndarray)] + list(_outs(y))
    others = [a for a in _arrays(saved) if not any(_part_of(a, r) for r in refs)]
    got = sum(a.nbytes for a in others)
    declared = kernel.saved_bytes(*[np.shape(a) for a in xs], itemsize=np.dtype(dtype).itemsize, **attrs)
    assert declared == got, f"{kernel.name}: saved_bytes says {declared}, saved holds {got} bytes of its own"


@pytest.mark.parametrize("case", KERNEL_CASES, ids=IDS)
def test_grad_views_gy_only_where_declared(case):
    _, kernel, inputs, attrs = case[:4]
    if kernel.grad_may_view:
        pytest.skip(f"{kernel.name} declares its gradient may view gy")
    y, saved = kernel.forward(np, *_fresh_inputs(inputs), **attrs)
    gy = _ones(y)
    grads = kernel.backward(np, saved, gy, **attrs)
    for i, g in enumerate(grads):
        if g is not None:
            assert not any(np.shares_memory(g, o) for o in _outs(gy)), (
                f"{kernel.name}: gradient {i} shares memory with gy (declare grad_may_view)")


@pytest.mark.parametrize("case", KERNEL_CASES, ids=IDS)
def test_grad_written_into_out_even_gy_itself_where_declared(case):
    """grad_accepts_out: backward(..., out=buf) returns buf holding the gradient it returns without out, to
    the last bit, both into a fresh buffer and into gy itself (the in-place use)."""
    _, kernel, inputs, attrs = case[:4]
    if not kernel.grad_accepts_out:
        pytest.skip(f"{kernel.name} does not declare grad_accepts_out")
    y, saved = kernel.forward(np, *_fresh_inputs(inputs), **attrs)
    gy = np.random.RandomState(0).standard_normal(y.shape).astype(y.dtype)
    (want,) = [g for g in kernel.backward(np, saved, gy.copy(), **attrs) if g is not None]
    for into_gy in (False, True):
        g_in = gy.copy()
        buf = g_in if into_gy else np.full_like(want, np.nan)
        (got,) = [g for g in kernel.backward(np, saved, g_in, out=buf, **attrs) if g is not None]
        assert got is buf, f"{kernel.name}: backward did not return out"
        np.testing.assert_array_equal(got, want, err_msg=f"{kernel.name}: out (into gy: {into_gy})")
        assert np.array_equal(np.signbit(got), np.signbit(want)), f"{kernel.name}: a zero's sign changed"


@pytest.mark.parametrize("case", KERNEL_CASES, ids=IDS)
def test_overwriting_a_declared_input_changes_nothing(case):
    _, kernel, inputs, attrs = case[:4]
    want, saved = kernel.forward(np, *_fresh_inputs(inputs), **attrs)
    gy = _ones(want)
    want_g = kernel.backward(np, saved, gy, **attrs)
    tried = 0
    for i in kernel.may_overwrite:
        xs = _fresh_inputs(inputs)
        if xs[i].shape != want.shape or xs[i].dtype != want.dtype:
            continue   # only an input of y's own shape and dtype can be y's buffer
        y, saved = kernel.forward(np, *xs, out=xs[i], **attrs)
        assert y is xs[i]
        np.testing.assert_array_equal(y, want)
        for g, w in zip(kernel.backward(np, saved, gy, **attrs), want_g):
            if w is not None:
                np.testing.assert_array_equal(g, w, err_msg=f"{kernel.name}: in place on input {i}")
        tried += 1
    if not tried:
        pytest.skip(f"{kernel.name}: no input this case may overwrite")
