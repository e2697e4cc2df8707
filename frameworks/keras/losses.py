"""keras.losses: per-sample losses on (y_true, y_pred) tensors, found by name."""
from . import backend as K


def mean_squared_error(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    return K.mean(K.abs(y_pred - y_true), axis=-1)


def categorical_crossentropy(y_true, y_pred):
    return K.categorical_crossentropy(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred):
    """NOTE: the batch mean, not one value per sample (see backend.sparse_categorical_crossentropy)."""
    return K.sparse_categorical_crossentropy(y_true, y_pred)


def binary_crossentropy(y_true, y_pred):
    return K.mean(K.binary_crossentropy(y_true, y_pred), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_ALL = {"mean_squared_error": mean_squared_error, "mse": mse, "MSE": mse,
        "mean_absolute_error": mean_absolute_error, "mae": mae, "MAE": mae,
        "categorical_crossentropy": categorical_crossentropy,
        "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
        "binary_crossentropy": binary_crossentropy}


def serialize(loss):
    return loss.__name__


def deserialize(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name not in _ALL:
        raise ValueError("Unknown loss function:" + str(name))
    return _ALL[name]


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret loss function identifier:", identifier)
