"""tf.metrics: streaming metrics as (value, update_op) over local variables (total, count)."""
import numpy as np

from . import ops
from .graph import GraphKeys, float32, get_default_graph
from .variables import Variable


def _local(name, dtype=float32):
    with get_default_graph().control_dependencies(None):
        return Variable(np.zeros((), dtype.np), trainable=False, name=name,
                        collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES])


def _safe_div(total, count):
    """total / count, 0 while count is 0 (TF's div_no_nan), computed without a 0/0."""
    return ops.where(ops.greater(count, 0.0), total / ops.maximum(count, 1.0), ops.zeros_like(total))


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The running mean of every element of `values` seen since the local variables were initialized."""
    with get_default_graph().name_scope(name or "mean"):
        return _streaming_mean(values, weights, metrics_collections, updates_collections)


def _streaming_mean(values, weights, metrics_collections, updates_collections):
    if weights is not None:
        raise ValueError("tf.metrics: weights are not supported")
    g = get_default_graph()
    values = ops.cast(ops.convert_to_tensor(values), float32)
    total, count = _local("total"), _local("count")
    update_total = ops.assign_add(total, ops.reduce_sum(values))
    update_count = ops.assign_add(count, ops.reduce_sum(ops.ones_like(values)))
    value = _safe_div(total, count)
    update_op = _safe_div(update_total, update_count)
    for key, t in ((metrics_collections, value), (updates_collections, update_op)):
        for c in key or []:
            g.add_to_collection(c, t)
    return value, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
             name=None):
    """The running fraction of `predictions` equal to `labels`."""
    labels, predictions = ops.convert_to_tensor(labels), ops.convert_to_tensor(predictions)
    if labels.dtype != predictions.dtype:
        predictions = ops.cast(predictions, labels.dtype)
    with get_default_graph().name_scope(name or "accuracy"):
        is_correct = ops.cast(ops.equal(predictions, labels), float32)
        return _streaming_mean(is_correct, weights, metrics_collections, updates_collections)
