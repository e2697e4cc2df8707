"""keras.metrics: per-batch metrics on (y_true, y_pred) tensors; 'accuracy' is resolved against the loss
(categorical, sparse categorical or binary) when the model is compiled, as Keras does."""
from . import backend as K
from .losses import (binary_crossentropy, categorical_crossentropy, mae, mean_absolute_error,  # noqa: F401
                     mean_squared_error, mse, sparse_categorical_crossentropy)


def binary_accuracy(y_true, y_pred):
    return K.mean(K.cast(K.equal(y_true, K.cast(K.greater(y_pred, 0.5), K.floatx())), K.floatx()), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return K.cast(K.equal(K.argmax(y_true, axis=-1), K.argmax(y_pred, axis=-1)), K.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    classes = K.int_shape(y_pred)[-1]
    pred = K.argmax(K.reshape(y_pred, [-1, classes]), axis=-1)
    return K.cast(K.equal(K.cast(K.flatten(y_true), "int64"), pred), K.floatx())


acc = accuracy = None   # resolved by compile() from the loss
_ALL = {"binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
        "sparse_categorical_accuracy": sparse_categorical_accuracy, "mean_squared_error": mean_squared_error,
        "mse": mse, "mean_absolute_error": mean_absolute_error, "mae": mae,
        "categorical_crossentropy": categorical_crossentropy,
        "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
        "binary_crossentropy": binary_crossentropy}


def get(identifier):
    if isinstance(identifier, str):
        if identifier not in _ALL:
            raise ValueError("Unknown metric function:" + str(identifier))
        return _ALL[identifier]
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret metric function identifier:", identifier)
