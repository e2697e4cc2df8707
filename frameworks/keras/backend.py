"""keras.backend with the TensorFlow backend: the graph, one Session, variables, placeholders, the learning
phase, `function` and the tensor ops Keras layers are written in, all as static_graph (TF1) calls.

As Keras 2 on TensorFlow 1.x: everything lives in `tf.get_default_graph()`, one Session per graph
(`get_session` / `set_session`); variables made here are initialized in that Session when it is next
asked for; `clear_session` resets the graph and the layer-name counters. What the backend keeps per graph
lives on the graph itself, so a graph nobody uses any more is freed with its Session and arrays.
"""
import collections
import statistics

import numpy as np

import frameworks.static_graph as tf

_EPSILON = 1e-7
_FLOATX = "float32"
_IMAGE_DATA_FORMAT = "channels_last"


class _PerGraph:
    """What the backend keeps for one graph. It hangs on the graph (`graph._keras_backend`), not in
    module-level tables keyed by graph (Keras 2.2's `_GRAPH_UID_DICTS`, ...): a table would keep every graph
    a process ever built alive, each with its Session, variables and plans, and a WeakKeyDictionary cannot
    help since its values (the Session, the variables) refer to their graph."""
    __slots__ = ("session", "learning_phase", "manual_learning_phase", "uids", "variables")

    def __init__(self):
        self.session = None                # the Session Keras runs this graph in
        self.learning_phase = None         # the keras_learning_phase placeholder
        self.manual_learning_phase = None  # 0 / 1 fixed by set_learning_phase
        self.uids = collections.defaultdict(int)   # {prefix: count}: the numbers in layer names
        self.variables = []                # made here, in creation order (initialized lazily)


def _per_graph(graph=None):
    """The backend's state for `graph` (the default graph), made on first use."""
    graph = graph or tf.get_default_graph()
    state = graph.__dict__.get("_keras_backend")
    if state is None:
        state = graph._keras_backend = _PerGraph()
    return state


def backend():
    return "tensorflow"


# ---------------------------------------------------------------- configuration

def epsilon():
    return _EPSILON


def set_epsilon(e):
    global _EPSILON
    _EPSILON = float(e)


def floatx():
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError("Unknown floatx type: " + str(value))
    _FLOATX = str(value)


def cast_to_floatx(x):
    return np.asarray(x, dtype=_FLOATX)


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("Unknown data_format: " + str(data_format))
    _IMAGE_DATA_FORMAT = str(data_format)


def normalize_data_format(value):
    if value is None:
        value = image_data_format()
    data_format = value.lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError('The `data_format` argument must be one of "channels_first", "channels_last". '
                         "Received: " + str(value))
    return data_format


def get_uid(prefix=""):
    """1, 2, ... per prefix and graph: the numbers in layer names (dense_1, dense_2)."""
    counts = _per_graph().uids
    counts[prefix] += 1
    return counts[prefix]


def reset_uids():
    _per_graph().uids.clear()


def clear_session():
    """Destroy the current graph and its Session and start a fresh graph (and the layer-name counters)."""
    graph = tf.get_default_graph()
    state = graph.__dict__.pop("_keras_backend", None)
    if state is not None and state.session is not None:
        state.session.close()
    tf.reset_default_graph()


# ---------------------------------------------------------------- session

def get_session(graph=None):
    """The Session Keras runs in for `graph` (the default graph; made on first use), with every variable
    made through this backend initialized in it. Backend functions and variables find the Session of
    their own graph, so models built in different graphs keep working side by side."""
    graph = graph or tf.get_default_graph()
    state = _per_graph(graph)
    sess = state.session
    if sess is None or sess._closed:
        sess = state.session = tf.Session(graph=graph)
        sess._keras_initialized = 0
    if sess._keras_initialized < len(state.variables):
        _initialize_variables(sess)
    return sess


def _initialize_variables(sess):
    variables = _per_graph(sess.graph).variables
    done = sess._keras_initialized
    if done < len(variables):
        sess.run([v.initializer for v in variables[done:]])
        sess._keras_initialized = len(variables)


def set_session(session):
    """Use `session` for its graph from now on (e.g. one made with a ConfigProto); variables not yet
    initialized in it get their initial values."""
    session._keras_initialized = 0
    _per_graph(session.graph).session = session


def get_graph():
    return tf.get_default_graph()


def name_scope(name):
    return tf.name_scope(name)


# ---------------------------------------------------------------- learning phase

def learning_phase():
    """A bool placeholder (default False) fed 1 by training functions, or the fixed 0/1 of
    set_learning_phase."""
    state = _per_graph()
    if state.manual_learning_phase is not None:
        return state.manual_learning_phase
    if state.learning_phase is None:
        state.learning_phase = tf.placeholder_with_default(False, shape=(), name="keras_learning_phase")
    return state.learning_phase


def set_learning_phase(value):
    if value not in {0, 1}:
        raise ValueError("Expected learning phase to be 0 or 1.")
    _per_graph().manual_learning_phase = value


# ---------------------------------------------------------------- variables and placeholders

def _dtype(dtype):
    return tf.as_dtype(dtype or floatx())


def variable(value, dtype=None, name=None, constraint=None):
    """A tf.Variable holding `value` (initialized in the Session on its next use)."""
    value = np.asarray(value, dtype=_dtype(dtype).np if dtype is not None or
                       not np.issubdtype(np.asarray(value).dtype, np.integer) else None)
    if dtype is None and np.issubdtype(value.dtype, np.floating):
        value = value.astype(floatx())
    v = tf.Variable(value, name=name or "Variable")
    v._keras_shape = value.shape
    v._uses_learning_phase = False
    v.constraint = constraint
    _per_graph(v.graph).variables.append(v)
    return v


def constant(value, dtype=None, shape=None, name=None):
    return tf.constant(value, dtype=_dtype(dtype), shape=shape, name=name or "Const")


def is_variable(x):
    return isinstance(x, tf.Variable)


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    if sparse:
        raise ValueError("placeholder: sparse placeholders are not supported by this backend")
    if not shape and ndim:
        shape = tuple(None for _ in range(ndim))
    x = tf.placeholder(_dtype(dtype), shape=shape, name=name)
    x._keras_shape = None if shape is None else tuple(shape)
    x._uses_learning_phase = False
    return x


def is_placeholder(x):
    return getattr(x, "op", None) is not None and x.op.type == "Placeholder"


def is_tensor(x):
    return isinstance(x, tf.Tensor)


def is_keras_tensor(x):
    if not is_tensor(x):
        raise ValueError("Unexpectedly found an instance of type `" + str(type(x)) + "`. "
                         "Expected a symbolic tensor instance.")
    return hasattr(x, "_keras_history")


def int_shape(x):
    if getattr(x, "_keras_shape", None) is not None:
        return x._keras_shape
    dims = x.shape.dims if hasattr(x, "shape") and hasattr(x.shape, "dims") else np.shape(x)
    return None if dims is None else tuple(dims)


def ndim(x):
    shape = int_shape(x)
    return None if shape is None else len(shape)


def dtype(x):
    return x.dtype.name


def shape(x):
    return tf.shape(x)


def count_params(x):
    return int(np.prod(int_shape(x)))


def eval(x):  # noqa: A001  (Keras' name)
    return get_session(x.graph).run(x)


def get_value(x):
    return get_session(x.graph).run(x)


def batch_get_value(ops):
    return get_session(ops[0].graph).run(list(ops)) if ops else []


def set_value(x, value):
    x.load(np.asarray(value, dtype=x.dtype.np), get_session(x.graph))


def batch_set_value(tuples):
    for x, value in tuples:
        x.load(np.asarray(value, dtype=x.dtype.np), get_session(x.graph))


def zeros(shape, dtype=None, name=None):
    return variable(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape), dtype, name)


def zeros_like(x, dtype=None, name=None):
    return tf.zeros_like(x)


def ones_like(x, dtype=None, name=None):
    return tf.ones_like(x)


def update(x, new_x):
    return tf.assign(x, new_x)


def update_add(x, increment):
    return tf.assign_add(x, increment)


def update_sub(x, decrement):
    return tf.assign_sub(x, decrement)


def moving_average_update(x, value, momentum):
    """x = x * momentum + value * (1 - momentum), as TF's assign_moving_average (decay = 1 - momentum)."""
    return tf.assign_sub(x, (x - tf.stop_gradient(value)) * (1.0 - momentum))


# ---------------------------------------------------------------- ops

def dot(x, y):
    if ndim(x) is not None and ndim(x) > 2 or ndim(y) is not None and ndim(y) > 2:
        raise ValueError(f"dot: only 2-D operands are supported here, got shapes {int_shape(x)} and "
                         f"{int_shape(y)}; reshape to 2-D first")
    return tf.matmul(x, y)


def transpose(x):
    return tf.transpose(x)


def gather(reference, indices):
    return tf.nn.embedding_lookup(reference, indices)


def _axis(axis):
    return list(axis) if isinstance(axis, tuple) else axis


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_sum(x, axis=_axis(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return tf.reduce_prod(x, axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return tf.reduce_mean(x, axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_max(x, axis=_axis(axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return tf.reduce_min(x, axis=_axis(axis), keepdims=keepdims)


def argmax(x, axis=-1):
    return tf.argmax(x, axis)


def argmin(x, axis=-1):
    return tf.argmin(x, axis)


def square(x):
    return tf.square(x)


def abs(x):  # noqa: A001
    return tf.abs(x)


def sqrt(x):
    return tf.sqrt(tf.clip_by_value(x, 0.0, np.inf))


def exp(x):
    return tf.exp(x)


def log(x):
    return tf.log(x)


def pow(x, a):  # noqa: A001
    return tf.pow(x, a)


def clip(x, min_value, max_value):
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return tf.clip_by_value(x, min_value, max_value)


def equal(x, y):
    return tf.equal(x, y)


def not_equal(x, y):
    return tf.not_equal(x, y)


def greater(x, y):
    return tf.greater(x, y)


def less(x, y):
    return tf.less(x, y)


def maximum(x, y):
    return tf.maximum(x, y)


def minimum(x, y):
    return tf.minimum(x, y)


def cast(x, dtype):
    return tf.cast(x, dtype)


def concatenate(tensors, axis=-1):
    if axis < 0:
        rank = ndim(tensors[0])
        axis = axis % rank if rank else 0
    return tf.concat(list(tensors), axis)


def reshape(x, shape):
    return tf.reshape(x, shape)


def permute_dimensions(x, pattern):
    return tf.transpose(x, perm=list(pattern))


def flatten(x):
    return tf.reshape(x, [-1])


def batch_flatten(x):
    shape = int_shape(x)
    if shape is None or None in shape[1:]:
        raise ValueError(f"batch_flatten: the non-batch dimensions must be known, got {shape}")
    return tf.reshape(x, [-1, int(np.prod(shape[1:]))])


def expand_dims(x, axis=-1):
    return tf.expand_dims(x, axis)


def squeeze(x, axis):
    return tf.squeeze(x, [axis])


def stack(x, axis=0):
    return tf.stack(x, axis=axis)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [tf.stop_gradient(v) for v in variables]
    return tf.stop_gradient(variables)


def gradients(loss, variables):
    return tf.gradients(loss, list(variables))


def relu(x, alpha=0.0, max_value=None):
    """max(x, 0), or x * alpha below 0 (leaky), capped at max_value: Keras 2's tensorflow_backend.relu."""
    y = tf.nn.leaky_relu(x, alpha=float(alpha)) if alpha else tf.nn.relu(x)
    return y if max_value is None else tf.minimum(y, float(max_value))


def elu(x, alpha=1.0):
    """x above 0, alpha * (exp(x) - 1) below."""
    y = tf.nn.elu(x)
    return y if alpha == 1 else tf.where(x > 0, y, y * float(alpha))


def sigmoid(x):
    y = tf.sigmoid(x)
    y._keras_logits = x   # binary_crossentropy then runs on the logits, as tf.keras does
    return y


def hard_sigmoid(x):
    return tf.clip_by_value(x * 0.2 + 0.5, 0.0, 1.0)


def tanh(x):
    return tf.tanh(x)


def softmax(x, axis=-1):
    y = tf.nn.softmax(x, axis=axis)
    y._keras_logits = x   # the cross-entropies then run the fused kernel on the logits, as tf.keras does
    return y


def bias_add(x, bias, data_format=None):
    fmt = normalize_data_format(data_format)
    if fmt == "channels_first" and ndim(x) == 4:
        return tf.nn.bias_add(x, bias, data_format="NCHW")
    if fmt == "channels_first" and ndim(x) == 3:
        return x + tf.reshape(bias, [1, -1, 1])
    return tf.nn.bias_add(x, bias)


def dropout(x, level, noise_shape=None, seed=None):
    """Inverted dropout. With a noise_shape (one mask broadcast over some axes, SpatialDropout's) the
    keep decision is a standard normal draw below its `1 - level` quantile (a Bernoulli(1 - level) draw
    whose shape may be known only at run time), scaled by 1 / (1 - level)."""
    if noise_shape is None:
        return tf.nn.dropout(x, rate=float(level), seed=seed)
    keep = 1.0 - float(level)
    z = random_normal(noise_shape, dtype=x.dtype.name, seed=seed)
    mask = tf.cast(tf.less(z, statistics.NormalDist().inv_cdf(keep)), x.dtype) * (1.0 / keep)
    return x * mask


# ---------------------------------------------------------------- control flow on the learning phase

def switch(condition, then_expression, else_expression):
    """Select by a scalar bool tensor; both branches are computed (TF's cond would run one)."""
    t = then_expression() if callable(then_expression) else then_expression
    e = else_expression() if callable(else_expression) else else_expression
    return tf.where(condition, t, e)


def in_train_phase(x, alt, training=None):
    """x while training, alt otherwise; `training` defaults to the learning phase."""
    if training is None:
        training = learning_phase()
        uses_learning_phase = True
    else:
        uses_learning_phase = False
    if not isinstance(training, tf.Tensor):   # a fixed phase (set_learning_phase, training=True)
        chosen = x if training else alt
        return chosen() if callable(chosen) else chosen
    out = switch(training, x, alt)
    if uses_learning_phase:
        out._uses_learning_phase = True
    return out


def in_test_phase(x, alt, training=None):
    return in_train_phase(alt, x, training=training)


# ---------------------------------------------------------------- losses on tensors

def _logits(output):
    return getattr(output, "_keras_logits", None)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample -sum(target * log(output)); on a softmax's output the fused kernel runs on its logits."""
    logits = output if from_logits else _logits(output)
    if logits is not None:
        return tf.nn.softmax_cross_entropy_with_logits_v2(labels=target, logits=logits, axis=axis)
    output = output / tf.reduce_sum(output, axis, keepdims=True)
    output = tf.clip_by_value(output, epsilon(), 1.0 - epsilon())
    return -tf.reduce_sum(target * tf.log(output), axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Softmax cross-entropy against integer targets, one value per sample (per timestep for a sequence
    output), as Keras 2's: the targets flattened, the fused op per example, reshaped back."""
    if axis != -1:
        raise ValueError("sparse_categorical_crossentropy: only axis=-1 is supported")
    logits = output if from_logits else _logits(output)
    if logits is None:
        logits = tf.log(tf.clip_by_value(output, epsilon(), 1.0 - epsilon()))
    output_shape = int_shape(logits)
    labels = tf.cast(tf.reshape(target, [-1]), tf.int64)
    res = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                         logits=tf.reshape(logits, [-1, output_shape[-1]]))
    if len(output_shape) >= 3:   # timesteps or spatial dimensions: one loss each, as Keras reshapes
        return tf.reshape(res, tf.shape(logits)[:-1])
    return res


def binary_crossentropy(target, output, from_logits=False):
    logits = output if from_logits else _logits(output)
    if logits is not None:
        return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=logits)
    output = tf.clip_by_value(output, epsilon(), 1.0 - epsilon())
    return -(target * tf.log(output) + (1.0 - target) * tf.log(1.0 - output))


# ---------------------------------------------------------------- function

class Function:
    """A compiled call: feeds `inputs`, fetches `outputs`, runs `updates` after them, in one Session.run.
    The fetch list and the feed order are fixed here, so a call does no graph work (Session.run's plan is
    cached per fetch structure and feed shapes)."""

    def __init__(self, inputs, outputs, updates=None, name=None, **session_kwargs):
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("`inputs` to a TensorFlow backend function should be a list or tuple.")
        if not isinstance(outputs, (list, tuple)):
            raise TypeError("`outputs` of a TensorFlow backend function should be a list or tuple.")
        if not isinstance(updates or [], (list, tuple)):
            raise TypeError("`updates` in a TensorFlow backend function should be a list or tuple.")
        if session_kwargs:
            raise ValueError("Invalid argument \"%s\" passed to K.function with TensorFlow backend"
                             % next(iter(session_kwargs)))
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.name = name
        with tf.control_dependencies(self.outputs):
            ops = []
            for upd in updates or []:
                if isinstance(upd, tuple):
                    ops.append(tf.assign(upd[0], upd[1]))
                else:
                    ops.append(upd)
            self.updates_op = tf.group(*ops)
        self._fetches = self.outputs + [self.updates_op]
        self._n = len(self.outputs)
        self._dtypes = [x.dtype.np for x in self.inputs]
        self.graph = tf.get_default_graph()

    def __call__(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("`inputs` should be a list or tuple.")
        if len(inputs) != len(self.inputs):
            raise ValueError(f"The function takes {len(self.inputs)} inputs "
                             f"({', '.join(x.op.name for x in self.inputs)}), got {len(inputs)}")
        feed = {}
        for tensor, value, dt in zip(self.inputs, inputs, self._dtypes):
            feed[tensor] = value if type(value) is np.ndarray and value.dtype == dt else np.asarray(value, dt)
        return get_session(self.graph).run(self._fetches, feed)[:self._n]


def function(inputs, outputs, updates=None, **kwargs):
    return Function(inputs, outputs, updates=updates, **kwargs)


def _track_variables(variables):
    """Variables made by a tf.train optimizer inside Keras: initialize them with the others."""
    for v in variables:
        _per_graph(v.graph).variables.append(v)


def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x^2, axis), 1e-12)), TensorFlow's rule."""
    square_sum = tf.reduce_sum(tf.square(x), axis=axis, keepdims=True)
    return x * tf.rsqrt(tf.maximum(square_sum, 1e-12))


def _shape_arg(shape):
    """A shape that may mix ints and scalar tensors ((K.shape(z)[0], dim) in the VAE example)."""
    if isinstance(shape, tf.Tensor):   # K.shape(x)
        return shape
    if any(isinstance(d, tf.Tensor) for d in shape):
        return tf.stack([tf.cast(d, tf.int32) if isinstance(d, tf.Tensor) else tf.constant(int(d)) for d in shape])
    return tuple(int(d) for d in shape)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    if seed is None:
        seed = np.random.randint(10e6)
    return tf.random_normal(_shape_arg(shape), mean=mean, stddev=stddev, dtype=_dtype(dtype), seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    if any(isinstance(d, tf.Tensor) for d in shape):
        raise NotImplementedError("K.random_uniform: a run-time shape is not supported here; give a static "
                                  "shape, or use K.random_normal, which takes one")
    if seed is None:
        seed = np.random.randint(10e6)
    return tf.random_uniform(_shape_arg(shape), minval=minval, maxval=maxval, dtype=_dtype(dtype), seed=seed)


def temporal_padding(x, padding=(1, 1)):
    """Pad the middle (time) axis of a 3-D tensor with zeros."""
    return tf.pad(x, [[0, 0], [int(padding[0]), int(padding[1])], [0, 0]])


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution: kernel (width, in, out), through tf.nn.conv1d (conv2d over a unit height).
    padding='causal' pads width - 1 steps on the left first, so output t sees inputs up to t only."""
    data_format = normalize_data_format(data_format)
    if dilation_rate != 1:
        raise ValueError("conv1d: dilation_rate other than 1 is not supported by the shared conv2d kernel")
    if padding == "causal":
        if data_format != "channels_last":
            raise ValueError("conv1d: causal padding needs data_format='channels_last'")
        x = temporal_padding(x, (int_shape(kernel)[0] - 1, 0))
        padding = "valid"
    if padding not in ("valid", "same"):
        raise ValueError("Unknown padding: " + str(padding))
    return tf.nn.conv1d(x, kernel, stride=int(strides), padding=padding.upper(),
                        data_format="NCW" if data_format == "channels_first" else "NWC")


def reverse(x, axes):
    """x flipped along `axes` (a gather of the indices in reverse order along each)."""
    for axis in ([axes] if isinstance(axes, int) else list(axes)):
        axis = axis % ndim(x)
        n = int_shape(x)[axis]
        if n is None:
            raise ValueError(f"reverse: axis {axis} of {int_shape(x)} must be known")
        x = tf.gather(x, tf.constant(np.arange(n - 1, -1, -1), dtype=tf.int32), axis=axis)
    return x


def repeat(x, n):
    """(batch, dim) -> (batch, n, dim)."""
    if ndim(x) != 2:
        raise ValueError(f"repeat: expected a 2-D tensor, got shape {int_shape(x)}")
    return tf.tile(tf.expand_dims(x, 1), [1, int(n), 1])


def repeat_elements(x, rep, axis):
    """Each slice along `axis` repeated `rep` times in place (np.repeat): a unit axis after it, tiled,
    merged back."""
    shape = list(int_shape(x))
    axis = axis % len(shape)
    if None in shape[1:]:
        raise ValueError(f"repeat_elements: the non-batch dimensions must be known, got {tuple(shape)}")
    y = tf.expand_dims(x, axis + 1)
    reps = [1] * (len(shape) + 1)
    reps[axis + 1] = int(rep)
    y = tf.tile(y, reps)
    new = [-1 if d is None else d for d in shape]
    new[axis] = -1 if shape[axis] is None else shape[axis] * int(rep)
    return tf.reshape(y, new)


def batch_dot(x, y, axes=None):
    """Per-sample dot products over axes[0] of x and axes[1] of y (2-D or 3-D operands): the summed
    product for two vectors ((batch, 1), as Keras), otherwise a batched matmul with the contracted axes
    moved last / first."""
    if isinstance(axes, int):
        axes = (axes, axes)
    x_ndim, y_ndim = ndim(x), ndim(y)
    if axes is None:   # Keras' default: the last axis of x, the second-to-last of y
        axes = [x_ndim - 1, y_ndim - 2 if y_ndim > 2 else y_ndim - 1]
    ax, ay = axes[0] % x_ndim, axes[1] % y_ndim
    if x_ndim > 3 or y_ndim > 3 or 0 in (ax, ay):
        raise ValueError(f"batch_dot: only 2-D and 3-D operands contracted over a non-batch axis are "
                         f"supported here, got shapes {int_shape(x)} and {int_shape(y)} with axes {axes}")
    if x_ndim == 2 and y_ndim == 2:
        return tf.reduce_sum(x * y, axis=1, keepdims=True)
    a = tf.expand_dims(x, 1) if x_ndim == 2 else (x if ax == 2 else tf.transpose(x, [0, 2, 1]))
    b = tf.expand_dims(y, 2) if y_ndim == 2 else (y if ay == 1 else tf.transpose(y, [0, 2, 1]))
    out = tf.matmul(a, b)
    if x_ndim == 2:
        out = tf.squeeze(out, [1])
    elif y_ndim == 2:
        out = tf.squeeze(out, [2])
    return out


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Nearest-neighbour upsampling of a 4-D tensor by integer factors: each row and column repeated
    (repeat_elements: reshape and tile; there is no resize kernel)."""
    if interpolation != "nearest":
        raise ValueError(f"resize_images: interpolation {interpolation!r} is not supported by this backend "
                         "(there is no resize kernel); use 'nearest'")
    axes = (2, 3) if normalize_data_format(data_format) == "channels_first" else (1, 2)
    return repeat_elements(repeat_elements(x, int(height_factor), axes[0]), int(width_factor), axes[1])
