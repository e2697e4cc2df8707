"""Backend selection and the profiling hook point."""
import numpy as np
import pytest

from frameworks import kernels as K
from tests.conftest import GPU_SKIP_REASON


def test_cpu_is_numpy():
    assert K.get_xp("cpu") is np


def test_unknown_device_is_named():
    with pytest.raises(K.BackendError, match="unknown device 'tpu'; known devices: cpu, gpu"):
        K.get_xp("tpu")


@pytest.mark.skipif(GPU_SKIP_REASON is None, reason="a GPU is present; this checks the error without one")
def test_gpu_without_cupy_or_device_is_one_clear_error():
    with pytest.raises(K.BackendError, match="device 'gpu'"):
        K.get_xp("gpu")
    assert not K.gpu_available()


def test_to_numpy_and_array_module():
    a = np.arange(3.0)
    assert K.to_numpy(a) is a
    assert K.array_module(a) is np
    K.synchronize(np)  # a no-op on the CPU


def test_hook_sees_every_call_and_is_removed():
    calls = []

    def hook(name, phase, fn, args, kwargs):
        calls.append((name, phase))
        return fn(*args, **kwargs)

    original = K.matmul.forward
    K.install_hook(hook)
    try:
        with pytest.raises(RuntimeError, match="already installed"):
            K.install_hook(hook)
        a = np.ones((2, 3))
        y, saved = K.matmul.forward(np, a, a.T)
        K.matmul.backward(np, saved, np.ones_like(y))
        K.sgd.update(np, a, a, 0.1)
    finally:
        K.remove_hook()
    assert calls == [("matmul", "forward"), ("matmul", "backward"), ("sgd", "update")]
    assert K.matmul.forward is original
    K.matmul.forward(np, np.ones((1, 1)), np.ones((1, 1)))
    assert len(calls) == 3


def test_call_sites_name_the_calls_made_inside_them_innermost_first():
    seen = []

    def hook(name, phase, fn, args, kwargs):
        seen.append((name, K.current_call_site()))
        return fn(*args, **kwargs)

    a = np.ones((2, 2))
    assert not K.hook_installed()
    K.install_hook(hook)
    try:
        assert K.hook_installed()
        K.relu.forward(np, a)
        with K.call_site("block1"):
            K.relu.forward(np, a)
            with K.call_site("conv1"):
                K.matmul.forward(np, a, a)
            K.neg.forward(np, a)
            with pytest.raises(ValueError):
                with K.call_site("bad"):
                    raise ValueError("an op failed inside its site")
            K.exp.forward(np, a)          # the failed site did not leak
        K.tanh.forward(np, a)
    finally:
        K.remove_hook()
    assert not K.hook_installed()
    assert seen == [("relu", None), ("relu", "block1"), ("matmul", "conv1"), ("neg", "block1"),
                    ("exp", "block1"), ("tanh", None)]


def test_call_sites_are_wanted_only_while_the_installed_hook_reads_them():
    class Hook:
        reads_call_sites = False

        def __call__(self, name, phase, fn, args, kwargs):
            return fn(*args, **kwargs)

    assert not K.call_sites_wanted()
    hook = Hook()
    K.install_hook(hook)
    try:
        assert not K.call_sites_wanted()   # e.g. a profiler's timed iterations
        hook.reads_call_sites = True
        assert K.call_sites_wanted()
    finally:
        K.remove_hook()
    assert not K.call_sites_wanted()
    K.install_hook(lambda name, phase, fn, args, kwargs: fn(*args, **kwargs))
    try:
        assert K.call_sites_wanted()       # a plain function hook reads them whenever installed
    finally:
        K.remove_hook()


def _blas(api, core, where="numpy"):
    """A threadpoolctl entry for a BLAS inside NumPy's wheel (numpy.libs/) or somewhere else."""
    import os
    site = os.path.dirname(os.path.dirname(np.__file__))
    path = os.path.join(site, "numpy.libs" if where == "numpy" else "scipy.libs", f"lib{api}.so")
    return {"internal_api": api, "architecture": core, "filepath": path}


@pytest.mark.parametrize("libs,small", [
    ([_blas("openblas", "Haswell")], False),
    ([_blas("openblas", "Zen")], False),
    ([_blas("openblas", "SkylakeX")], True),
    ([_blas("openblas", "Cooperlake")], True),
    # NumPy's own OpenBLAS decides, not another library's (SciPy's) loaded beside it
    ([_blas("openblas", "Haswell", where="scipy"), _blas("openblas", "SkylakeX")], True),
    ([_blas("openblas", "SkylakeX", where="scipy"), _blas("openblas", "Haswell")], False),
    ([_blas("mkl", None)], True),   # not OpenBLAS: the layouts first measured
    ([], True),
])
def test_small_gemm_kernels_reads_numpys_openblas_core(monkeypatch, libs, small):
    import threadpoolctl
    from frameworks.kernels import backend
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: libs)
    backend.small_gemm_kernels.cache_clear()
    try:
        assert backend.small_gemm_kernels() is small
    finally:
        backend.small_gemm_kernels.cache_clear()


_EDGES = [np.nan, -np.nan, 0.0, -0.0, np.inf, -np.inf, 1e-45, -1e-45, 3.0, -3.0, 1.5e38, 0.5, -0.5, 1e-3]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("n", [100, 4096, 8192, 3 * 8192, 5 * 8192 + 777])
@pytest.mark.parametrize("ufunc,value", [(np.maximum, 0), (np.minimum, 0), (np.maximum, -1.5), (np.minimum, 0.25)])
def test_against_scalar_gives_the_scalar_ufuncs_bits(ufunc, value, n, dtype):
    """Below, at and past whole rows of the cached constant, into a new array and in place: every bit of
    ufunc(x, value), NaN's and zero's signs included."""
    from frameworks.kernels.backend import against_scalar
    with np.errstate(over="ignore"):
        x = np.resize(np.array(_EDGES, dtype), n) * np.linspace(1, 2, n).astype(dtype)
    want = ufunc(x, value)
    got = against_scalar(np, ufunc, x, value)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()
    inplace = x.copy()
    assert against_scalar(np, ufunc, inplace, value, inplace) is inplace
    assert inplace.tobytes() == want.tobytes()


def test_against_scalar_falls_back_to_the_ufunc_where_rows_do_not_fit():
    """Strided arrays or outputs, integer arrays and NumPy scalar values keep the plain call (a float64
    scalar promotes a float32 array: the row's dtype would not)."""
    from frameworks.kernels.backend import against_scalar
    x = np.linspace(-1, 1, 8 * 8192, dtype=np.float32).reshape(64, -1)
    strided = x[:, ::2]
    assert against_scalar(np, np.maximum, strided, 0).tobytes() == np.maximum(strided, 0).tobytes()
    out = np.empty((64, 1024), np.float32)[:, ::4]   # a strided output
    assert against_scalar(np, np.maximum, x[:, :256], 0, out=out) is out
    assert out.tobytes() == np.maximum(x[:, :256], 0).tobytes()
    ints = np.arange(-5000, 5000)
    assert against_scalar(np, np.maximum, ints, 0).tobytes() == np.maximum(ints, 0).tobytes()
    assert against_scalar(np, np.maximum, x, np.float64(0)).dtype == np.float64


def test_against_scalar_tells_zeros_apart_and_keeps_nan_values_off_its_cache():
    """0.0 and -0.0 are equal keys to a cache, but max(x, 0.0) and max(x, -0.0) differ in their zeros' signs; a
    NaN value takes the plain call (NaN keys never match: each call would add a row to the cache)."""
    from frameworks.kernels import backend
    x = np.resize(np.array([0.0, -0.0, 1.0, -1.0], np.float32), 3 * 8192)
    for value in (0.0, -0.0, 0, -0.0, 0.0):
        assert backend.against_scalar(np, np.maximum, x, value).tobytes() == np.maximum(x, value).tobytes()
        assert backend.against_scalar(np, np.minimum, x, value).tobytes() == np.minimum(x, value).tobytes()
    rows = backend._scalar_row.cache_info().currsize
    for _ in range(3):
        nan = float("nan")
        assert np.isnan(backend.against_scalar(np, np.maximum, x, nan)).all()
    assert backend._scalar_row.cache_info().currsize == rows
