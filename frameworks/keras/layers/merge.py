"""keras.layers merging: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot and their
functional forms (add, subtract, ...), as Keras 2.2 writes them."""
from .. import backend as K
from ..engine import Layer


def _elemwise_shape(shape1, shape2):
    """Keras' _compute_elemwise_op_output_shape: broadcasting of the non-batch shapes."""
    if shape1 is None or shape2 is None:
        return None
    if len(shape1) < len(shape2):
        return _elemwise_shape(shape2, shape1)
    if not shape2:
        return shape1
    output_shape = list(shape1[:-len(shape2)])
    for i, j in zip(shape1[-len(shape2):], shape2):
        if i is None or j is None:
            output_shape.append(None)
        elif i == 1:
            output_shape.append(j)
        elif j == 1:
            output_shape.append(i)
        else:
            if i != j:
                raise ValueError("Operands could not be broadcast together with shapes " + str(shape1) + " " +
                                 str(shape2))
            output_shape.append(i)
    return tuple(output_shape)


class _Merge(Layer):
    """An elementwise merge of a list of tensors (broadcast over their non-batch shapes)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, list):
            raise ValueError("A merge layer should be called on a list of inputs.")
        if len(input_shape) < 2:
            raise ValueError("A merge layer should be called on a list of at least 2 inputs. Got " +
                             str(len(input_shape)) + " inputs.")
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        if len(batch_sizes) > 1:
            raise ValueError("Can not merge tensors with different batch sizes. Got tensors with shapes : " +
                             str(input_shape))
        self.compute_output_shape(input_shape)   # raises if the shapes do not broadcast
        self.built = True

    def compute_output_shape(self, input_shape):
        output_shape = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output_shape = _elemwise_shape(output_shape, None if shape is None else tuple(shape[1:]))
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        batch = list(batch_sizes)[0] if len(batch_sizes) == 1 else None
        return None if output_shape is None else (batch,) + output_shape

    def call(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = self._merge(output, x)
        return output


class Add(_Merge):
    """The sum of the inputs."""
    _merge = staticmethod(lambda a, b: a + b)


class Multiply(_Merge):
    """The elementwise product of the inputs."""
    _merge = staticmethod(lambda a, b: a * b)


class Maximum(_Merge):
    """The elementwise maximum of the inputs."""
    _merge = staticmethod(K.maximum)


class Minimum(_Merge):
    """The elementwise minimum of the inputs."""
    _merge = staticmethod(K.minimum)


class Average(_Merge):
    """The mean of the inputs."""

    def call(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs")

    def call(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs")
        return inputs[0] - inputs[1]


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


class Dot(_Merge):
    """The dot product of two samples along `axes` (an int or one per input; 1-based on the sample,
    0 is the batch), optionally of their l2-normalized forms (cosine proximity): K.batch_dot."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError("Invalid type for `axes` - should be a list or an int.")
            if len(axes) != 2:
                raise ValueError("Invalid format for `axes` - should contain two elements.")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError("Invalid format for `axes` - list elements should be \"int\".")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _axes(self, ranks):
        if isinstance(self.axes, int):
            return [self.axes % r for r in ranks] if self.axes < 0 else [self.axes] * 2
        return [a % r if a < 0 else a for a, r in zip(self.axes, ranks)]

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs.")
        shape1, shape2 = input_shape
        if shape1 is not None and shape2 is not None:
            axes = self._axes([len(shape1), len(shape2)])
            if shape1[axes[0]] != shape2[axes[1]]:
                raise ValueError("Dimension incompatibility %s != %s. Layer shapes: %s, %s"
                                 % (shape1[axes[0]], shape2[axes[1]], shape1, shape2))
        self.built = True

    def call(self, inputs):
        x1, x2 = inputs
        axes = self._axes([K.ndim(x1), K.ndim(x2)])
        if self.normalize:
            x1 = K.l2_normalize(x1, axis=axes[0])
            x2 = K.l2_normalize(x2, axis=axes[1])
        return K.batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._axes([len(shape1), len(shape2)])
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def get_config(self):
        return dict(super().get_config(), axes=self.axes, normalize=self.normalize)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)
