"""One pytest-benchmark per registered (engine, workload) pair: the training step, and build + first step.

The pairs come from the workload registry, so engines join the suite when their modules land. Timing is
pedantic (fixed rounds, iterations per round fixed by a power-of-two rule) so saved runs compare.
"""
import gc
import math
import time

import pytest

import workloads
from frameworks import kernels
from harness import machine

BATCHES = 4          # the step cycles over the first few batches, fetched outside the timed region
ROUND_S = 0.005      # a round lasts at least about this long (several steps for the fastest workloads)


def registered_pairs():
    """Every (engine, workload) the registry says can run, in registry order."""
    return [(e, n) for n in workloads.names() for e in workloads.engines() if workloads.get(n).supports(e)[0]]


PAIRS = registered_pairs()
IDS = [f"{e}-{n}" for e, n in PAIRS]


def _info(benchmark, engine, name, size, device):
    benchmark.extra_info.update(engine=engine, workload=name, size=size, device=device,
                                machine_id=machine.machine_id())


def _peak_mem_mb(engine, name, size, device):
    """Per-iteration peak traced bytes on the CPU (the harness's memory pass), n/a on a GPU."""
    if device != "cpu":
        return None
    from harness import measure
    task = dict(engine=engine, workload=name, size=size, device=device)
    return round(measure.cpu_memory_pass(task, workloads.get(name), 1)["peak_mem_mb"], 3)


@pytest.mark.parametrize("engine,name", PAIRS, ids=IDS)
def test_step(benchmark, engine, name, bench_device, rounds):
    benchmark.group = "step"
    w = workloads.get(name)
    size = w.sizes[0]
    trainer = w.trainer(engine, size, bench_device)
    xp = kernels.get_xp(bench_device)
    batches = [w.batch(i, size) for i in range(BATCHES)]
    count = iter(range(1 << 62))

    def step():
        loss = trainer.step(batches[next(count) % BATCHES])
        kernels.synchronize(xp)
        return loss

    iterations = 1
    if not benchmark.disabled:
        t0 = time.perf_counter()
        for _ in range(3):          # warm-up, also the estimate behind the iterations per round
            step()
        est = (time.perf_counter() - t0) / 3
        iterations = 2 ** max(0, math.ceil(math.log2(ROUND_S / max(est, 1e-7))))
        _info(benchmark, engine, name, size, bench_device)
        benchmark.extra_info["peak_mem_mb"] = _peak_mem_mb(engine, name, size, bench_device)
    loss = benchmark.pedantic(step, rounds=rounds, iterations=min(iterations, 64), warmup_rounds=0)
    assert math.isfinite(loss)


def _collect():
    gc.collect()          # returns None: pedantic would take a returned value as the call's arguments


@pytest.mark.parametrize("engine,name", PAIRS, ids=IDS)
def test_build(benchmark, engine, name, bench_device, rounds):
    """Set-up cost: graph build / prototxt parse / module construction plus the first (tracing) step."""
    benchmark.group = "build + first step"
    w = workloads.get(name)
    size = w.sizes[0]
    xp = kernels.get_xp(bench_device)
    batch = w.batch(0, size)

    def build_and_first_step():
        loss = w.trainer(engine, size, bench_device).step(batch)
        kernels.synchronize(xp)
        return loss

    if not benchmark.disabled:
        _info(benchmark, engine, name, size, bench_device)
    # a build allocates a whole model, so one round can meet the garbage the previous left: collect it
    # outside the timed region (pedantic's setup), and take as many rounds as the step does, since a
    # one-shot timing is noisier than a steady-state one
    loss = benchmark.pedantic(build_and_first_step, setup=_collect, rounds=rounds, iterations=1,
                              warmup_rounds=1)
    assert math.isfinite(loss)
