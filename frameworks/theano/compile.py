"""theano.function and theano.In: a compiled function is a thin wrapper over one cached Session.run.

At the first call with a given signature (the inputs' shapes, and the values of integer scalar inputs that
slice bounds, reshapes or n_steps need) the graph is lowered onto the runtime's static_graph Graph; every
later call with that signature filters its arguments and makes one Session.run with the prepared fetch
list and placeholders. Updates are simultaneous, as Theano's: every new value (and every output) is
computed before any shared variable is written."""
import warnings

import numpy as np

import frameworks.static_graph as tf
from .graph import (Lowering, MissingInputError, SharedVariable, TensorConstant, Variable, ancestors, as_tf,
                    as_variable, tf_dtype)
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
            if isinstance(var, Variable) and rep.type.ndim != var.ndim:
                raise TypeError(f"givens: {var!r} of type {var.type} replaced by {rep!r} of type {rep.type}")
            self.givens[var] = rep
        targets = self.outputs + [n for _, n in self.updates]
        self._check_inputs(targets, on_unused_input)
        shared = [v for v in ancestors(targets + list(self.givens.values())) if isinstance(v, SharedVariable)]
        rts = {id(v._runtime): v._runtime for v in shared}
        if len(rts) > 1:
            raise ValueError("the function's shared variables were made on different devices (theano.config.device "
                             "changed in between)")
        self.runtime = next(iter(rts.values())) if rts else runtime()
        self._keyed = self._value_keyed_inputs(targets)
        self._compiled = {}
        self._defaults = [s.value for s in self.ins]

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
                    and v not in given and not getattr(v.tag, "scan_inner", False):
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
        arrays = []
        for i, (spec, v) in enumerate(zip(self.ins, values)):
            try:
                arrays.append(spec.variable.type.filter(v, strict=spec.strict, allow_downcast=spec.allow_downcast))
            except TypeError as e:
                raise TypeError(f"Bad input argument to theano function{self._named()} at index {i} (0-based). "
                                f"{e}") from None
        key = tuple(a.shape for a in arrays) + tuple(int(arrays[i]) for i in self._keyed)
        entry = self._compiled.get(key)
        if entry is None:
            entry = self._compiled[key] = self._lower(arrays)
        fetches, placeholders, fed = entry
        out = self.runtime.session.run(fetches, {ph: arrays[i] for ph, i in zip(placeholders, fed)})
        return out[0] if self._single else out[:len(self.outputs)]

    def _named(self):
        return f' with name "{self.name}"' if self.name else ""

    def _lower(self, arrays):
        """Lower the graph for this signature: placeholders with the arrays' shapes, the outputs, and the
        simultaneous updates; returns (fetch list, placeholders, the index of the input each one takes)."""
        with self.runtime.graph.as_default():
            memo, placeholders, fed = {}, [], []
            for i, (v, a) in enumerate(zip(self.input_variables, arrays)):
                if i in self._keyed:
                    memo[v] = a[()]
                else:
                    memo[v] = tf.placeholder(tf_dtype(v.dtype), a.shape, name=_name(v, i))
                    placeholders.append(memo[v])
                    fed.append(i)
            L = Lowering(memo, self.givens)
            outs = [_fresh(L(o), o.dtype) for o in self.outputs]
            news = [_fresh(L(new), var.dtype, force=True) for var, new in self.updates]
            fetches = list(outs)
            if self.updates:
                with tf.control_dependencies([t for t in news + outs if isinstance(t, tf.Tensor)]):
                    fetches.append(tf.group(*[tf.assign(var.variable, new) for (var, _), new in zip(self.updates, news)]))
            return fetches, placeholders, fed


def _fresh(value, dtype, force=False):
    """A lowered output as a tensor that no update can overwrite (a shared variable's value is copied)."""
    if not isinstance(value, tf.Tensor):
        return tf.constant(np.asarray(value, dtype=dtype))
    if isinstance(value, tf.Variable):
        return tf.multiply(value, 1) if np.dtype(dtype).kind == "f" else tf.add(value, 0)
    return as_tf(value, dtype)


def _name(v, i):
    name = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in (v.name or f"input{i}"))
    return name if name[:1].isalnum() else f"input{i}"

