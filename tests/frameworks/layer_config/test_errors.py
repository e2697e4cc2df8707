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
