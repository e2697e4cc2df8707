"""keras.utils: to_categorical, normalize, print_summary, Progbar's home (np_utils, generic_utils)."""
import numpy as np

from .. import backend as K


def to_categorical(y, num_classes=None, dtype="float32"):
    """Integer class vector -> one-hot matrix (num_classes columns, max(y) + 1 by default)."""
    y = np.array(y, dtype="int")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if not num_classes:
        num_classes = np.max(y) + 1
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), y] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    l2 = np.atleast_1d(np.linalg.norm(x, order, axis))
    l2[l2 == 0] = 1
    return x / np.expand_dims(l2, axis)


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """The layer table of model.summary(): name (type), output shape, parameters, and the totals."""
    print_fn = print_fn or print
    line_length = line_length or 65
    positions = positions or [0.45, 0.85, 1.0]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    sequential = type(model).__name__ == "Sequential"
    columns = ["Layer (type)", "Output Shape", "Param #"] + ([] if sequential else ["Connected to"])
    if not sequential:
        line_length = max(line_length, 98)
        positions = [33, 60, 70, 98]

    def row(fields):
        line = ""
        for i, field in enumerate(fields):
            line = (line + str(field))[:positions[i]].ljust(positions[i])
        print_fn(line)

    print_fn('Model: "{}"'.format(model.name))
    print_fn("_" * line_length)
    row(columns)
    print_fn("=" * line_length)
    for i, layer in enumerate(model.layers):
        try:
            shape = layer.output_shape
        except AttributeError:
            shape = "multiple"
        fields = [layer.name + " (" + type(layer).__name__ + ")", shape, layer.count_params()]
        if not sequential:
            inbound = [n for node in layer._inbound_nodes[:1] for n in
                       (f"{lay.name}[{ni}][{ti}]" for lay, ni, ti in
                        zip(node.inbound_layers, node.node_indices, node.tensor_indices))]
            fields.append(", ".join(inbound))
        row(fields)
        print_fn(("=" if i == len(model.layers) - 1 else "_") * line_length)
    trainable = int(sum(np.prod(K.int_shape(w)) for w in model.trainable_weights))
    total = int(sum(np.prod(K.int_shape(w)) for w in model.weights))
    print_fn("Total params: {:,}".format(total))
    print_fn("Trainable params: {:,}".format(trainable))
    print_fn("Non-trainable params: {:,}".format(total - trainable))
    print_fn("_" * line_length)


class _NpUtils:
    to_categorical = staticmethod(to_categorical)
    normalize = staticmethod(normalize)


np_utils = _NpUtils
