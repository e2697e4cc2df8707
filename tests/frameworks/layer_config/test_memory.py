"""layer_config's held_arrays: learnable blobs, their diffs, the solver's history, every other blob and
what each layer saved; reading allocates no lazy diff."""
import workloads
from frameworks.layer_config._memory import held_arrays


def test_caffe_keeps_every_blob_and_its_diff():
    w = workloads.get("mlp-l2")
    t = w.trainer("layer_config", "small")
    net = t.solver.net
    before = {n for n, b in net.blobs.items() if b.has_diff()}
    held_arrays(t.solver)
    assert {n for n, b in net.blobs.items() if b.has_diff()} == before   # nothing allocated by looking
    t.step(w.batch(0, "small"))
    parts = held_arrays(t.solver)
    assert sum(a.nbytes for a in parts["grads"]) == 404_000    # ip1 (100 x 1000) and ip2 (10 x 100) diffs
    assert sum(a.nbytes for a in parts["optimizer"]) == 404_000
    tops = {n for n, b in net.blobs.items() if b.has_diff()}
    assert {"h", "y_pred"} <= tops                             # the top blobs' diffs are held
    assert sum(a.nbytes for a in parts["buffers"]) >= 2 * (64 * 100 + 64 * 10) * 4   # data and diff
    assert parts["saved"]                                      # each layer keeps its forward's saved
