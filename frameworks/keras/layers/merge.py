"""keras.layers merging: Concatenate / concatenate, Add / add."""
from .. import backend as K
from ..engine import Layer


class _Merge(Layer):
    def build(self, input_shape):
        if not isinstance(input_shape, list):
            raise ValueError("A merge layer should be called on a list of inputs.")
        if len(input_shape) < 2:
            raise ValueError("A merge layer should be called on a list of at least 2 inputs. Got " +
                             str(len(input_shape)) + " inputs.")
        self.built = True


class Add(_Merge):
    def build(self, input_shape):
        super().build(input_shape)
        shapes = {tuple(s[1:]) for s in input_shape}
        if len(shapes) > 1:
            raise ValueError("Operands could not be broadcast together with shapes " +
                             " ".join(str(s) for s in input_shape))

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out

    def compute_output_shape(self, input_shape):
        return input_shape[0]


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        super().build(input_shape)
        reduced = {tuple(s[:self.axis % len(s)] + s[self.axis % len(s) + 1:]) for s in input_shape}
        if len(reduced) > 1:
            raise ValueError("A `Concatenate` layer requires inputs with matching shapes except for the "
                             "concat axis. Got inputs shapes: " + str(input_shape))

    def call(self, inputs):
        return K.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        out = list(input_shape[0])
        ax = self.axis % len(out)
        for s in input_shape[1:]:
            out[ax] = None if out[ax] is None or s[ax] is None else out[ax] + s[ax]
        return tuple(out)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)
