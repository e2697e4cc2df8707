"""Workload variants of the static-graph engine train exactly as `reference` does."""
import numpy as np
import pytest

import workloads


@pytest.mark.parametrize("name,size,iters", [("mlp-l2", "small", 8), ("mlp-l2", "big", 2)])
def test_dataset_variant_matches_reference(name, size, iters):
    w = workloads.get(name)
    ref = w.trainer("reference", size=size)
    t = w.trainer("static_graph:dataset", size=size)
    for b in w.batches(size=size, n=iters):
        np.testing.assert_allclose(t.step(b), ref.step(b), rtol=1e-5)
    for k, v in ref.params().items():
        np.testing.assert_allclose(t.params()[k], v, rtol=1e-4, atol=1e-6 * float(np.abs(v).max()))


def test_dataset_variant_pulls_the_batch_in_graph():
    t = workloads.get("mlp-l2").trainer("static_graph:dataset")
    assert t.x.op.type == "IteratorGetNext" and not [
        op for op in t.graph.get_operations() if op.type == "Placeholder"]


@pytest.mark.parametrize("name", ["mlp-l2", "cnn", "lstm", "lstm-cells", "resnet"])
def test_planned_peak_is_within_1_2x_of_the_liveness_lower_bound(name):
    """Issue 16's memory bar: the compiled training step's worst step holds at most 1.2x the bytes of the
    liveness lower bound (the arena, the other values while live, the kernels' declared workspace)."""
    w = workloads.get(name)
    t = w.trainer("static_graph", size="small")
    t.step(w.batch(0, "small"))
    step_plan = max(t.sess._plans.values(), key=lambda p: len(p.nodes))
    mem = step_plan.memory
    assert 0 < mem["peak_live_bytes"] <= mem["planned_peak_bytes"] <= 1.2 * mem["peak_live_bytes"], mem
