"""Kernel-versus-NumPy benchmark pairs: one op's forward+backward through the shared kernel and the same
math as plain NumPy one-liners, in one pytest-benchmark group so the report shows their ratio.

On the CPU only (the baseline is NumPy). Before timing, both sides run once on the same inputs and must
agree, so the pair also fails when the kernel and the one-liners drift apart."""
import numpy as np

R = np.random.RandomState(0)


def f32(*shape, lo=None):
    x = R.standard_normal(shape).astype(np.float32)
    return np.abs(x) + np.float32(lo) if lo is not None else x


def bench_pair(benchmark, rounds, impl, name, make, kernel_fn, numpy_fn, rtol=1e-4, atol=1e-5):
    """Check kernel_fn(*make()) against numpy_fn(*make()), then time the side `impl` names."""
    benchmark.group = f"kernel vs numpy: {name}"
    got, want = kernel_fn(*make()), numpy_fn(*make())
    got, want = (got if isinstance(got, tuple) else (got,)), (want if isinstance(want, tuple) else (want,))
    assert len(got) == len(want), name
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64),
                                   rtol=rtol, atol=atol, err_msg=f"{name}: kernel and NumPy disagree")
    args = make()
    fn = kernel_fn if impl == "kernel" else numpy_fn
    benchmark.extra_info.update(op=name, impl=impl)
    benchmark.pedantic(fn, args=args, rounds=rounds, iterations=1, warmup_rounds=1)
