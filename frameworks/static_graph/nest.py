"""tf.nest (tensorflow/python/util/nest.py, r1.15): nested structures of lists, tuples, namedtuples and
dicts, flattened in TF's order (dicts by sorted key), with TF's structure errors."""
import collections.abc

_DOT = "."


def is_sequence(x):
    """A list, tuple (namedtuples included) or mapping: what nest descends into (strings are leaves)."""
    return isinstance(x, (list, tuple, collections.abc.Mapping))


def _items(x):
    if isinstance(x, collections.abc.Mapping):
        return [x[k] for k in sorted(x)]
    return list(x)


def flatten(structure, expand_composites=False):
    if not is_sequence(structure):
        return [structure]
    out = []
    for v in _items(structure):
        out.extend(flatten(v))
    return out


def _rebuild(like, values):
    if isinstance(like, collections.abc.Mapping):
        by_key = dict(zip(sorted(like), values))
        return type(like)((k, by_key[k]) for k in like)
    if isinstance(like, tuple) and hasattr(like, "_fields"):   # namedtuple
        return type(like)(*values)
    return type(like)(values)


def _pack(structure, flat, i):
    if not is_sequence(structure):
        return flat[i], i + 1
    vals = []
    for v in _items(structure):
        packed, i = _pack(v, flat, i)
        vals.append(packed)
    return _rebuild(structure, vals), i


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    flat_sequence = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"Could not pack sequence. Structure had {n} elements, but flat_sequence had "
                         f"{len(flat_sequence)} elements.  Structure: {structure}, flat_sequence: "
                         f"{flat_sequence}.")
    return _pack(structure, flat_sequence, 0)[0]


def map_structure(func, *structure, **kwargs):
    check_types = kwargs.pop("check_types", True)
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    flat = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*flat)])


def _shown(x):
    return f"type={type(x).__name__} str={x}"


def _check(a, b, check_types):
    seq_a, seq_b = is_sequence(a), is_sequence(b)
    if seq_a != seq_b:
        raise ValueError(f"Substructure \"{_shown(a)}\" is a sequence, while substructure \"{_shown(b)}\" "
                         "is not" if seq_a else
                         f"Substructure \"{_shown(b)}\" is a sequence, while substructure \"{_shown(a)}\" "
                         "is not")
    if not seq_a:
        return
    if check_types and type(a) is not type(b) and not (
            isinstance(a, collections.abc.Mapping) and isinstance(b, collections.abc.Mapping)):
        raise TypeError(f"The two structures don't have the same sequence type. Input structure has type "
                        f"{type(a)}, while shallow structure has type {type(b)}.")
    if isinstance(a, collections.abc.Mapping) and set(a) != set(b):
        raise ValueError(f"The two dictionaries don't have the same set of keys. First structure has keys "
                         f"type=list str={sorted(a)}, while second structure has keys type=list "
                         f"str={sorted(b)}")
    if len(a) != len(b):
        raise ValueError(f"The two structures don't have the same number of elements.\n\nFirst structure "
                         f"({len(a)} elements): {a}\n\nSecond structure ({len(b)} elements): {b}")
    for x, y in zip(_items(a), _items(b)):
        _check(x, y, check_types)


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """TF's check: the same nesting, sequence types (with check_types) and dict keys at every level."""
    try:
        _check(nest1, nest2, check_types)
    except ValueError as e:
        if "number of elements" in str(e) or "set of keys" in str(e):
            raise
        raise ValueError(f"The two structures don't have the same nested structure.\n\nFirst structure: "
                         f"{_shown(nest1)}\n\nSecond structure: {_shown(nest2)}\n\nMore specifically: {e}"
                         ) from None


class nest:  # noqa: N801  (the tf.nest / tf.contrib.framework.nest namespace)
    is_nested = is_sequence = staticmethod(is_sequence)
    flatten = staticmethod(flatten)
    pack_sequence_as = staticmethod(pack_sequence_as)
    map_structure = staticmethod(map_structure)
    assert_same_structure = staticmethod(assert_same_structure)
