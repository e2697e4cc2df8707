"""The static-graph engine (TensorFlow 1.x style): `import frameworks.static_graph as tf`.

Building only adds nodes (with shapes checked through the shared kernels' `infer`); `gradients` adds
gradient nodes; `Session.run` prunes to what the fetches need and runs a cached, compiled flat plan.
"""
from frameworks.kernels import BackendError  # noqa: F401

from . import errors, metrics, nn, summary, train  # noqa: F401
from .contrib import contrib  # noqa: F401
from .platform import app, flags, gfile, logging  # noqa: F401
from .unsupported import missing
from .data import data  # noqa: F401
from .layers import layers  # noqa: F401
from .unsupported import FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue  # noqa: F401
from .control_flow_ops import case, cond, while_loop  # noqa: F401
from .functional_ops import foldl, foldr, map_fn, scan  # noqa: F401
from .tensor_array_ops import TensorArray  # noqa: F401
from .nest import nest  # noqa: F401
from .gradients import AggregationMethod, NoGradient, RegisterGradient, gradients  # noqa: F401
from .graph import (  # noqa: F401
    DType, Graph, GraphKeys, device, Operation, Tensor, TensorShape, add_to_collection,
    add_to_collections, as_dtype, bool_ as bool, control_dependencies,
    get_collection, get_collection_ref, float16, float32, float64, get_default_graph, int8, int16, int32,
    int64, name_scope, reset_default_graph, set_random_seed, string, uint8, uint16)
from .ops import (  # noqa: F401,A004
    abs, add, add_n, argmax, argmin, assign, assign_add, assign_sub, cast,
    clip_by_value, concat, constant, convert_to_tensor, divide, einsum, equal, exp,
    expand_dims, fill, floor, greater, greater_equal, group, identity, less, less_equal,
    log, logical_and, logical_not, logical_or, matmul, maximum, minimum, multiply,
    negative, no_op, not_equal, one_hot, ones, ones_like, pad, placeholder,
    placeholder_with_default, pow, random_normal, random_uniform, reciprocal,
    reduce_max, reduce_mean, reduce_min, reduce_sum, reshape, rsqrt, shape, sigmoid,
    size, split, sqrt, square, squeeze, stack, stop_gradient, subtract, tanh,
    transpose, truncated_normal, unstack, where, zeros, zeros_like)
from .ops import (  # noqa: F401,A004
    gather, log1p, range, reduce_all, reduce_any, reduce_prod, sign, squared_difference, tile, to_double,
    to_float, to_int32, to_int64)
from .ops import tuple_ as tuple  # noqa: F401,A001
from .session import (  # noqa: F401
    ConfigProto, GPUOptions, InteractiveSession, RunMetadata, RunOptions, Session, get_default_session)
from .variables import (Variable, global_variables, global_variables_initializer,  # noqa: F401
                        local_variables, local_variables_initializer, model_variables, trainable_variables,
                        variables_initializer)
from .variable_scope import (AUTO_REUSE, VariableScope, constant_initializer, get_variable,  # noqa: F401
                             get_variable_scope, glorot_normal_initializer, glorot_uniform_initializer,
                             ones_initializer, random_normal_initializer, random_uniform_initializer,
                             truncated_normal_initializer, variable_scope, variance_scaling_initializer,
                             zeros_initializer)

float = float32  # noqa: A001  (tf.float is not TF's, but tf.float32 is; kept for old tutorials' tf.float)
sub = subtract
mul = multiply
div = divide
initialize_all_variables = global_variables_initializer
half, double = float16, float64
arg_max, arg_min = argmax, argmin
VERSION = __version__ = "1.15.0"   # the TF API this engine follows
__getattr__ = missing("")


class losses:  # noqa: N801  (tf.losses namespace)
    """tf.losses: the reducing losses."""

    @staticmethod
    def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None):
        """Mean softmax cross-entropy over the batch (the shared fused kernel)."""
        if weights != 1.0:
            raise ValueError("losses.sparse_softmax_cross_entropy: only weights=1.0 is supported")
        return nn.sparse_softmax_xent(labels, logits, None, "mean")

    @staticmethod
    def mean_squared_error(labels, predictions):
        return reduce_mean(square(subtract(predictions, labels)))
