"""Keras' HDF5 files, through h5py, in Keras 2's layout (no pickle anywhere):

save_weights: attrs layer_names, backend, keras_version; one group per layer with attr weight_names and
one dataset per weight. save (save_model): attrs model_config (JSON) and training_config (JSON), the
weights under the group model_weights, the optimizer's under optimizer_weights. load_model rebuilds the
model from model_config (every layer's get_config), loads the weights, and compiles it again."""
import json
import os

import numpy as np

from . import backend as K
from . import losses, optimizers
from .engine import InputLayer

KERAS_VERSION = "2.2.4"


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("`save_weights` requires h5py.") from None
    return h5py


def _decode(values):
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _json(obj):
    def default(o):
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        raise TypeError("Not JSON Serializable: " + str(o))
    return json.dumps(obj, default=default).encode("utf8")


def _weight_names(layer):
    names, seen = [], set()
    for w in layer.weights:
        name = w.name
        while name in seen:   # two weights of one layer never share a dataset name
            name = "_" + name
        seen.add(name)
        names.append(name)
    return names


def save_weights_to_hdf5_group(group, layers):
    group.attrs["layer_names"] = [layer.name.encode("utf8") for layer in layers]
    group.attrs["backend"] = K.backend().encode("utf8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in layers:
        g = group.create_group(layer.name)
        names = _weight_names(layer)
        values = K.batch_get_value(layer.weights)
        g.attrs["weight_names"] = [n.encode("utf8") for n in names]
        for name, value in zip(names, values):
            dset = g.create_dataset(name, value.shape, dtype=value.dtype)
            if value.shape:
                dset[:] = value
            else:
                dset[()] = value


def _check_overwrite(filepath, overwrite):
    if not overwrite and os.path.isfile(filepath):
        raise FileExistsError(f"[WARNING] {filepath} already exists - not overwriting (overwrite=False)")


def save_weights(model, filepath, overwrite=True):
    h5py = _h5py()
    _check_overwrite(filepath, overwrite)
    with h5py.File(filepath, "w") as f:
        save_weights_to_hdf5_group(f, model.layers)


def _layers_with_weights(layers):
    return [layer for layer in layers if layer.weights]


def load_weights_from_hdf5_group(group, layers, by_name=False, skip_mismatch=False):
    """Load by layer order (the layers that have weights, as Keras matches them) or by layer name."""
    layer_names = _decode(group.attrs["layer_names"])
    stored = {}
    for name in layer_names:
        g = group[name]
        names = _decode(g.attrs["weight_names"])
        stored[name] = [np.asarray(g[n]) for n in names]
    tuples = []
    if by_name:
        for layer in layers:
            values = stored.get(layer.name)
            if values is None:
                continue
            if len(values) != len(layer.weights):
                if skip_mismatch:
                    continue
                raise ValueError("Layer #" + str(layers.index(layer)) + ' (named "' + layer.name + '") expects ' +
                                 str(len(layer.weights)) + " weight(s), but the saved weights have " +
                                 str(len(values)) + " element(s).")
            tuples += _pairs(layer, values, skip_mismatch)
    else:
        filtered = _layers_with_weights(layers)
        saved = [n for n in layer_names if stored[n]]
        if len(saved) != len(filtered):
            raise ValueError("You are trying to load a weight file containing " + str(len(saved)) +
                             " layers into a model with " + str(len(filtered)) + " layers.")
        for layer, name in zip(filtered, saved):
            values = stored[name]
            if len(values) != len(layer.weights):
                raise ValueError("Layer #" + str(filtered.index(layer)) + ' (named "' + layer.name +
                                 '" in the current model) was found to correspond to layer ' + name +
                                 " in the save file. However the new layer " + layer.name + " expects " +
                                 str(len(layer.weights)) + " weights, but the saved weights have " +
                                 str(len(values)) + " elements.")
            tuples += _pairs(layer, values, skip_mismatch)
    K.batch_set_value(tuples)


def _pairs(layer, values, skip_mismatch):
    out = []
    for w, v in zip(layer.weights, values):
        if K.int_shape(w) != v.shape:
            if skip_mismatch:
                continue
            raise ValueError("Layer " + layer.name + ": weight " + w.name + " has shape " + str(K.int_shape(w)) +
                             " but the saved weight has shape " + str(v.shape) + ".")
        out.append((w, v))
    return out


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    h5py = _h5py()
    with h5py.File(filepath, mode="r") as f:
        if "layer_names" not in f.attrs and "model_weights" in f:
            f = f["model_weights"]
        if "layer_names" not in f.attrs:
            raise ValueError(f"{filepath}: not a Keras weights file (no layer_names attribute)")
        load_weights_from_hdf5_group(f, model.layers, by_name=by_name, skip_mismatch=skip_mismatch)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    h5py = _h5py()
    _check_overwrite(filepath, overwrite)
    with h5py.File(filepath, mode="w") as f:
        f.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
        f.attrs["backend"] = K.backend().encode("utf8")
        f.attrs["model_config"] = _json({"class_name": type(model).__name__, "config": model.get_config()})
        save_weights_to_hdf5_group(f.create_group("model_weights"), model.layers)
        if include_optimizer and model.optimizer is not None and model._is_compiled:
            loss = model.loss
            if callable(loss):
                loss = loss.__name__
            f.attrs["training_config"] = _json({
                "optimizer_config": optimizers.serialize(model.optimizer), "loss": loss,
                "metrics": model.metrics, "sample_weight_mode": None, "loss_weights": model.loss_weights})
            weights = model.optimizer.weights
            if weights:
                group = f.create_group("optimizer_weights")
                values = K.batch_get_value(weights)
                names = []
                for i, (w, value) in enumerate(zip(weights, values)):
                    name = f"{i}:{w.name}"   # optimizer slots may share a name; the index keeps order
                    names.append(name.encode("utf8"))
                    dset = group.create_dataset(name, value.shape, dtype=value.dtype)
                    if value.shape:
                        dset[:] = value
                    else:
                        dset[()] = value
                group.attrs["weight_names"] = names


_CUSTOM = {}


def _layer_classes():
    from . import layers, models
    table = {name: getattr(layers, name) for name in dir(layers) if isinstance(getattr(layers, name), type)}
    table.update(Sequential=models.Sequential, Model=models.Model, InputLayer=InputLayer)
    return table


def layer_from_config(config, custom_objects=None):
    table = _layer_classes()
    table.update(custom_objects or {})
    name = config["class_name"]
    cls = table.get(name)
    if cls is None:
        raise ValueError("Unknown layer: " + name)
    conf = dict(config["config"])
    if name in ("Sequential", "Model"):
        return cls.from_config(conf, custom_objects=custom_objects)
    if name == "InputLayer":
        return InputLayer(batch_input_shape=tuple(conf["batch_input_shape"]), dtype=conf.get("dtype"),
                          sparse=conf.get("sparse", False), name=conf["name"])
    for key in ("batch_input_shape",):
        if key in conf and conf[key] is not None:
            conf[key] = tuple(conf[key])
    return cls.from_config(conf)


def model_from_config(config, custom_objects=None):
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Maybe you meant to use "
                        "`Sequential.from_config(config)`?")
    return layer_from_config(config, custom_objects)


def load_model(filepath, custom_objects=None, compile=True):  # noqa: A002
    h5py = _h5py()
    custom_objects = custom_objects or {}
    with h5py.File(filepath, mode="r") as f:
        model_config = f.attrs.get("model_config")
        if model_config is None:
            raise ValueError("No model found in config file.")
        model = model_from_config(json.loads(_decode([model_config])[0]), custom_objects=custom_objects)
        load_weights_from_hdf5_group(f["model_weights"], model.layers)
        training_config = f.attrs.get("training_config")
        if compile and training_config is not None:
            tc = json.loads(_decode([training_config])[0])
            optimizer = optimizers.deserialize(tc["optimizer_config"])
            loss = tc["loss"]
            if isinstance(loss, str) and loss in custom_objects:
                loss = custom_objects[loss]
            elif isinstance(loss, str):
                loss = losses.deserialize(loss, custom_objects)
            model.compile(optimizer=optimizer, loss=loss, metrics=tc["metrics"],
                          loss_weights=tc["loss_weights"])
            if "optimizer_weights" in f:
                group = f["optimizer_weights"]
                values = [np.asarray(group[n]) for n in _decode(group.attrs["weight_names"])]
                model._make_train_function()
                model.optimizer.set_weights(values)
    return model
