"""Small nets written as prototxt text for the layer_config tests, and an LMDB of Datum records."""
import numpy as np

from frameworks import layer_config as caffe


def input_layer(name, shape):
    dims = " ".join(f"dim: {d}" for d in shape)
    return f'layer {{ name: "in_{name}" type: "Input" top: "{name}" input_param {{ shape {{ {dims} }} }} }}\n'


def net_from_text(text, phase=caffe.TRAIN, dtype=np.float64, tmp_path=None, **kw):
    param = caffe.parse_prototxt(text, caffe.caffe_pb2.NetParameter())
    return caffe.Net(param, phase, dtype=dtype, **kw)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def write_lmdb(path, images, labels, map_size=1 << 27):
    """An LMDB of Caffe Datum records, keyed in order, as convert_mnist_data / convert_cifar_data write."""
    import lmdb
    env = lmdb.open(str(path), map_size=map_size)
    with env.begin(write=True) as txn:
        for i, (img, label) in enumerate(zip(images, labels)):
            txn.put(f"{i:08d}".encode(), caffe.io.array_to_datum(img, int(label)).SerializeToString())
    env.close()
