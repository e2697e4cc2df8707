"""keras.layers wrappers: TimeDistributed (a layer applied to every time slice) and Bidirectional (an RNN
run forwards and backwards, the outputs merged), as Keras 2.2 writes them."""
import copy

from .. import backend as K
from ..engine import InputSpec, Layer


class Wrapper(Layer):
    """A layer around another layer: its weights are the inner layer's."""

    def __init__(self, layer, **kwargs):
        self.layer = layer
        super().__init__(**kwargs)

    def build(self, input_shape=None):
        self.built = True

    @property
    def trainable_weights(self):
        return self.layer.trainable_weights if self.trainable else []

    @property
    def non_trainable_weights(self):
        return self.layer.non_trainable_weights if self.trainable else self.layer.weights

    @property
    def updates(self):
        return self.layer.updates

    def get_weights(self):
        return self.layer.get_weights()

    def set_weights(self, weights):
        self.layer.set_weights(weights)

    def get_config(self):
        config = {"layer": {"class_name": type(self.layer).__name__, "config": self.layer.get_config()}}
        return dict(super().get_config(), **config)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving import layer_from_config
        config = dict(config)
        layer = layer_from_config(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Apply `layer` to every slice along axis 1: (batch, time, ...) is reshaped to (batch * time, ...),
    the layer runs once, and the result is reshaped back (Keras' path for an unknown batch size)."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape ` with at least 3 "
                             "dimensions, received: " + str(input_shape))
        self.input_spec = InputSpec(shape=input_shape)
        child_input_shape = (input_shape[0],) + tuple(input_shape[2:])
        if not self.layer.built:
            self.layer.build(child_input_shape)   # weights named <time_distributed_n>/..., as Keras 2.2
            self.layer.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        child_output_shape = self.layer.compute_output_shape((input_shape[0],) + tuple(input_shape[2:]))
        return (child_output_shape[0], input_shape[1]) + tuple(child_output_shape[1:])

    def call(self, inputs, training=None, mask=None):
        input_shape = K.int_shape(inputs)
        input_length = input_shape[1]
        if input_length is None or None in input_shape[2:]:
            raise ValueError(f"TimeDistributed {self.name}: the time axis and inner dimensions must be known, "
                             f"got {input_shape}")
        x = K.reshape(inputs, (-1,) + tuple(input_shape[2:]))
        kwargs = {"training": training} if training is not None and \
            "training" in self.layer.call.__code__.co_varnames else {}
        y = self.layer.call(x, **kwargs)
        uses_learning_phase = getattr(y, "_uses_learning_phase", False)
        output_shape = self.compute_output_shape(input_shape)
        y = K.reshape(y, (-1, input_length) + tuple(output_shape[2:]))
        y._uses_learning_phase = uses_learning_phase
        return y


class Bidirectional(Wrapper):
    """Run an RNN layer forwards and a copy backwards (go_backwards flipped) over the same input and merge
    the two outputs ('concat', 'sum', 'mul', 'ave', or None for both as a list). The backward sequence is
    flipped back in time before the merge, so step t of both halves sees step t."""

    def __init__(self, layer, merge_mode="concat", weights=None, **kwargs):
        if merge_mode not in ["sum", "mul", "ave", "concat", None]:
            raise ValueError("Invalid merge mode. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        self.forward_layer = copy.copy(layer)
        config = layer.get_config()
        config["go_backwards"] = not config["go_backwards"]
        self.backward_layer = type(layer).from_config(config)
        self.forward_layer.name = "forward_" + self.forward_layer.name
        self.backward_layer.name = "backward_" + self.backward_layer.name
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "cell"):
                sub.cell.name = sub.name
        self.merge_mode = merge_mode
        if weights:
            nw = len(weights)
            self.forward_layer._initial_weights = weights[:nw // 2]
            self.backward_layer._initial_weights = weights[nw // 2:]
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        super().__init__(layer, **kwargs)
        self.stateful = layer.stateful
        self.supports_masking = True
        self.input_spec = layer.input_spec

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return self.forward_layer.trainable_weights + self.backward_layer.trainable_weights

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.forward_layer.weights + self.backward_layer.weights
        return self.forward_layer.non_trainable_weights + self.backward_layer.non_trainable_weights

    def get_weights(self):
        return self.forward_layer.get_weights() + self.backward_layer.get_weights()

    def set_weights(self, weights):
        nw = len(weights)
        self.forward_layer.set_weights(weights[:nw // 2])
        self.backward_layer.set_weights(weights[nw // 2:])

    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            with K.name_scope(sub.name):   # bidirectional_1/forward_lstm_1/kernel, as Keras 2.2
                sub.build(input_shape)
                sub.built = True
                if sub._initial_weights is not None:
                    sub.set_weights(sub._initial_weights)
                    sub._initial_weights = None
        self.built = True

    def compute_output_shape(self, input_shape):
        output_shape = self.forward_layer.compute_output_shape(input_shape)
        if self.return_state:
            state_shape = list(output_shape[1:])
            output_shape = output_shape[0]
        if self.merge_mode == "concat":
            output_shape = tuple(output_shape[:-1]) + (output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = [output_shape, copy.copy(output_shape)]
        if self.return_state:
            if self.merge_mode is None:
                return output_shape + state_shape + copy.copy(state_shape)
            return [output_shape] + state_shape + copy.copy(state_shape)
        return output_shape

    def call(self, inputs, training=None, mask=None, initial_state=None):
        kwargs = {"training": training, "mask": mask}
        if initial_state is not None:
            half = len(initial_state) // 2
            y = self.forward_layer.call(inputs, initial_state=initial_state[:half], **kwargs)
            y_rev = self.backward_layer.call(inputs, initial_state=initial_state[half:], **kwargs)
        else:
            y = self.forward_layer.call(inputs, **kwargs)
            y_rev = self.backward_layer.call(inputs, **kwargs)
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = K.reverse(y_rev, 1)
        if self.merge_mode == "concat":
            output = K.concatenate([y, y_rev])
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if getattr(y, "_uses_learning_phase", False) or getattr(y_rev, "_uses_learning_phase", False):
            for out in output if isinstance(output, list) else [output]:
                out._uses_learning_phase = True
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def get_config(self):
        return dict(super().get_config(), merge_mode=self.merge_mode)
