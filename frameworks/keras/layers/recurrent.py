"""keras.layers recurrent: RNN (any cell, unrolled over the static time axis), LSTMCell, LSTM and
CuDNNLSTM. Gates are i, f, c, o as Keras orders them; tf.keras' defaults (recurrent_activation
'sigmoid', unit_forget_bias=True, implementation 2).

LSTM runs the shared fused LSTM kernel through tf.nn.dynamic_rnn when tf.keras would run its fused
(cuDNN) kernel: activation tanh, recurrent_activation sigmoid, no dropout, unroll=False, a bias, forward
in time. Otherwise it is the cell's arithmetic step by step. CuDNNLSTM keeps cuDNN's two biases (input
and recurrent, one (8 * units,) weight) and always runs the fused kernel; real Keras requires a GPU for
it, this one runs it on either device."""
import inspect

import numpy as np

import frameworks.static_graph as tf

from .. import activations, backend as K, initializers
from ..engine import DeferredBuild, InputSpec, Layer, to_list
from .core import _init_config


class _ForgetBiasOnes(initializers.Initializer):
    """unit_forget_bias: zeros with the forget gate's quarter set to one."""

    def __init__(self, units, base):
        self.units, self.base = units, base

    def __call__(self, shape, dtype=None):
        value = np.array(self.base((4 * self.units,)), dtype=float)
        value[self.units:2 * self.units] = 1.0
        return value


class _DropoutCell(Layer):
    """What Keras' LSTM / GRU / SimpleRNN cells share: arguments checked the same way and dropout masks."""
    _gates = 1
    _dropout_mask = _recurrent_dropout_mask = None

    def _check(self, regularizers):
        if any(r is not None for r in regularizers):
            raise ValueError(f"{type(self).__name__} {self.name}: regularizers and constraints are not supported")

    def _masks(self, inputs, states, training):
        """Dropout masks drawn once per batch and kept over the time steps (Keras' RNN dropout), one per
        gate."""
        def masks(like, rate):
            ones = K.ones_like(like)
            return [K.in_train_phase(lambda: K.dropout(ones, rate), ones, training=training)
                    for _ in range(self._gates)]
        if self.dropout and self._dropout_mask is None:
            self._dropout_mask = masks(inputs, self.dropout)
        if self.recurrent_dropout and self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = masks(states[0], self.recurrent_dropout)


class LSTMCell(_DropoutCell):
    """One LSTM step: z = x @ kernel + h @ recurrent_kernel + bias; i, f, c, o = split(z);
    c' = f * c + i * activation(c_z); h' = o * activation(c')."""
    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 implementation=2, **kwargs):
        super().__init__(**kwargs)
        self._check((kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                     recurrent_constraint, bias_constraint))
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.implementation = implementation
        self.state_size = (self.units, self.units)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight("kernel", (input_dim, 4 * self.units), initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, 4 * self.units),
                                                initializer=self.recurrent_initializer)
        if self.use_bias:
            init = _ForgetBiasOnes(self.units, self.bias_initializer) if self.unit_forget_bias \
                else self.bias_initializer
            self.bias = self.add_weight("bias", (4 * self.units,), initializer=init)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states
        if self.dropout or self.recurrent_dropout:
            self._masks(inputs, states, training)
        u = self.units
        if self._dropout_mask is None and self._recurrent_dropout_mask is None:
            z = K.dot(inputs, self.kernel) + K.dot(h_tm1, self.recurrent_kernel)
            if self.use_bias:
                z = z + self.bias
            z0, z1, z2, z3 = tf.split(z, 4, axis=1)
        else:   # implementation 1: each gate its own (masked) input
            dm = self._dropout_mask or [None] * 4
            rm = self._recurrent_dropout_mask or [None] * 4
            zs = []
            for k in range(4):
                x = inputs if dm[k] is None else inputs * dm[k]
                h = h_tm1 if rm[k] is None else h_tm1 * rm[k]
                z = K.dot(x, self.kernel[:, k * u:(k + 1) * u]) + K.dot(h, self.recurrent_kernel[:, k * u:(k + 1) * u])
                if self.use_bias:
                    z = z + self.bias[k * u:(k + 1) * u]
                zs.append(z)
            z0, z1, z2, z3 = zs
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  "use_bias": self.use_bias, "kernel_initializer": _init_config(self.kernel_initializer),
                  "recurrent_initializer": _init_config(self.recurrent_initializer),
                  "bias_initializer": _init_config(self.bias_initializer),
                  "unit_forget_bias": self.unit_forget_bias, "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout, "implementation": self.implementation}
        return dict(super().get_config(), **config)


class RNN(Layer):
    """Run `cell` (a layer with state_size and call(inputs, states) -> (output, new_states)) over the time
    axis of (batch, time, features) inputs, initial states zero. The time axis must be known (the loop is
    unrolled into the graph; tf.keras would build a while loop unless unroll=True)."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, **kwargs):
        super().__init__(**kwargs)
        if stateful:
            raise ValueError(f"RNN {self.name}: stateful=True is not supported by this Keras")
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError("`cell` should have a `call` method and a `state_size` attribute. The RNN was "
                             "passed: cell=" + str(cell))
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.input_spec = InputSpec(ndim=3)

    @property
    def _state_sizes(self):
        return list(self.cell.state_size) if isinstance(self.cell.state_size, (list, tuple)) \
            else [self.cell.state_size]

    @property
    def trainable_weights(self):
        own = super().trainable_weights
        return own + (self.cell.trainable_weights if self.trainable and isinstance(self.cell, Layer) else [])

    @property
    def non_trainable_weights(self):
        own = super().non_trainable_weights
        if isinstance(self.cell, Layer):
            own += self.cell.non_trainable_weights if self.trainable else self.cell.weights
        return own

    def __call__(self, inputs, initial_state=None, **kwargs):
        """Initial states join the layer's inputs, as Keras 2.2 passes them, so the call's Node records them
        (a model then finds the layers that made them: an encoder's states in seq2seq). `[x, h0, ...]`
        is the same call."""
        if isinstance(inputs, list) and initial_state is None and len(inputs) > 1:
            inputs, initial_state = inputs[0], inputs[1:]
        if initial_state is None:
            return super().__call__(inputs, **kwargs)
        initial_state = to_list(initial_state)
        if len(initial_state) != len(self._state_sizes):
            raise ValueError("Layer " + self.name + " expects " + str(len(self._state_sizes)) + " states, but it "
                             "received " + str(len(initial_state)) + " initial states.")
        return super().__call__([inputs] + initial_state, **kwargs)

    @staticmethod
    def _split_inputs(inputs, initial_state):
        """(sequence, initial states) from a call's inputs (the states may have come in the list)."""
        if isinstance(inputs, list):
            return inputs[0], (inputs[1:] or initial_state)
        return inputs, initial_state

    def build(self, input_shape):
        if isinstance(input_shape, list):   # [sequence, initial states...]
            input_shape = input_shape[0]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build((input_shape[0], input_shape[-1]))
            self.cell.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        units = self._state_sizes[0]
        out = (input_shape[0], input_shape[1], units) if self.return_sequences else (input_shape[0], units)
        if self.return_state:
            return [out] + [(input_shape[0], s) for s in self._state_sizes]
        return out

    def _zero_states(self, inputs):
        batch = K.int_shape(inputs)[0]
        if batch is not None:
            return [tf.zeros((batch, s), inputs.dtype) for s in self._state_sizes]
        states = []
        for s in self._state_sizes:   # a batch size known only when the graph runs
            z = tf.fill(tf.stack([tf.shape(inputs)[0], tf.constant(s, tf.int32)]), 0.0, dtype=inputs.dtype)
            z.set_shape((None, s))
            states.append(z)
        return states

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if mask is not None:
            raise ValueError(f"RNN {self.name}: masks are not supported by this Keras")
        inputs, initial_state = self._split_inputs(inputs, initial_state)
        steps = K.int_shape(inputs)[1]
        if steps is None:
            raise DeferredBuild(f"{type(self).__name__} {self.name}: the number of time steps must be known (give "
                             "the model's first layer an input_shape / Embedding an input_length); the "
                             "loop is unrolled into the graph")
        states = list(initial_state) if initial_state is not None else self._zero_states(inputs)
        xs = tf.unstack(inputs, axis=1)
        if self.go_backwards:
            xs = xs[::-1]
        outputs = []
        kwargs = {"training": training} if "training" in inspect.signature(self.cell.call).parameters else {}
        for x in xs:
            out, states = self.cell.call(x, states, **kwargs)
            states = to_list(states)
            outputs.append(out)
        if hasattr(self.cell, "_dropout_mask"):   # masks are drawn once per call of the layer
            self.cell._dropout_mask = self.cell._recurrent_dropout_mask = None
        output = tf.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if self.cell_uses_dropout():
            output._uses_learning_phase = True
        return [output] + list(states) if self.return_state else output

    def cell_uses_dropout(self):
        return bool(getattr(self.cell, "dropout", 0) or getattr(self.cell, "recurrent_dropout", 0))

    def get_config(self):
        config = {"return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll}
        return dict(super().get_config(), **config)


def _cell_layer_config(layer):
    """An LSTM / GRU / SimpleRNN's config: its cell's arguments next to the RNN's, no `cell` entry."""
    config = dict(layer.cell.get_config())
    for key in ("name", "trainable", "dtype"):
        config.pop(key, None)
    return dict(RNN.get_config(layer), **config)


class LSTM(RNN):
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, implementation=2, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        if activity_regularizer is not None:
            raise ValueError("LSTM: activity_regularizer is not supported by this Keras")
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation,
                        use_bias=use_bias, kernel_initializer=kernel_initializer,
                        recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                        unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                        recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                        kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                        bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                        implementation=implementation, name="lstm_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.units = int(units)
        cell.name = self.name   # its weights are <layer>/kernel, ... as Keras names them

    def _fused(self):
        c = self.cell
        return (c.activation is activations.tanh and c.recurrent_activation is activations.sigmoid
                and not c.dropout and not c.recurrent_dropout and not self.unroll and c.use_bias
                and not self.go_backwards)

    def _fused_call(self, inputs, initial_state, b_ih, b_hh, kernel, recurrent_kernel):
        """The whole sequence through the shared fused LSTM kernel (tf.nn.dynamic_rnn on an LSTMCell in
        the kernel's layout, given this layer's own weights)."""
        if initial_state is None:
            states = self._zero_states(inputs)
            initial_state = tf.nn.rnn_cell.LSTMStateTuple(states[1], states[0])
        else:
            h0, c0 = initial_state
            initial_state = tf.nn.rnn_cell.LSTMStateTuple(c0, h0)
        cell = tf.nn.rnn_cell.LSTMCell(self.units, wx=kernel, wh=recurrent_kernel, b_ih=b_ih, b_hh=b_hh,
                                       name="fused")
        outputs, state = tf.nn.dynamic_rnn(cell, inputs, initial_state=initial_state, scope=self.name)
        last = state.h
        output = outputs if self.return_sequences else last
        return [output, state.h, state.c] if self.return_state else output

    def call(self, inputs, mask=None, training=None, initial_state=None):
        inputs, initial_state = self._split_inputs(inputs, initial_state)
        if mask is None and self._fused():
            c = self.cell
            return self._fused_call(inputs, initial_state, c.bias, tf.zeros((4 * self.units,), inputs.dtype),
                                    c.kernel, c.recurrent_kernel)
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)

    def get_config(self):
        return _cell_layer_config(self)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _without_fixed(config):
    """A CuDNN layer's config: without the arguments cuDNN fixes (Keras' CuDNN layers take none of them)."""
    for k in ("activation", "recurrent_activation", "use_bias", "dropout", "recurrent_dropout", "implementation",
              "reset_after", "unroll"):
        config.pop(k, None)
    return config


class CuDNNLSTM(LSTM):
    """cuDNN's LSTM: gates i, f, c, o with an input and a recurrent bias (bias of shape (8 * units,)),
    activation tanh and recurrent activation sigmoid fixed. Always the fused kernel."""

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, **kwargs):
        if go_backwards:
            raise ValueError("CuDNNLSTM: go_backwards is not supported by this Keras")
        super().__init__(units, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         return_sequences=return_sequences, return_state=return_state,
                         stateful=stateful, **kwargs)

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_dim = input_shape[-1]
        c, u = self.cell, self.units
        c.kernel = self.add_weight("kernel", (input_dim, 4 * u), initializer=c.kernel_initializer)
        c.recurrent_kernel = self.add_weight("recurrent_kernel", (u, 4 * u), initializer=c.recurrent_initializer)
        init = c.bias_initializer
        if self.cell.unit_forget_bias:   # Keras' CuDNNLSTM: the forget gate's recurrent bias starts at 1
            base = init

            def init(shape, dtype=None):
                value = np.array(base(shape), dtype=float)
                value[5 * u:6 * u] = 1.0
                return value
        c.bias = self.add_weight("bias", (8 * u,), initializer=init)
        c.built = True
        self.built = True

    @property
    def trainable_weights(self):
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        return [] if self.trainable else list(self._trainable_weights)

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if mask is not None:
            raise ValueError(f"CuDNNLSTM {self.name}: masks are not supported")
        inputs, initial_state = self._split_inputs(inputs, initial_state)
        c, u = self.cell, self.units
        return self._fused_call(inputs, initial_state, c.bias[:4 * u], c.bias[4 * u:], c.kernel,
                                c.recurrent_kernel)

    def get_config(self):
        return _without_fixed(super().get_config())


class SimpleRNNCell(_DropoutCell):
    """One Elman step, Keras 2's: h' = activation(x @ kernel + bias + h @ recurrent_kernel)."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self._check((kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                     recurrent_constraint, bias_constraint))
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.state_size = self.units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, self.units),
                                                initializer=self.recurrent_initializer)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer) \
            if self.use_bias else None
        self.built = True

    def call(self, inputs, states, training=None):
        prev_output = states[0]
        if self.dropout or self.recurrent_dropout:
            self._masks(inputs, states, training)
        if self._dropout_mask is not None:
            inputs = inputs * self._dropout_mask[0]
        h = K.dot(inputs, self.kernel)
        if self.bias is not None:
            h = K.bias_add(h, self.bias)
        if self._recurrent_dropout_mask is not None:
            prev_output = prev_output * self._recurrent_dropout_mask[0]
        output = self.activation(h + K.dot(prev_output, self.recurrent_kernel))
        return output, [output]

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias, "kernel_initializer": _init_config(self.kernel_initializer),
                  "recurrent_initializer": _init_config(self.recurrent_initializer),
                  "bias_initializer": _init_config(self.bias_initializer), "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout}
        return dict(super().get_config(), **config)


class GRUCell(_DropoutCell):
    """One GRU step as Keras 2.2 computes it, gates z, r, h in that order along the kernels' columns:
    z = rec_act(x Wz + bz + h Uz); r = rec_act(x Wr + br + h Ur);
    hh = act(x Wh + bh + (r * h) Uh)   (reset_after=False, the default), or
    hh = act(x Wh + bh + r * (h Uh + rbh))   (reset_after=True: bias (2, 3 * units), input and recurrent);
    h' = z * h + (1 - z) * hh."""
    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, implementation=1, reset_after=False, **kwargs):
        super().__init__(**kwargs)
        self._check((kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                     recurrent_constraint, bias_constraint))
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.implementation = implementation
        self.reset_after = reset_after
        self.state_size = self.units

    def build(self, input_shape):
        u = self.units
        self.kernel = self.add_weight("kernel", (input_shape[-1], 3 * u), initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (u, 3 * u),
                                                initializer=self.recurrent_initializer)
        if self.use_bias:
            shape = (2, 3 * u) if self.reset_after else (3 * u,)
            self.bias = self.add_weight("bias", shape, initializer=self.bias_initializer)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=None):
        h_tm1 = states[0]
        if self.dropout or self.recurrent_dropout:
            self._masks(inputs, states, training)
        u = self.units
        dm = self._dropout_mask or [None] * 3
        rm = self._recurrent_dropout_mask or [None] * 3
        input_bias = recurrent_bias = None
        if self.use_bias:
            if not self.reset_after:
                input_bias, recurrent_bias = self.bias, None
            elif len(K.int_shape(self.bias)) == 1:   # CuDNNGRU's (6 * units,): input then recurrent
                input_bias, recurrent_bias = self.bias[:3 * u], self.bias[3 * u:]
            else:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
        if dm[0] is None:   # one product for the three gates (the same sums as three)
            x_z, x_r, x_h = tf.split(K.dot(inputs, self.kernel), 3, axis=1)
        else:
            x_z, x_r, x_h = (K.dot(inputs * dm[k], self.kernel[:, k * u:(k + 1) * u]) for k in range(3))
        if input_bias is not None:
            x_z, x_r, x_h = (x + input_bias[k * u:(k + 1) * u] for k, x in enumerate((x_z, x_r, x_h)))
        h_z, h_r, h_h = (h_tm1 if m is None else h_tm1 * m for m in rm)
        rk = self.recurrent_kernel
        if self.reset_after:
            inner = [K.dot(h, rk[:, k * u:(k + 1) * u]) for k, h in enumerate((h_z, h_r, h_h))]
            if recurrent_bias is not None:
                inner = [x + recurrent_bias[k * u:(k + 1) * u] for k, x in enumerate(inner)]
            z = self.recurrent_activation(x_z + inner[0])
            r = self.recurrent_activation(x_r + inner[1])
            hh = self.activation(x_h + r * inner[2])
        else:
            z = self.recurrent_activation(x_z + K.dot(h_z, rk[:, :u]))
            r = self.recurrent_activation(x_r + K.dot(h_r, rk[:, u:2 * u]))
            hh = self.activation(x_h + K.dot(r * h_h, rk[:, 2 * u:]))
        h = z * h_tm1 + (1.0 - z) * hh
        return h, [h]

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  "use_bias": self.use_bias, "kernel_initializer": _init_config(self.kernel_initializer),
                  "recurrent_initializer": _init_config(self.recurrent_initializer),
                  "bias_initializer": _init_config(self.bias_initializer), "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout, "implementation": self.implementation,
                  "reset_after": self.reset_after}
        return dict(super().get_config(), **config)


class _CellLayer(RNN):
    """An RNN over its own cell (SimpleRNN, GRU): the cell's weights named <layer>/kernel, ... as Keras'."""

    def __init__(self, cell, activity_regularizer=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        if activity_regularizer is not None:
            raise ValueError(f"{type(self).__name__}: activity_regularizer is not supported by this Keras")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        cell.name = self.name

    def __getattr__(self, name):   # units, activation, ...: the cell's (Keras' properties)
        if name != "cell" and "cell" in self.__dict__ and name in self.cell.__dict__:
            return self.cell.__dict__[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        return _cell_layer_config(self)


class SimpleRNN(_CellLayer):
    """Fully-connected RNN whose output is fed back as its input (activation tanh)."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias,
                             kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                             bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                             recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                             kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                             bias_constraint=bias_constraint, dropout=dropout,
                             recurrent_dropout=recurrent_dropout, name="simple_rnn_cell")
        super().__init__(cell, activity_regularizer, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful,
                         unroll=unroll, **kwargs)


class GRU(_CellLayer):
    """Gated Recurrent Unit, Keras 2.2's (recurrent_activation 'hard_sigmoid', reset_after=False); pass
    reset_after=True, recurrent_activation='sigmoid' for the CuDNNGRU-compatible variant."""

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 implementation=1, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=False, **kwargs):
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation,
                       use_bias=use_bias, kernel_initializer=kernel_initializer,
                       recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                       kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                       bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                       recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                       dropout=dropout, recurrent_dropout=recurrent_dropout, implementation=implementation,
                       reset_after=reset_after, name="gru_cell")
        super().__init__(cell, activity_regularizer, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful,
                         unroll=unroll, **kwargs)


class CuDNNGRU(GRU):
    """cuDNN's GRU as Keras 2.2 keeps it: gates z, r, h, the reset gate applied after the recurrent product
    (reset_after=True), sigmoid / tanh fixed, an input and a recurrent bias in one (6 * units,) weight. It
    runs the cell's arithmetic on either device (real Keras requires a GPU)."""

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False, return_state=False,
                 stateful=False, **kwargs):
        super().__init__(units, activation="tanh", recurrent_activation="sigmoid",
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         return_sequences=return_sequences, return_state=return_state, stateful=stateful,
                         reset_after=True, **kwargs)

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        c, u = self.cell, self.units
        c.kernel = self.add_weight("kernel", (input_shape[-1], 3 * u), initializer=c.kernel_initializer)
        c.recurrent_kernel = self.add_weight("recurrent_kernel", (u, 3 * u), initializer=c.recurrent_initializer)
        c.bias = self.add_weight("bias", (6 * u,), initializer=c.bias_initializer)
        c.built = True
        self.built = True

    def get_config(self):
        return _without_fixed(super().get_config())
