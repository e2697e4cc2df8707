"""gluon.rnn: the fused LSTM layer (one RNN op per layer over the whole sequence, num_layers stacked with
dropout between them), the GRU and RNN layers (their cells' steps unrolled over the sequence: the shared
kernels have no fused GRU or Elman RNN), and the cells (LSTMCell, GRUCell, RNNCell, one step written from
primitive ops) with unroll, SequentialRNNCell, DropoutCell and ResidualCell. Gate order i, f, g (c), o for
the LSTM and r, z, n for the GRU, as MXNet."""
from .. import ndarray, symbol
from ..base import MXNetError
from .block import Block, HybridBlock, shape_of


def _gate_params(block, prefix, ng, hidden_size, input_size, inits):
    """Declare i2h/h2h weights (ng, C), (ng, H) and biases (ng,) named prefix + 'i2h_weight' etc."""
    shapes = {"i2h_weight": (ng, input_size), "h2h_weight": (ng, hidden_size), "i2h_bias": (ng,),
              "h2h_bias": (ng,)}
    with block.name_scope():
        for name, shape in shapes.items():
            setattr(block, prefix + name, block.params.get(prefix + name, shape=shape, init=inits[name],
                                                           allow_deferred_init=True))


def _lstm_params(block, prefix, hidden_size, input_size, inits):
    _gate_params(block, prefix, 4 * hidden_size, hidden_size, input_size, inits)


def _check_layer(name, layout, bidirectional):
    if layout not in ("TNC", "NTC"):
        raise MXNetError(f"{name}: invalid layout {layout!r}; must be one of ['TNC' or 'NTC']")
    if bidirectional:
        raise MXNetError(f"{name}: bidirectional=True is not supported; run two layers, one over "
                         "F.flip(inputs, axis=0), and concat their outputs")


# ---------------------------------------------------------------- cells and the unrolled layers

def _F(x):
    return symbol if isinstance(x, symbol.Symbol) else ndarray


def _steps(F, inputs, length, axis):
    """A (.., T, ..) sequence as a list of T (N, C) steps along `axis`."""
    if isinstance(inputs, (list, tuple)):
        if len(inputs) != length:
            raise MXNetError(f"unroll: {len(inputs)} inputs given for length {length}")
        return list(inputs)
    if length == 1:
        return [F.squeeze(inputs, axis=axis)]
    return list(F.split(inputs, num_outputs=length, axis=axis, squeeze_axis=True))


class _CellMixin:
    """What MXNet's RecurrentCell gives every cell: begin_state from state_info, unroll, reset."""

    def reset(self):
        for cell in self._children.values():
            if hasattr(cell, "reset"):
                cell.reset()

    def begin_state(self, batch_size=0, func=None, **kwargs):
        """Zero states, one per state_info entry; `func` is nd.zeros (or a maker taking shape=)."""
        assert not getattr(self, "_modified", False), \
            "After applying modifier cells (e.g. ZoneoutCell) the base cell cannot be called directly. " \
            "Call the modifier cell instead."
        func = ndarray.zeros if func is None else func
        states = []
        for info in self.state_info(batch_size):
            info = dict(info or {})
            info.pop("__layout__", None)
            info.update(kwargs)
            states.append(func(**info))
        return states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None, valid_length=None):
        """Run the cell over `length` steps: outputs (stacked along T when merge_outputs) and last states.
        With valid_length (N,), each sample's outputs past its length are zeros and its states are those
        after its last valid step (MXNet's SequenceMask and SequenceLast); the outputs are then merged
        unless merge_outputs=False."""
        if layout not in ("NTC", "TNC"):
            raise MXNetError(f"unroll: invalid layout {layout!r}; must be 'NTC' or 'TNC'")
        self.reset()
        axis = layout.find("T")
        F, steps = _sequence(inputs, length, axis)
        states = _begin_state(self, F, begin_state, steps)
        outputs, all_states = [], []
        for x in steps:
            out, states = self(x, states)
            outputs.append(out)
            all_states.append(states)
        if valid_length is not None:
            states = [F.SequenceLast(F.stack(*ele, axis=0), valid_length, use_sequence_length=True, axis=0)
                      for ele in zip(*all_states)]
            outputs = F.SequenceMask(F.stack(*outputs, axis=axis), valid_length, use_sequence_length=True,
                                     axis=axis)
            return (_steps(F, outputs, length, axis) if merge_outputs is False else outputs), states
        if merge_outputs:
            outputs = F.stack(*outputs, axis=axis)
        return outputs, states


def _sequence(inputs, length, axis):
    """(F, the steps as a list of (N, C)) of a merged sequence or a list of steps."""
    first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
    F = _F(first)
    return F, _steps(F, inputs, length, axis)


def _begin_state(cell, F, begin_state, steps):
    if begin_state is not None:
        return begin_state
    if F is symbol:
        raise MXNetError("unroll: pass begin_state when unrolling over Symbols")
    return cell.begin_state(batch_size=steps[0].shape[0], ctx=steps[0].context)


class RecurrentCell(_CellMixin, Block):
    """Base of recurrent cells: define state_info(batch_size) and forward(inputs, states) -> (output,
    new_states); begin_state and unroll come with it."""
    _modified = False

    def state_info(self, batch_size=0):
        raise NotImplementedError()


class HybridRecurrentCell(_CellMixin, HybridBlock):
    """Base of hybridizable recurrent cells: define state_info and hybrid_forward(F, inputs, states, ...)."""
    _modified = False

    def state_info(self, batch_size=0):
        raise NotImplementedError()


def _hidden_state_info(hidden_size, batch_size):
    return [{"shape": (batch_size, hidden_size), "__layout__": "NC"}]


def _lstm_step(F, x, h, c, wi, wh, bi, bh, hidden, h2r_weight=None, projection_size=None, clip=None):
    """One LSTM step (gates i, f, g, o): (h', c'); with h2r_weight (P, H) the output and next state is the
    projection r' = h' h2r_weight^T (LSTMP); `clip` (min, max) bounds the cell state (MXNet's state_clip)."""
    gates = F.FullyConnected(x, wi, bi, num_hidden=4 * hidden, name="i2h") + \
        F.FullyConnected(h, wh, bh, num_hidden=4 * hidden, name="h2h")
    in_gate, forget_gate, in_transform, out_gate = F.split(gates, num_outputs=4, axis=1, name="slice")
    in_gate = F.Activation(in_gate, act_type="sigmoid", name="i")
    forget_gate = F.Activation(forget_gate, act_type="sigmoid", name="f")
    in_transform = F.Activation(in_transform, act_type="tanh", name="c")
    out_gate = F.Activation(out_gate, act_type="sigmoid", name="o")
    next_c = forget_gate * c + in_gate * in_transform
    if clip is not None:
        next_c = F.clip(next_c, a_min=clip[0], a_max=clip[1])
    next_h = out_gate * F.Activation(next_c, act_type="tanh", name="hidden")
    if h2r_weight is not None:
        next_h = F.FullyConnected(next_h, h2r_weight, num_hidden=projection_size, no_bias=True, name="out")
    return next_h, next_c


def _layer_repr(layer):
    """MXNet's _RNNLayer.__repr__: 'LSTM(None -> 4, TNC, num_layers=2, dropout=0.5, bidirectional)', the
    last three only where they differ from the defaults."""
    s = f"{type(layer).__name__}({layer.l0_i2h_weight.shape[1] or None} -> {layer._hidden_size}, {layer._layout}"
    if layer._num_layers != 1:
        s += f", num_layers={layer._num_layers}"
    if layer._dropout != 0:
        s += f", dropout={layer._dropout}"
    if len(layer._dirs) == 2:
        s += ", bidirectional"
    return s + ")"


class LSTM(HybridBlock):
    """LSTM over (T, N, C) input (layout 'TNC'), num_layers stacked, dropout between layers in training.
    Returns the output sequence (T, N, H), and the final states [h, c] (each (L, N, H)) when states are
    passed in. Parameters l<i>_i2h_weight, l<i>_h2h_weight, l<i>_i2h_bias, l<i>_h2h_bias.

    With projection_size P (MXNet's LSTMP) each layer's output and recurrent state is h h2r_weight^T
    (l<i>_h2r_weight, (P, H), no bias): h2h_weight is (4H, P), the output (T, N, P), the states
    [(L, N, P), (L, N, H)]. state_clip_min/max bound the cell state at every step. Both leave the fused op
    (the shared lstm kernel has neither) for the steps unrolled, as the GRU and RNN layers run."""

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False, input_size=0,
                 i2h_weight_initializer=None, h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", projection_size=None, h2r_weight_initializer=None,
                 state_clip_min=None, state_clip_max=None, state_clip_nan=False, dtype="float32", **kwargs):
        super().__init__(**kwargs)
        _check_layer("LSTM", layout, False)
        if state_clip_nan:
            raise MXNetError("LSTM: state_clip_nan=True is not supported (the clip here lets NaN through); "
                             "leave it False")
        if (state_clip_min is None) != (state_clip_max is None):
            raise MXNetError("LSTM: state_clip_min and state_clip_max must be given together")
        self._layout = layout
        self._hidden_size, self._num_layers, self._dropout = hidden_size, num_layers, dropout
        self._projection_size = projection_size
        self._clip = None if state_clip_min is None else (float(state_clip_min), float(state_clip_max))
        self._dirs = "lr" if bidirectional else "l"   # MXNet's parameter prefixes: l<i>_ forward, r<i>_ reverse
        inits = dict(i2h_weight=i2h_weight_initializer, h2h_weight=h2h_weight_initializer,
                     i2h_bias=i2h_bias_initializer, h2h_bias=h2h_bias_initializer)
        out_size = projection_size or hidden_size
        for i in range(num_layers):
            for d in self._dirs:
                _gate_params(self, f"{d}{i}_", 4 * hidden_size, out_size,
                             input_size if i == 0 else out_size * len(self._dirs), inits)
                if projection_size:
                    with self.name_scope():
                        setattr(self, f"{d}{i}_h2r_weight", self.params.get(
                            f"{d}{i}_h2r_weight", shape=(projection_size, hidden_size),
                            init=h2r_weight_initializer, allow_deferred_init=True))
        if projection_size:
            self._weights = _WEIGHTS + ("h2r_weight",)
        if dtype != "float32":
            self.cast(dtype)

    def _step(self, F, x, states, wi, wh, bi, bh, wr=None):
        h, c = _lstm_step(F, x, states[0], states[1], wi, wh, bi, bh, self._hidden_size, wr,
                          self._projection_size, self._clip)
        return h, [h, c]

    __repr__ = _layer_repr

    def infer_shape(self, inputs, *args):
        for d in self._dirs:
            getattr(self, f"{d}0_i2h_weight").shape = (4 * self._hidden_size, shape_of(inputs)[2])

    def __call__(self, inputs, states=None, **kwargs):
        # the fused op runs TNC: NTC input is swapped in and the output back (MXNet's layer does the same)
        if self._layout == "NTC":
            F = symbol if isinstance(inputs, symbol.Symbol) else ndarray
            out = super().__call__(F.swapaxes(inputs, dim1=0, dim2=1), *(() if states is None else (states,)))
            if states is None:
                return F.swapaxes(out, dim1=0, dim2=1)
            return F.swapaxes(out[0], dim1=0, dim2=1), out[1]
        return super().__call__(inputs, *(() if states is None else (states,)))

    def state_info(self, batch_size=0):
        n = self._num_layers * len(self._dirs)
        return [{"shape": (n, batch_size, self._projection_size or self._hidden_size), "__layout__": "LNC"},
                {"shape": (n, batch_size, self._hidden_size), "__layout__": "LNC"}]

    def begin_state(self, batch_size=0, func=None, **kwargs):
        """Zero states [h, c], each (num_layers, batch_size, hidden_size); `func` is nd.zeros or a maker."""
        if func is None:
            from .. import ndarray
            func = ndarray.zeros
        return [func(shape=info["shape"], **kwargs) for info in self.state_info(batch_size)]

    def hybrid_forward(self, F, inputs, states=None, **params):
        if self._projection_size or self._clip:
            return _unroll_layers(self, F, inputs, states, params, 0)   # (__call__ gave NTC input as TNC)
        if len(self._dirs) == 2:
            return self._bidirectional(F, inputs, states, params)
        L, H = self._num_layers, self._hidden_size
        hs, hT, cT = inputs, [], []
        for i in range(L):
            ws = [params[f"l{i}_{n}"] for n in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")]
            if i and self._dropout:
                hs = F.Dropout(hs, p=self._dropout, name=f"l{i}_dropout")
            if states is None:
                hs = F.RNN(hs, *ws, state_size=H, mode="lstm", name=f"l{i}_rnn")
                continue
            h0, c0 = states if L == 1 else (F.slice_axis(s, axis=0, begin=i, end=i + 1) for s in states)
            hs, h, c = F.RNN(hs, *ws, h0, c0, state_size=H, mode="lstm", state_outputs=True, name=f"l{i}_rnn")
            hT.append(h)
            cT.append(c)
        if states is None:
            return hs
        if L == 1:
            return hs, [hT[0], cT[0]]
        return hs, [F.concat(*hT, dim=0), F.concat(*cT, dim=0)]

    def _bidirectional(self, F, inputs, states, params):
        """Each layer runs the fused op forward (l<i>_) and over the time-reversed sequence (r<i>_), their
        outputs concatenated on the channel axis (T, N, 2H); states (2L, N, H) in MXNet's order l0, r0, l1..."""
        H = self._hidden_size
        hs, hT, cT = inputs, [], []
        for i in range(self._num_layers):
            if i and self._dropout:
                hs = F.Dropout(hs, p=self._dropout, name=f"l{i}_dropout")
            outs = []
            for k, d in enumerate(self._dirs):
                ws = [params[f"{d}{i}_{n}"] for n in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")]
                x = hs if d == "l" else F.flip(hs, axis=0, name=f"{d}{i}_flip_in")
                if states is None:
                    y = F.RNN(x, *ws, state_size=H, mode="lstm", name=f"{d}{i}_rnn")
                else:
                    j = 2 * i + k
                    h0, c0 = (F.slice_axis(s, axis=0, begin=j, end=j + 1) for s in states)
                    y, h, c = F.RNN(x, *ws, h0, c0, state_size=H, mode="lstm", state_outputs=True,
                                    name=f"{d}{i}_rnn")
                    hT.append(h)
                    cT.append(c)
                outs.append(y if d == "l" else F.flip(y, axis=0, name=f"{d}{i}_flip_out"))
            hs = F.concat(*outs, dim=2, name=f"l{i}_concat")
        if states is None:
            return hs
        return hs, [F.concat(*hT, dim=0), F.concat(*cT, dim=0)]


class LSTMCell(HybridRecurrentCell):
    """One LSTM step: (inputs (N, C), [h, c]) -> (h', [h', c']); i2h/h2h weights (4H, C) and (4H, H)."""

    def _alias(self):
        return "lstm"


    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0, **kwargs):
        super().__init__(**kwargs)
        self._hidden_size = hidden_size
        _lstm_params(self, "", hidden_size, input_size, dict(
            i2h_weight=i2h_weight_initializer, h2h_weight=h2h_weight_initializer,
            i2h_bias=i2h_bias_initializer, h2h_bias=h2h_bias_initializer))

    def infer_shape(self, inputs, *args):
        self.i2h_weight.shape = (4 * self._hidden_size, shape_of(inputs)[1])

    def state_info(self, batch_size=0):
        return _hidden_state_info(self._hidden_size, batch_size) * 2

    def hybrid_forward(self, F, inputs, states, i2h_weight=None, h2h_weight=None, i2h_bias=None,
                       h2h_bias=None):
        ng = 4 * self._hidden_size
        i2h = F.FullyConnected(inputs, i2h_weight, i2h_bias, num_hidden=ng, name="i2h")
        h2h = F.FullyConnected(states[0], h2h_weight, h2h_bias, num_hidden=ng, name="h2h")
        gates = i2h + h2h
        in_gate, forget_gate, in_transform, out_gate = F.split(gates, num_outputs=4, axis=1, name="slice")
        in_gate = F.Activation(in_gate, act_type="sigmoid", name="i")
        forget_gate = F.Activation(forget_gate, act_type="sigmoid", name="f")
        in_transform = F.Activation(in_transform, act_type="tanh", name="c")
        out_gate = F.Activation(out_gate, act_type="sigmoid", name="o")
        next_c = forget_gate * states[1] + in_gate * in_transform
        next_h = out_gate * F.Activation(next_c, act_type="tanh", name="state")
        return next_h, [next_h, next_c]


class RNNCell(HybridRecurrentCell):
    """One Elman step: h' = activation(x W_i2h^T + b_i2h + h W_h2h^T + b_h2h); output h'."""

    def _alias(self):
        return "rnn"


    def __init__(self, hidden_size, activation="tanh", i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 input_size=0, **kwargs):
        super().__init__(**kwargs)
        self._hidden_size, self._activation = hidden_size, activation
        _gate_params(self, "", hidden_size, hidden_size, input_size, dict(
            i2h_weight=i2h_weight_initializer, h2h_weight=h2h_weight_initializer,
            i2h_bias=i2h_bias_initializer, h2h_bias=h2h_bias_initializer))

    def infer_shape(self, inputs, *args):
        self.i2h_weight.shape = (self._hidden_size, shape_of(inputs)[1])

    def state_info(self, batch_size=0):
        return _hidden_state_info(self._hidden_size, batch_size)

    def hybrid_forward(self, F, inputs, states, i2h_weight=None, h2h_weight=None, i2h_bias=None,
                       h2h_bias=None):
        h = _rnn_step(F, inputs, states[0], i2h_weight, h2h_weight, i2h_bias, h2h_bias, self._hidden_size,
                      self._activation)
        return h, [h]


class GRUCell(HybridRecurrentCell):
    """One GRU step as MXNet's: r, z = sigmoid(i2h_{r,z} + h2h_{r,z}); n = tanh(i2h_n + r * h2h_n);
    h' = (1 - z) * n + z * h."""

    def _alias(self):
        return "gru"


    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0, **kwargs):
        super().__init__(**kwargs)
        self._hidden_size = hidden_size
        _gate_params(self, "", 3 * hidden_size, hidden_size, input_size, dict(
            i2h_weight=i2h_weight_initializer, h2h_weight=h2h_weight_initializer,
            i2h_bias=i2h_bias_initializer, h2h_bias=h2h_bias_initializer))

    def infer_shape(self, inputs, *args):
        self.i2h_weight.shape = (3 * self._hidden_size, shape_of(inputs)[1])

    def state_info(self, batch_size=0):
        return _hidden_state_info(self._hidden_size, batch_size)

    def hybrid_forward(self, F, inputs, states, i2h_weight=None, h2h_weight=None, i2h_bias=None,
                       h2h_bias=None):
        h = _gru_step(F, inputs, states[0], i2h_weight, h2h_weight, i2h_bias, h2h_bias, self._hidden_size)
        return h, [h]


def _rnn_step(F, x, h, wi, wh, bi, bh, hidden, activation):
    pre = F.FullyConnected(x, wi, bi, num_hidden=hidden, name="i2h") + \
        F.FullyConnected(h, wh, bh, num_hidden=hidden, name="h2h")
    return F.Activation(pre, act_type=activation, name="out")


def _gru_step(F, x, h, wi, wh, bi, bh, hidden):
    i2h = F.FullyConnected(x, wi, bi, num_hidden=3 * hidden, name="i2h")
    h2h = F.FullyConnected(h, wh, bh, num_hidden=3 * hidden, name="h2h")
    i2h_r, i2h_z, i2h_n = F.split(i2h, num_outputs=3, axis=1, name="i2h_slice")
    h2h_r, h2h_z, h2h_n = F.split(h2h, num_outputs=3, axis=1, name="h2h_slice")
    reset_gate = F.Activation(i2h_r + h2h_r, act_type="sigmoid", name="r_act")
    update_gate = F.Activation(i2h_z + h2h_z, act_type="sigmoid", name="z_act")
    candidate = F.Activation(i2h_n + reset_gate * h2h_n, act_type="tanh", name="h_act")
    return (1 - update_gate) * candidate + update_gate * h


class _UnrolledLayer(HybridBlock):
    """GRU and RNN layers: num_layers of one cell step each, unrolled over the sequence inside
    hybrid_forward (one traced graph when hybridized), dropout between layers in training; parameters
    l<i>_i2h_weight etc. as MXNet's fused layer names them. Returns the output sequence, and the last
    states [h] (L, N, H) when states are passed in."""
    _gates = 1

    def __init__(self, name, hidden_size, num_layers, layout, dropout, bidirectional, input_size, inits,
                 **kwargs):
        super().__init__(**kwargs)
        _check_layer(name, layout, False)
        self._hidden_size, self._num_layers, self._dropout, self._layout = hidden_size, num_layers, dropout, layout
        self._dirs = "lr" if bidirectional else "l"   # MXNet's parameter prefixes: l<i>_ forward, r<i>_ reverse
        for i in range(num_layers):
            for d in self._dirs:
                _gate_params(self, f"{d}{i}_", self._gates * hidden_size, hidden_size,
                             input_size if i == 0 else hidden_size * len(self._dirs), inits)

    def infer_shape(self, inputs, *args):
        for d in self._dirs:
            getattr(self, f"{d}0_i2h_weight").shape = (self._gates * self._hidden_size,
                                                       shape_of(inputs)[self._layout.find("C")])

    def state_info(self, batch_size=0):
        return [{"shape": (self._num_layers * len(self._dirs), batch_size, self._hidden_size),
                 "__layout__": "LNC"}]

    def begin_state(self, batch_size=0, func=None, **kwargs):
        """Zero states [h], (num_layers * directions, batch_size, hidden_size); `func` is nd.zeros or a maker."""
        func = ndarray.zeros if func is None else func
        return [func(shape=info["shape"], **kwargs) for info in self.state_info(batch_size)]

    __repr__ = _layer_repr

    def __call__(self, inputs, states=None, **kwargs):
        return super().__call__(inputs, *(() if states is None else (states,)))

    def hybrid_forward(self, F, inputs, states=None, **params):
        return _unroll_layers(self, F, inputs, states, params, self._layout.find("T"))


_WEIGHTS = ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")


def _unroll_layers(layer, F, inputs, states, params, axis):
    """num_layers of layer._step(F, x, [states], *weights) -> (output, [states]) unrolled over the steps
    along `axis`, each direction's states sliced from and stacked back into layer.state_info()'s
    (L * directions, N, size) arrays in MXNet's order l0, r0, l1, ...; dropout between layers in training.
    The GRU and RNN layers run here, and the LSTM when its projection or state clipping leaves the fused op."""
    shape = shape_of(inputs)
    T, N = shape[axis], shape[1 - axis]
    seq = _steps(F, inputs, T, axis)
    infos = layer.state_info(N)
    if states is not None and not isinstance(states, (list, tuple)):
        states = [states]
    names = getattr(layer, "_weights", _WEIGHTS)
    last = [[] for _ in infos]
    for i in range(layer._num_layers):
        if i and layer._dropout:
            seq = [F.Dropout(x, p=layer._dropout) for x in seq]
        outs = []
        for k, d in enumerate(layer._dirs):   # the reverse direction runs over the steps backwards
            ws = [params[f"{d}{i}_{n}"] for n in names]
            j = i * len(layer._dirs) + k      # MXNet's state order: l0, r0, l1, r1, ...
            if states is None:
                st = [F.zeros(shape=info["shape"][1:]) if F is symbol else
                      ndarray.zeros(info["shape"][1:], ctx=seq[0].context) for info in infos]
            else:
                st = [F.reshape(F.slice_axis(s, axis=0, begin=j, end=j + 1), shape=info["shape"][1:])
                      for s, info in zip(states, infos)]
            out = []
            for x in (seq if d == "l" else reversed(seq)):
                y, st = layer._step(F, x, st, *ws)
                out.append(y)
            outs.append(out if d == "l" else out[::-1])
            for kept, s in zip(last, st):
                kept.append(s)
        seq = outs[0] if len(outs) == 1 else [F.concat(a, b, dim=1) for a, b in zip(*outs)]
    outputs = F.stack(*seq, axis=axis)
    if states is None:
        return outputs
    return outputs, [F.stack(*kept, axis=0) for kept in last]


class RNN(_UnrolledLayer):
    """Elman RNN layer: h_t = activation(x_t W_i2h^T + b_i2h + h_{t-1} W_h2h^T + b_h2h); activation 'relu'
    (MXNet's default) or 'tanh'."""

    def __init__(self, hidden_size, num_layers=1, activation="relu", layout="TNC", dropout=0,
                 bidirectional=False, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0, **kwargs):
        if activation not in ("relu", "tanh"):
            raise MXNetError(f"RNN: activation must be 'relu' or 'tanh', got {activation!r}")
        self._activation = activation
        super().__init__("RNN", hidden_size, num_layers, layout, dropout, bidirectional, input_size, dict(
            i2h_weight=i2h_weight_initializer, h2h_weight=h2h_weight_initializer,
            i2h_bias=i2h_bias_initializer, h2h_bias=h2h_bias_initializer), **kwargs)

    def _step(self, F, x, states, wi, wh, bi, bh):
        h = _rnn_step(F, x, states[0], wi, wh, bi, bh, self._hidden_size, self._activation)
        return h, [h]


class GRU(_UnrolledLayer):
    """GRU layer (MXNet's gates r, z, n; see GRUCell)."""
    _gates = 3

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False, input_size=0,
                 i2h_weight_initializer=None, h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", **kwargs):
        super().__init__("GRU", hidden_size, num_layers, layout, dropout, bidirectional, input_size, dict(
            i2h_weight=i2h_weight_initializer, h2h_weight=h2h_weight_initializer,
            i2h_bias=i2h_bias_initializer, h2h_bias=h2h_bias_initializer), **kwargs)

    def _step(self, F, x, states, wi, wh, bi, bh):
        h = _gru_step(F, x, states[0], wi, wh, bi, bh, self._hidden_size)
        return h, [h]


class _SequentialCells(_CellMixin):
    """Cells stacked: each step runs them in order, the states list the cells' states one after another."""

    def add(self, cell):
        self.register_child(cell)

    def __getitem__(self, i):
        return list(self._children.values())[i]

    def __len__(self):
        return len(self._children)

    def state_info(self, batch_size=0):
        return [info for cell in self._children.values() for info in cell.state_info(batch_size)]

    def begin_state(self, **kwargs):
        return [s for cell in self._children.values() for s in cell.begin_state(**kwargs)]

    def __call__(self, inputs, states):
        next_states, p = [], 0
        for cell in self._children.values():
            n = len(cell.state_info())
            inputs, state = cell(inputs, states[p:p + n])
            p += n
            next_states.extend(state)
        return inputs, next_states


class SequentialRNNCell(_SequentialCells, RecurrentCell):
    """Cells stacked (any Blocks with state_info)."""


class HybridSequentialRNNCell(_SequentialCells, HybridRecurrentCell):
    """Cells stacked (HybridBlocks)."""


class DropoutCell(HybridRecurrentCell):
    """Dropout on the step's input (in training); no state."""

    def __init__(self, rate, axes=(), prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._rate, self._axes = rate, axes

    def state_info(self, batch_size=0):
        return []

    def __call__(self, inputs, states):
        F = _F(inputs)
        return (F.Dropout(inputs, p=self._rate, axes=self._axes) if self._rate > 0 else inputs), states


class ModifierCell(HybridRecurrentCell):
    """A cell wrapped to change its behaviour (ZoneoutCell, ResidualCell): it shares the base cell's
    parameters and states; the base cell is then only called through it."""

    def __init__(self, base_cell):
        assert not base_cell._modified, \
            "Cell %s is already modified. One cell cannot be modified twice" % base_cell.name
        base_cell._modified = True
        super().__init__(prefix=base_cell.prefix + self._alias(), params=None)
        self.base_cell = base_cell

    @property
    def params(self):
        return self.base_cell.params

    def state_info(self, batch_size=0):
        return self.base_cell.state_info(batch_size)

    def begin_state(self, func=None, **kwargs):
        assert not self._modified, "After applying modifier cells (e.g. DropoutCell) the base cell cannot be " \
            "called directly. Call the modifier cell instead."
        self.base_cell._modified = False
        try:
            return self.base_cell.begin_state(func=func, **kwargs)
        finally:
            self.base_cell._modified = True

    def __repr__(self):
        return f"{type(self).__name__}({self.base_cell!r})"


class ZoneoutCell(ModifierCell):
    """Zoneout (Krueger et al. 2016): in training, each unit of the output and of the states keeps its
    previous value with probability zoneout_outputs / zoneout_states (a Dropout mask picks)."""

    def __init__(self, base_cell, zoneout_outputs=0.0, zoneout_states=0.0):
        assert not isinstance(base_cell, BidirectionalCell), \
            "BidirectionalCell doesn't support zoneout since it doesn't support step. Please add ZoneoutCell " \
            "to the cells underneath instead."
        super().__init__(base_cell)
        self.zoneout_outputs, self.zoneout_states = zoneout_outputs, zoneout_states
        self._prev_output = None

    def __repr__(self):
        return (f"ZoneoutCell(p_out={self.zoneout_outputs}, p_state={self.zoneout_states}, "
                f"{self.base_cell!r})")

    def _alias(self):
        return "zoneout"

    def reset(self):
        super().reset()
        self._prev_output = None

    def hybrid_forward(self, F, inputs, states):
        cell, p_outputs, p_states = self.base_cell, self.zoneout_outputs, self.zoneout_states
        next_output, next_states = cell(inputs, states)

        def mask(p, like):
            return F.Dropout(F.ones_like(like), p=p)
        prev_output = self._prev_output
        if prev_output is None:
            prev_output = F.zeros_like(next_output)
        output = (F.where(mask(p_outputs, next_output), next_output, prev_output) if p_outputs != 0.0
                  else next_output)
        states = ([F.where(mask(p_states, new_s), new_s, old_s) for new_s, old_s in zip(next_states, states)]
                  if p_states != 0.0 else next_states)
        self._prev_output = output
        return output, states


class ResidualCell(ModifierCell):
    """base_cell's output plus its input (He et al.'s skip connection around a cell)."""

    def _alias(self):
        return "residual"

    def hybrid_forward(self, F, inputs, states):
        output, states = self.base_cell(inputs, states)
        return F.elemwise_add(output, inputs), states


def _reverse_steps(F, steps, valid_length):
    """The steps in reverse order; with valid_length each sample's first valid_length[n] steps reversed
    and its padding left at the end (SequenceReverse)."""
    if valid_length is None:
        return list(reversed(steps))
    reversed_ = F.SequenceReverse(F.stack(*steps, axis=0), valid_length, use_sequence_length=True, axis=0)
    return _steps(F, reversed_, len(steps), 0)


class BidirectionalCell(HybridRecurrentCell):
    """l_cell unrolled over the sequence and r_cell over it reversed, their outputs concatenated per step
    (2H channels); unroll only (a step has no meaning for it). States: l_cell's then r_cell's."""

    def __init__(self, l_cell, r_cell, output_prefix="bi_"):
        super().__init__(prefix="", params=None)
        self.register_child(l_cell, "l_cell")
        self.register_child(r_cell, "r_cell")
        self._output_prefix = output_prefix

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    def __repr__(self):
        return f"BidirectionalCell(forward={self._children['l_cell']!r}, backward={self._children['r_cell']!r})"

    def state_info(self, batch_size=0):
        return [info for cell in self._children.values() for info in cell.state_info(batch_size)]

    def begin_state(self, **kwargs):
        assert not self._modified, "After applying modifier cells (e.g. DropoutCell) the base cell cannot be " \
            "called directly. Call the modifier cell instead."
        return [s for cell in self._children.values() for s in cell.begin_state(**kwargs)]

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None, valid_length=None):
        self.reset()
        axis = layout.find("T")
        F, steps = _sequence(inputs, length, axis)
        states = _begin_state(self, F, begin_state, steps)
        l_cell, r_cell = self._children.values()
        n_l = len(l_cell.state_info())
        l_outputs, l_states = l_cell.unroll(length, steps, begin_state=states[:n_l], layout=layout,
                                            merge_outputs=merge_outputs, valid_length=valid_length)
        r_outputs, r_states = r_cell.unroll(length, _reverse_steps(F, steps, valid_length), begin_state=states[n_l:],
                                            layout=layout, merge_outputs=False, valid_length=valid_length)
        r_outputs = _reverse_steps(F, r_outputs, valid_length)
        if merge_outputs is None:
            merge_outputs = not isinstance(l_outputs, (list, tuple))
        if merge_outputs:
            if isinstance(l_outputs, (list, tuple)):
                l_outputs = F.stack(*l_outputs, axis=axis)
            outputs = F.concat(l_outputs, F.stack(*r_outputs, axis=axis), dim=2)
        else:
            if not isinstance(l_outputs, (list, tuple)):
                l_outputs = _steps(F, l_outputs, length, axis)
            outputs = [F.concat(l_o, r_o, dim=1) for l_o, r_o in zip(l_outputs, r_outputs)]
        if valid_length is not None:   # the reversed outputs' padding steps are r_cell's, not zeros
            merged = outputs if merge_outputs else F.stack(*outputs, axis=axis)
            merged = F.SequenceMask(merged, valid_length, use_sequence_length=True, axis=axis)
            outputs = merged if merge_outputs else _steps(F, merged, length, axis)
        return outputs, l_states + r_states


__all__ = ["LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell", "SequentialRNNCell",
           "HybridSequentialRNNCell", "DropoutCell", "ResidualCell", "BidirectionalCell", "RecurrentCell",
           "HybridRecurrentCell", "ModifierCell", "ZoneoutCell"]
