"""Where the frontend's values live: one static_graph Graph and Session per device (theano.config.device)."""
import frameworks.static_graph as tf

_RUNTIMES = {}


class Runtime:
    """A Graph that every function is lowered into and the Session that holds the shared variables."""

    def __init__(self, device):
        self.device = device
        self.graph = tf.Graph()
        self.session = tf.Session(graph=self.graph, config=tf.ConfigProto(device=device))


def device_name(device):
    """theano.config.device ('cpu', 'cuda', 'cuda0', 'gpu') -> the kernels' device ('cpu' or 'gpu')."""
    d = str(device)
    if d == "cpu":
        return "cpu"
    if d.startswith("cuda") or d.startswith("gpu"):
        return "gpu"
    raise ValueError(f"theano.config.device: unknown device {device!r} (use 'cpu' or 'cuda')")


def runtime():
    """The runtime of the current theano.config.device."""
    from . import config
    dev = device_name(config.device)
    rt = _RUNTIMES.get(dev)
    if rt is None:
        rt = _RUNTIMES[dev] = Runtime(dev)
    return rt
