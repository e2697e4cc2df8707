"""Where the frontend's values live: one static_graph Graph and Session per device (theano.config.device), alive
as long as a shared variable or a compiled function made on it."""
import weakref

import frameworks.static_graph as tf

# device -> its Runtime, held weakly: every SharedVariable and Function holds its runtime, so the runtime (its
# Graph, the Session's values, plans and constants) is freed with the last of them, as Theano frees a
# variable's storage and a function's graph with the Python objects. A process-wide strong table kept every
# program's graph and values for the life of the process: a second program (a benchmark's next trainer) ran
# beside all of the first one's.
_RUNTIMES = weakref.WeakValueDictionary()


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
    """The runtime of the current theano.config.device: the one every live shared variable and function of
    that device uses, or a new one when none is alive (the caller must hold it: nothing else does)."""
    from . import config
    dev = device_name(config.device)
    rt = _RUNTIMES.get(dev)
    if rt is None:
        rt = Runtime(dev)
        _RUNTIMES[dev] = rt
    return rt
