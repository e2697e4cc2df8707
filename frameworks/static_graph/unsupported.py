"""What TF 1.x does and this in-process, one-device engine cannot: device placement on other devices,
distributed sessions and servers, queue-based input. Each raises TF's own error type saying what to use."""
from . import errors

_QUEUES = ("queues and queue runners are not supported by this engine (it has no background threads); "
           "use tf.data (Dataset.from_tensor_slices / from_generator + an iterator's get_next())")
_DISTRIBUTED = ("distributed TensorFlow (servers, clusters, remote sessions) is not supported: this engine "
                "runs one in-process Session on one device; use tf.Session() with no target")


def _refuse(what, why):
    def refused(*args, **kwargs):
        raise errors.UnimplementedError(None, None, f"{what}: {why}")
    refused.__name__ = what.rsplit(".", 1)[-1]
    refused.__doc__ = f"Not supported here: {why}."
    return refused


FIFOQueue = _refuse("tf.FIFOQueue", _QUEUES)
RandomShuffleQueue = _refuse("tf.RandomShuffleQueue", _QUEUES)
PaddingFIFOQueue = _refuse("tf.PaddingFIFOQueue", _QUEUES)
string_input_producer = _refuse("tf.train.string_input_producer", _QUEUES)
slice_input_producer = _refuse("tf.train.slice_input_producer", _QUEUES)
input_producer = _refuse("tf.train.input_producer", _QUEUES)
batch = _refuse("tf.train.batch", _QUEUES)
shuffle_batch = _refuse("tf.train.shuffle_batch", _QUEUES)
start_queue_runners = _refuse("tf.train.start_queue_runners", _QUEUES)
Server = _refuse("tf.train.Server", _DISTRIBUTED)
ClusterSpec = _refuse("tf.train.ClusterSpec", _DISTRIBUTED)
replica_device_setter = _refuse("tf.train.replica_device_setter", _DISTRIBUTED)


def check_target(target):
    if target not in ("", None):
        raise errors.UnimplementedError(None, None, f"tf.Session(target={target!r}): {_DISTRIBUTED}")


def parse_device(spec):
    """(job, device type, index) of a TF device string; job is None for a local device."""
    job, kind, index = None, None, 0
    for part in filter(None, spec.split("/")):
        key, _, value = part.partition(":")
        key = key.lower()
        if key in ("job", "replica", "task"):
            job = (job or "") + f"/{part}"
        elif key == "device":
            kind, _, idx = value.partition(":")
            kind, index = kind.lower(), int(idx) if idx not in ("", "*") else 0
        elif key in ("cpu", "gpu"):
            kind, index = key, int(value) if value not in ("", "*") else 0
        else:
            raise ValueError(f"Unknown attribute: '{part}' in '{spec}'")
    return job, kind, index


def check_placement(op, spec, device, soft):
    """Raise TF's placement error when `spec` names a device other than the session's one."""
    job, kind, index = parse_device(spec)
    if job is not None:
        raise errors.UnimplementedError(None, op, f"Cannot place operation {op.name} on '{spec}': "
                                        f"{_DISTRIBUTED}")
    if soft or kind is None or (kind == device and index == 0):
        return
    raise errors.InvalidArgumentError(
        None, op, f"Cannot assign a device for operation {op.name}: Could not satisfy explicit device "
        f"specification '{spec}' because no devices matching that specification are registered in this "
        f"process; available devices: /job:localhost/replica:0/task:0/device:{device.upper()}:0 (this "
        "engine runs every op on the session's one device, ConfigProto(device=...); pass "
        "allow_soft_placement=True to let it)")


# ---------------------------------------------------------------- TF names this engine does not have

MISSING = {
    "py_func": "is not supported (ops run compiled kernels only); run the NumPy code on a value fetched "
               "with Session.run and feed the result back",
    "py_function": "is not supported; run the Python code between Session.run calls",
    "numpy_function": "is not supported; run the NumPy code between Session.run calls",
    "Print": "is not supported; fetch the tensor with Session.run and print the value",
    "print": "is not supported; fetch the tensor with Session.run and print the value",
    "estimator": "(tf.estimator) is not supported; build the model_fn's graph on placeholders and train it "
                 "with a Session loop",
    "keras": "(tf.keras) is not part of this engine; use frameworks.keras (Keras 2 over this engine)",
    "saved_model": "is not supported; save variables with tf.train.Saver",
    "SparseTensor": "is not supported (no sparse tensors); feed dense arrays",
    "sparse_placeholder": "is not supported (no sparse tensors); use tf.placeholder with dense arrays",
    "image": "(tf.image) is not supported; preprocess images with NumPy before feeding them",
    "TFRecordReader": "is not supported; load the arrays with NumPy and use tf.data.Dataset.from_tensor_slices",
    "python_io": "(TFRecord files) is not supported; store arrays as .npy/.npz and use tf.data",
    "decode_raw": "is not supported; decode with NumPy (np.frombuffer) before feeding",
    "parse_single_example": "is not supported; parse records in Python and feed the arrays",
    "distributions": "is not supported; write the density or the sampling with tf ops "
                     "(e.g. mean + stddev * tf.random_normal(tf.shape(mean)))",
    "Session.partial_run": "is not supported",
    "boolean_mask": "is not supported (its output size depends on the data); multiply by "
                    "tf.cast(mask, dtype) or select with tf.where",
    "dynamic_partition": "is not supported (data-dependent shapes); use tf.where or masks",
    "unique": "is not supported (data-dependent shapes); use np.unique on a fetched value",
    "nn.nce_loss": "is not supported; use tf.nn.sparse_softmax_cross_entropy_with_logits over the vocabulary",
    "nn.sampled_softmax_loss": "is not supported; use tf.nn.sparse_softmax_cross_entropy_with_logits over "
                               "the vocabulary",
    "nn.depthwise_conv2d": "is not supported by the shared kernels; use tf.nn.conv2d",
    "nn.separable_conv2d": "is not supported by the shared kernels; use tf.nn.conv2d",
    "nn.atrous_conv2d": "(dilated convolution) is not supported by the shared kernels; use tf.nn.conv2d",
    "contrib": "is not supported except tf.contrib.rnn (the cells, static_rnn, static_bidirectional_rnn) and "
               "tf.contrib.layers.xavier_initializer; use the core tf.nn / tf.layers equivalents",
    "train.MonitoredTrainingSession": "is not supported; use tf.Session with tf.train.Saver for checkpoints",
    "train.Coordinator": "(threads and queue runners) is not supported; " + _QUEUES,
    "train.SessionRunHook": "is not supported (no MonitoredSession); put the hook's work in the Session loop",
    "train.import_meta_graph": "is not supported (graphs are rebuilt by the program); build the graph again "
                               "and restore its variables with tf.train.Saver().restore",
    "train.FtrlOptimizer": "is not supported by the shared optimizer kernels; use AdagradOptimizer, "
                           "AdamOptimizer, RMSPropOptimizer or MomentumOptimizer",
    "train.ProximalGradientDescentOptimizer": "is not supported; use GradientDescentOptimizer",
    "train.ProximalAdagradOptimizer": "is not supported; use AdagradOptimizer",
    "layers.conv1d": "is not supported; reshape to (N, 1, W, C) and use tf.layers.conv2d with a (1, k) kernel",
    "layers.separable_conv2d": "is not supported by the shared kernels; use tf.layers.conv2d",
    "layers.average_pooling1d": "is not supported; reshape to 4-D and use tf.layers.average_pooling2d",
    "layers.max_pooling1d": "is not supported; reshape to 4-D and use tf.layers.max_pooling2d",
    "nn.rnn_cell.DropoutWrapper": "is not supported; apply tf.nn.dropout to the cell's inputs and outputs",
    "nn.rnn_cell.ResidualWrapper": "is not supported; add the input to the cell's output yourself",
    "nn.rnn_cell.DeviceWrapper": "is not supported (one device)",
}


def missing(prefix):
    """A module/namespace __getattr__: TF's names this engine lacks raise UnimplementedError saying what to
    use instead; any other name is an AttributeError, as in TF."""
    def __getattr__(name):
        key = f"{prefix}{name}"
        if key in MISSING or prefix.startswith("contrib."):   # every contrib name exists in TF 1.x
            why = MISSING.get(key, MISSING["contrib"])
            raise errors.UnimplementedError(None, None, f"tf.{key} {why}")
        where = f"module 'tensorflow{'.' + prefix[:-1] if prefix else ''}'"
        raise AttributeError(f"{where} has no attribute '{name}'")
    return __getattr__


class Refusing(type):
    """Metaclass for the engine's namespace classes (tf.layers, tf.nn.rnn_cell, ...): a missing TF name
    raises the same UnimplementedError as a module-level one."""

    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return missing(cls._tf_prefix)(name)
