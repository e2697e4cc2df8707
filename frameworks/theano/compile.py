"""theano.function and theano.In: a compiled function is a thin wrapper over static_graph callables.

At the first call with a given signature (the inputs' shapes, and the values of integer scalar inputs that
slice bounds, reshapes or n_steps need) the graph is lowered onto the runtime's static_graph Graph and made
one `Session.make_callable(fetches, placeholders)`; every later call with that signature filters its
arguments and calls it (the fetch mapping, feeds and plan resolved once, as TF1's callables have them). Updates are simultaneous, as Theano's: every new value (and every output) is
computed before any shared variable is written."""
import warnings

import numpy as np

import frameworks.static_graph as tf
from ._memory import new_buffers
from .opt import adam_groups
from .graph import (Lowering, MissingInputError, SharedVariable, TensorConstant, Variable, ancestors, as_tf,
                    as_variable, is_static, tf_dtype)
from .runtime import runtime


class UnusedInputError(Exception):
    """An input of theano.function is not needed to compute the outputs (theano.compile.function_module's)."""


class In:
    """A function input with options: a name to pass it by keyword, a default `value`, and the dtype
    filtering options (strict, allow_downcast)."""

    def __init__(self, variable, name=None, value=None, update=None, mutable=None, strict=False,
                 allow_downcast=None, autoname=True, implicit=None, borrow=None, shared=False):
        if not isinstance(variable, Variable):
            raise TypeError(f"In: variable must be a Variable, got {variable!r}")
        if isinstance(variable, (SharedVariable, TensorConstant)):
            raise TypeError(f"In: {variable!r} is a shared variable or a constant; it cannot be an input")
        if update is not None:
            raise NotImplementedError("In(update=...) is not supported; use function(updates=...)")
        self.variable = variable
        self.name = name if name is not None else (variable.name if autoname else None)
        self.value = value
        self.strict, self.allow_downcast = strict, allow_downcast


Param = In


class Out:
    def __init__(self, variable, borrow=False):
        self.variable, self.borrow = variable, borrow


def function(inputs, outputs=None, mode=None, updates=None, givens=None, no_default_updates=False,
             accept_inplace=False, name=None, rebuild_strict=True, allow_input_downcast=None, profile=None,
             on_unused_input=None):
    """Compile a callable computing `outputs` from `inputs` and applying `updates` (pairs or a dict of
    shared variable -> new value), with `givens` substituted. Returns a Function."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("Input variables of a Theano function should be contained in a list, even when there "
                        "is a single input.")
    if updates is not None and not isinstance(updates, (list, tuple, dict)):
        raise ValueError(f"updates must be a list of pairs or a dict, got {type(updates).__name__}")
    return Function(inputs, outputs, updates, givens, allow_input_downcast, on_unused_input or "raise", name)


def _pairs(x):
    if x is None:
        return []
    if isinstance(x, dict):
        return list(x.items())
    return [tuple(p) for p in x]


class Function:
    """A compiled Theano function: call it with the inputs' values, positionally or by In name."""

    def __init__(self, inputs, outputs, updates, givens, allow_input_downcast, on_unused_input, name):
        self.name = name
        self.ins = [i if isinstance(i, In) else In(i) for i in inputs]
        for spec in self.ins:
            if spec.allow_downcast is None:
                spec.allow_downcast = allow_input_downcast
        self.input_variables = [s.variable for s in self.ins]
        if len(set(self.input_variables)) != len(self.input_variables):
            raise ValueError("The same variable is given twice as an input of the function")
        self._single = outputs is not None and not isinstance(outputs, (list, tuple))
        outs = [] if outputs is None else ([outputs] if self._single else list(outputs))
        self.outputs = [as_variable(o.variable if isinstance(o, Out) else o) for o in outs]
        self.updates = []
        for var, new in _pairs(updates):
            if not isinstance(var, SharedVariable):
                raise TypeError(f"update target must be a SharedVariable, got {var!r}")
            new = as_variable(new)
            if new.dtype != var.dtype or new.ndim != var.ndim:
                raise TypeError(f"An update must have the same type as the original shared variable "
                                f"(shared_var={var!r}, shared_var.type={var.type}, update_val={new!r}, "
                                f"update_val.type={new.type}). If the difference is related to the broadcast "
                                f"pattern, you can call the tensor.unbroadcast(var, axis_to_unbroadcast[, ...]) "
                                f"function to remove broadcastable dimensions.")
            self.updates.append((var, new))
        if len({id(v) for v, _ in self.updates}) != len(self.updates):
            raise ValueError("this shared variable already has an update expression")
        self.givens = {}
        for var, rep in _pairs(givens):
            rep = as_variable(rep)
            if not isinstance(var, Variable):
                raise TypeError(f"givens: the keys must be Variables, got {var!r}")
            if rep.ndim != var.ndim or rep.dtype != var.dtype:
                raise TypeError(f"givens: cannot replace {var!r} of type {var.type} by {rep!r} of type {rep.type}: "
                                "the types must be the same (cast the replacement)")
            self.givens[var] = rep
        targets = self.outputs + [n for _, n in self.updates]
        self._check_inputs(targets, on_unused_input)
        shared = [v for v in ancestors(targets + list(self.givens.values())) if isinstance(v, SharedVariable)]
        shared += [v for v, _ in self.updates if v not in shared]
        self.shared_variables = shared        # what this function's memory breakdown counts (_memory.py)
        self.compiled_buffers = []            # what lowering and compiling its signatures added to the Session
        rts = {id(v._runtime): v._runtime for v in shared}
        if len(rts) > 1:
            raise ValueError("the function's shared variables were made on different devices (theano.config.device "
                             "changed in between)")
        self.runtime = next(iter(rts.values())) if rts else runtime()
        self._keyed = self._value_keyed_inputs(targets)
        # row slices of shared data bounded by inputs: their ids are computed on the host at each call
        self._host_rows = [v for v in ancestors(targets + list(self.givens.values())) if hasattr(v.tag, "host_rows")]
        self._grad_groups = {}
        for v in ancestors(targets + list(self.givens.values())):
            if v.owner is not None and v.owner.op == "Grad" and v.index == 0:
                group = self._grad_groups.setdefault(v.owner.attrs["_key"], [])
                group.extend(w for w in v.owner.attrs["_wrt"] if w not in group)
        self._compiled = {}
        self._defaults = [s.value for s in self.ins]
        # what a call needs, prepared once: each input's filter and options, the session's run
        self._filters = [(s.variable.type.filter, s.strict, s.allow_downcast) for s in self.ins]
        self._n_in, self._n_out = len(self.ins), len(self.outputs)
        # the steady state of a training loop: ndarrays of the input's dtype and rank pass unfiltered
        # (TensorType.filter's own fast path, checked inline); a broadcastable input always filters
        self._plain = None if any(any(s.variable.broadcastable) for s in self.ins) else \
            [(np.dtype(s.variable.dtype), s.variable.ndim) for s in self.ins]

    # --- compile-time checks
    def _check_inputs(self, targets, on_unused):
        needed = ancestors(targets + [r for v, r in self.givens.items()], stop=())
        given = set(self.givens)
        for i, v in enumerate(self.input_variables):
            if v not in needed and v not in given:
                msg = (f"theano.function was asked to create a function computing outputs given certain inputs, but "
                       f"the provided input variable at index {i} is not part of the computational graph needed to "
                       f"compute the outputs: {v!r}.\nTo make this error into a warning, you can pass the parameter "
                       f"on_unused_input='warn' to theano.function. To disable it completely, use "
                       f"on_unused_input='ignore'.")
                if on_unused == "raise":
                    raise UnusedInputError(msg)
                if on_unused == "warn":
                    warnings.warn(msg, stacklevel=3)
                elif on_unused != "ignore":
                    raise ValueError(f"Invalid value for keyword on_unused_input of theano.function: "
                                     f"'{on_unused}'.\nValid values are 'raise', 'warn', and 'ignore'.")
        provided = set(self.input_variables)
        for v in needed:
            if v.owner is None and not isinstance(v, (SharedVariable, TensorConstant)) and v not in provided \
                    and v not in given and not getattr(v.tag, "scan_inner", False) \
                    and not hasattr(v.tag, "host_rows"):
                raise MissingInputError(
                    f"Input 0 of the graph (indices start from 0), used to compute the outputs, was not provided "
                    f"and not given a value. Use the Theano flag exception_verbosity='high', for more information "
                    f"on this error. (Missing input: {v!r} of type {v.type}.)")

    def _value_keyed_inputs(self, targets):
        """Integer scalar inputs that some node needs as a known integer (slice bounds, reshape targets,
        n_steps): the function is lowered once per value of these (their arithmetic then folds)."""
        keyed = set()
        scalars = {v for v in self.input_variables if v.ndim == 0 and np.dtype(v.dtype).kind in "iu"}
        if not scalars:
            return ()
        for v in ancestors(targets + list(self.givens.values())):
            node = v.owner
            if node is None:
                continue
            for i in node.static:
                keyed |= ancestors([node.inputs[i]]) & scalars
        return tuple(i for i, v in enumerate(self.input_variables) if v in keyed)

    # --- calling
    def __call__(self, *args, **kwargs):
        values = args if not kwargs and len(args) == self._n_in else self._complete(args, kwargs)
        arrays = values
        plain = self._plain
        if plain is not None:
            for v, (dt, nd) in zip(values, plain):
                if type(v) is not np.ndarray or v.dtype is not dt or v.ndim != nd:
                    plain = None
                    break
        if plain is None:
            try:
                arrays = [f(v, strict=s, allow_downcast=d) for (f, s, d), v in zip(self._filters, values)]
            except TypeError:
                self._explain(values)
                raise
        if self._host_rows:
            arrays = list(arrays) + self._row_ids(arrays)
        key = tuple([a.shape for a in arrays])
        if self._keyed:
            key += tuple([int(arrays[i]) for i in self._keyed])
        entry = self._compiled.get(key)
        if entry is None:
            return self._first_call(key, arrays)
        run, fed = entry
        return self._outputs(run(*arrays) if fed is None else run(*[arrays[i] for i in fed]))

    def _first_call(self, key, arrays):
        """Lower and run a new signature, noting the buffers that lowering and compiling it added."""
        before = new_buffers(self.runtime.session, ())
        fetches, placeholders, fed = self._lower(arrays)
        run = self.runtime.session.make_callable(fetches, placeholders)
        fed = None if fed == list(range(len(arrays))) else fed   # every argument fed, in order
        self._compiled[key] = run, fed
        out = run(*arrays) if fed is None else run(*[arrays[i] for i in fed])
        self.compiled_buffers += new_buffers(self.runtime.session, before)
        return self._outputs(out)

    def _outputs(self, out):
        if self._single:
            o = out[0]
            return o if type(o) is np.ndarray else np.asarray(o)   # Theano returns 0-d arrays, not scalars
        return [o if type(o) is np.ndarray else np.asarray(o) for o in out[:self._n_out]]

    def _row_ids(self, arrays):
        """numpy.arange(start, stop, step) of each host row slice, its bounds computed from this call's
        values (Python's slice semantics against the shared data's rows)."""
        host = Lowering({v: arrays[i] for i, v in enumerate(self.input_variables)}, self.givens)
        out = []
        for v in self._host_rows:
            sl, n = v.tag.host_rows
            start, stop, step = (None if b is None else int(host(as_variable(b))) for b in (sl.start, sl.stop, sl.step))
            out.append(np.arange(*slice(start, stop, step).indices(n), dtype=np.int64))
        return out

    def _complete(self, args, kwargs):
        """Positional and keyword arguments, with In defaults, in input order."""
        n = len(self.ins)
        if len(args) > n:
            raise TypeError(f"Too many parameter passed to theano function{self._named()}: got {len(args)}, "
                            f"expected {n}")
        values = list(args) + [None] * (n - len(args))
        given = [True] * len(args) + [False] * (n - len(args))
        for k, v in kwargs.items():
            idx = next((i for i, s in enumerate(self.ins) if s.name == k), None)
            if idx is None:
                raise TypeError(f"Unknown input or state: {k}. The function has {n} named inputs "
                                f"({', '.join(str(s.name) for s in self.ins)}).")
            if given[idx]:
                raise TypeError(f"Multiple values for input: {k}")
            values[idx], given[idx] = v, True
        for i in range(n):
            if not given[i]:
                if self._defaults[i] is None:
                    raise TypeError(f"Missing required input: {self.ins[i].variable!r}")
                values[i] = self._defaults[i]
        return values

    def _explain(self, values):
        """Theano's message for a value an input cannot take: the function, the index, the type's reason."""
        for i, ((f, s, d), v) in enumerate(zip(self._filters, values)):
            try:
                f(v, strict=s, allow_downcast=d)
            except TypeError as e:
                raise TypeError(f"Bad input argument to theano function{self._named()} at index {i} (0-based). "
                                f"{e}") from None

    def _named(self):
        return f' with name "{self.name}"' if self.name else ""

    def _lower(self, arrays):
        """Lower the graph for this signature: placeholders with the arrays' shapes, the outputs, and the
        simultaneous updates; returns (fetch list, placeholders, the index of the input each one takes)."""
        with self.runtime.graph.as_default():
            memo, placeholders, fed = {}, [], []
            for i, (v, a) in enumerate(zip(self.input_variables + self._host_rows, arrays)):
                if i in self._keyed:
                    memo[v] = a[()]
                else:
                    memo[v] = tf.placeholder(tf_dtype(v.dtype), a.shape, name=_name(v, i))
                    placeholders.append(memo[v])
                    fed.append(i)
            L = Lowering(memo, self.givens)
            L.grad_groups = self._grad_groups
            outs = [_fresh(L(o), o.dtype) for o in self.outputs]
            targets = [v.variable for v, _ in self.updates]
            adams = _adams(L, self.updates, targets)
            fused = {id(x) for g, _ in adams for x in (g["p"], g["m"], g["v"])}
            updates = [(var, new) for var, new in self.updates if id(var) not in fused]
            news = [_in_place(L, var, new, targets) or (None, _fresh(L(new), var.dtype)) for var, new in updates]
            fetches = list(outs)
            if self.updates:
                ready = [t for _, t in news if isinstance(t, tf.Tensor)] + [t for t in outs if isinstance(t, tf.Tensor)]
                ready += [grad for _, grad in adams]   # every gradient read before any parameter moves
                with tf.control_dependencies(ready):
                    stores = _apply_adams(adams)
                # the other stores after the fused ones: they read the step count t that an update moves
                with tf.control_dependencies(ready + stores):
                    for (var, _), (kind, value) in zip(updates, news):
                        if kind == "sgd":
                            rate, grad = value
                            stores.append(tf.train.GradientDescentOptimizer(rate).apply_gradients([(grad, var.variable)]))
                        else:
                            store = {"sub": tf.assign_sub, "add": tf.assign_add}.get(kind, tf.assign)
                            stores.append(store(var.variable, value))
                    fetches.append(tf.group(*stores))
            return fetches, placeholders, fed


class _AdamOver(tf.train.AdamOptimizer):
    """TF1's Adam op (the shared adam kernel) over a Theano program's own moments and step count: its
    slots are the program's m and v, its t the program's shared t, which the program's own update moves."""

    def __init__(self, moments, t, **hyper):
        super().__init__(**hyper)
        self._moments, self._t = moments, t

    def _slot(self, var, name, fill=0.0):
        return self._moments[var][0 if name == "m" else 1]

    def _finish(self, updates):
        return []


def _adams(L, updates, targets):
    """The Adam groups of the update list (opt.adam_groups) whose gradient lowers to a tensor of the
    parameter's shape that no update writes, each with its lowered gradient."""
    out = []
    for g in adam_groups(updates):
        grad, p = L(g["g"]), g["p"]
        if isinstance(grad, tf.Tensor) and grad.shape.dims == tuple(p.variable.shape.dims) and \
                L(p) is p.variable and not any(_views(grad, t) for t in targets):
            out.append((g, grad))
    return out


def _apply_adams(adams):
    """One ApplyAdam op per Adam group, one optimizer per (step count, hyperparameters); their ops."""
    by_key = {}
    for g, grad in adams:
        key = (id(g["t"]), g["lr"], g["beta1"], g["beta2"], g["eps"])
        by_key.setdefault(key, []).append((g, grad))
    ops = []
    for (_, lr, b1, b2, eps), groups in by_key.items():
        moments = {g["p"].variable: (g["m"].variable, g["v"].variable) for g, _ in groups}
        opt = _AdamOver(moments, groups[0][0]["t"].variable, learning_rate=lr, beta1=b1, beta2=b2, epsilon=eps)
        ops.append(opt.apply_gradients([(grad, g["p"].variable) for g, grad in groups]))
    return ops


def _in_place(L, var, new, targets):
    """How Theano's inplace optimization runs an update, or None (then it is computed and assigned):
    var - c * g with a constant scalar c is the fused in-place loop Theano compiles it to
    (Elemwise{Composite}[(0, 0)]), here the shared sgd kernel (("sgd", (c, g))); var - delta or
    var + delta with delta of var's shape is an in-place AssignSub/AssignAdd (("sub" | "add", delta)).
    Every in-place store runs after every new value is computed, so the updates stay simultaneous."""
    node = new.owner
    if node is None or node.op not in ("sub", "add") or len(node.inputs) != 2:
        return None
    a, b = node.inputs
    if a is not var and not (node.op == "add" and b is var):
        return None
    delta = b if a is var else a
    scaled = _scaled(delta) if node.op == "sub" else None
    if scaled is not None:
        rate, g = scaled
        value = L(g)
        if isinstance(value, tf.Tensor) and value.shape.dims == tuple(var.variable.shape.dims) and \
                g.dtype == var.dtype and L(var) is var.variable and not any(_views(value, t) for t in targets):
            return "sgd", (rate, value)
    value = L(delta)
    if is_static(value) and np.shape(value) == tuple(var.variable.shape.dims):
        value = as_tf(value, var.dtype)   # a constant step (a step count's t + 1)
    if not isinstance(value, tf.Tensor) or value.shape.dims != tuple(var.variable.shape.dims) or \
            delta.dtype != var.dtype or L(var) is not var.variable or any(_views(value, t) for t in targets):
        return None
    return node.op, value


def _scaled(delta):
    """(c, g) when delta is c * g or g * c with c a constant scalar, else None."""
    node = delta.owner
    if node is None or node.op != "mul" or len(node.inputs) != 2:
        return None
    for c, g in (node.inputs, node.inputs[::-1]):
        if isinstance(c, TensorConstant) and c.data.ndim == 0 and np.dtype(c.dtype).kind == "f":
            return float(c.data), g
    return None


_VIEWS = ("StridedSlice", "Reshape", "Transpose", "Identity")


def _views(value, variable):
    """Whether `value` may be `variable`'s storage or a view of it (an in-place update would then read what
    an update writes)."""
    while True:
        if value is variable:
            return True
        if value.op.type not in _VIEWS or not value.op.inputs:
            return False
        value = value.op.inputs[0]


def _fresh(value, dtype):
    """A lowered output as a tensor that no update can overwrite (a shared variable's value is copied)."""
    if not isinstance(value, tf.Tensor):
        return tf.constant(np.asarray(value, dtype=dtype))
    if isinstance(value, tf.Variable):
        return tf.multiply(value, 1) if np.dtype(dtype).kind == "f" else tf.add(value, 0)
    return as_tf(value, dtype)


def _name(v, i):
    name = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in (v.name or f"input{i}"))
    return name if name[:1].isalnum() else f"input{i}"

