"""Bad input: each mistake gives one clear LayerConfigError naming the file, layer, blob or shape."""
import numpy as np
import pytest

from frameworks import layer_config as caffe
from frameworks.layer_config import LayerConfigError

from .helpers import input_layer, net_from_text, write

IP = 'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 } }\n'


def test_malformed_prototxt_reports_file_line_and_column(tmp_path):
    path = write(tmp_path, "net.prototxt", 'name: "n"\nlayer {\n  name: "ip"\n  type: "InnerProduct"\n  '
                                           'bottom "x"\n}\n')
    with pytest.raises(LayerConfigError, match=r"net\.prototxt:5:\d+: .*"):
        caffe.Net(path, caffe.TRAIN)


def test_unknown_field_is_named_with_its_position(tmp_path):
    path = write(tmp_path, "net.prototxt", input_layer("x", (2, 3)) +
                 'layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y"\n'
                 '  inner_product_param { num_outputs: 2 } }\n')
    with pytest.raises(LayerConfigError, match=r"net\.prototxt:3:\d+: .*num_outputs"):
        caffe.Net(path, caffe.TRAIN)


def test_unknown_layer_type_lists_the_known_ones():
    with pytest.raises(LayerConfigError, match=r"layer 'c'.*unknown layer type 'Convolution3D'.*known types: "
                                               r".*Convolution.*InnerProduct"):
        net_from_text(input_layer("x", (2, 3)) + 'layer { name: "c" type: "Convolution3D" bottom: "x" top: '
                                                 '"y" }')


def test_bottom_never_produced_names_layer_and_blob():
    with pytest.raises(LayerConfigError, match=r"layer 'ip' \(InnerProduct\) reads bottom blob 'x'.*no "
                                               r"earlier"):
        net_from_text(input_layer("data", (2, 3)) + IP)


def test_shape_mismatch_between_layers_names_layer_and_shapes():
    text = (input_layer("a", (2, 3)) + input_layer("b", (2, 4)) +
            'layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "y" }')
    with pytest.raises(LayerConfigError, match=r"layer 'sum' \(Eltwise\).*shape mismatch.*\(2, 3\).*\(2, "
                                               r"4\)"):
        net_from_text(text)


def test_shape_mismatch_from_a_kernel_rule_names_the_layer():
    text = (input_layer("a", (2, 3)) + input_layer("b", (4, 3)) +
            'layer { name: "cat" type: "Concat" bottom: "a" bottom: "b" top: "y" }')
    with pytest.raises(LayerConfigError, match=r"layer 'cat' \(Concat\): shape mismatch: concat.*\(2, 3\), "
                                               r"\(4, 3\)"):
        net_from_text(text)


def test_shape_change_at_run_time_names_the_layer():
    net = net_from_text(input_layer("x", (2, 3)) + IP)
    net.blobs["x"].reshape(2, 5)
    with pytest.raises(LayerConfigError, match=r"layer 'ip'.*shape mismatch.*\(2, 5\).*\(2, 3\)"):
        net.forward()


def test_solver_without_a_net(tmp_path):
    path = write(tmp_path, "solver.prototxt", 'base_lr: 0.1\nmax_iter: 10\n')
    with pytest.raises(LayerConfigError, match=r"solver\.prototxt: no train net"):
        caffe.get_solver(path)


def test_unknown_solver_type(tmp_path):
    write(tmp_path, "net.prototxt", input_layer("x", (2, 3)))
    path = write(tmp_path, "solver.prototxt", 'net: "net.prototxt"\ntype: "LBFGS"\n')
    with pytest.raises(LayerConfigError, match=r"unknown solver type 'LBFGS'; known: SGD, Nesterov, AdaGrad, "
                                               r"RMSProp, AdaDelta, Adam"):
        caffe.get_solver(path)


def test_weights_of_a_different_net_name_the_mismatching_blob(tmp_path):
    a = net_from_text(input_layer("x", (2, 3)) + IP)
    a.save(str(tmp_path / "a.caffemodel"))
    b = net_from_text(input_layer("x", (2, 5)) + IP)
    with pytest.raises(LayerConfigError, match=r"cannot copy param 0 weights from layer 'ip'; shape mismatch. "
                                               r"Source param shape is \(2, 3\); target param shape is \(2, 5\)"):
        b.copy_from(str(tmp_path / "a.caffemodel"))
    other = net_from_text(input_layer("x", (2, 3)) + IP.replace('"ip"', '"fc"'))
    with pytest.raises(LayerConfigError, match=r"share no layer.*the file has ip; the net has fc"):
        other.copy_from(str(tmp_path / "a.caffemodel"))


@pytest.mark.parametrize("text,match", [
    (input_layer("x", (2, 0)), r"'x': dimensions must be > 0, got \(2, 0\)"),
    (input_layer("x", (2, -3)), r"'x': dimensions must be > 0, got \(2, -3\)"),
    (input_layer("x", (2, 3)) + IP.replace("num_output: "
                                           "2", "num_output: 0"), r"num_output must be > 0, got 0"),
    (input_layer("x", (1, 1, 4, 4)) + 'layer { name: "p" type: "Pooling" bottom: "x" top: "y" '
     'pooling_param { kernel_size: 0 } }', r"layer 'p'.*kernel_size must be > 0"),
], ids=["zero_dim", "negative_dim", "zero_outputs", "zero_kernel"])
def test_negative_or_zero_sizes(text, match):
    with pytest.raises(LayerConfigError, match=match):
        net_from_text(text)


def test_lstm_cont_other_than_one_sequence_per_column_is_refused():
    cont = np.ones((3, 2))
    net = net_from_text(input_layer("x", (3, 2, 4)) + input_layer("cont", (3, 2)) +
                        'layer { name: "lstm" type: "LSTM" bottom: "x" bottom: "cont" top: "h" '
                        'recurrent_param { num_output: 5 } }')
    net.blobs["cont"].data[...] = cont   # no sequence start at t = 0
    with pytest.raises(LayerConfigError, match=r"layer 'lstm' \(LSTM\): cont must be 0 at t = 0"):
        net.forward()


def test_cli_reports_errors_without_a_traceback(tmp_path, capsys):
    from frameworks.layer_config.tools import main
    path = write(tmp_path, "net.prototxt", 'layer { name: "x" type: "Nope" top: "x" }\n')
    assert main(["time", "--model", path, "--iterations", "1"]) == 1
    err = capsys.readouterr().err
    assert "unknown layer type 'Nope'" in err and "Traceback" not in err


FC = "workloads/fc_adam/prototxt/net.prototxt"


def _solver_file(tmp_path, body, net=None, kind="Adam"):
    import os
    net = net or os.path.abspath(FC)
    return write(tmp_path, "solver.prototxt", f'net: "{net}"\ntype: "{kind}" lr_policy: "fixed"\n'
                                              f'snapshot_prefix: "{tmp_path}/snap"\nsolver_mode: CPU\n' + body)


def _cli(argv, capsys):
    from frameworks.layer_config.tools import main
    try:
        rc = main(argv)
    except SystemExit as e:   # argparse's usage errors
        rc = e.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def test_cli_an_empty_net_is_refused(tmp_path, capsys):
    net = write(tmp_path, "empty.prototxt", 'name: "empty"\n' + input_layer("x", (2, 3)))
    rc, err = _cli(["train", "--solver", _solver_file(tmp_path, "base_lr: 0.1 max_iter: 3\n", net)], capsys)
    assert rc == 1 and "has no loss" in err and "'empty'" in err


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_cli_a_diverging_loss_stops_without_a_snapshot(tmp_path, capsys):
    net = write(tmp_path, "lin.prototxt",
                'layer { name: "data" type: "DummyData" top: "x" top: "t" dummy_data_param { shape { dim: 4 '
                'dim: 3 } shape { dim: 4 dim: 2 } data_filler { type: "gaussian" std: 1 } } }\n' + IP +
                'layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "t" top: "loss" }\n')
    solver = _solver_file(tmp_path, "base_lr: 1e30 max_iter: 20 snapshot: 5\n", net, kind="SGD")
    rc, err = _cli(["train", "--solver", solver], capsys)
    assert rc == 1 and "the loss is not finite" in err and "base_lr 1e+30" in err
    assert not list(tmp_path.glob("snap_iter_*"))


def test_cli_negative_max_iter_is_refused(tmp_path, capsys):
    rc, err = _cli(["train", "--solver", _solver_file(tmp_path, "base_lr: 0.1 max_iter: -5\n")], capsys)
    assert rc == 1 and "max_iter must be >= 0, got -5" in err


def test_cli_a_binary_prototxt_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "net.prototxt"
    path.write_bytes(b"\x08\x96\x01\xff\xfe\x00binary")
    rc, err = _cli(["time", "--model", str(path), "--iterations", "1"], capsys)
    assert rc == 1 and "not a text prototxt" in err and str(path) in err and len(err.strip().splitlines()) == 1


def test_cli_unknown_phase_is_a_usage_error(capsys):
    rc, err = _cli(["test", "--model", FC, "--phase", "VALIDATE"], capsys)
    assert rc == 2 and "invalid choice: 'VALIDATE'" in err


def test_cli_draw_into_a_missing_directory(tmp_path, capsys):
    rc, err = _cli(["draw", "--model", FC, "--out", str(tmp_path / "nope" / "net.dot")], capsys)
    assert rc == 1 and f"{tmp_path / 'nope'} does not exist" in err


@pytest.mark.parametrize("content", [b"", b"\x0a\xff\xff\xff\xff\x0f", b"name: 'text, not binary'\n"],
                         ids=["empty", "truncated", "text"])
def test_cli_a_bad_caffemodel_names_the_file(tmp_path, capsys, content):
    import os
    good = net_from_text(input_layer("x", (2, 3)) + IP)
    good.save(str(tmp_path / "good.caffemodel"))
    bad = tmp_path / "bad.caffemodel"
    bad.write_bytes(content or (tmp_path / "good.caffemodel").read_bytes()[:-7])
    model = write(tmp_path, "net.prototxt", input_layer("x", (2, 3)) + IP)
    rc, err = _cli(["test", "--model", model, "--weights", str(bad), "--iterations", "1"], capsys)
    assert rc == 1 and str(bad) in err and len(err.strip().splitlines()) == 1, err
    assert os.path.getsize(bad) == len(content) or not content
