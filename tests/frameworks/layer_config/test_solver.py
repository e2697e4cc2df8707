"""Solvers: update rules through the shared kernels, lr policies, snapshot -> resume, and the CLI."""
import os

import numpy as np
import pytest

from frameworks import layer_config as caffe
from frameworks.layer_config.tools import main

from .helpers import input_layer, write

NET = (input_layer("x", (4, 3)) + input_layer("t", (4, 2)) +
       'layer { name: "ip1" type: "InnerProduct" bottom: "x" top: "h" '
       'inner_product_param { num_output: 5 weight_filler { type: "gaussian" } } }\n'
       'layer { name: "relu" type: "ReLU" bottom: "h" top: "h" }\n'
       'layer { name: "ip2" type: "InnerProduct" bottom: "h" top: "y" param { lr_mult: 1 } param { '
       'lr_mult: 2 } '
       'inner_product_param { num_output: 2 weight_filler { type: "gaussian" } } }\n'
       'layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }\n')


def _solver(tmp_path, body):
    write(tmp_path, "net.prototxt", NET)
    solver = caffe.get_solver(write(tmp_path, "solver.prototxt", 'net: "net.prototxt"\n' + body))
    rs = np.random.RandomState(0)
    solver.net.blobs["x"].data[...] = rs.standard_normal((4, 3))
    solver.net.blobs["t"].data[...] = rs.standard_normal((4, 2))
    return solver


def _params(solver):
    return {f"{k}/{i}": b.cpu_data() for k, v in solver.net.params.items() for i, b in enumerate(v)}


@pytest.mark.parametrize("body", [
    'type: "SGD" base_lr: 0.1 momentum: 0.9 weight_decay: 0.01 lr_policy: "step" gamma: 0.5 stepsize: 3\n'
    f'snapshot: 4 snapshot_prefix: "{{tmp}}/snap"\n',
    'type: "Adam" base_lr: 0.01 momentum: 0.9 momentum2: 0.999 lr_policy: "multistep" gamma: 0.1 '
    f'stepvalue: 2 stepvalue: 5\nsnapshot: 4 snapshot_prefix: "{{tmp}}/snap"\n',
], ids=["momentum_sgd", "adam"])
def test_snapshot_then_resume_continues_the_exact_trajectory(tmp_path, body):
    body = body.replace("{tmp}", str(tmp_path))
    straight = _solver(tmp_path, body)
    straight.step(8)
    resumed = _solver(tmp_path, body)
    resumed.restore(str(tmp_path / "snap_iter_4.solverstate"))
    assert resumed.iter == 4
    resumed.step(4)
    assert resumed.loss == straight.loss
    for k, v in _params(straight).items():
        np.testing.assert_array_equal(_params(resumed)[k], v, err_msg=k)


def test_sgd_update_uses_lr_mult_and_the_shared_kernel(tmp_path):
    solver = _solver(tmp_path, 'type: "SGD" base_lr: 0.1 lr_policy: "fixed"\n')
    before = _params(solver)
    solver.net.forward_backward()
    grads = {f"{k}/{i}": b.diff.copy() for k, v in solver.net.params.items() for i, b in enumerate(v)}
    solver.apply_update()
    after = _params(solver)
    np.testing.assert_allclose(after["ip2/1"], before["ip2/1"] - 0.2 * grads["ip2/1"], rtol=1e-6)
    np.testing.assert_allclose(after["ip1/0"], before["ip1/0"] - 0.1 * grads["ip1/0"], rtol=1e-6)


@pytest.mark.parametrize("policy,expected", [
    ('lr_policy: "fixed"', [1.0] * 4),
    ('lr_policy: "step" gamma: 0.5 stepsize: 2', [1.0, 1.0, 0.5, 0.5]),
    ('lr_policy: "inv" gamma: 1 power: 1', [1.0, 0.5, 1 / 3, 0.25]),
    ('lr_policy: "multistep" gamma: 0.1 stepvalue: 1 stepvalue: 3', [1.0, 0.1, 0.1, 0.01]),
])
def test_learning_rate_policies(tmp_path, policy, expected):
    solver = _solver(tmp_path, f'base_lr: 1 {policy}\n')
    got = []
    for it in range(4):
        solver.iter = it
        got.append(solver.get_learning_rate())
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_resume_into_a_different_net_names_the_blob(tmp_path):
    solver = _solver(tmp_path, f'base_lr: 0.1 lr_policy: "fixed" snapshot: 1 snapshot_prefix: "{tmp_path}/snap"\n')
    solver.step(1)
    write(tmp_path, "net.prototxt", NET.replace("num_output: 5", "num_output: 6"))
    other = caffe.get_solver(str(tmp_path / "solver.prototxt"))
    with pytest.raises(caffe.LayerConfigError, match=r"history blob 0 has shape \(5, 3\), the net's param is "
                                                     r"\(6, 3\)"):
        other.restore(str(tmp_path / "snap_iter_1.solverstate"))


def test_cli_time_prints_per_layer_averages(capsys):
    assert main(["time", "--model", "workloads/fc_adam/prototxt/net.prototxt", "--iterations", "2"]) == 0
    out = capsys.readouterr().out
    for line in ("ip1\tforward:", "ip1\tbackward:", "Average Forward pass:", "Average Backward pass:",
                 "Average Forward-Backward:"):
        assert line in out


def test_cli_train_logs_iterations_snapshots_and_resumes(tmp_path, capsys):
    here = os.path.abspath("workloads/fc_adam/prototxt/net.prototxt")
    solver = write(tmp_path, "solver.prototxt",
                   f'net: "{here}"\ntype: "Adam" base_lr: 0.001 momentum: 0.9 momentum2: 0.999 lr_policy: "fixed"\n'
                   f'max_iter: 6 display: 2 snapshot: 3 snapshot_prefix: "{tmp_path}/fc"\nsolver_mode: CPU\n')
    assert main(["train", "--solver", solver]) == 0
    out = capsys.readouterr().out
    assert "Iteration 0, loss = " in out and "Iteration 4, loss = " in out and "Optimization Done." in out
    assert (tmp_path / "fc_iter_6.caffemodel").exists()
    state = str(tmp_path / "fc_iter_3.solverstate")
    assert main(["train", "--solver", solver, "--snapshot", state]) == 0
    assert "Iteration 4, loss = " in capsys.readouterr().out
    assert main(["test", "--model", here, "--weights", str(tmp_path / "fc_iter_6.caffemodel"),
                 "--iterations", "2"]) == 0
    assert "loss = " in capsys.readouterr().out


def test_workload_solver_runs_from_another_directory(tmp_path, monkeypatch):
    solver_file = os.path.abspath("workloads/mlp_l2/prototxt/solver.prototxt")
    monkeypatch.chdir(tmp_path)   # its `net:` is relative to the repository root: found beside the solver
    solver = caffe.get_solver(solver_file)
    assert isinstance(solver, caffe.SGDSolver) and solver.net.name == "mlp_l2"
    solver.step(2)
    assert solver.iter == 2 and np.isfinite(solver.loss)


def test_cli_draw_writes_dot(tmp_path, capsys):
    out = tmp_path / "net.dot"
    assert main(["draw", "--model", "workloads/vqa/prototxt/net.prototxt", "--out", str(out)]) == 0
    dot = out.read_text()
    assert dot.startswith('digraph "vqa"') and "lstm\\n(LSTM)" in dot and '"blob_h_last"' in dot
