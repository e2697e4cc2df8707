"""The `reference` trainers (the floor): deterministic, learning, and returning NumPy parameters."""
import json
import pathlib

import numpy as np
import pytest

import workloads

SMALL = [(n, "small") for n in workloads.names()]


@pytest.mark.parametrize("name,size", SMALL + [("mlp-l2", "big")], ids=lambda v: str(v))
def test_deterministic_and_params_are_numpy(name, size):
    w = workloads.get(name)
    n = 2 if size == "big" else 3
    a, b = w.trainer("reference", size=size), w.trainer("reference", size=size)
    la = [a.step(x) for x in w.batches(size=size, n=n)]
    lb = [b.step(x) for x in w.batches(size=size, n=n)]
    assert la == lb
    assert all(isinstance(v, float) and np.isfinite(v) for v in la)
    pa, pb = a.params(), b.params()
    assert tuple(pa) == tuple(w.spec.PARAM_NAMES)
    for k in pa:
        assert isinstance(pa[k], np.ndarray) and pa[k].dtype == np.float32
        np.testing.assert_array_equal(pa[k], pb[k])
    # params() hands out copies: changing them cannot change training
    for v in pa.values():
        v[...] = 7
    for k, v in a.params().items():
        np.testing.assert_array_equal(v, pb[k])


@pytest.mark.parametrize("name,iters,window", [
    ("mlp-l2", 20, 5), ("fc-adam", 520, 52), ("lstm", 20, 5), ("lstm-cells", 20, 5), ("cnn", 20, 5),
    ("vqa", 20, 5),
])
def test_loss_decreases(name, iters, window):
    w = workloads.get(name)
    t = w.trainer("reference")
    losses = [t.step(b) for b in w.batches(n=iters)]
    assert np.mean(losses[-window:]) < np.mean(losses[:window]), losses


def test_lstm_cells_floor_computes_the_fused_numbers():
    a = workloads.get("lstm").trainer("reference")
    b = workloads.get("lstm-cells").trainer("reference")
    batches = list(workloads.get("lstm").batches(n=5))
    np.testing.assert_allclose([a.step(x) for x in batches], [b.step(x) for x in batches], rtol=1e-5)
    for k, v in a.params().items():
        np.testing.assert_allclose(b.params()[k], v, rtol=1e-4, atol=1e-7)


def test_mlp_big_first_steps():
    w = workloads.get("mlp-l2")
    t = w.trainer("reference", size="big")
    losses = [t.step(b) for b in w.batches(size="big", n=2)]
    assert losses[1] < losses[0]


# the floor's first losses as the committed reference run recorded them (harness: reference_losses.json);
# a kernel change that alters the arithmetic (not just its speed) moves them
RECORDED = pathlib.Path(__file__).resolve().parents[2] / "results" / "reference" / "cpu" / "reference_losses.json"


@pytest.mark.parametrize("key,losses", sorted(json.loads(RECORDED.read_text()).items()))
def test_floor_reproduces_the_committed_reference_losses(key, losses):
    name, size, device = key.split("|")
    w = workloads.get(name)
    t = w.trainer("reference", size=size, device=device)
    got = [t.step(b) for b in w.batches(size=size, n=len(losses))]
    np.testing.assert_allclose(got, losses, rtol=1e-5)
