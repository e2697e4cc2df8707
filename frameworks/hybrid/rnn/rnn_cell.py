"""mx.rnn's cells (MXNet 1.x's symbolic RNN API, before Gluon): each cell builds the graph of one step
from sym ops (`cell(inputs, states)`) or of a whole sequence (`unroll`), its weights variables named
`<prefix>i2h_weight`, `<prefix>h2h_bias`, ... held in an RNNParams container that cells can share."""
import functools
import warnings

from .. import initializer as init
from .. import ndarray
from .. import symbol
from ..base import numeric_types, string_types


def _cells_state_info(cells):
    return sum([c.state_info for c in cells], [])


def _cells_begin_state(cells, **kwargs):
    return sum([c.begin_state(**kwargs) for c in cells], [])


def _cells_unpack_weights(cells, args):
    for cell in cells:
        args = cell.unpack_weights(args)
    return args


def _cells_pack_weights(cells, args):
    for cell in cells:
        args = cell.pack_weights(args)
    return args


def _normalize_sequence(length, inputs, layout, merge, in_layout=None):
    """inputs as one Symbol with time on layout's 'T' axis (merge True), as a list of `length` per-step
    Symbols (merge False), or as they are (merge None); also returns the time axis."""
    assert inputs is not None, \
        "unroll(inputs=None) has been deprecated. Please create input variables outside unroll."
    axis = layout.find('T')
    in_axis = in_layout.find('T') if in_layout is not None else axis
    if isinstance(inputs, symbol.Symbol):
        if merge is False:
            assert len(inputs.list_outputs()) == 1, \
                "unroll doesn't allow grouped symbol as input. Please convert to list with list(inputs) " \
                "first or let unroll handle splitting."
            inputs = list(symbol.split(inputs, axis=in_axis, num_outputs=length, squeeze_axis=1))
    else:
        assert length is None or len(inputs) == length
        if merge is True:
            inputs = symbol.Concat(*[symbol.expand_dims(i, axis=axis) for i in inputs], dim=axis)
            in_axis = axis
    if isinstance(inputs, symbol.Symbol) and axis != in_axis:
        inputs = symbol.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis


class RNNParams:
    """The variables of one or more cells, by name (prefix + name); get() makes a missing one, so cells
    given the same RNNParams share their weights."""

    def __init__(self, prefix=''):
        self._prefix = prefix
        self._params = {}

    def get(self, name, **kwargs):
        """The variable prefix+name, made with symbol.Variable(**kwargs) the first time."""
        name = self._prefix + name
        if name not in self._params:
            self._params[name] = symbol.Variable(name, **kwargs)
        return self._params[name]


class BaseRNNCell:
    """The base of the cells: begin_state, unroll, (un)packing of the gate-stacked weights."""

    def __init__(self, prefix='', params=None):
        if params is None:
            params = RNNParams(prefix)
            self._own_params = True
        else:
            self._own_params = False
        self._prefix = prefix
        self._params = params
        self._modified = False
        self.reset()

    def reset(self):
        """Start the step and begin_state counters over, before building another graph with this cell."""
        self._init_counter = -1
        self._counter = -1
        for cell in getattr(self, '_cells', []):
            cell.reset()

    def __call__(self, inputs, states):
        """(output, new states) of one step."""
        raise NotImplementedError()

    @property
    def params(self):
        """The cell's RNNParams (asking for it gives up ownership, as MXNet's)."""
        self._own_params = False
        return self._params

    @property
    def state_info(self):
        """[{'shape': ..., '__layout__': ...}] of each state."""
        raise NotImplementedError()

    @property
    def state_shape(self):
        return [ele['shape'] for ele in self.state_info]

    @property
    def _gate_names(self):
        return ()

    def begin_state(self, func=symbol.zeros, **kwargs):
        """The first step's states: func(name='<prefix>begin_state_<i>', shape=..., **kwargs) each
        (symbol.zeros by default, whose batch dimension 0 the graph fills in; symbol.Variable to feed them)."""
        assert not self._modified, \
            "After applying modifier cells (e.g. DropoutCell) the base cell cannot be called directly. " \
            "Call the modifier cell instead."
        states = []
        for info in self.state_info:
            self._init_counter += 1
            if info is not None:
                kwargs.update(info)
            states.append(func(name='%sbegin_state_%d' % (self._prefix, self._init_counter), **kwargs))
        return states

    def unpack_weights(self, args):
        """args with each gate-stacked i2h/h2h weight and bias split into one array per gate
        (`<prefix>i2h_i_weight`, ...): what save_rnn_checkpoint writes."""
        args = args.copy()
        if not self._gate_names:
            return args
        h = self._num_hidden
        for group in ('i2h', 'h2h'):
            weight = args.pop('%s%s_weight' % (self._prefix, group))
            bias = args.pop('%s%s_bias' % (self._prefix, group))
            for j, gate in enumerate(self._gate_names):
                args['%s%s%s_weight' % (self._prefix, group, gate)] = weight[j * h:(j + 1) * h].copy()
                args['%s%s%s_bias' % (self._prefix, group, gate)] = bias[j * h:(j + 1) * h].copy()
        return args

    def pack_weights(self, args):
        """The inverse of unpack_weights."""
        args = args.copy()
        if not self._gate_names:
            return args
        for group in ('i2h', 'h2h'):
            weight, bias = [], []
            for gate in self._gate_names:
                weight.append(args.pop('%s%s%s_weight' % (self._prefix, group, gate)))
                bias.append(args.pop('%s%s%s_bias' % (self._prefix, group, gate)))
            args['%s%s_weight' % (self._prefix, group)] = ndarray.concatenate(weight)
            args['%s%s_bias' % (self._prefix, group)] = ndarray.concatenate(bias)
        return args

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        """(outputs, states) over `length` steps. inputs: one Symbol (time on layout's 'T' axis) or a
        list of per-step Symbols; outputs one Symbol (merge_outputs=True) or a list (False; None: as
        this cell makes them)."""
        self.reset()
        inputs, _ = _normalize_sequence(length, inputs, layout, False)
        if begin_state is None:
            begin_state = self.begin_state()
        states = begin_state
        outputs = []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
        outputs, _ = _normalize_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _dense_weights(self, i2h_bias_init=None):
        """The i2h/h2h weights and biases of a fully-connected cell, from its RNNParams."""
        self._iW = self.params.get('i2h_weight')
        self._hW = self.params.get('h2h_weight')
        self._iB = self.params.get('i2h_bias', **({} if i2h_bias_init is None else {'init': i2h_bias_init}))
        self._hB = self.params.get('h2h_bias')

    def _get_activation(self, inputs, activation, **kwargs):
        if isinstance(activation, string_types):
            return symbol.Activation(inputs, act_type=activation, **kwargs)
        return activation(inputs, **kwargs)


class RNNCell(BaseRNNCell):
    """h' = activation(W_i x + b_i + W_h h + b_h)."""

    def __init__(self, num_hidden, activation='tanh', prefix='rnn_', params=None):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._activation = activation
        self._dense_weights()

    @property
    def state_info(self):
        return [{'shape': (0, self._num_hidden), '__layout__': 'NC'}]

    @property
    def _gate_names(self):
        return ('',)

    def __call__(self, inputs, states):
        self._counter += 1
        name = '%st%d_' % (self._prefix, self._counter)
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB, num_hidden=self._num_hidden,
                                    name='%si2h' % name)
        h2h = symbol.FullyConnected(data=states[0], weight=self._hW, bias=self._hB,
                                    num_hidden=self._num_hidden, name='%sh2h' % name)
        output = self._get_activation(i2h + h2h, self._activation, name='%sout' % name)
        return output, [output]


class LSTMCell(BaseRNNCell):
    """The LSTM step, gates stacked i, f, c, o in one i2h and one h2h FullyConnected; the forget gate's
    part of i2h_bias starts at forget_bias (LSTMBias)."""

    def __init__(self, num_hidden, prefix='lstm_', params=None, forget_bias=1.0):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._dense_weights(init.LSTMBias(forget_bias=forget_bias))

    @property
    def state_info(self):
        return [{'shape': (0, self._num_hidden), '__layout__': 'NC'},
                {'shape': (0, self._num_hidden), '__layout__': 'NC'}]

    @property
    def _gate_names(self):
        return ['_i', '_f', '_c', '_o']

    def __call__(self, inputs, states):
        self._counter += 1
        name = '%st%d_' % (self._prefix, self._counter)
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=self._num_hidden * 4, name='%si2h' % name)
        h2h = symbol.FullyConnected(data=states[0], weight=self._hW, bias=self._hB,
                                    num_hidden=self._num_hidden * 4, name='%sh2h' % name)
        gates = symbol.SliceChannel(i2h + h2h, num_outputs=4, name='%sslice' % name)
        in_gate = symbol.Activation(gates[0], act_type='sigmoid', name='%si' % name)
        forget_gate = symbol.Activation(gates[1], act_type='sigmoid', name='%sf' % name)
        in_transform = symbol.Activation(gates[2], act_type='tanh', name='%sc' % name)
        out_gate = symbol.Activation(gates[3], act_type='sigmoid', name='%so' % name)
        next_c = symbol._internal._plus(forget_gate * states[1], in_gate * in_transform, name='%sstate' % name)
        next_h = symbol._internal._mul(out_gate, symbol.Activation(next_c, act_type='tanh'), name='%sout' % name)
        return next_h, [next_h, next_c]


class GRUCell(BaseRNNCell):
    """The GRU step as cuDNN computes it (the reset gate applied after h2h), gates r, z, o."""

    def __init__(self, num_hidden, prefix='gru_', params=None):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._dense_weights()

    @property
    def state_info(self):
        return [{'shape': (0, self._num_hidden), '__layout__': 'NC'}]

    @property
    def _gate_names(self):
        return ['_r', '_z', '_o']

    def __call__(self, inputs, states):
        self._counter += 1
        name = '%st%d_' % (self._prefix, self._counter)
        prev_h = states[0]
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=self._num_hidden * 3, name='%s_i2h' % name)
        h2h = symbol.FullyConnected(data=prev_h, weight=self._hW, bias=self._hB,
                                    num_hidden=self._num_hidden * 3, name='%s_h2h' % name)
        i2h_r, i2h_z, i2h = symbol.SliceChannel(i2h, num_outputs=3, name='%s_i2h_slice' % name)
        h2h_r, h2h_z, h2h = symbol.SliceChannel(h2h, num_outputs=3, name='%s_h2h_slice' % name)
        reset_gate = symbol.Activation(i2h_r + h2h_r, act_type='sigmoid', name='%s_r_act' % name)
        update_gate = symbol.Activation(i2h_z + h2h_z, act_type='sigmoid', name='%s_z_act' % name)
        next_h_tmp = symbol.Activation(i2h + reset_gate * h2h, act_type='tanh', name='%s_h_act' % name)
        next_h = symbol._internal._plus((1. - update_gate) * next_h_tmp, update_gate * prev_h,
                                        name='%sout' % name)
        return next_h, [next_h]


def _gates(mode):
    return {'rnn_relu': 1, 'rnn_tanh': 1, 'lstm': 4, 'gru': 3}[mode]


def _packed_layout(mode, num_layers, directions, state_size, num_input):
    """{(layer, direction): (i2h weight offset, its input size, h2h weight offset, i2h bias offset,
    h2h bias offset)} in cuDNN's packed vector (every weight, then every bias), and the vector's size."""
    g, h = _gates(mode), state_size
    spans, p = {}, 0
    for layer in range(num_layers):
        n_in = num_input if layer == 0 else directions * h
        for d in range(directions):
            spans[(layer, d)] = [p, n_in, p + g * h * n_in]
            p += g * h * (n_in + h)
    for layer in range(num_layers):
        for d in range(directions):
            spans[(layer, d)] += [p, p + g * h]
            p += 2 * g * h
    return spans, p


def _rnn_param(E, data, parameters, *, state_size, num_layers, bidirectional, mode, layer, direction, part):
    """One cell's gate-stacked weight or bias, a slice of FusedRNNCell's packed `parameters` vector
    (its layout read from data's last axis, the RNN's input size; data gives only that shape)."""
    from ..ops import OPS
    dirs = 2 if bidirectional else 1
    spans, _ = _packed_layout(mode, num_layers, dirs, state_size, E.shape(data)[-1])
    w_i, n_in, w_h, b_i, b_h = spans[(layer, direction)]
    gh = _gates(mode) * state_size
    begin, shape = {'i2h_weight': (w_i, (gh, n_in)), 'h2h_weight': (w_h, (gh, state_size)),
                    'i2h_bias': (b_i, (gh,)), 'h2h_bias': (b_h, (gh,))}[part]
    size = shape[0] * (shape[1] if len(shape) == 2 else 1)
    piece = OPS['slice_axis'](E, parameters, axis=0, begin=begin, end=begin + size)
    return OPS['reshape'](E, piece, shape=shape)


def _rnn_state(E, data, state, *, state_size, num_layers, bidirectional, index):
    """Row `index` (a layer and direction) of the fused RNN's (layers x directions, batch, state_size)
    state, as one cell's (batch, state_size) state; the state's shape follows from data (T, N, C)."""
    from ..ops import OPS
    row = OPS['slice_axis'](E, state, axis=0, begin=index, end=index + 1)
    return OPS['reshape'](E, row, shape=(E.shape(data)[1], state_size))


def _register_rnn_param():
    from ..ops import op
    _rnn_param.__name__ = '_rnn_param'
    _rnn_state.__name__ = '_rnn_state'

    def shapes(a, d):
        dirs = 2 if a['bidirectional'] else 1
        return {'parameters': (_packed_layout(a['mode'], a['num_layers'], dirs, a['state_size'], d[-1])[1],)}
    op(_rnn_param, shapes=shapes)
    op(_rnn_state, shapes=lambda a, d: {'state': ((2 if a['bidirectional'] else 1) * a['num_layers'], d[1],
                                                  a['state_size'])})


def _make_cell(mode, num_hidden, prefix, forget_bias=1.0):
    """The unfused cell of one fused layer and direction."""
    return {'rnn_relu': lambda: RNNCell(num_hidden, activation='relu', prefix=prefix),
            'rnn_tanh': lambda: RNNCell(num_hidden, activation='tanh', prefix=prefix),
            'lstm': lambda: LSTMCell(num_hidden, prefix=prefix, forget_bias=forget_bias),
            'gru': lambda: GRUCell(num_hidden, prefix=prefix)}[mode]()


def _use_packed_weights(cell, data, parameters, name, state_size, num_layers, bidirectional, mode, layer,
                        direction):
    """Make `cell` read its i2h/h2h weights and biases from the packed vector."""
    for part, attr in (('i2h_weight', '_iW'), ('i2h_bias', '_iB'), ('h2h_weight', '_hW'), ('h2h_bias', '_hB')):
        setattr(cell, attr, symbol._make('_rnn_param', (data, parameters), dict(
            state_size=state_size, num_layers=num_layers, bidirectional=bidirectional, mode=mode, layer=layer,
            direction=direction, part=part), name='%sl%d_d%d_%s' % (name, layer, direction, part), named=True))


def fused_rnn(data, parameters, state=None, state_cell=None, *, state_size, num_layers, mode, bidirectional=False,
              p=0., state_outputs=False, name=None, **unsupported):
    """MXNet's RNN operator on Symbols (data (T, N, C), one packed `parameters` vector, states (layers x
    directions, N, state_size)): each layer and direction a cell run over time by sym.contrib.foreach (the
    sequence length need not be known when the symbol is built), the reverse direction on the reversed
    sequence, dropout p between layers; outputs (T, N, directions * state_size), then with state_outputs
    the last states. Inputs not given are variables <name>_parameters, <name>_state, <name>_state_cell."""
    from ..base import MXNetError
    for key, value in unsupported.items():
        if value not in (None, False, 0):
            raise MXNetError(f"RNN: {key}={value!r} is not supported")
    name = symbol._auto_name('RNN', name)
    dirs = 2 if bidirectional else 1
    if parameters is None:
        parameters = symbol.Variable(name + '_parameters')
    states = [state if state is not None else symbol.Variable(name + '_state')]
    if mode == 'lstm':
        states.append(state_cell if state_cell is not None else symbol.Variable(name + '_state_cell'))
    x, finals = data, []
    for layer in range(num_layers):
        outputs = []
        for direction in range(dirs):
            cell = _make_cell(mode, state_size, '%s_l%d_d%d_' % (name, layer, direction))
            _use_packed_weights(cell, data, parameters, name + '_', state_size, num_layers, bidirectional, mode,
                                layer, direction)
            begin = [symbol._make('_rnn_state', (data, s), dict(
                state_size=state_size, num_layers=num_layers, bidirectional=bidirectional,
                index=layer * dirs + direction)) for s in states]
            seq = x if direction == 0 else symbol.reverse(x, axis=0)

            def body(step, st, cell=cell):
                return cell(step, st)
            out, last = symbol.contrib.foreach(body, seq, begin)
            outputs.append(out if direction == 0 else symbol.reverse(out, axis=0))
            finals.append(last)
        x = outputs[0] if dirs == 1 else symbol.Concat(*outputs, dim=2)
        if p > 0 and layer < num_layers - 1:
            x = symbol.Dropout(x, p=p)
    x = symbol.identity(x, name=name)   # MXNet's output names: <name>_output, <name>_state_output, ...
    if not state_outputs:
        return x
    return symbol.Group([x] + [symbol.stack(*[f[i] for f in finals], axis=0, name=name + suffix)
                               for i, suffix in enumerate(('_state', '_statecell')[:len(states)])])


_register_rnn_param()


class FusedRNNCell(BaseRNNCell):
    """MXNet's cuDNN-fused RNN layers (mode 'lstm', 'gru', 'rnn_tanh', 'rnn_relu'; num_layers, bidirectional,
    dropout between layers), all weights in one `<prefix>parameters` vector in cuDNN's layout, initialized
    by init.FusedRNN. unroll runs the layers as the unfused cells (unfuse()) whose weights are slices of
    that vector, so the vector, its gradient and checkpoints are the fused cell's; pack_weights and
    unpack_weights convert between the two layouts."""

    def __init__(self, num_hidden, num_layers=1, mode='lstm', bidirectional=False, dropout=0.,
                 get_next_state=False, forget_bias=1.0, prefix=None, params=None):
        if prefix is None:
            prefix = '%s_' % mode
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._dropout = dropout
        self._get_next_state = get_next_state
        self._forget_bias = forget_bias
        self._directions = ['l', 'r'] if bidirectional else ['l']
        initializer = init.FusedRNN(None, num_hidden, num_layers, mode, bidirectional, forget_bias)
        self._parameter = self.params.get('parameters', init=initializer)

    @property
    def state_info(self):
        b = self._bidirectional + 1
        n = (self._mode == 'lstm') + 1
        return [{'shape': (b * self._num_layers, 0, self._num_hidden), '__layout__': 'LNC'} for _ in range(n)]

    @property
    def _gate_names(self):
        return {'rnn_relu': [''], 'rnn_tanh': [''], 'lstm': ['_i', '_f', '_c', '_o'],
                'gru': ['_r', '_z', '_o']}[self._mode]

    @property
    def _num_gates(self):
        return len(self._gate_names)

    def _slice_weights(self, arr, li, lh):
        """name -> view of the packed vector: every layer's and direction's weights (i2h then h2h, one
        matrix per gate), then every bias, in cuDNN's order."""
        args = {}
        b = len(self._directions)
        p = 0
        for layer in range(self._num_layers):
            for direction in self._directions:
                for gate in self._gate_names:
                    name = '%s%s%d_i2h%s_weight' % (self._prefix, direction, layer, gate)
                    rows_in = b * lh if layer > 0 else li
                    args[name] = arr[p:p + lh * rows_in].reshape((lh, rows_in))
                    p += lh * rows_in
                for gate in self._gate_names:
                    name = '%s%s%d_h2h%s_weight' % (self._prefix, direction, layer, gate)
                    args[name] = arr[p:p + lh * lh].reshape((lh, lh))
                    p += lh * lh
        for layer in range(self._num_layers):
            for direction in self._directions:
                for group in ('i2h', 'h2h'):
                    for gate in self._gate_names:
                        args['%s%s%d_%s%s_bias' % (self._prefix, direction, layer, group, gate)] = arr[p:p + lh]
                        p += lh
        assert p == arr.size, "Invalid parameters size for FusedRNNCell"
        return args

    def unpack_weights(self, args):
        args = args.copy()
        arr = args.pop(self._parameter.name)
        b, m, h = len(self._directions), self._num_gates, self._num_hidden
        num_input = arr.size // b // h // m - (self._num_layers - 1) * (h + b * h + 2) - h - 2
        args.update({name: a.copy() for name, a in self._slice_weights(arr, num_input, h).items()})
        return args

    def pack_weights(self, args):
        args = args.copy()
        b, m, h = self._bidirectional + 1, self._num_gates, self._num_hidden
        w0 = args['%sl0_i2h%s_weight' % (self._prefix, self._gate_names[0])]
        num_input = w0.shape[1]
        total = (num_input + h + 2) * h * m * b + (self._num_layers - 1) * m * h * (h + b * h + 2) * b
        flat = {}
        for name, view in self._slice_weights(ndarray.zeros((total,)), num_input, h).items():
            flat[name] = args.pop(name).reshape((-1,))
        args[self._parameter.name] = ndarray.concatenate([flat[n] for n in flat])
        return args

    def __call__(self, inputs, states):
        raise NotImplementedError("FusedRNNCell cannot be stepped. Please use unroll")

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        """(outputs, states): states are [state, state_cell] (lstm) or [state], each (layers x directions,
        batch, num_hidden), when get_next_state, else []."""
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, True)
        if axis == 1:
            warnings.warn("NTC layout detected. Consider using TNC for FusedRNNCell for faster speed")
        else:
            assert axis == 0, "Unsupported layout %s" % layout
        if begin_state is None:
            begin_state = self.begin_state()
        stack = self.unfuse()
        cells, per_cell = [], []
        for layer in stack._cells:
            cells.extend(layer._cells if isinstance(layer, BidirectionalCell) else
                         [] if isinstance(layer, DropoutCell) else [layer])
        for k, cell in enumerate(cells):
            layer, direction = divmod(k, len(self._directions))
            _use_packed_weights(cell, inputs, self._parameter, self._prefix, self._num_hidden, self._num_layers,
                                self._bidirectional, self._mode, layer, direction)
            # the k-th (layer, direction) row of each (L*D, N, H) state, as the cell's (N, H) state
            per_cell.extend(symbol.reshape(symbol.slice_axis(s, axis=0, begin=k, end=k + 1), shape=(-3, -2))
                            for s in begin_state)
        outputs, states = stack.unroll(length, inputs, begin_state=per_cell, layout=layout,
                                       merge_outputs=merge_outputs)
        if not self._get_next_state:
            return outputs, []
        flat = []
        for s in states:   # a BidirectionalCell's states come as [left's, right's]
            flat.extend(s if isinstance(s, list) else [s])
        n = len(begin_state)
        return outputs, [symbol.stack(*flat[i::n], axis=0) for i in range(n)]

    def unfuse(self):
        """The same layers as a SequentialRNNCell of RNNCell/LSTMCell/GRUCell (BidirectionalCell when
        bidirectional, DropoutCell between layers), named so that unpack_weights' names fit them."""
        stack = SequentialRNNCell()

        def make(prefix):
            return _make_cell(self._mode, self._num_hidden, prefix, self._forget_bias)
        for i in range(self._num_layers):
            if self._bidirectional:
                stack.add(BidirectionalCell(make('%sl%d_' % (self._prefix, i)), make('%sr%d_' % (self._prefix, i)),
                                            output_prefix='%sbi_l%d_' % (self._prefix, i)))
            else:
                stack.add(make('%sl%d_' % (self._prefix, i)))
            if self._dropout > 0 and i != self._num_layers - 1:
                stack.add(DropoutCell(self._dropout, prefix='%s_dropout%d_' % (self._prefix, i)))
        return stack


class SequentialRNNCell(BaseRNNCell):
    """Cells stacked: each one's output is the next one's input; the states are all of theirs in order."""

    def __init__(self, params=None):
        super().__init__(prefix='', params=params)
        self._override_cell_params = params is not None
        self._cells = []

    def add(self, cell):
        """Append `cell` to the stack."""
        self._cells.append(cell)
        if self._override_cell_params:
            assert cell._own_params, \
                "Either specify params for SequentialRNNCell or child cells, not both."
            cell.params._params.update(self.params._params)
        self.params._params.update(cell.params._params)

    @property
    def state_info(self):
        return _cells_state_info(self._cells)

    def begin_state(self, **kwargs):
        assert not self._modified, \
            "After applying modifier cells (e.g. ZoneoutCell) the base cell cannot be called directly. " \
            "Call the modifier cell instead."
        return _cells_begin_state(self._cells, **kwargs)

    def unpack_weights(self, args):
        return _cells_unpack_weights(self._cells, args)

    def pack_weights(self, args):
        return _cells_pack_weights(self._cells, args)

    def __call__(self, inputs, states):
        self._counter += 1
        next_states = []
        p = 0
        for cell in self._cells:
            assert not isinstance(cell, BidirectionalCell)
            n = len(cell.state_info)
            inputs, state = cell(inputs, states[p:p + n])
            p += n
            next_states.extend(state)
        return inputs, next_states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        self.reset()
        if begin_state is None:
            begin_state = self.begin_state()
        p = 0
        next_states = []
        last = len(self._cells) - 1
        for i, cell in enumerate(self._cells):
            n = len(cell.state_info)
            inputs, states = cell.unroll(length, inputs=inputs, begin_state=begin_state[p:p + n], layout=layout,
                                         merge_outputs=None if i < last else merge_outputs)
            p += n
            next_states.extend(states)
        return inputs, next_states


class DropoutCell(BaseRNNCell):
    """Dropout on the inputs (no states)."""

    def __init__(self, dropout, prefix='dropout_', params=None):
        super().__init__(prefix, params)
        assert isinstance(dropout, numeric_types), "dropout probability must be a number"
        self.dropout = dropout

    @property
    def state_info(self):
        return []

    def __call__(self, inputs, states):
        if self.dropout > 0:
            inputs = symbol.Dropout(data=inputs, p=self.dropout)
        return inputs, states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        self.reset()
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if isinstance(inputs, symbol.Symbol):   # one Dropout over the whole sequence
            return self(inputs, [])
        return super().unroll(length, inputs, begin_state=begin_state, layout=layout, merge_outputs=merge_outputs)


class ModifierCell(BaseRNNCell):
    """A cell wrapping a base cell (which is then called only through it)."""

    def __init__(self, base_cell):
        super().__init__()
        base_cell._modified = True
        self.base_cell = base_cell

    @property
    def params(self):
        self._own_params = False
        return self.base_cell.params

    @property
    def state_info(self):
        return self.base_cell.state_info

    def begin_state(self, init_sym=symbol.zeros, **kwargs):
        assert not self._modified, \
            "After applying modifier cells (e.g. DropoutCell) the base cell cannot be called directly. " \
            "Call the modifier cell instead."
        self.base_cell._modified = False
        begin = self.base_cell.begin_state(init_sym, **kwargs)
        self.base_cell._modified = True
        return begin

    def unpack_weights(self, args):
        return self.base_cell.unpack_weights(args)

    def pack_weights(self, args):
        return self.base_cell.pack_weights(args)

    def __call__(self, inputs, states):
        raise NotImplementedError


class ZoneoutCell(ModifierCell):
    """Zoneout: in training, each unit of the output (and of the states) keeps its previous step's value
    with probability zoneout_outputs (zoneout_states)."""

    def __init__(self, base_cell, zoneout_outputs=0., zoneout_states=0.):
        assert not isinstance(base_cell, FusedRNNCell), \
            "FusedRNNCell doesn't support zoneout. Please unfuse first."
        assert not isinstance(base_cell, BidirectionalCell), \
            "BidirectionalCell doesn't support zoneout since it doesn't support step. " \
            "Please add ZoneoutCell to the cells underneath instead."
        assert not isinstance(base_cell, SequentialRNNCell) or not getattr(base_cell, '_bidirectional', False), \
            "Bidirectional SequentialRNNCell doesn't support zoneout. " \
            "Please add ZoneoutCell to the cells underneath instead."
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self.prev_output = None

    def reset(self):
        super().reset()
        self.prev_output = None

    def __call__(self, inputs, states):
        cell, p_outputs, p_states = self.base_cell, self.zoneout_outputs, self.zoneout_states
        next_output, next_states = cell(inputs, states)

        def mask(p, like):   # Dropout of ones: 0 where the unit keeps its old value (in training only)
            return symbol.Dropout(symbol.ones_like(like), p=p)
        # the first step's previous output is zeros shaped like the output
        prev_output = self.prev_output if self.prev_output is not None else symbol.zeros_like(next_output)
        output = (symbol.where(mask(p_outputs, next_output), next_output, prev_output)
                  if p_outputs != 0. else next_output)
        states = ([symbol.where(mask(p_states, new_s), new_s, old_s) for new_s, old_s in zip(next_states, states)]
                  if p_states != 0. else next_states)
        self.prev_output = output
        return output, states


class ResidualCell(ModifierCell):
    """The base cell's output plus its input (Wu et al., 2016)."""

    def __call__(self, inputs, states):
        output, states = self.base_cell(inputs, states)
        output = symbol.elemwise_add(output, inputs, name='%s_plus_residual' % output.name)
        return output, states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        self.reset()
        self.base_cell._modified = False
        outputs, states = self.base_cell.unroll(length, inputs=inputs, begin_state=begin_state, layout=layout,
                                                merge_outputs=merge_outputs)
        self.base_cell._modified = True
        merge_outputs = isinstance(outputs, symbol.Symbol) if merge_outputs is None else merge_outputs
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if merge_outputs:
            outputs = symbol.elemwise_add(outputs, inputs, name='%s_plus_residual' % outputs.name)
        else:
            outputs = [symbol.elemwise_add(o, i, name='%s_plus_residual' % o.name) for o, i in zip(outputs, inputs)]
        return outputs, states


class BidirectionalCell(BaseRNNCell):
    """l_cell over the sequence, r_cell over it reversed; outputs concatenated (`<output_prefix>out`
    merged, `<output_prefix>t<i>` per step). Only unroll: it cannot be stepped."""

    def __init__(self, l_cell, r_cell, params=None, output_prefix='bi_'):
        super().__init__('', params=params)
        self._output_prefix = output_prefix
        self._override_cell_params = params is not None
        if self._override_cell_params:
            assert l_cell._own_params and r_cell._own_params, \
                "Either specify params for BidirectionalCell or child cells, not both."
            l_cell.params._params.update(self.params._params)
            r_cell.params._params.update(self.params._params)
        self.params._params.update(l_cell.params._params)
        self.params._params.update(r_cell.params._params)
        self._cells = [l_cell, r_cell]

    def unpack_weights(self, args):
        return _cells_unpack_weights(self._cells, args)

    def pack_weights(self, args):
        return _cells_pack_weights(self._cells, args)

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    @property
    def state_info(self):
        return _cells_state_info(self._cells)

    def begin_state(self, **kwargs):
        assert not self._modified, \
            "After applying modifier cells (e.g. DropoutCell) the base cell cannot be called directly. " \
            "Call the modifier cell instead."
        return _cells_begin_state(self._cells, **kwargs)

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, False)
        if begin_state is None:
            begin_state = self.begin_state()
        l_cell, r_cell = self._cells
        n_l = len(l_cell.state_info)
        l_outputs, l_states = l_cell.unroll(length, inputs=inputs, begin_state=begin_state[:n_l], layout=layout,
                                            merge_outputs=merge_outputs)
        r_outputs, r_states = r_cell.unroll(length, inputs=list(reversed(inputs)), begin_state=begin_state[n_l:],
                                            layout=layout, merge_outputs=merge_outputs)
        if merge_outputs is None:
            merge_outputs = isinstance(l_outputs, symbol.Symbol) and isinstance(r_outputs, symbol.Symbol)
            if not merge_outputs:
                if isinstance(l_outputs, symbol.Symbol):
                    l_outputs = list(symbol.SliceChannel(l_outputs, axis=axis, num_outputs=length, squeeze_axis=1))
                if isinstance(r_outputs, symbol.Symbol):
                    r_outputs = list(symbol.SliceChannel(r_outputs, axis=axis, num_outputs=length, squeeze_axis=1))
        if merge_outputs:
            l_outputs = [l_outputs]
            r_outputs = [symbol.reverse(r_outputs, axis=axis)]
        else:
            r_outputs = list(reversed(r_outputs))
        outputs = [symbol.Concat(l_o, r_o, dim=1 + merge_outputs,
                                 name=('%sout' % self._output_prefix if merge_outputs
                                       else '%st%d' % (self._output_prefix, i)))
                   for i, (l_o, r_o) in enumerate(zip(l_outputs, r_outputs))]
        if merge_outputs:
            outputs = outputs[0]
        return outputs, [l_states, r_states]


class BaseConvRNNCell(BaseRNNCell):
    """The base of the convolutional cells: i2h and h2h are Convolutions (h2h 'same'-padded, odd kernel)."""

    def __init__(self, input_shape, num_hidden, h2h_kernel, h2h_dilate, i2h_kernel, i2h_stride, i2h_pad,
                 i2h_dilate, i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                 h2h_bias_initializer, activation, prefix='', params=None, conv_layout='NCHW'):
        super().__init__(prefix=prefix, params=params)
        self._h2h_kernel = h2h_kernel
        assert (self._h2h_kernel[0] % 2 == 1) and (self._h2h_kernel[1] % 2 == 1), \
            "Only support odd number, get h2h_kernel= %s" % str(h2h_kernel)
        self._h2h_pad = (h2h_dilate[0] * (h2h_kernel[0] - 1) // 2, h2h_dilate[1] * (h2h_kernel[1] - 1) // 2)
        self._h2h_dilate = h2h_dilate
        self._i2h_kernel, self._i2h_stride, self._i2h_pad, self._i2h_dilate = \
            i2h_kernel, i2h_stride, i2h_pad, i2h_dilate
        self._num_hidden = num_hidden
        self._input_shape = input_shape
        self._conv_layout = conv_layout
        self._activation = activation
        probe = symbol.Convolution(data=symbol.Variable('data'), num_filter=num_hidden, kernel=i2h_kernel,
                                   stride=i2h_stride, pad=i2h_pad, dilate=i2h_dilate, layout=conv_layout)
        self._state_shape = (0,) + tuple(probe.infer_shape(data=input_shape)[1][0][1:])
        self._iW = self.params.get('i2h_weight', init=i2h_weight_initializer)
        self._hW = self.params.get('h2h_weight', init=h2h_weight_initializer)
        self._iB = self.params.get('i2h_bias', init=i2h_bias_initializer)
        self._hB = self.params.get('h2h_bias', init=h2h_bias_initializer)

    @property
    def _num_gates(self):
        return len(self._gate_names)

    @property
    def state_info(self):
        return [{'shape': self._state_shape, '__layout__': self._conv_layout}] * len(self._state_names)

    _state_names = ('h',)

    def _conv_forward(self, inputs, states, name):
        i2h = symbol.Convolution(name='%si2h' % name, data=inputs, num_filter=self._num_hidden * self._num_gates,
                                 kernel=self._i2h_kernel, stride=self._i2h_stride, pad=self._i2h_pad,
                                 dilate=self._i2h_dilate, weight=self._iW, bias=self._iB, layout=self._conv_layout)
        h2h = symbol.Convolution(name='%sh2h' % name, data=states[0], num_filter=self._num_hidden * self._num_gates,
                                 kernel=self._h2h_kernel, dilate=self._h2h_dilate, pad=self._h2h_pad, stride=(1, 1),
                                 weight=self._hW, bias=self._hB, layout=self._conv_layout)
        return i2h, h2h

    def __call__(self, inputs, states):
        raise NotImplementedError("BaseConvRNNCell is abstract class for convolutional RNN")


_LEAKY = functools.partial(symbol.LeakyReLU, act_type='leaky', slope=0.2)


def _conv_cell_init(default_prefix):
    """The convolutional cells' shared __init__ (MXNet's defaults), differing only in the prefix."""
    def __init__(self, input_shape, num_hidden, h2h_kernel=(3, 3), h2h_dilate=(1, 1), i2h_kernel=(3, 3),
                 i2h_stride=(1, 1), i2h_pad=(1, 1), i2h_dilate=(1, 1), i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer='zeros', h2h_bias_initializer='zeros',
                 activation=_LEAKY, prefix=default_prefix, params=None, conv_layout='NCHW'):
        BaseConvRNNCell.__init__(self, input_shape, num_hidden, h2h_kernel, h2h_dilate, i2h_kernel, i2h_stride,
                                 i2h_pad, i2h_dilate, i2h_weight_initializer, h2h_weight_initializer,
                                 i2h_bias_initializer, h2h_bias_initializer, activation, prefix, params, conv_layout)
    return __init__


class ConvRNNCell(BaseConvRNNCell):
    """h' = activation(conv_i(x) + conv_h(h))."""

    __init__ = _conv_cell_init('ConvRNN_')

    @property
    def _gate_names(self):
        return ('',)

    def __call__(self, inputs, states):
        self._counter += 1
        name = '%st%d_' % (self._prefix, self._counter)
        i2h, h2h = self._conv_forward(inputs, states, name)
        output = self._get_activation(i2h + h2h, self._activation, name='%sout' % name)
        return output, [output]


class ConvLSTMCell(BaseConvRNNCell):
    """The LSTM step with convolutions (Shi et al., NIPS 2015); gates i, f, c, o on the channel axis."""
    _state_names = ('h', 'c')

    __init__ = _conv_cell_init('ConvLSTM_')

    @property
    def _gate_names(self):
        return ['_i', '_f', '_c', '_o']

    def __call__(self, inputs, states):
        self._counter += 1
        name = '%st%d_' % (self._prefix, self._counter)
        i2h, h2h = self._conv_forward(inputs, states, name)
        gates = symbol.SliceChannel(i2h + h2h, num_outputs=4, axis=self._conv_layout.find('C'),
                                    name='%sslice' % name)
        in_gate = symbol.Activation(gates[0], act_type='sigmoid', name='%si' % name)
        forget_gate = symbol.Activation(gates[1], act_type='sigmoid', name='%sf' % name)
        in_transform = self._get_activation(gates[2], self._activation, name='%sc' % name)
        out_gate = symbol.Activation(gates[3], act_type='sigmoid', name='%so' % name)
        next_c = symbol._internal._plus(forget_gate * states[1], in_gate * in_transform, name='%sstate' % name)
        next_h = symbol._internal._mul(out_gate, self._get_activation(next_c, self._activation), name='%sout' % name)
        return next_h, [next_h, next_c]


class ConvGRUCell(BaseConvRNNCell):
    """The GRU step with convolutions; gates r, z, o on the channel axis."""

    __init__ = _conv_cell_init('ConvGRU_')

    @property
    def _gate_names(self):
        return ['_r', '_z', '_o']

    def __call__(self, inputs, states):
        self._counter += 1
        name = '%st%d_' % (self._prefix, self._counter)
        i2h, h2h = self._conv_forward(inputs, states, name)
        axis = self._conv_layout.find('C')
        i2h_r, i2h_z, i2h = symbol.SliceChannel(i2h, num_outputs=3, axis=axis, name='%s_i2h_slice' % name)
        h2h_r, h2h_z, h2h = symbol.SliceChannel(h2h, num_outputs=3, axis=axis, name='%s_h2h_slice' % name)
        reset_gate = symbol.Activation(i2h_r + h2h_r, act_type='sigmoid', name='%s_r_act' % name)
        update_gate = symbol.Activation(i2h_z + h2h_z, act_type='sigmoid', name='%s_z_act' % name)
        next_h_tmp = self._get_activation(i2h + reset_gate * h2h, self._activation, name='%s_h_act' % name)
        next_h = symbol._internal._plus((1. - update_gate) * next_h_tmp, update_gate * states[0],
                                        name='%sout' % name)
        return next_h, [next_h]


__all__ = ["RNNParams", "BaseRNNCell", "RNNCell", "LSTMCell", "GRUCell", "FusedRNNCell", "SequentialRNNCell",
           "DropoutCell", "ModifierCell", "ZoneoutCell", "ResidualCell", "BidirectionalCell", "BaseConvRNNCell",
           "ConvRNNCell", "ConvLSTMCell", "ConvGRUCell"]
