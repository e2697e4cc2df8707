"""Helpers the specs share: cached seeded arrays handed out read-only (batches) or as copies (params)."""
import numpy as np


def frozen(**arrays):
    """A batch dict whose arrays cannot be written, so no engine can disturb another's data."""
    for a in arrays.values():
        a.flags.writeable = False
    return arrays


def f32(a):
    return np.asarray(a, dtype=np.float32)


def he_normal(rs, shape, fan_in):
    """He-normal draw: standard_normal(shape) * sqrt(2 / fan_in), float32."""
    return f32(rs.standard_normal(shape) * np.sqrt(2.0 / fan_in))


def uniform(rs, shape, bound=0.1):
    return f32(rs.uniform(-bound, bound, shape))


def copies(arrays):
    """Fresh copies of a dict of arrays: parameters are updated in place, the cached draw must not be."""
    return {k: v.copy() for k, v in arrays.items()}
