"""gluon.rnn: the fused LSTM layer (one RNN op per layer over the whole sequence, num_layers stacked with
dropout between them) and LSTMCell (one step, written from primitive ops, for unrolling in a Python
loop). Gate order i, f, g (c), o as MXNet."""
from .block import HybridBlock, shape_of


def _lstm_params(block, prefix, hidden_size, input_size, inits):
    """Declare i2h/h2h weights (4H, C), (4H, H) and biases (4H,) named prefix + 'i2h_weight' etc."""
    ng = 4 * hidden_size
    shapes = {"i2h_weight": (ng, input_size), "h2h_weight": (ng, hidden_size), "i2h_bias": (ng,),
              "h2h_bias": (ng,)}
    with block.name_scope():
        for name, shape in shapes.items():
            setattr(block, prefix + name, block.params.get(prefix + name, shape=shape, init=inits[name],
                                                           allow_deferred_init=True))


class LSTM(HybridBlock):
    """LSTM over (T, N, C) input (layout 'TNC'), num_layers stacked, dropout between layers in training.
    Returns the output sequence (T, N, H), and the final states [h, c] (each (L, N, H)) when states are
    passed in. Parameters l<i>_i2h_weight, l<i>_h2h_weight, l<i>_i2h_bias, l<i>_h2h_bias."""

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False, input_size=0,
                 i2h_weight_initializer=None, h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if layout != "TNC" or bidirectional:
            raise ValueError("LSTM: only layout 'TNC' and unidirectional layers are supported")
        self._hidden_size, self._num_layers, self._dropout = hidden_size, num_layers, dropout
        inits = dict(i2h_weight=i2h_weight_initializer, h2h_weight=h2h_weight_initializer,
                     i2h_bias=i2h_bias_initializer, h2h_bias=h2h_bias_initializer)
        for i in range(num_layers):
            _lstm_params(self, f"l{i}_", hidden_size, input_size if i == 0 else hidden_size, inits)

    def __repr__(self):
        return f"LSTM({self.l0_i2h_weight.shape[1] or None} -> {self._hidden_size}, TNC, " \
               f"num_layers={self._num_layers})"

    def infer_shape(self, inputs, *args):
        self.l0_i2h_weight.shape = (4 * self._hidden_size, shape_of(inputs)[2])

    def state_info(self, batch_size=0):
        shape = (self._num_layers, batch_size, self._hidden_size)
        return [{"shape": shape, "__layout__": "LNC"}, {"shape": shape, "__layout__": "LNC"}]

    def begin_state(self, batch_size=0, func=None, **kwargs):
        """Zero states [h, c], each (num_layers, batch_size, hidden_size); `func` is nd.zeros or a maker."""
        if func is None:
            from .. import ndarray
            func = ndarray.zeros
        return [func(shape=info["shape"], **kwargs) for info in self.state_info(batch_size)]

    def hybrid_forward(self, F, inputs, states=None, **params):
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


class LSTMCell(HybridBlock):
    """One LSTM step: (inputs (N, C), [h, c]) -> (h', [h', c']); i2h/h2h weights (4H, C) and (4H, H)."""

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0, **kwargs):
        super().__init__(**kwargs)
        self._hidden_size = hidden_size
        _lstm_params(self, "", hidden_size, input_size, dict(
            i2h_weight=i2h_weight_initializer, h2h_weight=h2h_weight_initializer,
            i2h_bias=i2h_bias_initializer, h2h_bias=h2h_bias_initializer))

    def infer_shape(self, inputs, *args):
        self.i2h_weight.shape = (4 * self._hidden_size, shape_of(inputs)[1])

    def begin_state(self, batch_size=0, func=None, **kwargs):
        """Zero states [h, c], each (batch_size, hidden_size); `func` is nd.zeros (or a custom maker)."""
        if func is None:
            from .. import ndarray
            func = ndarray.zeros
        return [func(shape=(batch_size, self._hidden_size), **kwargs) for _ in range(2)]

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
