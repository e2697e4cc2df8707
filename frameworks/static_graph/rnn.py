"""tf.nn.rnn_cell and the RNN drivers: BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell,
static_rnn and dynamic_rnn (sequence_length, time_major), with TF 1.x's variable names and arithmetic.

A cell creates its variables (get_variable, under the enclosing variable scope plus its own name) on its
first call and reuses them after, as TF's layer-based cells do. dynamic_rnn unrolls the cell over the
static time axis; past a sequence's length its outputs are zero and its state is frozen (TF's select).
One exception keeps the `lstm` workload's fused path: an LSTMCell given the shared kernel's weights
(wx, wh, b_ih, b_hh) runs dynamic_rnn through the fused LSTM kernel (see README).
"""
import collections

import numpy as np

from frameworks import kernels as K
from . import ops
from .unsupported import Refusing
from .graph import Tensor, get_default_graph
from .variable_scope import constant_initializer, get_variable, variable_scope, zeros_initializer

LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))


def _map(fn, *structures):
    s0 = structures[0]
    if isinstance(s0, tuple):
        out = [_map(fn, *parts) for parts in zip(*structures)]
        return type(s0)(*out) if hasattr(s0, "_fields") else tuple(out)
    return fn(*structures)


def _flat(s):
    return [x for p in s for x in _flat(p)] if isinstance(s, tuple) else [s]


def _zeros(batch_size, units, dtype):
    if isinstance(batch_size, Tensor):   # a run-time batch size (tf.shape(x)[0])
        z = ops.fill(ops.stack([ops.cast(batch_size, ops.int32), ops.constant(units, ops.int32)]), 0.0,
                     dtype=dtype)
        z.set_shape((None, units))
        return z
    return ops.zeros((int(batch_size), units), dtype=dtype)


class RNNCell:
    """The cell protocol: state_size, output_size, zero_state, __call__(inputs, state) -> (output, state)."""
    _default_name = "rnn_cell"

    def __init__(self, num_units=None, activation=None, reuse=None, name=None, dtype=None):
        self._num_units = num_units
        self._activation = activation or ops.tanh
        self._reuse, self._name, self._dtype = reuse, name, dtype
        self._scope = None   # the variable scope the variables were created in, fixed on first call

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def zero_state(self, batch_size, dtype):
        return _map(lambda n: _zeros(batch_size, n, dtype), self.state_size)

    @property
    def variables(self):
        return list(self._vars.values()) if self._scope is not None else []

    trainable_variables = trainable_weights = weights = variables

    def __call__(self, inputs, state, scope=None):
        x = ops.convert_to_tensor(inputs)
        if self._scope is None:
            self._vars = {}
            with variable_scope(scope or self._name, default_name=self._default_name,
                                reuse=self._reuse) as vs:
                self._scope = vs
                self._build(int(x.shape.dims[-1]), x.dtype)
        with get_default_graph().name_scope(self._scope.name.rsplit("/", 1)[-1]):
            return self._step(x, state)

    def _var(self, name, shape, dtype, initializer=None):
        v = get_variable(name, shape, dtype=dtype, initializer=initializer)
        self._vars[name] = v
        return v


class BasicRNNCell(RNNCell):
    """output = new_state = activation(concat([inputs, state]) @ kernel + bias)"""
    _default_name = "basic_rnn_cell"

    def _build(self, depth, dtype):
        self._kernel = self._var("kernel", [depth + self._num_units, self._num_units], dtype)
        self._bias = self._var("bias", [self._num_units], dtype, zeros_initializer())

    def _step(self, x, state):
        out = self._activation(ops.matmul(ops.concat([x, state], 1), self._kernel) + self._bias)
        return out, out


class BasicLSTMCell(RNNCell):
    """TF's LSTM: i, j, f, o = split(concat([inputs, h]) @ kernel + bias);
    c = c * sigmoid(f + forget_bias) + sigmoid(i) * activation(j); h = activation(c) * sigmoid(o)."""
    _default_name = "basic_lstm_cell"

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None,
                 name=None, dtype=None, initializer=None):
        if not state_is_tuple:
            raise ValueError(f"{type(self).__name__}: state_is_tuple=False (concatenated states) is not "
                             "supported; use the default LSTMStateTuple")
        super().__init__(num_units, activation, reuse, name, dtype)
        self._forget_bias = float(forget_bias)
        self._initializer = initializer

    @property
    def state_size(self):
        return LSTMStateTuple(self._num_units, self._num_units)

    def _build(self, depth, dtype):
        h = self._num_units
        self._kernel = self._var("kernel", [depth + h, 4 * h], dtype, self._initializer)
        self._bias = self._var("bias", [4 * h], dtype, zeros_initializer())

    def _step(self, x, state):
        c, h = state
        gates = ops.matmul(ops.concat([x, h], 1), self._kernel) + self._bias
        i, j, f, o = ops.split(gates, 4, axis=1)
        new_c = c * ops.sigmoid(f + self._forget_bias) + ops.sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * ops.sigmoid(o)
        return new_h, LSTMStateTuple(new_c, new_h)


class LSTMCell(BasicLSTMCell):
    """TF's LSTMCell without peepholes or projection (the same arithmetic as BasicLSTMCell, named
    lstm_cell). Given the shared kernel's weights `wx` (E, 4H), `wh` (H, 4H), `b_ih`, `b_hh` (gates i, f,
    g, o, no forget bias) it uses that layout instead, so dynamic_rnn can run the fused LSTM kernel; a weight
    given as a tensor (a Variable made elsewhere, a slice of one) is used as it is instead of a new variable."""
    _default_name = "lstm_cell"

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None, num_proj=None,
                 proj_clip=None, num_unit_shards=None, num_proj_shards=None, forget_bias=1.0,
                 state_is_tuple=True, activation=None, reuse=None, name=None, dtype=None,
                 wx=None, wh=None, b_ih=None, b_hh=None):
        if use_peepholes or cell_clip is not None or num_proj is not None or proj_clip is not None:
            raise ValueError("LSTMCell: peepholes, cell_clip and projections are not supported")
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name, dtype, initializer)
        self._given = dict(wx=wx, wh=wh, b_ih=b_ih, b_hh=b_hh)
        self.fused_layout = any(v is not None for v in self._given.values())
        if self.fused_layout and any(v is None for v in self._given.values()):
            raise ValueError("LSTMCell: give all of wx, wh, b_ih, b_hh for the shared kernel's layout")

    def _build(self, depth, dtype):
        if not self.fused_layout:
            return super()._build(depth, dtype)
        h = self._num_units
        shapes = dict(wx=(depth, 4 * h), wh=(h, 4 * h), b_ih=(4 * h,), b_hh=(4 * h,))
        for k, shape in shapes.items():
            if isinstance(self._given[k], Tensor):   # a weight that already lives in the graph (Keras' own)
                if tuple(self._given[k].shape.dims or ()) != shape:
                    raise ValueError(f"LSTMCell: {k} must have shape {shape}, got {self._given[k].shape}")
                setattr(self, k, self._given[k])
                continue
            value = np.asarray(self._given[k])
            if value.shape != shape:
                raise ValueError(f"LSTMCell: {k} must have shape {shape}, got {value.shape}")
            setattr(self, k, self._var(k, shape, dtype, constant_initializer(value)))

    def _step(self, x, state):
        if not self.fused_layout:
            return super()._step(x, state)
        c, h = state
        gates = ops.matmul(x, self.wx) + ops.matmul(h, self.wh)
        gates = gates + self.b_ih
        gates = gates + self.b_hh
        i, f, g, o = ops.split(gates, 4, axis=1)
        i, f, g, o = ops.sigmoid(i), ops.sigmoid(f), ops.tanh(g), ops.sigmoid(o)
        new_c = f * c + i * g
        new_h = o * ops.tanh(new_c)
        return new_h, LSTMStateTuple(new_c, new_h)


class GRUCell(RNNCell):
    """TF's GRU: r, u = split(sigmoid(concat([x, h]) @ gates/kernel + gates/bias)), gates/bias starting
    at 1; c = activation(concat([x, r * h]) @ candidate/kernel + candidate/bias); h = u * h + (1 - u) * c."""
    _default_name = "gru_cell"

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None):
        super().__init__(num_units, activation, reuse, name, dtype)
        self._kernel_init, self._bias_init = kernel_initializer, bias_initializer

    def _build(self, depth, dtype):
        h = self._num_units
        with variable_scope("gates"):
            self._gk = get_variable("kernel", [depth + h, 2 * h], dtype=dtype, initializer=self._kernel_init)
            self._gb = get_variable("bias", [2 * h], dtype=dtype,
                                    initializer=self._bias_init or constant_initializer(1.0))
        with variable_scope("candidate"):
            self._ck = get_variable("kernel", [depth + h, h], dtype=dtype, initializer=self._kernel_init)
            self._cb = get_variable("bias", [h], dtype=dtype,
                                    initializer=self._bias_init or zeros_initializer())
        self._vars.update({"gates/kernel": self._gk, "gates/bias": self._gb, "candidate/kernel": self._ck,
                           "candidate/bias": self._cb})

    def _step(self, x, state):
        value = ops.sigmoid(ops.matmul(ops.concat([x, state], 1), self._gk) + self._gb)
        r, u = ops.split(value, 2, axis=1)
        c = self._activation(ops.matmul(ops.concat([x, r * state], 1), self._ck) + self._cb)
        new_h = u * state + (1.0 - u) * c
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """A stack of cells: each one's output is the next one's input; the state is a tuple, one per cell."""
    _default_name = "multi_rnn_cell"

    def __init__(self, cells, state_is_tuple=True):
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not state_is_tuple:
            raise ValueError("MultiRNNCell: state_is_tuple=False is not supported")
        super().__init__()
        self._cells = list(cells)

    @property
    def state_size(self):
        return tuple(c.state_size for c in self._cells)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    @property
    def variables(self):
        return [v for c in self._cells for v in c.variables]

    def __call__(self, inputs, state, scope=None):
        with variable_scope(scope or self._name, default_name=self._default_name) \
                if self._scope is None else variable_scope(self._scope) as vs:
            self._scope = vs
            cur, new_states = inputs, []
            for i, (cell, s) in enumerate(zip(self._cells, state)):
                with variable_scope(f"cell_{i}"):
                    cur, ns = cell(cur, s)
                new_states.append(ns)
        return cur, tuple(new_states)


# ---------------------------------------------------------------- drivers

def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """Unroll `cell` over a Python list of (B, E) inputs: (list of outputs, final state)."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError("inputs must be a non-empty sequence (a list of tensors, e.g. tf.unstack(x, axis=1))")
    inputs = [ops.convert_to_tensor(x) for x in inputs]
    with variable_scope(scope or "rnn"):
        return _unroll(cell, inputs, initial_state, dtype, sequence_length)


def _unroll(cell, inputs, state, dtype, sequence_length):
    if state is None:
        if dtype is None:
            raise ValueError("If no initial_state is provided, dtype must be specified")
        b = inputs[0].shape.dims[0]
        state = cell.zero_state(ops.shape(inputs[0])[0] if b is None else b, dtype)
    lengths = None if sequence_length is None else ops.convert_to_tensor(sequence_length)
    outputs = []
    for t, x in enumerate(inputs):
        out, new_state = cell(x, state)
        if lengths is not None:   # TF's select: zero outputs and frozen state once t >= length
            alive = ops.reshape(ops.less(ops.constant(t, lengths.dtype), lengths), [-1, 1])
            out = ops.where(alive, out, ops.zeros_like(out))
            new_state = _map(lambda n, o: ops.where(alive, n, o), new_state, state)
        outputs.append(out)
        state = new_state
    return outputs, state


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, parallel_iterations=None,
                swap_memory=False, time_major=False, scope=None):
    """Run `cell` over inputs (B, T, E), or (T, B, E) with time_major: (outputs, final state).
    The time axis must be static (it is unrolled into the graph)."""
    x = ops.convert_to_tensor(inputs)
    dims = x.shape.dims
    if dims is None or len(dims) != 3:
        raise ValueError(f"dynamic_rnn: inputs must be 3-D, got {x.shape}")
    if isinstance(cell, LSTMCell) and cell.fused_layout and sequence_length is None:
        return _fused_lstm(cell, x, initial_state, dtype, time_major, scope)
    t_axis = 0 if time_major else 1
    if dims[t_axis] is None:
        raise ValueError("dynamic_rnn: the time dimension must be static here (it is unrolled)")
    with variable_scope(scope or "rnn"):
        steps = ops.unstack(x, axis=t_axis)
        outputs, state = _unroll(cell, steps, initial_state, dtype or x.dtype, sequence_length)
        return ops.stack(outputs, axis=t_axis), state


def _fused_lstm(cell, x, initial_state, dtype, time_major, scope):
    """The whole sequence through the fused LSTM kernel (the shared kernel's weight layout)."""
    if not time_major:
        x = ops.transpose(x, (1, 0, 2))
    dims = x.shape.dims
    with variable_scope(scope or "rnn"):
        if cell._scope is None:
            cell._vars = {}
            with variable_scope(cell._name, default_name=cell._default_name) as vs:
                cell._scope = vs
                cell._build(dims[2], x.dtype)
        if initial_state is None:
            if dims[1] is None:
                raise ValueError("dynamic_rnn: give initial_state when the batch size is not static")
            initial_state = cell.zero_state(dims[1], dtype or x.dtype)
        c0, h0 = initial_state
        hs, h_t, c_t = ops.kernel_op("BlockLSTM", K.lstm, [x, h0, c0, cell.wx, cell.wh, cell.b_ih, cell.b_hh])
    outputs = hs if time_major else ops.transpose(hs, (1, 0, 2))
    return outputs, LSTMStateTuple(c_t, h_t)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None,
                             dtype=None, sequence_length=None, scope=None):
    """A forward and a backward static_rnn (scopes bidirectional_rnn/fw, /bw), outputs concatenated per
    step: (outputs, output_state_fw, output_state_bw), as TF returns them."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError("inputs must be a non-empty sequence (a list of tensors, e.g. tf.unstack(x, axis=1))")
    if sequence_length is not None:
        raise NotImplementedError("static_bidirectional_rnn: sequence_length (a per-example reversal) is not "
                                  "supported here; pad the sequences to one length or use "
                                  "tf.nn.bidirectional_dynamic_rnn without sequence_length")
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            out_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            tmp, state_bw = static_rnn(cell_bw, list(reversed(inputs)), initial_state_bw, dtype, scope=bw_scope)
    outputs = [ops.concat([f, b], 1) for f, b in zip(out_fw, reversed(tmp))]
    return outputs, state_fw, state_bw


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None, swap_memory=False,
                              time_major=False, scope=None):
    """((output_fw, output_bw), (output_state_fw, output_state_bw)): dynamic_rnn forward, and over the
    time-reversed inputs (reversed back) for the backward cell, as TF does."""
    if sequence_length is not None:
        raise NotImplementedError("bidirectional_dynamic_rnn: sequence_length (tf.reverse_sequence) is not "
                                  "supported here; pad the sequences to one length and leave it out")
    x = ops.convert_to_tensor(inputs)
    t_axis = 0 if time_major else 1

    def reverse(t):
        return ops.stack(list(reversed(ops.unstack(t, axis=t_axis))), axis=t_axis)
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            out_fw, state_fw = dynamic_rnn(cell_fw, x, initial_state=initial_state_fw, dtype=dtype,
                                           time_major=time_major, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            tmp, state_bw = dynamic_rnn(cell_bw, reverse(x), initial_state=initial_state_bw, dtype=dtype,
                                        time_major=time_major, scope=bw_scope)
    return (out_fw, reverse(tmp)), (state_fw, state_bw)


class rnn_cell(metaclass=Refusing):  # noqa: N801  (the tf.nn.rnn_cell namespace)
    _tf_prefix = "nn.rnn_cell."
    RNNCell = RNNCell
    BasicRNNCell = BasicRNNCell
    BasicLSTMCell = BasicLSTMCell
    LSTMCell = LSTMCell
    GRUCell = GRUCell
    MultiRNNCell = MultiRNNCell
    LSTMStateTuple = LSTMStateTuple
