"""The schema: caffe_pb2.py is generated from caffe.proto as it stands, with Caffe's field numbers."""
import os
import re

from frameworks.layer_config.proto import caffe_pb2

PROTO = os.path.join(os.path.dirname(caffe_pb2.__file__), "caffe.proto")
FIELD = re.compile(r"^\s*(optional|repeated|required)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)")


def _declared():
    """(message, field, number) for every field line of caffe.proto, tracking nested message blocks."""
    stack, out = [], []
    for line in open(PROTO):
        line = line.split("//")[0]
        m = re.match(r"^\s*(message|enum)\s+(\w+)\s*\{", line)
        if m:
            stack.append((m.group(1), m.group(2)))
            continue
        f = FIELD.match(line)
        if f and stack and stack[-1][0] == "message":
            out.append((".".join(name for _, name in stack), f.group(3), int(f.group(4))))
        for _ in range(line.count("}")):
            stack.pop()
    return out


def test_generated_code_matches_the_proto_file():
    declared = _declared()
    assert len(declared) > 150
    for message, field, number in declared:
        desc = caffe_pb2.DESCRIPTOR.message_types_by_name[message.split(".")[0]]
        for nested in message.split(".")[1:]:
            desc = desc.nested_types_by_name[nested]
        assert field in desc.fields_by_name, f"{message}.{field} missing: run proto/regenerate.sh"
        assert desc.fields_by_name[field].number == number, f"{message}.{field}: stale caffe_pb2.py"


def test_caffe_field_numbers_verbatim():
    lp = caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name
    assert (lp["name"].number, lp["type"].number, lp["bottom"].number, lp["top"].number) == (1, 2, 3, 4)
    assert lp["inner_product_param"].number == 117 and lp["clip_param"].number == 148
    assert lp["recurrent_param"].number == 146 and lp["python_param"].number == 130
    sp = caffe_pb2.SolverParameter.DESCRIPTOR.fields_by_name
    numbers = (sp["net"].number, sp["base_lr"].number, sp["type"].number, sp["momentum2"].number)
    assert numbers == (24, 5, 40, 39)
    pp = caffe_pb2.PoolingParameter
    assert pp.DESCRIPTOR.fields_by_name["round_mode"].number == 13 and pp().round_mode == pp.CEIL


def test_the_whole_config_language_parses_and_unknown_layers_are_refused_by_name(tmp_path):
    """Caffe's full schema: a prototxt with layers this engine lacks (LRN's lrn_param, PReLU's prelu_param,
    an ImageData source) parses; building the Net names the first layer type it cannot run."""
    import pytest
    from frameworks.layer_config.io import LayerConfigError, read_net_param
    from frameworks.layer_config.net import Net
    path = tmp_path / "net.prototxt"
    path.write_text('''
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "crop" type: "Crop" bottom: "data" bottom: "data" top: "c" crop_param { axis: 2 offset: 1 } }
layer { name: "spp" type: "SPP" bottom: "c" top: "s" spp_param { pyramid_height: 2 } }
''')
    param, _ = read_net_param(str(path))
    assert param.layer[1].crop_param.offset == [1] and param.layer[2].spp_param.pyramid_height == 2
    with pytest.raises(LayerConfigError, match=r"layer 'crop': unknown layer type 'Crop'; known types: "):
        Net(str(path), 0)


def test_a_v1_net_is_refused_with_the_upgrade_tool_named(tmp_path):
    import pytest
    from frameworks.layer_config.io import LayerConfigError, read_net_param
    path = tmp_path / "v1.prototxt"
    path.write_text('name: "LeNet"\nlayers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1" '
                    'blobs_lr: 1 convolution_param { num_output: 20 kernel_size: 5 } }\n')
    with pytest.raises(LayerConfigError, match=r"v1.prototxt: the net uses the deprecated V1 'layers' field "
                                               r"\(1 layers, the first 'conv1' of type CONVOLUTION\).*"
                                               r"upgrade_net_proto_text"):
        read_net_param(str(path))
