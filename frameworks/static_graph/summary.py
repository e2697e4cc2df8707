"""tf.summary: scalar/histogram summaries and a FileWriter. TensorBoard's event files are protobuf records;
this engine writes the same information as text a person or a script can read: `<logdir>/graph.json` and
`graph.dot` (the graph, as tf.train.write_graph) and `<logdir>/events.jsonl` (one JSON line per summary
value: step, tag, value or histogram statistics)."""
import json
import logging
import os
import re
import time

import numpy as np

from . import ops
from .export import graph_def, to_dot
from .graph import GraphKeys, get_default_graph, string
from .runtime import register_runner


def _clean_tag(name):
    """TF's rule: characters other than [-/\\w.] become '_' (a variable's name 'W1:0' is tagged 'W1_0')."""
    clean = re.sub(r"[^-/\w\.]", "_", name).lstrip("/")
    if clean != name:
        logging.getLogger("tensorflow").info("Summary name %s is illegal; using %s instead.", name, clean)
    return clean


def _summary_op(op_type, inputs, name, collections, **attrs):
    g = get_default_graph()
    name = _clean_tag(name)
    t = ops.graph_op(op_type, inputs, [(string, ())], name, **attrs).outputs[0]
    if "tag" in attrs:   # TF tags a summary with its scoped, unique name: 'layer1/weights/summaries/mean'
        t.op.attrs["tag"] = t.op.name
    for key in (collections if collections is not None else [GraphKeys.SUMMARIES]):
        g.add_to_collection(key, t)
    return t


def scalar(name, tensor, collections=None, family=None):
    """A summary of one scalar value (the returned tensor is its serialized record)."""
    return _summary_op("ScalarSummary", [ops.convert_to_tensor(tensor)], name, collections, tag=name)


def histogram(name, values, collections=None, family=None):
    """A summary of a tensor's distribution (min, max, mean, std, count and 30 bucket counts)."""
    return _summary_op("HistogramSummary", [ops.convert_to_tensor(values)], name, collections, tag=name)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """A summary of up to `max_outputs` images of a (N, H, W, C) batch: their shape and value range here
    (TensorBoard's PNG encodings are not written)."""
    return _summary_op("ImageSummary", [ops.convert_to_tensor(tensor)], name, collections, tag=name,
                       max_outputs=int(max_outputs))


def merge(inputs, collections=None, name=None):
    return _summary_op("MergeSummary", list(inputs), name or "Merge/MergeSummary", collections)


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    found = get_default_graph().get_collection(key, scope)
    return merge(found, collections=[], name=name) if found else None


@register_runner("ScalarSummary")
def _scalar(op, sess):
    tag = op.attrs["tag"]
    return lambda v: (np.asarray(json.dumps([{"tag": tag, "value": float(v)}])),)


@register_runner("HistogramSummary")
def _histogram(op, sess):
    tag = op.attrs["tag"]

    def run(v):
        a = np.asarray(v.get() if hasattr(v, "get") else v, np.float64).ravel()
        counts, edges = np.histogram(a, bins=30) if a.size else (np.zeros(0), np.zeros(0))
        stats = dict(min=float(a.min()), max=float(a.max()), mean=float(a.mean()), std=float(a.std()),
                     count=int(a.size), bucket_limits=edges[1:].tolist(), buckets=counts.tolist()) \
            if a.size else dict(count=0)
        return (np.asarray(json.dumps([{"tag": tag, "histo": stats}])),)
    return run


@register_runner("ImageSummary")
def _image(op, sess):
    tag, n = op.attrs["tag"], op.attrs["max_outputs"]

    def run(v):
        a = np.asarray(v.get() if hasattr(v, "get") else v)[:n]
        stats = dict(shape=list(a.shape), min=float(a.min()), max=float(a.max())) if a.size else \
            dict(shape=list(a.shape))
        return (np.asarray(json.dumps([{"tag": f"{tag}/image" if n == 1 else f"{tag}/image/{i}", "image": stats}
                                       for i in range(min(n, len(a)))])),)
    return run


@register_runner("MergeSummary")
def _merge(op, sess):
    return lambda *parts: (np.asarray(json.dumps([v for p in parts for v in json.loads(str(p))])),)


class FileWriter:
    """Writes the graph and summaries under `logdir` (text formats; see the module docstring)."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, filename_suffix=None, session=None):
        self.logdir = logdir
        os.makedirs(logdir, exist_ok=True)
        self._events = open(os.path.join(logdir, "events.jsonl"), "a")
        if graph is not None:
            self.add_graph(graph)

    def get_logdir(self):
        return self.logdir

    def add_graph(self, graph, global_step=None):
        with open(os.path.join(self.logdir, "graph.json"), "w") as f:
            json.dump(graph_def(graph), f, indent=1)
        with open(os.path.join(self.logdir, "graph.dot"), "w") as f:
            f.write(to_dot(graph))

    def add_summary(self, summary, global_step=None):
        try:
            values = json.loads(str(summary))
        except ValueError:
            raise TypeError(f"add_summary: expected the value of a tf.summary op, got {summary!r:.80}"
                            ) from None
        for v in values:
            v = dict(v, step=None if global_step is None else int(global_step), wall_time=time.time())
            self._events.write(json.dumps(v) + "\n")

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """One line with the run's per-step timings (RunMetadata.step_stats) under `tag`."""
        stats = getattr(run_metadata, "step_stats", None)
        v = dict(tag=tag, step_stats=[list(x) for x in stats or ()],
                 step=None if global_step is None else int(global_step), wall_time=time.time())
        self._events.write(json.dumps(v) + "\n")

    def flush(self):
        self._events.flush()

    def close(self):
        self._events.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

