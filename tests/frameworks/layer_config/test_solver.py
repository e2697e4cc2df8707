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


CLASSIFIER = '''name: "clf"
layer { name: "data" type: "DummyData" top: "data" top: "label"
  dummy_data_param { shape { dim: 6 dim: 4 } shape { dim: 6 }
                     data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.1 } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
layer { name: "accuracy" type: "Accuracy" bottom: "ip" bottom: "label" top: "accuracy"
  include { phase: TEST } }
'''


def test_solver_builds_test_nets_that_share_the_trained_weights_and_logs_as_caffe(tmp_path):
    import io
    write(tmp_path, "clf.prototxt", CLASSIFIER)
    log = io.StringIO()
    solver = caffe.get_solver(write(tmp_path, "s.prototxt",
                                    'net: "clf.prototxt"\ntest_iter: 2\ntest_interval: 2\nbase_lr: 0.5\n'
                                    'lr_policy: "fixed"\ndisplay: 1\nmax_iter: 4\nsnapshot_after_train: false\n'),
                              log=log)
    assert len(solver.test_nets) == 1
    test_net = solver.test_nets[0]
    assert "accuracy" in test_net.layer_dict and "accuracy" not in solver.net.layer_dict
    assert test_net.params["ip"][0] is solver.net.params["ip"][0]
    solver.solve()
    text = log.getvalue()
    for line in ("Solving clf", "Iteration 0, Testing net (#0)", "Iteration 0, loss = ",
                 "    Train net output #0: loss = ", "Iteration 0, lr = 0.5", "Iteration 2, Testing net (#0)",
                 "    Test net output #0: accuracy = ", "    Test net output #1: loss = ", " (* 1 = ",
                 "Iteration 4, Testing net (#0)", "Optimization Done."):
        assert line in text, line
    # the constant label is learnt: the final test accuracy is 1
    assert text.rstrip().splitlines()[-3].endswith("accuracy = 1")
    assert solver.test_all()[0]["accuracy"] == 1.0


def test_test_iter_must_match_the_test_nets(tmp_path):
    write(tmp_path, "clf.prototxt", CLASSIFIER)
    path = write(tmp_path, "s.prototxt", 'train_net: "clf.prototxt"\ntest_iter: 2\nbase_lr: 0.1\n'
                                         'lr_policy: "fixed"\n')
    with pytest.raises(caffe.LayerConfigError, match="test_iter must be specified for each test network"):
        caffe.get_solver(path)


def _caffe_rule(kind, p, g, h, lr, it, mu=0.9, delta=1e-8, b2=0.999, rho=0.95):
    """Caffe's ComputeUpdateValue + Update for one param, in float64 (src/caffe/solvers/*.cpp)."""
    if kind == "SGD":
        h[0] = mu * h[0] + lr * g
        return p - h[0]
    if kind == "Nesterov":
        old = h[0].copy()
        h[0] = mu * h[0] + lr * g
        return p - ((1 + mu) * h[0] - mu * old)
    if kind == "AdaGrad":
        h[0] = h[0] + g * g
        return p - lr * g / (np.sqrt(h[0]) + delta)
    if kind == "RMSProp":
        h[0] = rho * h[0] + (1 - rho) * g * g
        return p - lr * g / (np.sqrt(h[0]) + delta)
    if kind == "AdaDelta":
        h[0] = mu * h[0] + (1 - mu) * g * g
        dx = g * np.sqrt((h[1] + delta) / (h[0] + delta))
        h[1] = mu * h[1] + (1 - mu) * dx * dx
        return p - lr * dx
    if kind == "Adam":
        t = it + 1
        h[0] = mu * h[0] + (1 - mu) * g
        h[1] = b2 * h[1] + (1 - b2) * g * g
        return p - lr * np.sqrt(1 - b2 ** t) / (1 - mu ** t) * h[0] / (np.sqrt(h[1]) + delta)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"])
def test_every_solver_type_follows_caffes_update_rule_with_a_changing_lr(tmp_path, kind):
    # lr halves every step, so SGD's lr-in-the-history form differs from v = mu v + g; w -= lr v
    solver = _solver(tmp_path, f'type: "{kind}" base_lr: 0.1 lr_policy: "step" gamma: 0.5 stepsize: 1 '
                               'momentum: 0.9 weight_decay: 0.01 rms_decay: 0.95 delta: 1e-6\n')
    assert type(solver).__name__ == f"{kind}Solver" and solver.type == kind
    w = solver.net.params["ip1"][0]
    p = w.cpu_data().astype(np.float64)
    h = [np.zeros_like(p), np.zeros_like(p)]
    for it in range(3):
        solver.net.forward_backward()
        g = w.diff.astype(np.float64) + 0.01 * p
        p = _caffe_rule(kind, p, g, h, 0.1 * 0.5 ** it, it, delta=1e-6)
        solver.apply_update()
        solver.iter += 1
        np.testing.assert_allclose(w.cpu_data(), p, rtol=2e-5, atol=1e-6, err_msg=f"{kind} step {it}")
    assert len(solver.history) == (2 if kind in ("Adam", "AdaDelta") else 1) * len(solver.net.learnable_params)


@pytest.mark.parametrize("policy,expected", [
    ('lr_policy: "exp" gamma: 0.5', [1.0, 0.5, 0.25, 0.125]),
    ('lr_policy: "poly" power: 2 max_iter: 4', [1.0, 0.5625, 0.25, 0.0625]),
    ('lr_policy: "sigmoid" gamma: 1 stepsize: 1', [1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-1)),
                                                   1 / (1 + np.exp(-2))]),
])
def test_more_learning_rate_policies(tmp_path, policy, expected):
    solver = _solver(tmp_path, f'base_lr: 1 {policy}\n')
    got = []
    for it in range(4):
        solver.iter = it
        got.append(solver.get_learning_rate())
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_snapshots_are_caffes_binary_protos(tmp_path):
    solver = _solver(tmp_path, f'type: "Adam" base_lr: 0.01 lr_policy: "fixed" snapshot_prefix: "{tmp_path}/s"\n')
    solver.step(2)
    state_file = solver.snapshot()
    assert state_file == f"{tmp_path}/s_iter_2.solverstate"
    model = caffe.caffe_pb2.NetParameter()
    model.ParseFromString((tmp_path / "s_iter_2.caffemodel").read_bytes())
    ip1 = next(lp for lp in model.layer if lp.name == "ip1")
    assert ip1.type == "InnerProduct" and list(ip1.blobs[0].shape.dim) == [5, 3]
    np.testing.assert_array_equal(np.array(ip1.blobs[0].data).reshape(5, 3), solver.net.params["ip1"][0].data)
    state = caffe.caffe_pb2.SolverState()
    state.ParseFromString((tmp_path / "s_iter_2.solverstate").read_bytes())
    assert state.iter == 2 and state.learned_net == f"{tmp_path}/s_iter_2.caffemodel"
    assert len(state.history) == 2 * len(solver.net.learnable_params)   # Adam: m then v
    np.testing.assert_array_equal(np.array(state.history[0].data).reshape(5, 3), solver.history[0])


def test_iter_size_accumulates_gradients_and_clip_gradients_scales_them(tmp_path):
    one = _solver(tmp_path, 'base_lr: 0.1 lr_policy: "fixed"\n')
    two = _solver(tmp_path, 'base_lr: 0.1 lr_policy: "fixed" iter_size: 2\n')
    one.step(1)
    two.step(1)   # the same batch twice, averaged: the same step
    np.testing.assert_allclose(two.net.params["ip1"][0].data, one.net.params["ip1"][0].data, rtol=1e-6)
    clipped = _solver(tmp_path, 'base_lr: 1 lr_policy: "fixed" clip_gradients: 0.001\n')
    clipped.step(1)   # the diffs are scaled in place, as Caffe's ClipGradients does, before the update
    norm = np.sqrt(sum((b.diff.astype(np.float64) ** 2).sum() for b in clipped.net.learnable_params))
    assert norm == pytest.approx(0.001, rel=1e-4)
