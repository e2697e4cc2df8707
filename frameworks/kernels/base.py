"""The kernel contract, the registry of every op, and the single hook point for per-kernel timing."""
import functools


class ShapeError(ValueError):
    """An op was given shapes it cannot combine; the message names the op and every shape."""


def shape_error(op, why, *shapes):
    listed = ", ".join(str(tuple(s)) for s in shapes)
    return ShapeError(f"{op}: {why} (shapes {listed})")


class _All:
    """`saves_inputs = ALL`: saved references every input (the default, the safe assumption)."""
    def __repr__(self):
        return "ALL"


ALL = _All()


def nbytes_of(shape, itemsize=4):
    """Bytes of an array of `shape` with elements of `itemsize` bytes."""
    n = itemsize
    for d in shape:
        n *= d
    return n


class Kernel:
    """One op, stateless: forward, backward and shape rule side by side.

    forward(xp, *inputs, **attrs) -> (y, saved)
        `xp` is numpy or cupy; `saved` holds exactly what backward needs; `out=` (where offered)
        is a preallocated buffer for y.
    backward(xp, saved, gy, needs=None, **attrs) -> tuple, one gradient (or None) per input
        `needs` is a tuple of bools, one per input: an input whose gradient is not needed gets None
        and its arithmetic is skipped (the way frameworks skip work for inputs that need no grad).
    infer(*input_shapes, **attrs) -> output shape (a tuple of shapes for multi-output ops)
        raises ShapeError naming the op and the shapes.

    Facts: what memory planners (static_graph's compiler, hybrid's cached graph, Caffe-style blobs) may
    assume, declared here once instead of in a table per engine; tests/frameworks/kernels/test_facts.py
    checks every declaration against what the kernel really does. The defaults are the safe ones except
    `may_view`, which every kernel whose output can alias an input must declare.
    accepts_out      forward(..., out=buf) writes y into buf (fresh, y's shape and dtype) and returns it.
    may_view         input indices whose memory y may share (reshape, transpose, slice, split); () means
                     y is always a fresh array.
    may_overwrite    input indices that may be passed as `out=` (computed in place) without corrupting
                     backward: the input is not in `saved` (relu/sigmoid/tanh/exp keep y only). For a
                     broadcasting op only an input of y's own shape and dtype qualifies.
    saves_inputs     which inputs `saved` references: ALL, or a tuple of input indices.
    saves_output     whether `saved` references y (or, for multi-output ops, any of the outputs).
    grad_may_view    backward may return gy itself or a view of it (unbroadcast of an unbroadcast operand,
                     reshape, transpose, concat's slices); False means every gradient is a fresh array.
    grad_accepts_out backward(..., out=buf) writes the (single) input gradient into buf, which may be gy
                     itself when the caller holds gy for nothing else (MXNet's in-place option ograd ->
                     igrad for relu's backward): a conv net's gradient then stays in the block its producer
                     just wrote, still in cache, instead of a second map-sized array.
    state_inputs     input indices that are state, not data (batch norm's running statistics): updated
                     in place by forward in training mode, never differentiated (backward gives None);
                     a planner must keep them out of shared buffers.
    saved_bytes(*shapes, itemsize=4, **attrs)
                     bytes of the arrays `saved` holds beyond the inputs and outputs it references
                     (im2col columns, masks, argmax, gate activations, softmax probabilities).
    workspace_bytes(*shapes, itemsize=4, **attrs)
                     bytes forward allocates for itself beyond y and saved and frees before returning
                     (padded copies, scratch rows); an upper bound a planner may reserve.
    uses_pool        forward or backward draws its big arrays (workspace, saved, y, gradients) from the
                     caller's workspace pool (workspace.py), reused across calls once nothing refers to them.
    """
    name = None
    n_outputs = 1
    accepts_out = False
    may_view = ()
    may_overwrite = ()
    saves_inputs = ALL
    saves_output = True
    grad_may_view = False
    grad_accepts_out = False
    state_inputs = ()
    uses_pool = False

    @classmethod
    def saved_bytes(cls, *shapes, itemsize=4, **attrs):
        return 0

    @classmethod
    def workspace_bytes(cls, *shapes, itemsize=4, **attrs):
        return 0

    @classmethod
    def saved_input_indices(cls, n_inputs):
        """The indices of the inputs `saved` references, for a call with `n_inputs` inputs."""
        return tuple(range(n_inputs)) if cls.saves_inputs is ALL else tuple(cls.saves_inputs)

    @staticmethod
    def forward(xp, *inputs, **attrs):
        raise NotImplementedError

    @staticmethod
    def backward(xp, saved, gy, needs=None, **attrs):
        raise NotImplementedError

    @staticmethod
    def infer(*shapes, **attrs):
        raise NotImplementedError


class Update:
    """An in-place optimizer update: update(xp, param, grad, *state, **hyper) -> None."""
    name = None

    @staticmethod
    def update(xp, param, grad, *state, **hyper):
        raise NotImplementedError


def explain_failure(kernel, arrays, attrs, err, error_type=ShapeError):
    """The error to raise for `err`, raised inside kernel.forward(xp, *arrays, **attrs): the kernel's own
    shape message naming every shape, as `error_type` (a ShapeError subclass an engine raises in its
    framework's vocabulary), when its shape rule rejects the inputs (NumPy's message from deep inside
    names neither the op nor the shapes); else `err` itself. Engines call this only after a failure, so
    the hot path runs no shape inference."""
    if isinstance(err, error_type):
        return err
    if isinstance(err, ShapeError):
        return error_type(str(err))
    try:
        kernel.infer(*[tuple(getattr(a, "shape", ())) for a in arrays], **(attrs or {}))
    except ShapeError as e:
        return e if isinstance(e, error_type) else error_type(str(e))
    except Exception:  # the shape rule itself could not judge: keep the original error
        pass
    return err


REGISTRY = {}


def register(cls):
    """Class decorator: file the kernel under its `name`."""
    if cls.name in REGISTRY:
        raise ValueError(f"kernel {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls
    return cls


def need(needs, i):
    return needs is None or needs[i]


# ---------------------------------------------------------------- profiling hook
# The hook swaps each kernel's methods for timed wrappers while installed and puts the originals
# back afterwards, so when it is off the engines call the kernels with no indirection at all.
# Install it before an engine is built: an engine that keeps bound methods sees what was there.

_ORIGINALS = {}
_HOOK = [None]


def install_hook(hook):
    """Wrap every registered kernel method so `hook(kernel_name, phase, fn, args, kwargs)` runs it.

    `phase` is "forward", "backward" or "update"; the hook must call fn(*args, **kwargs) and return
    its result. Only one hook at a time.
    """
    if _ORIGINALS:
        raise RuntimeError("a kernel hook is already installed; remove_hook() first")
    _HOOK[0] = hook
    for name, cls in REGISTRY.items():
        for phase in ("forward", "backward", "update"):
            fn = cls.__dict__.get(phase)
            if fn is None:
                continue
            _ORIGINALS[(cls, phase)] = fn
            setattr(cls, phase, staticmethod(hooked(hook, name, phase,
                                                    fn.__func__ if isinstance(fn, staticmethod) else fn)))


def hooked(hook, name, phase, raw):
    """`raw` wrapped exactly as install_hook wraps a kernel method (public: a profiler calibrates its own
    per-call cost by timing a no-op through this)."""
    def wrapped(*args, **kwargs):
        return hook(name, phase, raw, args, kwargs)
    return functools.update_wrapper(wrapped, raw)


def remove_hook():
    """Put every kernel's own methods back."""
    for (cls, phase), fn in _ORIGINALS.items():
        setattr(cls, phase, fn)
    _ORIGINALS.clear()
    _HOOK[0] = None


def hook_installed():
    """Whether a hook is installed now."""
    return bool(_ORIGINALS)


def call_sites_wanted():
    """Whether an installed hook reads call-site names now: engines name call sites only then, so neither
    the hot path nor a profiler's timed iterations pay for naming. A hook says it does not (yet) with a
    false `reads_call_sites` attribute; one without the attribute reads them whenever installed."""
    return bool(_ORIGINALS) and getattr(_HOOK[0], "reads_call_sites", True)


# ---------------------------------------------------------------- call sites
# A hook that wants to say WHERE a kernel was called (a graph node, a Caffe layer, a Gluon block) asks
# current_call_site(). Engines name call sites one way: once per step (or pass) they ask
# call_sites_wanted(), and only when it is true each op stores its name into call_site_slot() before its
# kernel calls (`slot[0] = name`), the outer name put back when the step ends; call_site(name) is the same
# store as a context manager, for code that names one nested block. So a run that nobody reads names in
# pays one call per step, hooked (a profiler's timed iterations) or not.
# The harness reads only this, never an engine's frames or locals.

_SITE = [None]


class call_site:  # noqa: N801  (used as a context manager, like a function)
    """`with kernels.call_site("conv1"):` names the kernel calls made inside it (nesting: innermost)."""
    __slots__ = ("name", "outer")

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.outer, _SITE[0] = _SITE[0], self.name
        return self

    def __exit__(self, *exc):
        _SITE[0] = self.outer
        return False


def current_call_site():
    """The innermost name an engine gave with call_site(), or None."""
    return _SITE[0]


def call_site_slot():
    """The one-element list call_site() sets: an engine that call_sites_wanted() says should name its ops
    stores into it directly (`slot[0] = name`: no call, no context manager) and puts the outer name back
    when it is done."""
    return _SITE
