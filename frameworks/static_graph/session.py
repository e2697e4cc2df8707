"""tf.Session: run(fetches, feed_dict) over a compiled, cached, pruned flat plan (see compiler.py)."""
import operator
import time

import numpy as np

from frameworks import kernels as K
from .compiler import compile_plan
from .graph import Operation, Tensor, get_default_graph
from .runtime import VariableStore
from .unsupported import check_target


class GPUOptions:
    """tf.GPUOptions: accepted for the classic `ConfigProto(gpu_options=GPUOptions(allow_growth=True))`;
    the CuPy memory pool always grows on demand, so the fields are recorded, not acted on."""
    _FIELDS = ("allow_growth", "per_process_gpu_memory_fraction", "visible_device_list")

    def __init__(self, **fields):
        _set_fields(self, "GPUOptions", self._FIELDS, fields)


def _set_fields(msg, kind, known, fields):
    """Protobuf's constructor check: an unknown field is a ValueError naming it (no silent typo)."""
    for k, v in fields.items():
        if k not in known:
            raise ValueError(f'Protocol message {kind} has no "{k}" field.')
        setattr(msg, k, v)


class ConfigProto:
    """Session options. The graph passes are switchable, as TF's GraphOptions/RewriterConfig are.

    constant_folding, cse (common-subexpression elimination), fusion (in-place activations fused into
    their producer), reuse_buffers (memory plan: intermediates are `out=` views into one preallocated arena),
    memory_optimization (Grappler's AddN rewrite: each AddN accumulates its inputs as they are computed).
    `device` ("cpu" or "gpu") picks the shared kernels' backend. TF's own fields that classic programs
    pass (allow_soft_placement, log_device_placement, gpu_options, thread counts) are accepted and
    recorded (one device, NumPy's BLAS threads); any other name raises ValueError, as protobuf does.
    """
    _TF_FIELDS = ("allow_soft_placement", "log_device_placement", "gpu_options", "device_count",
                  "intra_op_parallelism_threads", "inter_op_parallelism_threads", "graph_options",
                  "operation_timeout_in_ms")

    def __init__(self, constant_folding=True, cse=True, fusion=True, reuse_buffers=True, device="cpu",
                 memory_optimization=True, **fields):
        self.constant_folding = constant_folding
        self.cse = cse
        self.fusion = fusion
        self.reuse_buffers = reuse_buffers
        self.memory_optimization = memory_optimization
        self.device = device
        _set_fields(self, "ConfigProto", self._TF_FIELDS, fields)


class RunOptions:
    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3

    def __init__(self, trace_level=0):
        self.trace_level = trace_level


class RunMetadata:
    """Filled by Session.run(..., options=RunOptions(trace_level=FULL_TRACE), run_metadata=md):
    `step_stats` is a list of (op name, op type, seconds), one per executed step, in run order."""

    def __init__(self):
        self.step_stats = []

    def op_time_by_type(self):
        out = {}
        for _, op_type, sec in self.step_stats:
            out[op_type] = out.get(op_type, 0.0) + sec
        return out


_DEFAULT_SESSION = []


def get_default_session():
    if not _DEFAULT_SESSION:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. "
                         "Use `with sess.as_default()` or pass an explicit session")
    return _DEFAULT_SESSION[-1]


def _reset_default_session():
    _DEFAULT_SESSION.clear()


class _FetchMapper:
    """Flattens a nested fetch structure (tensor, op, list, tuple, dict, namedtuple) into unique graph
    elements and rebuilds the same structure from their values (TF's _FetchHandler)."""

    def __init__(self, graph, fetches):
        self.elements = []
        self._index = {}
        self.build = self._walk(graph, fetches)
        # the common shapes rebuilt by one C call: a single element, or a flat list/tuple of distinct ones
        if isinstance(fetches, _LEAVES):
            self.build = operator.itemgetter(0)
        elif type(fetches) in (list, tuple) and len(self.elements) == len(fetches) \
                and all(isinstance(f, _LEAVES) for f in fetches):
            self.build = type(fetches)

    def _slot(self, el):
        if el not in self._index:
            self._index[el] = len(self.elements)
            self.elements.append(el)
        return self._index[el]

    def _walk(self, graph, f):
        if isinstance(f, (Tensor, Operation)):
            if f.graph is not graph:
                raise ValueError(f"Fetch argument {f!r} is not an element of this graph.")
            i = self._slot(f)
            return lambda vals: vals[i]
        if isinstance(f, str):
            return self._walk(graph, graph.get_tensor_by_name(f) if ":" in f
                              else graph.get_operation_by_name(f))
        if hasattr(f, "_as_graph_element"):
            return self._walk(graph, f._as_graph_element())
        if isinstance(f, dict):
            parts = [(k, self._walk(graph, v)) for k, v in f.items()]
            kind = type(f)
            return lambda vals: kind((k, b(vals)) for k, b in parts)
        if isinstance(f, (list, tuple)):
            parts = [self._walk(graph, v) for v in f]
            kind = type(f)
            if kind is list:
                return lambda vals: [b(vals) for b in parts]
            if isinstance(f, tuple) and hasattr(f, "_fields"):   # namedtuple
                return lambda vals: kind(*[b(vals) for b in parts])
            return lambda vals: kind([b(vals) for b in parts])
        if f is None:
            raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
        raise TypeError(f"Fetch argument {f!r} has invalid type {type(f)}, must be a string or Tensor. "
                        f"(Can not convert a {type(f).__name__} into a Tensor or Operation.)")


_LEAVES = (Tensor, Operation)


def _fetch_key(f):
    """A hashable stand-in for a fetch structure (identity of its graph elements, its shape)."""
    if isinstance(f, _LEAVES):
        return f
    if isinstance(f, (list, tuple)):
        return (type(f), *[x if isinstance(x, _LEAVES) else _fetch_key(x) for x in f])
    if isinstance(f, dict):
        return (dict,) + tuple((k, _fetch_key(v)) for k, v in f.items())
    if isinstance(f, str):
        return f
    return id(f)


class Session:
    """A TF1 Session: owns the variables' values and runs pruned subgraphs of `graph`.

    run(fetches, feed_dict=None, options=None, run_metadata=None)
        fetches: a Tensor, Operation, tensor name, or any nesting of lists, tuples, dicts of them; the
        result has the same structure (an Operation's value is None). Only the ops the fetches need
        are run. feed_dict maps placeholders (or any tensor, or a tensor name) to values; each value's
        dtype and shape are checked against the tensor's. The compiled plan is cached per
        (fetch structure, fed tensors, fed shapes and dtypes), so steady-state calls do no graph work.
    """

    def __init__(self, target="", graph=None, config=None):
        check_target(target)
        self.graph = graph or get_default_graph()
        self.config = config or ConfigProto()
        self.xp = K.get_xp(self.config.device)
        self._stores = {}
        self._resources = {}   # per-session state of stateful graph objects (dataset iterators)
        self._plans = {}
        self._mappers = {}
        self._closed = False
        self.build_seconds = 0.0   # time spent compiling plans (graph work, not training)

    # --- variables
    def _store(self, var):
        s = self._stores.get(var)
        if s is None:
            s = self._stores[var] = VariableStore(var)
        return s

    # --- running
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        fkey = _fetch_key(fetches)
        mapper = self._mappers.get(fkey) or self._mapper_for(fkey, fetches)
        feeds, values = self._feeds(feed_dict) if feed_dict else ((), ())
        plan = self._plans.get((fkey, feeds)) or self._plan_for(fkey, mapper, feeds)
        if run_metadata is not None and options is not None and options.trace_level:
            vals = plan.run_traced(values, run_metadata)
        else:
            vals = plan.fn(*values)
        return mapper.build(vals)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A Python callable that runs the step of `fetches` (TF1's Session.make_callable).

        It takes one feed value per element of `feed_list`, positionally, and returns what
        run(fetches, feed_dict) would (same structure; None for an Operation). The fetch mapping, the
        fed tensors and the compiled plan for each signature (fed shapes and dtypes) are resolved once, so
        a call does none of run's per-call fetch-key and feed-dict work. With accept_options=True (or a
        feed_list, as in TF) it also takes `options` and `run_metadata` keywords, as run does."""
        if feed_list is not None and not isinstance(feed_list, (list, tuple)):
            raise TypeError("`feed_list` must be a list or tuple.")
        return _Callable(self, fetches, feed_list or (), accept_options or feed_list is not None)

    def _mapper_for(self, fkey, fetches):
        """The cached fetch mapping of this fetch structure, made on first use."""
        mapper = self._mappers.get(fkey)
        if mapper is None:
            mapper = self._mappers[fkey] = _FetchMapper(self.graph, fetches)
        return mapper

    def _plan_for(self, fkey, mapper, feeds):
        """The cached plan for (fetch structure, feed signature), compiled on first use."""
        key = (fkey, feeds)
        plan = self._plans.get(key)
        if plan is None:
            t0 = time.perf_counter()
            plan = self._plans[key] = compile_plan(self, mapper.elements, feeds)
            self.build_seconds += time.perf_counter() - t0
        return plan

    def _feeds(self, feed_dict):
        keys, values = [], []
        for k, v in feed_dict.items():
            if not isinstance(k, Tensor):
                k = self._feed_tensor(k)
            if type(v) is not np.ndarray and not hasattr(v, "__cuda_array_interface__"):
                v = np.asarray(v, dtype=k.dtype.np if k.dtype is not None else None)
            keys.append(k)
            keys.append(v.shape)
            keys.append(v.dtype)
            values.append(v)
        return tuple(keys), values

    def _feed_tensor(self, k):
        if isinstance(k, str):
            try:
                return self.graph.get_tensor_by_name(k if ":" in k else k + ":0")
            except KeyError:
                raise KeyError(f"The name '{k}' refers to a Tensor which does not exist.") from None
        if hasattr(k, "_as_graph_element"):
            return k._as_graph_element()
        raise TypeError(f"The value of a feed cannot be a tf.Tensor object: got key {k!r} of type "
                        f"{type(k).__name__}; feed keys must be Tensors, Variables or tensor names")

    def memory_plan(self, fetches, feed_dict=None):
        """The compiled plan's memory figures for this (fetches, feed_dict): a dict with the liveness
        lower bound `peak_live_bytes`, `unplanned_bytes` (every value kept to the step's end),
        `pooled_bytes` (the preallocated arena), `buffers` (the allocations the plan holds: 1 for the
        arena, 0 without one), `pooled_values` (the values written into views of it) and
        `planned_peak_bytes`."""
        mapper = _FetchMapper(self.graph, fetches)
        feeds, _ = self._feeds(feed_dict) if feed_dict else ((), ())
        key = (_fetch_key(fetches), feeds)
        plan = self._plans.get(key) or compile_plan(self, mapper.elements, feeds)
        return dict(plan.memory)

    def plan_source(self, fetches, feed_dict=None):
        """The generated Python of the flat schedule for (fetches, feed_dict), for inspection."""
        mapper = _FetchMapper(self.graph, fetches)
        feeds, _ = self._feeds(feed_dict) if feed_dict else ((), ())
        return compile_plan(self, mapper.elements, feeds).source

    # --- lifetime
    def close(self):
        self._closed = True
        self._plans.clear()
        self._stores.clear()
        self._resources.clear()

    def as_default(self):
        return _DefaultSession(self)

    def __enter__(self):
        _DEFAULT_SESSION.append(self)
        return self

    def __exit__(self, *exc):
        if _DEFAULT_SESSION and _DEFAULT_SESSION[-1] is self:
            _DEFAULT_SESSION.pop()
        self.close()
        return False


class _Callable:
    """What Session.make_callable returns: the feed tensors resolved once (a dict's semantics: a tensor
    listed twice takes its last value), the fetch mapping resolved once, and the plan looked up by the fed
    values' shapes and dtypes alone (one plan per signature, shared with Session.run)."""

    def __init__(self, sess, fetches, feed_list, accept_options):
        if sess._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        self._sess = sess
        self._fkey = _fetch_key(fetches)
        self._mapper = sess._mapper_for(self._fkey, fetches)
        tensors = [k if isinstance(k, Tensor) else sess._feed_tensor(k) for k in feed_list]
        last = {t: i for i, t in enumerate(tensors)}                 # a repeated key: its last value wins
        self._tensors = list(last)
        self._take = [last[t] for t in self._tensors]                # argument feeding each fed tensor
        self._dtypes = [t.dtype.np if t.dtype is not None else None for t in self._tensors]
        self._n = len(tensors)
        self._accept_options = accept_options
        self._by_signature = {}

    def _compile(self, sig):
        feeds = tuple(x for j, t in enumerate(self._tensors) for x in (t, sig[2 * j], sig[2 * j + 1]))
        plan = self._by_signature[sig] = self._sess._plan_for(self._fkey, self._mapper, feeds)
        return plan

    def __call__(self, *args, options=None, run_metadata=None):
        if len(args) != self._n:
            raise TypeError(f"this callable takes {self._n} feed value(s), one per element of its feed_list, "
                            f"got {len(args)}")
        if (options is not None or run_metadata is not None) and not self._accept_options:
            raise TypeError("this callable was made without accept_options=True: it takes no `options` or "
                            "`run_metadata`")
        if self._sess._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        values, sig = [], []
        for i, dt in zip(self._take, self._dtypes):
            v = args[i]
            if type(v) is not np.ndarray and not hasattr(v, "__cuda_array_interface__"):
                v = np.asarray(v, dtype=dt)
            values.append(v)
            sig += (v.shape, v.dtype)
        sig = tuple(sig)
        plan = self._by_signature.get(sig) or self._compile(sig)
        if run_metadata is not None and options is not None and options.trace_level:
            return self._mapper.build(plan.run_traced(values, run_metadata))
        return self._mapper.build(plan.fn(*values))


class _DefaultSession:
    def __init__(self, sess):
        self.sess = sess

    def __enter__(self):
        _DEFAULT_SESSION.append(self.sess)
        return self.sess

    def __exit__(self, *exc):
        _DEFAULT_SESSION.pop()
        return False


class InteractiveSession(Session):
    """A Session that installs itself as the default on construction (for notebooks and shells)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        _DEFAULT_SESSION.append(self)

    def close(self):
        if self in _DEFAULT_SESSION:
            _DEFAULT_SESSION.remove(self)
        super().close()

