"""tf.contrib, the parts classic programs lean on: contrib.rnn (the core cells and drivers under their
contrib names), contrib.layers.xavier_initializer and contrib.framework (smart_cond, nest). Any other contrib name raises UnimplementedError
saying what to use."""
from . import rnn as _rnn
from .control_flow_ops import smart_cond
from .nest import nest as _nest
from .unsupported import Refusing
from .variable_scope import variance_scaling_initializer


class rnn(metaclass=Refusing):  # noqa: N801  (tf.contrib.rnn)
    _tf_prefix = "contrib.rnn."
    RNNCell = _rnn.RNNCell
    BasicRNNCell = _rnn.BasicRNNCell
    BasicLSTMCell = _rnn.BasicLSTMCell
    LSTMCell = _rnn.LSTMCell
    GRUCell = _rnn.GRUCell
    MultiRNNCell = _rnn.MultiRNNCell
    LSTMStateTuple = _rnn.LSTMStateTuple
    static_rnn = staticmethod(_rnn.static_rnn)
    static_bidirectional_rnn = staticmethod(_rnn.static_bidirectional_rnn)


def xavier_initializer(uniform=True, seed=None, dtype=None):
    """Glorot/Xavier: uniform in +-sqrt(6 / (fan_in + fan_out)), or a truncated normal of that variance."""
    kw = {} if dtype is None else {"dtype": dtype}
    return variance_scaling_initializer(1.0, "fan_avg", "uniform" if uniform else "truncated_normal", seed, **kw)


class layers(metaclass=Refusing):  # noqa: N801  (tf.contrib.layers)
    _tf_prefix = "contrib.layers."
    xavier_initializer = staticmethod(xavier_initializer)
    xavier_initializer_conv2d = staticmethod(xavier_initializer)


class framework(metaclass=Refusing):  # noqa: N801  (tf.contrib.framework)
    _tf_prefix = "contrib.framework."
    smart_cond = staticmethod(smart_cond)
    nest = _nest


class contrib(metaclass=Refusing):  # noqa: N801  (tf.contrib)
    _tf_prefix = "contrib."
    framework = framework
    rnn = rnn
    layers = layers
