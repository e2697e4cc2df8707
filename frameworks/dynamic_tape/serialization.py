"""save / load: tensors and nested dicts / lists of them as one .npz (arrays + a JSON layout), no pickle."""
import contextlib
import json
import os

import numpy as np

from frameworks.kernels import to_numpy

from ._tensor import Tensor
from ._types import _xp_for

_LAYOUT = "__layout__"


def _encode(obj, arrays):
    if isinstance(obj, Tensor) or isinstance(obj, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = to_numpy(obj._array if isinstance(obj, Tensor) else obj)
        return {"tensor": key} if isinstance(obj, Tensor) else {"ndarray": key}
    if isinstance(obj, dict):
        return {"dict": [[_key(k), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"list" if isinstance(obj, list) else "tuple": [_encode(v, arrays) for v in obj]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    raise TypeError(f"save: cannot store a {type(obj).__name__} (only tensors, arrays, numbers, strings and "
                    f"dicts / lists / tuples of them; no pickle)")


def _key(k):
    if isinstance(k, (str, int)):
        return k
    raise TypeError(f"save: dict keys must be str or int, got {type(k).__name__}")


def _decode(node, arrays, xp):
    (kind, value), = node.items()
    if kind == "tensor":
        a = arrays[value]
        return Tensor._wrap(a if xp is np else xp.asarray(a))
    if kind == "ndarray":
        return arrays[value]
    if kind == "dict":
        return {k: _decode(v, arrays, xp) for k, v in value}
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays, xp) for v in value]
        return items if kind == "list" else tuple(items)
    return value


def save(obj, f):
    """Write obj (a state_dict, or any nesting of tensors, dicts, lists, numbers) to the .npz file f."""
    arrays = {}
    layout = _encode(obj, arrays)
    arrays[_LAYOUT] = np.frombuffer(json.dumps(layout).encode(), dtype=np.uint8)
    with open(os.fspath(f), "wb") if isinstance(f, (str, os.PathLike)) else contextlib.nullcontext(f) as fh:
        np.savez(fh, **arrays)


def load(f, map_location=None):
    """Read what save() wrote; tensors land on map_location (default cpu). Never unpickles."""
    try:
        with np.load(f, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (ValueError, OSError) as e:
        raise RuntimeError(f"load: {f} is not a checkpoint written by save() ({e})") from None
    if _LAYOUT not in arrays:
        raise RuntimeError(f"load: {f} has no {_LAYOUT} entry; it was not written by save()")
    layout = json.loads(arrays.pop(_LAYOUT).tobytes().decode())
    return _decode(layout, arrays, _xp_for(map_location))
