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
    if isinstance(obj, np.generic):
        return {"value": obj.item()}
    if hasattr(obj, "state_dict"):
        raise TypeError(f"save: cannot store a whole {type(obj).__name__} object: that needs pickle, which "
                        f"checkpoints here never use (.npz + JSON). Save its state_dict() instead, e.g. "
                        f"torch.save(model.state_dict(), PATH), and restore it with "
                        f"model.load_state_dict(torch.load(PATH)) on a freshly built {type(obj).__name__}")
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


def load(f, map_location=None, weights_only=None):
    """Read what save() wrote; tensors land on map_location (default cpu). Never unpickles.

    A file that is not such a checkpoint (text, a pickle, a truncated archive) raises one RuntimeError
    naming the file and what is wrong with it.
    """
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", repr(f))
    try:
        with open(name, "rb") if isinstance(f, (str, os.PathLike)) else contextlib.nullcontext(f) as fh:
            head = fh.read(4)
            fh.seek(0)
            if head != b"PK\x03\x04":
                what = "it is empty" if not head else (
                    "it looks like a pickle (torch.save of real PyTorch); this engine never unpickles"
                    if head[:1] == b"\x80" else f"it starts with {head!r}, not a zip archive's signature")
                raise RuntimeError(f"load: {name} is not a checkpoint written by torch.save (an .npz archive "
                                   f"of arrays plus a JSON layout): {what}")
            with np.load(fh, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
    except RuntimeError:
        raise
    except FileNotFoundError:
        raise
    except Exception as e:  # zipfile.BadZipFile, zlib.error, EOFError, ValueError: a damaged archive
        raise RuntimeError(f"load: {name} is truncated or corrupt: the archive cannot be read "
                           f"({type(e).__name__}: {e})") from None
    if _LAYOUT not in arrays:
        raise RuntimeError(f"load: {name} has no {_LAYOUT} entry; it was not written by torch.save")
    try:
        layout = json.loads(arrays.pop(_LAYOUT).tobytes().decode())
        return _decode(layout, arrays, _xp_for(map_location))
    except (ValueError, KeyError) as e:
        raise RuntimeError(f"load: {name} has a damaged layout entry ({type(e).__name__}: {e})") from None
