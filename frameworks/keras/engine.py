"""The Keras layer machinery: Layer (weights, build on first call, the nodes that record who called whom),
InputLayer and Input (the symbolic entry points of a functional model)."""
import re

import numpy as np

from . import backend as K
from . import initializers

_ALLOWED_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "dtype", "name", "trainable", "weights",
                   "input_dtype"}


class DeferredBuild(ValueError):
    """A layer needs a dimension only the data will give (an RNN's time axis): Sequential builds later."""


def to_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def unpack_singleton(x):
    return x[0] if len(x) == 1 else x


def to_snake_case(name):
    s = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub("([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if s[0] != "_" else "private" + s


class Node:
    """One call of a layer: the layers and tensors it took and the tensors it made (Keras' Node)."""

    def __init__(self, outbound_layer, inbound_layers, node_indices, tensor_indices, input_tensors,
                 output_tensors, input_shapes, output_shapes, arguments=None):
        self.outbound_layer = outbound_layer
        self.inbound_layers = inbound_layers
        self.node_indices = node_indices
        self.tensor_indices = tensor_indices
        self.input_tensors = input_tensors
        self.output_tensors = output_tensors
        self.input_shapes = input_shapes
        self.output_shapes = output_shapes
        self.arguments = arguments or {}
        for layer in inbound_layers:
            if layer is not None:
                layer._outbound_nodes.append(self)
        outbound_layer._inbound_nodes.append(self)


class InputSpec:
    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype, self.shape = dtype, shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim, self.axes = max_ndim, min_ndim, axes or {}


class Layer:
    """Keras' base layer. A subclass gives build(input_shape) (add_weight), call(inputs) and
    compute_output_shape(input_shape); calling the layer on a Keras tensor builds it once, then adds its
    ops to the graph and records the call as a Node."""

    def __init__(self, **kwargs):
        self.input_spec = None
        self.supports_masking = False
        self.stateful = False
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._losses = []
        self._updates = []
        self._per_input_updates = {}
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._built = False
        for kwarg in kwargs:
            if kwarg not in _ALLOWED_KWARGS:
                raise TypeError("Keyword argument not understood:", kwarg)
        name = kwargs.get("name")
        if not name:
            prefix = to_snake_case(type(self).__name__)
            name = prefix + "_" + str(K.get_uid(prefix))
        self.name = name
        self.trainable = kwargs.get("trainable", True)
        if "input_shape" in kwargs or "batch_input_shape" in kwargs:
            if "batch_input_shape" in kwargs:
                batch_input_shape = tuple(kwargs["batch_input_shape"])
            else:
                batch_input_shape = (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
            self.batch_input_shape = batch_input_shape
        self.dtype = kwargs.get("dtype") or kwargs.get("input_dtype") or K.floatx()
        self._initial_weights = kwargs.get("weights")

    # --- weights
    @property
    def built(self):
        return self._built

    @built.setter
    def built(self, value):
        self._built = value

    @property
    def trainable_weights(self):
        return list(self._trainable_weights) if self.trainable else []

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = list(weights)

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return list(self._non_trainable_weights)
        return list(self._trainable_weights) + list(self._non_trainable_weights)

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = list(weights)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    @property
    def updates(self):
        return list(self._updates) if self.trainable or self.stateful else []

    @property
    def losses(self):
        return list(self._losses)

    def add_update(self, updates, inputs=None):
        self._updates += to_list(updates)

    def add_loss(self, losses, inputs=None):
        self._losses += to_list(losses)

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None, trainable=True,
                   constraint=None):
        """A new variable `<layer name>/<name>` with `initializer`'s value (NumPy, see initializers)."""
        if regularizer is not None or constraint is not None:
            raise ValueError(f"Layer {self.name}: weight regularizers and constraints are not supported "
                             "by this Keras")
        shape = tuple(int(s) for s in shape)
        init = initializers.get(initializer)
        value = np.asarray(init(shape, dtype=dtype) if init is not None else np.zeros(shape))
        weight = K.variable(value, dtype=dtype or K.floatx(), name=name)   # under the layer's name scope
        (self._trainable_weights if trainable else self._non_trainable_weights).append(weight)
        return weight

    def get_weights(self):
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        params = self.weights
        if len(params) != len(weights):
            raise ValueError('You called `set_weights(weights)` on layer "' + self.name +
                             '" with a  weight list of length ' + str(len(weights)) +
                             ", but the layer was expecting " + str(len(params)) +
                             " weights. Provided weights: " + str(weights)[:50] + "...")
        tuples = []
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if K.int_shape(p) != w.shape:
                raise ValueError("Layer weight shape " + str(K.int_shape(p)) +
                                 " not compatible with provided weight shape " + str(w.shape))
            tuples.append((p, w))
        K.batch_set_value(tuples)

    def count_params(self):
        if not self.built:
            raise ValueError("You tried to call `count_params` on " + self.name +
                             ", but the layer isn't built. You can build it manually via: `" + self.name +
                             ".build(batch_input_shape)`.")
        return int(sum(np.prod(K.int_shape(w)) for w in self.weights))

    # --- the protocol a subclass fills in
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        if hasattr(self, "batch_input_shape"):
            config["batch_input_shape"] = self.batch_input_shape
        config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # --- calling
    def assert_input_compatibility(self, inputs):
        if not self.input_spec:
            return
        for i, (x, spec) in enumerate(zip(to_list(inputs), to_list(self.input_spec))):
            if spec is None:
                continue
            shape = K.int_shape(x)
            if spec.ndim is not None and shape is not None and len(shape) != spec.ndim:
                raise ValueError("Input " + str(i) + " is incompatible with layer " + self.name +
                                 ": expected ndim=" + str(spec.ndim) + ", found ndim=" + str(len(shape)))
            if spec.min_ndim is not None and shape is not None and len(shape) < spec.min_ndim:
                raise ValueError("Input " + str(i) + " is incompatible with layer " + self.name +
                                 ": expected min_ndim=" + str(spec.min_ndim) + ", found ndim=" +
                                 str(len(shape)))
            for axis, value in spec.axes.items():
                if shape is not None and value is not None and shape[int(axis)] not in (value, None):
                    raise ValueError("Input " + str(i) + " is incompatible with layer " + self.name +
                                     ": expected axis " + str(axis) + " of input shape to have value " +
                                     str(value) + " but got shape " + str(shape))

    def __call__(self, inputs, **kwargs):
        input_list = to_list(inputs)
        for x in input_list:
            try:
                K.is_keras_tensor(x)
            except ValueError:
                raise ValueError("Layer " + self.name + " was called with an input that isn't a symbolic "
                                 "tensor. Received type: " + str(type(x)) + ". Full input: " + str(inputs) +
                                 ". All inputs to the layer should be tensors.") from None
        with K.name_scope(self.name):
            if not self.built:
                self.assert_input_compatibility(inputs)
                shapes = [K.int_shape(x) for x in input_list]
                self.build(unpack_singleton(shapes))
                self.built = True
                if self._initial_weights is not None:
                    self.set_weights(self._initial_weights)
            self.assert_input_compatibility(inputs)
            output = self.call(unpack_singleton(input_list) if not isinstance(inputs, list) else inputs,
                               **kwargs)
        output_list = to_list(output)
        input_shapes = [K.int_shape(x) for x in input_list]
        shapes = self.compute_output_shape(unpack_singleton(input_shapes) if not isinstance(inputs, list)
                                           else input_shapes)
        output_shapes = list(shapes) if isinstance(output, list) else [shapes]
        uses_lp = any(getattr(x, "_uses_learning_phase", False) for x in input_list)
        for x, s in zip(output_list, output_shapes):
            x._keras_shape = tuple(s) if s is not None else None
            x._uses_learning_phase = getattr(x, "_uses_learning_phase", False) or uses_lp
        self._add_inbound_node(input_list, output_list, input_shapes, output_shapes, kwargs)
        return output

    def _add_inbound_node(self, input_tensors, output_tensors, input_shapes, output_shapes, arguments):
        layers, node_indices, tensor_indices = [], [], []
        for x in input_tensors:
            # a plain backend tensor (not from Input or a layer) has no history: None, as Keras 2 records it
            layer, node_index, tensor_index = getattr(x, "_keras_history", (None, None, None))
            layers.append(layer)
            node_indices.append(node_index)
            tensor_indices.append(tensor_index)
        Node(self, layers, node_indices, tensor_indices, input_tensors, output_tensors, input_shapes,
             output_shapes, arguments)
        for i, x in enumerate(output_tensors):
            x._keras_history = (self, len(self._inbound_nodes) - 1, i)

    # --- what the last call saw
    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError("The layer has never been called and thus has no defined " + what + ".")
        values = getattr(self._inbound_nodes[0], attr)
        return unpack_singleton(values)

    @property
    def input(self):
        return self._node_attr("input_tensors", "input")

    @property
    def output(self):
        return self._node_attr("output_tensors", "output")

    @property
    def input_shape(self):
        return self._node_attr("input_shapes", "input shape")

    @property
    def output_shape(self):
        return self._node_attr("output_shapes", "output shape")

    def __repr__(self):
        return f"<{type(self).__module__.replace('frameworks.', '')}.{type(self).__name__} {self.name!r}>"


class InputLayer(Layer):
    """The layer behind Input(): it owns the placeholder a model is fed through."""

    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None, dtype=None,
                 input_tensor=None, sparse=False, name=None):
        if not name:
            prefix = "input"
            name = prefix + "_" + str(K.get_uid(prefix))
        super().__init__(dtype=dtype, name=name)
        self.trainable = False
        self.built = True
        self.sparse = sparse
        if input_shape and batch_input_shape:
            raise ValueError("Only provide the input_shape OR batch_input_shape argument to InputLayer, "
                             "not both at the same time.")
        if input_tensor is not None and batch_input_shape is None:
            batch_input_shape = K.int_shape(input_tensor)
        if not batch_input_shape:
            if input_shape is None:
                raise ValueError("An Input layer should be passed either a `batch_input_shape` or an "
                                 "`input_shape`.")
            batch_input_shape = (batch_size,) + tuple(input_shape)
        batch_input_shape = tuple(batch_input_shape)
        self.batch_input_shape = batch_input_shape
        self.dtype = dtype or K.floatx()
        if input_tensor is None:
            input_tensor = K.placeholder(shape=batch_input_shape, dtype=self.dtype, sparse=sparse, name=self.name)
            self.is_placeholder = True
        else:
            self.is_placeholder = False
            input_tensor._keras_shape = batch_input_shape
        input_tensor._uses_learning_phase = False
        input_tensor._keras_history = (self, 0, 0)
        Node(self, [], [], [], [input_tensor], [input_tensor], [batch_input_shape], [batch_input_shape])

    def get_config(self):
        return {"batch_input_shape": self.batch_input_shape, "dtype": self.dtype, "sparse": self.sparse,
                "name": self.name}


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None):  # noqa: N802
    """A symbolic input tensor of a functional model: Input(shape=(784,)) is (None, 784)."""
    if not batch_shape and tensor is None:
        if shape is None:
            raise ValueError("Please provide to Input either a `shape` or a `batch_shape` argument. Note "
                             "that `shape` does not include the batch dimension.")
    if shape is not None and not batch_shape:
        batch_shape = (None,) + tuple(shape)
    layer = InputLayer(batch_input_shape=batch_shape, name=name, dtype=dtype, sparse=sparse,
                       input_tensor=tensor)
    return layer._inbound_nodes[0].output_tensors[0]
