"""tf.data: Dataset pipelines (from_tensor_slices, from_generator, shuffle, batch, repeat, ...) and Iterators
whose get_next() is a graph op, so a step pulls its batch inside Session.run, with no feed_dict.

A Dataset is a host-side description; the iteration state lives in each Session (TF keeps it in a
resource per session), created by the iterator's initializer op. Elements are NumPy arrays on the host,
moved to the session's device by get_next, as TF's iterator hands tensors to the graph.
"""
import numpy as np

from . import errors, ops
from .graph import Tensor, TensorShape, as_dtype, get_default_graph
from .runtime import register_runner


# ---------------------------------------------------------------- element structure

def _flatten(structure):
    if isinstance(structure, dict):
        return [x for k in sorted(structure) for x in _flatten(structure[k])]
    if isinstance(structure, (tuple, list)):
        return [x for s in structure for x in _flatten(s)]
    return [structure]


def _pack(structure, flat):
    it = iter(flat)

    def build(s):
        if isinstance(s, dict):
            return {k: build(s[k]) for k in sorted(s)}
        if isinstance(s, (tuple, list)):
            items = [build(x) for x in s]
            return type(s)(*items) if hasattr(s, "_fields") else type(s)(items)
        return next(it)
    return build(structure)


def _as_array(v):
    """A component's NumPy value: Python values take TF's float32/int32 defaults."""
    if isinstance(v, np.ndarray):
        return v
    a = np.asarray(v)
    if a.dtype == np.float64:
        return a.astype(np.float32)
    if a.dtype == np.int64 and np.abs(a).max(initial=0) < 2 ** 31:
        return a.astype(np.int32)
    return a


class _Component:
    """One flat component: a constant array, or a graph tensor (a placeholder) read at initialization."""

    def __init__(self, value):
        if isinstance(value, Tensor):
            self.tensor, self.array = value, None
            if value.op.type == "Const":
                self.tensor, self.array = None, value.op.attrs["value"]
        else:
            self.tensor, self.array = None, _as_array(value)
        src = self.array if self.tensor is None else None
        self.dtype = as_dtype(src.dtype) if src is not None else value.dtype
        self.shape = tuple(src.shape) if src is not None else value.shape.dims

    def value(self, ctx):
        return self.array if self.tensor is None else ctx.fed[self.tensor]


# ---------------------------------------------------------------- datasets

class Dataset:
    """A sequence of elements (nested tuples/dicts of arrays). Subclasses give `_iter(ctx)`."""

    def __init__(self, structure, dtypes, shapes, inputs=()):
        self._structure, self._dtypes, self._shapes = structure, dtypes, shapes
        self._inputs = list(inputs)   # graph tensors read when an iterator over this is initialized

    # --- what TF exposes
    @property
    def output_types(self):
        return _pack(self._structure, self._dtypes)

    @property
    def output_shapes(self):
        return _pack(self._structure, [TensorShape(s) for s in self._shapes])

    # --- sources
    @staticmethod
    def from_tensor_slices(tensors):
        return _Slices(tensors)

    @staticmethod
    def from_tensors(tensors):
        return _Slices(tensors, whole=True)

    @staticmethod
    def from_generator(generator, output_types, output_shapes=None, args=None):
        return _Generator(generator, output_types, output_shapes, args)

    @staticmethod
    def range(*args):
        return _Slices(np.arange(*args, dtype=np.int64))

    @staticmethod
    def zip(datasets):
        return _Zip(datasets)

    # --- transformations
    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True):
        return _Shuffle(self, int(buffer_size), seed, reshuffle_each_iteration)

    def batch(self, batch_size, drop_remainder=False):
        return _Batch(self, int(batch_size), drop_remainder)

    def repeat(self, count=None):
        return _Repeat(self, count)

    def take(self, count):
        return _Take(self, int(count), skip=False)

    def skip(self, count):
        return _Take(self, int(count), skip=True)

    def prefetch(self, buffer_size):
        """Elements are produced on demand inside Session.run; prefetching changes no element."""
        return self

    def cache(self, filename=""):
        """Every element is recomputed from arrays already in memory; caching changes no element."""
        return self

    def map(self, map_func, num_parallel_calls=None):
        raise errors.UnimplementedError(
            None, None, "Dataset.map is not supported by this engine (it would trace map_func into a "
                        "per-element graph); apply the function to the arrays before from_tensor_slices, or "
                        "to the tensors that get_next() returns")

    # --- iterators
    def make_one_shot_iterator(self):
        if self._inputs:
            raise ValueError("Failed to create a one-shot iterator for a dataset. `Dataset."
                             "make_one_shot_iterator()` does not support datasets that capture stateful "
                             "objects, such as a placeholder; use `make_initializable_iterator()` instead.")
        return Iterator(self, one_shot=True)

    def make_initializable_iterator(self, shared_name=None):
        return Iterator(self, one_shot=False)

    def __iter__(self):
        raise RuntimeError("dataset.__iter__() is only supported when eager execution is enabled.")


class _Slices(Dataset):
    def __init__(self, tensors, whole=False):
        comps = [_Component(v) for v in _flatten(tensors)]
        if not whole:
            n = {c.shape[0] for c in comps if c.shape and c.shape[0] is not None}
            if any(not c.shape for c in comps):
                raise ValueError("from_tensor_slices: every component needs a first dimension to slice")
            if len(n) > 1:
                raise ValueError(f"Dimensions {sorted(n)} in the first axis of the components differ "
                                 "(from_tensor_slices needs one length)")
        shapes = [c.shape if whole else c.shape[1:] for c in comps]
        super().__init__(tensors, [c.dtype for c in comps], shapes, [c.tensor for c in comps if c.tensor])
        self._comps, self._whole = comps, whole

    def _iter(self, ctx):
        values = [c.value(ctx) for c in self._comps]
        if self._whole:
            yield values
            return
        for i in range(len(values[0])):
            yield [v[i] for v in values]


class _Generator(Dataset):
    def __init__(self, generator, output_types, output_shapes, args):
        types = [as_dtype(t) for t in _flatten(output_types)]
        shapes = [None] * len(types) if output_shapes is None else \
            [None if s is None else tuple(s) for s in _flatten_shapes(output_shapes, output_types)]
        super().__init__(output_types, types, shapes)
        self._gen, self._args = generator, tuple(args or ())

    def _iter(self, ctx):
        for el in self._gen(*self._args):
            flat = _flatten(el)
            if len(flat) != len(self._dtypes):
                raise errors.InvalidArgumentError(None, None, f"from_generator: an element has {len(flat)} "
                                                  f"components, output_types declares {len(self._dtypes)}")
            out = []
            for v, t, s in zip(flat, self._dtypes, self._shapes):
                a = np.asarray(v, t.np)
                if s is not None and not TensorShape(s).is_compatible_with(a.shape):
                    raise errors.InvalidArgumentError(None, None, f"from_generator: `generator` yielded an "
                                                      f"element of shape {a.shape} where {s} was expected.")
                out.append(a)
            yield out


def _flatten_shapes(shapes, types):
    """output_shapes mirrors output_types; a shape is a list/tuple of dims, so flatten by the types."""
    if isinstance(types, dict):
        return [x for k in sorted(types) for x in _flatten_shapes(shapes[k], types[k])]
    if isinstance(types, (tuple, list)):
        return [x for s, t in zip(shapes, types) for x in _flatten_shapes(s, t)]
    return [shapes]


class _Unary(Dataset):
    def __init__(self, src, shapes=None):
        super().__init__(src._structure, src._dtypes, src._shapes if shapes is None else shapes,
                         src._inputs)
        self._src = src


class _Shuffle(_Unary):
    """TF's buffer algorithm: fill `buffer_size` elements, emit a random one, refill its slot."""

    def __init__(self, src, buffer_size, seed, reshuffle):
        super().__init__(src)
        g = get_default_graph()
        self._seed = None if seed is None and g.seed is None else \
            (0 if g.seed is None else g.seed) * 1000003 + (0 if seed is None else seed)
        self._buffer, self._reshuffle = buffer_size, reshuffle

    def _iter(self, ctx):
        rs = ctx.rng.get(self)
        if rs is None or not self._reshuffle:
            rs = ctx.rng[self] = np.random.RandomState(self._seed)
        buf = []
        for el in self._src._iter(ctx):
            buf.append(el)
            if len(buf) == self._buffer:
                i = rs.randint(len(buf))
                buf[i], buf[-1] = buf[-1], buf[i]
                yield buf.pop()
        while buf:
            i = rs.randint(len(buf))
            buf[i], buf[-1] = buf[-1], buf[i]
            yield buf.pop()


class _Batch(_Unary):
    def __init__(self, src, batch_size, drop_remainder):
        lead = batch_size if drop_remainder else None
        super().__init__(src, [None if s is None else (lead,) + tuple(s) for s in src._shapes])
        self._n, self._drop = batch_size, drop_remainder

    def _iter(self, ctx):
        rows = []
        for el in self._src._iter(ctx):
            rows.append(el)
            if len(rows) == self._n:
                yield [np.stack(c) for c in zip(*rows)]
                rows = []
        if rows and not self._drop:
            yield [np.stack(c) for c in zip(*rows)]


class _Repeat(_Unary):
    def __init__(self, src, count):
        super().__init__(src)
        self._count = None if count is None or count < 0 else int(count)

    def _iter(self, ctx):
        epoch = 0
        while self._count is None or epoch < self._count:
            empty = True
            for el in self._src._iter(ctx):
                empty = False
                yield el
            epoch += 1
            if empty:
                return


class _Take(_Unary):
    def __init__(self, src, count, skip):
        super().__init__(src)
        self._count, self._skip = count, skip

    def _iter(self, ctx):
        for i, el in enumerate(self._src._iter(ctx)):
            if self._skip:
                if i >= self._count:
                    yield el
            elif self._count >= 0 and i >= self._count:
                return
            else:
                yield el


class _Zip(Dataset):
    def __init__(self, datasets):
        parts = _flatten(datasets)
        super().__init__(tuple(p._structure for p in parts) if isinstance(datasets, tuple) else datasets,
                         [t for p in parts for t in p._dtypes], [s for p in parts for s in p._shapes],
                         [t for p in parts for t in p._inputs])
        self._parts = parts

    def _iter(self, ctx):
        for els in zip(*[p._iter(ctx) for p in self._parts]):
            yield [x for el in els for x in el]


# ---------------------------------------------------------------- iterators

class _Context:
    """One initialization's state: the fed values of captured tensors, shuffle generators."""

    def __init__(self, fed):
        self.fed, self.rng = fed, {}


class Iterator:
    """Iterates a Dataset inside each Session: `initializer` (an op) starts it over, `get_next()` returns
    the next element's tensors (one op; every call returns the same tensors, as TF's does per call)."""

    def __init__(self, dataset, one_shot):
        self._dataset, self._one_shot = dataset, one_shot
        with get_default_graph().name_scope("Iterator"):
            self.initializer = ops.graph_op("MakeIterator", list(dataset._inputs), [], "MakeIterator",
                                            iterator=self)
        self._next = None

    @property
    def output_types(self):
        return self._dataset.output_types

    @property
    def output_shapes(self):
        return self._dataset.output_shapes

    def get_next(self, name=None):
        d = self._dataset
        op = ops.graph_op("IteratorGetNext", [], list(zip(d._dtypes, d._shapes)), name or "IteratorGetNext",
                          iterator=self)
        return _pack(d._structure, op.outputs)

    def make_initializer(self, dataset, name=None):
        raise errors.UnimplementedError(None, None, "Iterator.from_structure / make_initializer are not "
                                        "supported; make one initializable iterator per dataset")

    def _start(self, sess, fed):
        sess._resources[self] = self._dataset._iter(_Context(dict(zip(self._dataset._inputs, fed))))


@register_runner("MakeIterator")
def _make_iterator(op, sess):
    it = op.attrs["iterator"]

    def run(*fed):
        it._start(sess, [np.asarray(v) if not hasattr(v, "get") else v.get() for v in fed])
    return run


@register_runner("IteratorGetNext")
def _get_next(op, sess):
    it, xp = op.attrs["iterator"], sess.xp

    def run():
        gen = sess._resources.get(it)
        if gen is None:
            if not it._one_shot:
                raise errors.FailedPreconditionError(
                    None, op, "GetNext() failed because the iterator has not been initialized. Ensure that "
                    "you have run the initializer operation for this iterator before getting the next "
                    f"element.\n\t [[{{{{node {op.name}}}}}]]")
            it._start(sess, [])
            gen = sess._resources[it]
        try:
            el = next(gen)
        except StopIteration:
            raise errors.OutOfRangeError(None, op,
                                         f"End of sequence\n\t [[{{{{node {op.name}}}}}]]") from None
        return tuple(xp.asarray(a) for a in el)
    return run


class data:  # noqa: N801  (the tf.data namespace)
    Dataset = Dataset
    Iterator = Iterator
