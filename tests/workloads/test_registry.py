"""The workload registry's public contract (shared/DESIGN.md) and its errors."""
import numpy as np
import pytest

import workloads
from workloads import EngineUnsupported, UnknownNameError


def test_names_and_engines():
    assert set(workloads.names()) == {"mlp-l2", "fc-adam", "lstm", "lstm-cells", "cnn", "vqa", "resnet"}
    assert workloads.engines()[0] == "reference"
    assert {"static_graph", "dynamic_tape", "layer_config", "hybrid", "hybrid:imperative"} <= set(workloads.engines())


def test_sizes():
    assert workloads.get("mlp-l2").sizes == ("small", "big")
    assert workloads.get("vqa").sizes == ("small", "large")
    for name in workloads.names():
        assert workloads.get(name).sizes[0] == "small"


def test_unknown_workload_lists_known_names():
    with pytest.raises(UnknownNameError) as e:
        workloads.get("resnet50")
    assert "resnet50" in str(e.value) and "mlp-l2" in str(e.value) and "vqa" in str(e.value)
    assert isinstance(e.value, KeyError)


def test_unknown_engine_size_device():
    w = workloads.get("mlp-l2")
    with pytest.raises(UnknownNameError, match="known engines: reference"):
        w.trainer("caffe2")
    with pytest.raises(UnknownNameError, match="known size of mlp-l2s: small, big"):
        w.trainer("reference", size="huge")
    with pytest.raises(UnknownNameError, match="known devices: cpu, gpu"):
        w.trainer("reference", device="tpu")


def test_unsupported_says_why(monkeypatch, tmp_path):
    # a workload package without an engine module reports the module it expected, by name
    w = workloads.get("mlp-l2")
    monkeypatch.setitem(workloads._PACKAGES, "mlp-l2", "no_such_package_for_test")
    with pytest.raises(ModuleNotFoundError):
        w.trainer("reference")
    monkeypatch.undo()
    ok, why = workloads.get("lstm").supports("reference")
    assert ok and why == ""


def test_missing_engine_module_is_named(monkeypatch):
    import types
    import sys
    pkg = types.ModuleType("workloads.fake_wl")
    pkg.__path__ = []
    spec = types.ModuleType("workloads.fake_wl.spec")
    spec.SIZES = {"small": {}}
    monkeypatch.setitem(sys.modules, "workloads.fake_wl", pkg)
    monkeypatch.setitem(sys.modules, "workloads.fake_wl.spec", spec)
    monkeypatch.setitem(workloads._PACKAGES, "fake", "workloads.fake_wl")
    w = workloads.get("fake")
    ok, why = w.supports("static_graph")
    assert not ok and "static_graph" in why and "fake" in why
    with pytest.raises(EngineUnsupported, match="no module for engine 'static_graph'"):
        w.trainer("static_graph")


@pytest.mark.parametrize("name", workloads.names())
def test_batches_identical_and_read_only(name):
    w = workloads.get(name)
    a = list(w.batches(n=3))
    b = list(w.batches(n=3))
    assert len(a) == 3
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for k in x:
            np.testing.assert_array_equal(x[k], y[k])
            assert not x[k].flags.writeable
            assert x[k].dtype in (np.float32, np.int64)


@pytest.mark.parametrize("name", workloads.names())
def test_init_params_are_fresh_float32_copies(name):
    w = workloads.get(name)
    p = w.init_params()
    for k, v in p.items():
        assert v.dtype == np.float32, k
        v += 1  # must not leak into the next caller
    q = w.init_params()
    assert all(not np.array_equal(p[k], q[k]) for k in p)
    assert tuple(q) == tuple(w.spec.PARAM_NAMES)


def test_fc_adam_batches_follow_the_recipe():
    w = workloads.get("fc-adam")
    sizes = [len(w.batch(i)["x"]) for i in range(60)]
    assert sizes[51] == 6 and sizes.count(6) == 1 and sizes[52] == 10
    b0 = w.batch(0)
    rs = np.random.RandomState(1)
    X = rs.rand(516, 2).astype(np.float32)
    np.testing.assert_array_equal(b0["x"], X[:10])
    np.testing.assert_array_equal(b0["y"][:, 0], (X[:10, 0] + X[:10, 1] < 1).astype(np.float32))
    np.testing.assert_array_equal(w.batch(52)["x"], X[4:14])  # (52*10) % 516 = 4


def test_mlp_draw_order():
    rs = np.random.RandomState(0)
    x = rs.standard_normal((64, 1000)).astype(np.float32)
    rs.standard_normal((64, 10))
    w1 = rs.standard_normal((1000, 100)).astype(np.float32)
    w = workloads.get("mlp-l2")
    np.testing.assert_array_equal(w.batch(0)["x"], x)
    np.testing.assert_array_equal(w.init_params()["w1"], w1)


def test_vqa_shapes():
    w = workloads.get("vqa")
    for size, s, flat in (("small", 50, 32 * 12 * 12), ("large", 224, 32 * 56 * 56)):
        assert w.config(size)["S"] == s
        assert w.spec.flat_features(size) == flat
    b = w.batch(0)
    assert b["images"].shape == (32, 3, 50, 50) and b["questions"].shape == (32, 20)
    assert b["answers"].max() < 100 and b["questions"].max() < 500
