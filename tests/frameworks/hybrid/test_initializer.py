"""mx.init's LSTMBias, Bilinear, Load, InitDesc and register, as MXNet 1.x defines them."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import gluon, nd


def test_lstm_bias_sets_the_forget_gate_quarter():
    layer = gluon.rnn.LSTM(3, i2h_bias_initializer=mx.init.LSTMBias(forget_bias=1.0), input_size=2)
    layer.initialize()
    assert layer.l0_i2h_bias.data().asnumpy().tolist() == [0.0] * 3 + [1.0] * 3 + [0.0] * 6


def test_bilinear_is_the_upsampling_kernel():
    up = gluon.nn.Conv2DTranspose(2, 4, strides=2, padding=1, in_channels=2, weight_initializer=mx.init.Bilinear())
    up.initialize()
    ramp = np.array([0.25, 0.75, 0.75, 0.25])
    np.testing.assert_allclose(up.weight.data().asnumpy()[1, 0], np.outer(ramp, ramp))


def test_load_register_and_initdesc(tmp_path):
    dense = gluon.nn.Dense(2, in_units=2, prefix="fc_")
    dense.initialize(mx.init.Load({"arg:fc_weight": nd.ones((2, 2)) * 3}, default_init=mx.init.Zero()))
    assert dense.weight.data().asnumpy().tolist() == [[3, 3], [3, 3]]
    with pytest.raises(AssertionError, match="Shape mismatch"):
        gluon.nn.Dense(3, in_units=2, prefix="fc_").initialize(mx.init.Load({"fc_weight": nd.ones((2, 2))}))

    @mx.init.register
    class Sevens(mx.init.Initializer):
        def _init_weight(self, name, arr):
            arr[:] = 7
    net = gluon.nn.Dense(2, in_units=2)
    net.initialize("sevens")
    assert net.weight.data().asnumpy().tolist() == [[7, 7], [7, 7]]
    desc = mx.init.InitDesc("w", {"__init__": "zeros"})
    assert desc == "w" and desc.attrs == {"__init__": "zeros"} and desc.global_init is None
