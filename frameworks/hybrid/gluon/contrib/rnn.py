"""gluon.contrib.rnn: LSTMPCell (an LSTM step whose hidden state is projected to projection_size, Sak et al.
2014) and VariationalDropoutCell (Gal & Ghahramani's dropout: one mask per sequence, reused at every step)."""
from ..block import shape_of
from ..rnn import BidirectionalCell, HybridRecurrentCell, ModifierCell, _lstm_step


class VariationalDropoutCell(ModifierCell):
    """base_cell with dropout on its inputs, first state and outputs, each mask drawn on the first step after
    reset() (so once per unroll) and reused for every step."""

    def __init__(self, base_cell, drop_inputs=0.0, drop_states=0.0, drop_outputs=0.0):
        assert not drop_states or not isinstance(base_cell, BidirectionalCell), \
            "BidirectionalCell doesn't support variational state dropout. Please add VariationalDropoutCell " \
            "to the cells underneath instead."
        super().__init__(base_cell)
        self.drop_inputs, self.drop_states, self.drop_outputs = drop_inputs, drop_states, drop_outputs
        self.drop_inputs_mask = self.drop_states_mask = self.drop_outputs_mask = None

    def _alias(self):
        return 'vardrop'

    def reset(self):
        super().reset()
        self.drop_inputs_mask = self.drop_states_mask = self.drop_outputs_mask = None

    def hybrid_forward(self, F, inputs, states):
        if self.drop_states and self.drop_states_mask is None:
            self.drop_states_mask = F.Dropout(F.ones_like(states[0]), p=self.drop_states)
        if self.drop_inputs and self.drop_inputs_mask is None:
            self.drop_inputs_mask = F.Dropout(F.ones_like(inputs), p=self.drop_inputs)
        if self.drop_states:
            states = list(states)
            states[0] = states[0] * self.drop_states_mask
        if self.drop_inputs:
            inputs = inputs * self.drop_inputs_mask
        next_output, next_states = self.base_cell(inputs, states)
        if self.drop_outputs and self.drop_outputs_mask is None:
            self.drop_outputs_mask = F.Dropout(F.ones_like(next_output), p=self.drop_outputs)
        if self.drop_outputs:
            next_output = next_output * self.drop_outputs_mask
        return next_output, next_states

    def __repr__(self):
        return f"VariationalDropoutCell(p_out = {self.drop_outputs}, p_state = {self.drop_states})"


class LSTMPCell(HybridRecurrentCell):
    """LSTM step with a projection: gates from x and the projected state r (N, P); c' as the LSTM's; the
    output r' = (o * tanh(c')) h2r_weight^T, (N, P). States [r, c]; h2r_weight (P, H) has no bias."""

    def __init__(self, hidden_size, projection_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 h2r_weight_initializer=None, i2h_bias_initializer='zeros', h2h_bias_initializer='zeros',
                 input_size=0, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._hidden_size, self._input_size, self._projection_size = hidden_size, input_size, projection_size
        with self.name_scope():
            self.i2h_weight = self.params.get('i2h_weight', shape=(4 * hidden_size, input_size),
                                              init=i2h_weight_initializer, allow_deferred_init=True)
            self.h2h_weight = self.params.get('h2h_weight', shape=(4 * hidden_size, projection_size),
                                              init=h2h_weight_initializer, allow_deferred_init=True)
            self.h2r_weight = self.params.get('h2r_weight', shape=(projection_size, hidden_size),
                                              init=h2r_weight_initializer, allow_deferred_init=True)
            self.i2h_bias = self.params.get('i2h_bias', shape=(4 * hidden_size,), init=i2h_bias_initializer,
                                            allow_deferred_init=True)
            self.h2h_bias = self.params.get('h2h_bias', shape=(4 * hidden_size,), init=h2h_bias_initializer,
                                            allow_deferred_init=True)

    def _alias(self):
        return 'lstmp'

    def infer_shape(self, inputs, *args):
        self.i2h_weight.shape = (4 * self._hidden_size, shape_of(inputs)[1])

    def state_info(self, batch_size=0):
        return [{'shape': (batch_size, self._projection_size), '__layout__': 'NC'},
                {'shape': (batch_size, self._hidden_size), '__layout__': 'NC'}]

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, h2r_weight, i2h_bias, h2h_bias):
        next_r, next_c = _lstm_step(F, inputs, states[0], states[1], i2h_weight, h2h_weight, i2h_bias, h2h_bias,
                                    self._hidden_size, h2r_weight, self._projection_size)
        return next_r, [next_r, next_c]


__all__ = ["VariationalDropoutCell", "LSTMPCell"]
