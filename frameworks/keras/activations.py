"""keras.activations: the activation functions by name, on backend tensors."""
from . import backend as K


def softmax(x, axis=-1):
    ndim = K.ndim(x)
    if ndim == 1:
        raise ValueError("Cannot apply softmax to a tensor that is 1D")
    return K.softmax(x, axis=axis)


def relu(x, alpha=0.0, max_value=None):
    return K.relu(x, alpha=alpha, max_value=max_value)


def tanh(x):
    return K.tanh(x)


def sigmoid(x):
    return K.sigmoid(x)


def hard_sigmoid(x):
    return K.hard_sigmoid(x)


def linear(x):
    return x


_ALL = {"softmax": softmax, "relu": relu, "tanh": tanh, "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid,
        "linear": linear}


def serialize(activation):
    return activation.__name__


def deserialize(name):
    if name not in _ALL:
        raise ValueError("Unknown activation function:" + str(name))
    return _ALL[name]


def get(identifier):
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret activation function identifier:", identifier)
