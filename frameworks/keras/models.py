"""keras.models: Model (the functional API's graph of layers), Sequential, and training: compile builds the
loss, metrics and optimizer updates into the graph once; fit / evaluate / predict / train_on_batch run them
through K.function, one Session.run per batch, as Keras(tf) does."""
import numpy as np

from . import backend as K
from . import callbacks as cbks
from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers
from .engine import DeferredBuild, Input, InputLayer, Layer, to_list, unpack_singleton


# ---------------------------------------------------------------- array helpers

def _make_batches(size, batch_size):
    num = (size + batch_size - 1) // batch_size
    return [(i * batch_size, min(size, (i + 1) * batch_size)) for i in range(num)]


def _slice(arrays, index):
    return [a[index] for a in arrays]


def _standardize(data, names, shapes, prefix):
    """The arrays in the model's order, each checked against the expected shape (Keras' wording)."""
    if data is None:
        return []
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError("No data provided for \"" + missing[0] + "\". Need data for each key in: " +
                             str(names))
        data = [data[n] for n in names]
    elif isinstance(data, (list, tuple)):
        data = list(data)
        if len(data) != len(names):
            if data and hasattr(data[0], "shape"):
                raise ValueError("Error when checking model " + prefix + ": the list of Numpy arrays that you "
                                 "are passing to your model is not the size the model expected. Expected to "
                                 "see " + str(len(names)) + " array(s), but instead got the following list of " +
                                 str(len(data)) + " arrays: " + str(data)[:200] + "...")
            data = [np.asarray(data)]
    else:
        if len(names) > 1:
            raise ValueError("Error when checking model " + prefix + ": you are passing a list as input to "
                             "your model, but the model expects a list of " + str(len(names)) +
                             " Numpy arrays instead.")
        data = [data]
    out = []
    for i, x in enumerate(data):
        x = x if type(x) is np.ndarray else np.asarray(x)
        if x.ndim == 1:
            x = x[:, None]
        shape = shapes[i] if shapes else None
        if shape is not None:
            if len(x.shape) != len(shape):
                raise ValueError("Error when checking " + prefix + ": expected " + names[i] + " to have " +
                                 str(len(shape)) + " dimensions, but got array with shape " + str(x.shape))
            for dim, ref in zip(x.shape[1:], shape[1:]):
                if ref is not None and dim != ref:
                    raise ValueError("Error when checking " + prefix + ": expected " + names[i] +
                                     " to have shape " + str(tuple(shape[1:])) +
                                     " but got array with shape " + str(x.shape[1:]))
        out.append(x)
    return out


def _check_lengths(inputs, targets):
    n_in = {len(x) for x in inputs}
    n_out = {len(y) for y in targets}
    if len(n_in) > 1:
        raise ValueError("All input arrays (x) should have the same number of samples. Got array shapes: " +
                         str([x.shape for x in inputs]))
    if len(n_out) > 1:
        raise ValueError("All target arrays (y) should have the same number of samples. Got array shapes: " +
                         str([y.shape for y in targets]))
    if n_in and n_out and n_in != n_out:
        raise ValueError("Input arrays should have the same number of samples as target arrays. Found " +
                         str(n_in.pop()) + " input samples and " + str(n_out.pop()) + " target samples.")


# ---------------------------------------------------------------- the graph of layers

class Model(Layer):
    """Model(inputs, outputs): the layers between Input tensors and output tensors, trainable as one."""

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        if inputs is None and outputs is None and type(self) is Model:
            raise TypeError("Model: give `inputs` and `outputs` (tensors from keras.layers.Input and the "
                            "layers called on them)")
        super().__init__(name=name or None)
        self._is_compiled = False
        self.optimizer = None
        self.history = None
        self.stop_training = False
        self.inputs, self.outputs = [], []
        self._model_layers = []
        self._checked_batch = None
        if inputs is not None:
            self._init_graph_network(inputs, outputs)

    # --- topology
    def _init_graph_network(self, inputs, outputs):
        self.inputs = to_list(inputs)
        self.outputs = to_list(outputs)
        for x in self.inputs:
            layer = getattr(x, "_keras_history", (None,))[0]
            if not isinstance(layer, InputLayer):
                raise TypeError("Input tensors to a " + type(self).__name__ + " must come from "
                                "`keras.layers.Input`. Received: " + str(x) + " (missing previous layer "
                                "metadata).")
        for x in self.outputs:
            if not hasattr(x, "_keras_history"):
                raise TypeError("Output tensors to a " + type(self).__name__ + " must be the output of a "
                                "Keras `Layer` (thus holding past layer metadata). Found: " + str(x))
        nodes, seen, in_progress = [], set(), set()

        def visit(tensor):
            layer, node_index, _ = tensor._keras_history
            node = layer._inbound_nodes[node_index]
            if id(node) in in_progress:
                raise ValueError("The tensor " + str(tensor) + " at layer \"" + layer.name + "\" is part of a "
                                 "cycle.")
            if id(node) in seen:
                return
            in_progress.add(id(node))
            if not (isinstance(layer, InputLayer) or any(tensor is x for x in self.inputs)):
                for x in node.input_tensors:
                    visit(x)
            in_progress.discard(id(node))
            seen.add(id(node))
            nodes.append(node)

        for x in self.outputs:
            visit(x)
        for x in self.inputs:
            visit(x)
        self._network_nodes = nodes
        layers = []
        for node in nodes:
            if node.outbound_layer not in layers:
                layers.append(node.outbound_layer)
        # inputs first, in the order given, as Keras lists them
        input_layers = [x._keras_history[0] for x in self.inputs]
        self._model_layers = input_layers + [layer for layer in layers if layer not in input_layers]
        names = [layer.name for layer in self._model_layers]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise RuntimeError("The name \"" + sorted(dup)[0] + "\" is used " + str(names.count(sorted(dup)[0])) +
                               " times in the model. All layer names should be unique.")
        self.input_layers = input_layers
        self.output_layers = [x._keras_history[0] for x in self.outputs]
        self.input_names = [layer.name for layer in input_layers]
        self.output_names = [layer.name for layer in self.output_layers]
        self.built = True

    @property
    def layers(self):
        return list(self._model_layers)

    def get_layer(self, name=None, index=None):
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError("Was asked to retrieve layer at index " + str(index) + " but model only has " +
                                 str(len(self.layers)) + " layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError("No such layer: " + str(name))

    @property
    def input(self):
        return unpack_singleton(self.inputs)

    @property
    def output(self):
        return unpack_singleton(self.outputs)

    @property
    def input_shape(self):
        return unpack_singleton([K.int_shape(x) for x in self.inputs])

    @property
    def output_shape(self):
        return unpack_singleton([K.int_shape(x) for x in self.outputs])

    @property
    def uses_learning_phase(self):
        return any(getattr(x, "_uses_learning_phase", False) for x in self.outputs)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [w for layer in self.layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self):
        weights = [w for layer in self.layers for w in layer.non_trainable_weights]
        if not self.trainable:
            weights = [w for layer in self.layers for w in layer.trainable_weights] + weights
        return weights

    @property
    def updates(self):
        return [u for layer in self.layers for u in layer.updates]

    @property
    def losses(self):
        return list(self._losses) + [loss for layer in self.layers for loss in layer.losses]

    def get_weights(self):
        return K.batch_get_value([w for layer in self.layers for w in layer.weights])

    def set_weights(self, weights):
        tuples = []
        for layer in self.layers:
            n = len(layer.weights)
            for sw, w in zip(layer.weights, weights[:n]):
                tuples.append((sw, w))
            weights = weights[n:]
        K.batch_set_value(tuples)

    def count_params(self):
        if not self.built:
            raise ValueError("You tried to call `count_params` on " + self.name + ", but the model isn't built. "
                             "You can build it manually via: `" + self.name + ".build(batch_input_shape)`.")
        return int(sum(np.prod(K.int_shape(w)) for w in self.weights))

    # --- a model is a layer: calling it on new tensors runs its layers on them
    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs, training=None):
        mapping = {id(x): y for x, y in zip(self.inputs, to_list(inputs))}
        for node in self._network_nodes:
            layer = node.outbound_layer
            if isinstance(layer, InputLayer):
                continue
            args = [mapping[id(x)] for x in node.input_tensors]
            out = layer(args if len(args) > 1 else args[0], **node.arguments)
            for x, y in zip(node.output_tensors, to_list(out)):
                mapping[id(x)] = y
        outs = [mapping[id(x)] for x in self.outputs]
        self._call_shapes = [K.int_shape(x) for x in outs]
        return unpack_singleton(outs)

    def compute_output_shape(self, input_shape):
        return unpack_singleton(getattr(self, "_call_shapes", [K.int_shape(x) for x in self.outputs]))

    def get_config(self):
        layer_configs = []
        for layer in self.layers:
            inbound = []
            for node in layer._inbound_nodes:
                if node in self._network_nodes and node.inbound_layers:
                    inbound.append([[lay.name, ni, ti, {}] for lay, ni, ti in
                                    zip(node.inbound_layers, node.node_indices, node.tensor_indices)])
            layer_configs.append({"name": layer.name, "class_name": type(layer).__name__,
                                  "config": layer.get_config(), "inbound_nodes": inbound})

        def ref(x):
            layer, ni, ti = x._keras_history
            index = [n for n in layer._inbound_nodes if n in self._network_nodes].index(layer._inbound_nodes[ni])
            return [layer.name, index, ti]
        return {"name": self.name, "layers": layer_configs, "input_layers": [ref(x) for x in self.inputs],
                "output_layers": [ref(x) for x in self.outputs]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .saving import layer_from_config
        created, outputs_of = {}, {}
        pending = list(config["layers"])
        while pending:
            progressed = False
            for lc in list(pending):
                layer = created.get(lc["name"])
                if layer is None:
                    layer = created[lc["name"]] = layer_from_config(lc, custom_objects)
                    if isinstance(layer, InputLayer):
                        outputs_of[lc["name"]] = [layer._inbound_nodes[0].output_tensors]
                        pending.remove(lc)
                        progressed = True
                        continue
                    outputs_of[lc["name"]] = []
                done = len(outputs_of[lc["name"]])
                for node in lc["inbound_nodes"][done:]:
                    if not all(n in outputs_of and len(outputs_of[n]) > i for n, i, _, _ in node):
                        break
                    args = [outputs_of[n][i][t] for n, i, t, _ in node]
                    out = layer(args if len(args) > 1 else args[0])
                    outputs_of[lc["name"]].append(to_list(out))
                    progressed = True
                if len(outputs_of[lc["name"]]) == len(lc["inbound_nodes"]):
                    pending.remove(lc)
            if not progressed:
                raise ValueError("Model config: cannot connect layers " + str([lc["name"] for lc in pending]))
        inputs = [outputs_of[n][i][t] for n, i, t in config["input_layers"]]
        outputs = [outputs_of[n][i][t] for n, i, t in config["output_layers"]]
        return cls(inputs=inputs, outputs=outputs, name=config.get("name"))

    # --- training
    def compile(self, optimizer, loss=None, metrics=None, loss_weights=None, sample_weight_mode=None,
                weighted_metrics=None, target_tensors=None, **kwargs):
        """Build the loss, the metrics and the targets into the graph (the optimizer's updates are added
        when the model first trains)."""
        if kwargs:
            raise TypeError("Invalid keyword argument(s) in `compile`: " + str(set(kwargs)))
        for what, value in (("sample_weight_mode", sample_weight_mode), ("weighted_metrics", weighted_metrics),
                            ("target_tensors", target_tensors)):
            if value is not None:
                raise ValueError(f"compile: {what} is not supported by this Keras")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss or {}
        self.loss_weights = loss_weights
        self.metrics = metrics or []
        self._is_compiled = True
        self.train_function = self.test_function = self.predict_function = None
        self._checked_batch = None
        if self.outputs:
            self._compile_graph()

    def _per_output(self, value, what, default=None):
        if isinstance(value, dict):
            for name in value:
                if name not in self.output_names:
                    raise ValueError("Unknown entry in " + what + " dictionary: \"" + name + "\". Only expected "
                                     "the following keys: " + str(self.output_names))
            return [value.get(name, default) for name in self.output_names]
        if isinstance(value, list) and what != "metrics":
            if len(value) != len(self.outputs):
                raise ValueError("When passing a list as " + what + ", it should have one entry per model "
                                 "outputs. The model has " + str(len(self.outputs)) + " outputs, but you "
                                 "passed " + what + "=" + str(value))
            return value
        return [value] * len(self.outputs)

    def _compile_graph(self):
        with self.outputs[0].graph.as_default():
            self._compile_in_graph()

    def _compile_in_graph(self):
        # an output whose loss is None is skipped (no target; trained through model.add_loss), as Keras 2.2
        loss_fns = [None if x is None else losses_module.get(x) for x in self._per_output(self.loss, "loss")]
        weights = self._per_output(self.loss_weights, "loss_weights", 1.0) if self.loss_weights is not None \
            else [1.0] * len(self.outputs)
        metrics = self._per_output(self.metrics, "metrics", []) if isinstance(self.metrics, dict) else \
            [self.metrics] * len(self.outputs)
        self.loss_functions = loss_fns
        self.targets, self._target_shapes = [], []
        self.metrics_names, self.metrics_tensors = ["loss"], []
        self._feed_output_names = [n for n, fn in zip(self.output_names, loss_fns) if fn is not None]
        total, out_losses = None, []
        with K.name_scope("loss"):
            for i, (y_pred, fn, w) in enumerate(zip(self.outputs, loss_fns, weights)):
                name = self.output_names[i]
                if fn is None:
                    self.targets.append(None)
                    continue
                shape = K.int_shape(y_pred)
                target = K.placeholder(ndim=len(shape), name=name + "_target", dtype=K.dtype(y_pred))
                self.targets.append(target)
                if fn is losses_module.sparse_categorical_crossentropy:
                    self._target_shapes.append(tuple(shape[:-1]) + (1,))
                elif fn in losses_module._ALL.values():
                    self._target_shapes.append(shape)
                else:
                    self._target_shapes.append(None)
                score = fn(target, y_pred)
                loss = score if K.ndim(score) == 0 else K.mean(score)
                out_losses.append(loss)
                total = loss * w if total is None and w != 1.0 else (loss if total is None else
                                                                       total + (loss * w if w != 1.0 else loss))
            for extra in self.losses:
                total = extra if total is None else total + extra
        if total is None:
            raise ValueError("The model cannot be compiled because it has no loss to optimize.")
        self.total_loss = total
        self._feed_targets = [t for t in self.targets if t is not None]
        self._feed_target_shapes = [s for t, s in zip(self.targets, self._target_shapes) if t is not None]
        self._feed_loss_fns = [fn for fn in loss_fns if fn is not None]
        if len(self._feed_output_names) > 1:
            for name, loss in zip(self._feed_output_names, out_losses):
                self.metrics_names.append(name + "_loss")
                self.metrics_tensors.append(loss)
        with K.name_scope("metrics"):
            for i, output_metrics in enumerate(metrics):
                if loss_fns[i] is None:
                    continue
                for metric in output_metrics or []:
                    fn, label = self._resolve_metric(metric, loss_fns[i])
                    value = fn(self.targets[i], self.outputs[i])
                    value = value if K.ndim(value) == 0 else K.mean(value)
                    prefix = self.output_names[i] + "_" if len(self.outputs) > 1 else ""
                    self.metrics_names.append(prefix + label)
                    self.metrics_tensors.append(value)

    @staticmethod
    def _resolve_metric(metric, loss_fn):
        if metric in ("accuracy", "acc"):
            if loss_fn is losses_module.binary_crossentropy:
                return metrics_module.binary_accuracy, metric
            if loss_fn is losses_module.sparse_categorical_crossentropy:
                return metrics_module.sparse_categorical_accuracy, metric
            return metrics_module.categorical_accuracy, metric
        fn = metrics_module.get(metric)
        return fn, metric if isinstance(metric, str) else fn.__name__

    def _feeds_learning_phase(self):
        return self.uses_learning_phase and not isinstance(K.learning_phase(), int)

    def _require_compiled(self):
        if not self._is_compiled:
            raise RuntimeError("You must compile your model before using it.")

    def _make_train_function(self):
        self._require_compiled()
        if self.train_function is None:
            with self.outputs[0].graph.as_default():   # the model's graph, wherever it is called from
                self._build_train_function()

    def _build_train_function(self):
        inputs = self.inputs + self._feed_targets + ([K.learning_phase()] if self._feeds_learning_phase() else [])
        with K.name_scope("training"):
            with K.name_scope(type(self.optimizer).__name__):
                updates = self.optimizer.get_updates(loss=self.total_loss, params=self.trainable_weights)
            self.train_function = K.function(inputs, [self.total_loss] + self.metrics_tensors,
                                             updates=updates + self.updates, name="train_function")
        self._lp_value = [True] if self._feeds_learning_phase() else []

    def _make_test_function(self):
        self._require_compiled()
        if self.test_function is None:
            with self.outputs[0].graph.as_default():
                self.test_function = K.function(self.inputs + self._feed_targets,
                                                [self.total_loss] + self.metrics_tensors, name="test_function")

    def _make_predict_function(self):
        if getattr(self, "predict_function", None) is None:
            with self.outputs[0].graph.as_default():
                self.predict_function = K.function(self.inputs, self.outputs, name="predict_function")

    def _standardize_user_data(self, x, y=None, check_targets=True):
        if not self.outputs:
            self._build_from_data(x)
        xs = _standardize(x, self.input_names, [K.int_shape(t) for t in self.inputs], "input")
        if y is None:
            if check_targets and self._is_compiled and self._feed_targets:
                raise ValueError("Error when checking model target: the model expects " +
                                 str(len(self._feed_targets)) + " target array(s) (" +
                                 ", ".join(self._feed_output_names) + "), got None")
            return xs, []
        self._require_compiled()
        ys = _standardize(y, self._feed_output_names, self._feed_target_shapes, "target")
        for yv, fn in zip(ys, self._feed_loss_fns):
            if fn is losses_module.categorical_crossentropy and yv.shape[-1] == 1:
                raise ValueError("You are passing a target array of shape " + str(yv.shape) + " while using as "
                                 "loss `categorical_crossentropy`. `categorical_crossentropy` expects targets to "
                                 "be binary matrices (1s and 0s) of shape (samples, classes). If your targets "
                                 "are integer classes, you can convert them to the expected format via:\n```\n"
                                 "from keras.utils import to_categorical\ny_binary = to_categorical(y_int)\n```\n"
                                 "\nAlternatively, you can use the loss function `sparse_categorical_crossentropy`"
                                 " instead, which does expect integer targets.")
        _check_lengths(xs, ys)
        return xs, ys

    def _build_from_data(self, x):
        raise RuntimeError("This model has no inputs")

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One optimizer step on this batch: the loss (and metrics) before the update."""
        if sample_weight is not None or class_weight is not None:
            raise ValueError("train_on_batch: sample_weight and class_weight are not supported by this Keras")
        if type(x) is np.ndarray and type(y) is np.ndarray and \
                (x.shape, x.dtype, y.shape, y.dtype) == self._checked_batch:
            # the same shapes as the last checked batch: the checks would pass again (a lean step)
            ins = [x if x.ndim > 1 else x[:, None], y if y.ndim > 1 else y[:, None]]
        else:
            xs, ys = self._standardize_user_data(x, y)
            ins = xs + ys
            if type(x) is np.ndarray and type(y) is np.ndarray:
                self._checked_batch = (x.shape, x.dtype, y.shape, y.dtype)
        if self.train_function is None:
            self._make_train_function()
        outs = self.train_function(ins + self._lp_value)
        return outs[0] if len(outs) == 1 else outs

    def test_on_batch(self, x, y, sample_weight=None):
        if sample_weight is not None:
            raise ValueError("test_on_batch: sample_weight is not supported by this Keras")
        xs, ys = self._standardize_user_data(x, y)
        self._make_test_function()
        outs = self.test_function(xs + ys)
        return outs[0] if len(outs) == 1 else outs

    def predict_on_batch(self, x):
        xs, _ = self._standardize_user_data(x, check_targets=False)
        self._make_predict_function()
        outs = self.predict_function(xs)
        return outs[0] if len(outs) == 1 else outs

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, **kwargs):
        """Train for `epochs` passes over (x, y) in batches; returns the History callback."""
        if "nb_epoch" in kwargs:
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        if class_weight is not None or sample_weight is not None:
            raise ValueError("fit: sample_weight and class_weight are not supported by this Keras")
        if steps_per_epoch is not None:
            raise ValueError("fit: steps_per_epoch is for symbolic tensors, which this Keras does not take; "
                             "pass Numpy arrays with batch_size")
        batch_size = 32 if batch_size is None else batch_size
        xs, ys = self._standardize_user_data(x, y)
        val_ins = None
        if validation_data is not None:
            if len(validation_data) == 3:
                raise ValueError("fit: validation sample weights are not supported by this Keras")
            if len(validation_data) != 2:
                raise ValueError("When passing validation_data, it must contain 2 (x_val, y_val) or 3 (x_val, "
                                 "y_val, val_sample_weights) items, however it contains " +
                                 str(len(validation_data)) + " items")
            vx, vy = self._standardize_user_data(*validation_data)
            val_ins = vx + vy
        elif validation_split and 0.0 < validation_split < 1.0:
            split_at = int(len(xs[0]) * (1.0 - validation_split))
            xs, vx = _slice(xs, slice(0, split_at)), _slice(xs, slice(split_at, None))
            ys, vy = _slice(ys, slice(0, split_at)), _slice(ys, slice(split_at, None))
            val_ins = vx + vy
        self._make_train_function()
        if val_ins is not None:
            self._make_test_function()
        out_labels = list(self.metrics_names)
        callback_metrics = out_labels + (["val_" + n for n in out_labels] if val_ins is not None else [])
        self.history = cbks.History()
        callback_list = [cbks.BaseLogger()] + ([cbks.ProgbarLogger()] if verbose else []) + \
            list(callbacks or []) + [self.history]
        callback_list = cbks.CallbackList(callback_list)
        callback_list.set_model(self)
        num_train = len(xs[0])
        callback_list.set_params({"batch_size": batch_size, "epochs": epochs, "steps": None,
                                  "samples": num_train, "verbose": verbose,
                                  "do_validation": val_ins is not None, "metrics": callback_metrics})
        self.stop_training = False
        callback_list.on_train_begin()
        ins = xs + ys
        index_array = np.arange(num_train)
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch)
            epoch_logs = {}
            if shuffle == "batch":
                index_array = _batch_shuffle(index_array, batch_size)
            elif shuffle:
                np.random.shuffle(index_array)
            for batch_index, (start, end) in enumerate(_make_batches(num_train, batch_size)):
                ids = index_array[start:end]
                batch_logs = {"batch": batch_index, "size": len(ids)}
                callback_list.on_batch_begin(batch_index, batch_logs)
                outs = self.train_function(_slice(ins, ids) + self._lp_value)
                for label, o in zip(out_labels, outs):
                    batch_logs[label] = float(o)
                callback_list.on_batch_end(batch_index, batch_logs)
                if self.stop_training:
                    break
            if val_ins is not None:
                val_outs = self._test_loop(self.test_function, val_ins, batch_size)
                for label, o in zip(out_labels, to_list(val_outs)):
                    epoch_logs["val_" + label] = o
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callback_list.on_train_end()
        return self.history

    @staticmethod
    def _test_loop(f, ins, batch_size):
        n = len(ins[0])
        totals = None
        for start, end in _make_batches(n, batch_size):
            outs = f(_slice(ins, slice(start, end)))
            if totals is None:
                totals = [0.0] * len(outs)
            for i, o in enumerate(outs):
                totals[i] += float(o) * (end - start)
        outs = [t / n for t in totals]
        return outs[0] if len(outs) == 1 else outs

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None):
        """The loss (and metrics) over (x, y), averaged over batches weighted by their size."""
        if sample_weight is not None:
            raise ValueError("evaluate: sample_weight is not supported by this Keras")
        xs, ys = self._standardize_user_data(x, y)
        self._make_test_function()
        return self._test_loop(self.test_function, xs + ys, 32 if batch_size is None else batch_size)

    def predict(self, x, batch_size=None, verbose=0, steps=None):
        xs, _ = self._standardize_user_data(x, check_targets=False)
        self._make_predict_function()
        batch_size = 32 if batch_size is None else batch_size
        n = len(xs[0])
        results = None
        for start, end in _make_batches(n, batch_size):
            outs = self.predict_function(_slice(xs, slice(start, end)))
            if results is None:
                results = [[] for _ in outs]
            for r, o in zip(results, outs):
                r.append(o)
        outs = [np.concatenate(r) for r in results]
        return outs[0] if len(outs) == 1 else outs

    def predict_classes(self, x, batch_size=32, verbose=0):
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        return proba.argmax(axis=-1) if proba.shape[-1] > 1 else (proba > 0.5).astype("int32")

    # --- inspection and files
    def summary(self, line_length=None, positions=None, print_fn=None):
        from .utils import print_summary
        if not self.built or not self.outputs:
            raise ValueError("This model has not yet been built. Build the model first by calling build() or "
                             "calling fit() with some data. Or specify input_shape or batch_input_shape in the "
                             "first layer for automatic build. ")
        return print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    def save(self, filepath, overwrite=True, include_optimizer=True):
        from .saving import save_model
        save_model(self, filepath, overwrite, include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        from .saving import save_weights
        save_weights(self, filepath, overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, reshape=False):
        from .saving import load_weights
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        import json
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config(),
                           "keras_version": "2.2.4", "backend": "tensorflow"}, default=_json_default, **kwargs)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError("Not JSON Serializable: " + str(obj))


def _batch_shuffle(index_array, batch_size):
    batch_count = len(index_array) // batch_size
    last = index_array[batch_count * batch_size:]
    index_array = index_array[:batch_count * batch_size].reshape((batch_count, batch_size))
    np.random.shuffle(index_array)
    return np.append(index_array.flatten(), last)


class Sequential(Model):
    """A linear stack of layers. The graph is built as layers are added once the first knows its input
    shape; otherwise (or when a layer needs a dimension the input shape leaves open, such as an RNN's
    time axis) it is built from the first data the model sees."""

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._graph = K.get_graph()
        self._stack = []
        self._compile_args = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        if not isinstance(layer, Layer):
            raise TypeError("The added layer must be an instance of class Layer. Found: " + str(layer))
        self._stack.append(layer)
        if self.outputs:
            try:
                x = layer(self.outputs[0])
            except DeferredBuild:
                self.outputs, self.inputs = [], []
                self.built = False
                return
            if isinstance(x, list):
                raise TypeError("All layers in a Sequential model should have a single output tensor. For "
                                "multi-output layers, use the functional API.")
            self._set_graph(self.inputs[0], x)
        elif len(self._stack) == 1:
            self._try_build(None)

    def pop(self):
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        self._stack.pop()
        self.outputs, self.inputs = [], []
        self.built = False
        if self._stack:
            self._try_build(None)

    def _try_build(self, batch_shape):
        with self._graph.as_default():
            return self._build_stack(batch_shape)

    def _build_stack(self, batch_shape):
        first = self._stack[0]
        if isinstance(first, InputLayer):
            x = first._inbound_nodes[0].output_tensors[0]
            rest = self._stack[1:]
            if batch_shape is not None and batch_shape[1:] != K.int_shape(x)[1:]:
                x = Input(batch_shape=batch_shape, dtype=first.dtype, name=first.name + "_data")
        else:
            shape = batch_shape or getattr(first, "batch_input_shape", None)
            if shape is None:
                return False
            x = Input(batch_shape=shape, dtype=first.dtype, name=first.name + "_input")
            rest = self._stack
        inputs = x
        try:
            for layer in rest:
                x = layer(x)
                if isinstance(x, list):
                    raise TypeError("All layers in a Sequential model should have a single output tensor. For "
                                    "multi-output layers, use the functional API.")
        except DeferredBuild:
            if batch_shape is not None:
                raise
            self.outputs, self.inputs = [], []
            self.built = False
            return False
        self._set_graph(inputs, x)
        return True

    def _set_graph(self, inputs, output):
        self._init_graph_network(inputs, output)
        self._model_layers = [layer for layer in self._stack if not isinstance(layer, InputLayer)]
        self.train_function = self.test_function = self.predict_function = None
        self._checked_batch = None
        if self._is_compiled:
            self._compile_graph()

    def build(self, input_shape=None):
        if input_shape is not None and not self.outputs:
            self._try_build(tuple(input_shape))
        if not self.outputs:
            raise ValueError("You must provide an `input_shape` argument.")
        self.built = True

    def _build_from_data(self, x):
        if not self._stack:
            raise TypeError("Sequential model cannot be built: model is empty. Add some layers first.")
        first = to_list(x)[0] if isinstance(x, (list, tuple)) else x
        shape = np.shape(first)
        if len(shape) == 1:
            shape = shape + (1,)
        self._try_build((None,) + tuple(shape[1:]))

    def get_config(self):
        return {"name": self.name, "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                                              for layer in self.layers]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .saving import layer_from_config
        layers = config["layers"] if isinstance(config, dict) else config
        model = cls(name=config.get("name") if isinstance(config, dict) else None)
        for conf in layers:
            model.add(layer_from_config(conf, custom_objects))
        return model


def load_model(filepath, custom_objects=None, compile=True):  # noqa: A002
    from .saving import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    from .saving import save_model as _save
    _save(model, filepath, overwrite, include_optimizer)


def model_from_json(json_string, custom_objects=None):
    import json
    from .saving import model_from_config
    return model_from_config(json.loads(json_string), custom_objects=custom_objects)
