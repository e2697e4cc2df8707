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
