"""The resnet workload's reference: it learns, it is deterministic across processes, and its running
statistics follow both the PyTorch convention and Caffe's moving-sum formula."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import workloads

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def w():
    return workloads.get("resnet")


@pytest.mark.slow
def test_loss_falls_over_50_steps(w):
    t = w.trainer("reference")
    losses = [t.step(b) for b in w.batches(n=50)]
    assert all(np.isfinite(losses))
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.1, losses


_CHILD = """
import hashlib, json, sys
import workloads
w = workloads.get("resnet")
t = w.trainer("reference", caffe_stats=True)
losses = [t.step(b) for b in w.batches(n=3)]
digest = hashlib.sha256()
for group in (t.params(), t.buffers()):
    for k in sorted(group):
        digest.update(k.encode()); digest.update(group[k].tobytes())
print(json.dumps({"losses": losses, "digest": digest.hexdigest()}))
"""


@pytest.mark.slow
def test_deterministic_across_processes():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env,
                             cwd=ROOT, timeout=900)
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert runs[0] == runs[1]


def test_running_statistics_both_conventions(w):
    """With moving_average_fraction 0.9, Caffe's sums are PyTorch's momentum-0.1 averages unscaled:
    mean = 0.1 * mean_sum; var = 0.9^k + 0.1 * var_sum; scale = 1 + 0.9 + ... + 0.9^(k-1)."""
    t = w.trainer("reference", caffe_stats=True)
    k = 3
    for b in w.batches(n=k):
        t.step(b)
    buf = t.buffers()
    spec = w.spec
    assert set(buf) == set(spec.BUFFER_NAMES) | set(spec.CAFFE_BUFFER_NAMES)
    for bn in spec.BN_NAMES:
        np.testing.assert_allclose(buf[f"{bn}_scale"], [sum(0.9 ** j for j in range(k))], rtol=1e-6)
        np.testing.assert_allclose(buf[f"{bn}_mean"], 0.1 * buf[f"{bn}_mean_sum"], rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(buf[f"{bn}_var"], 0.9 ** k + 0.1 * buf[f"{bn}_var_sum"], rtol=1e-4)
        assert not np.allclose(buf[f"{bn}_var"], 1.0)   # they did move
    # buffers() hands out copies
    buf[f"{spec.BN_NAMES[0]}_mean"][...] = 7
    assert not (t.buffers()[f"{spec.BN_NAMES[0]}_mean"] == 7).any()


def test_the_plain_reference_keeps_pytorch_buffers_only(w):
    t = w.trainer("reference")
    assert set(t.buffers()) == set(w.spec.BUFFER_NAMES)
    assert tuple(t.params()) == w.spec.PARAM_NAMES
