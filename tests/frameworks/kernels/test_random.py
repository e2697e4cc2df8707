"""The shared Philox generator: Random123's known answers, identical bits on every backend, its stream."""
import numpy as np
import pytest

from frameworks import kernels as K
from frameworks.kernels.random import Stream, philox4x32, random_bits, uniform
from tests.conftest import DEVICE_PARAMS

# Random123's philox4x32_10 known-answer vectors (kat_vectors): counter, key, expected output
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
    ((0xffffffff,) * 4, (0xffffffff,) * 2, (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
    ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
     (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)),
]


@pytest.mark.parametrize("ctr,key,want", KAT)
def test_philox_matches_random123(ctr, key, want):
    words = philox4x32(np, *[np.array([c], dtype=np.uint64) for c in ctr], *key)
    assert tuple(int(w[0]) for w in words) == want


def test_bits_are_a_pure_function_of_seed_counter_and_index():
    a = random_bits(np, 7, 3, (5, 6))
    assert a.dtype == np.uint32 and a.shape == (5, 6)
    np.testing.assert_array_equal(a, random_bits(np, 7, 3, (5, 6)))
    # element i does not depend on the shape asked for: a longer draw extends a shorter one
    np.testing.assert_array_equal(random_bits(np, 7, 3, (40,))[:30], a.reshape(-1))
    assert (a != random_bits(np, 7, 4, (5, 6))).mean() > 0.9
    assert (a != random_bits(np, 8, 3, (5, 6))).mean() > 0.9
    # a 64-bit seed and counter use both key and both counter words
    assert (random_bits(np, 1 << 40, 1 << 33, (8,)) != random_bits(np, 0, 0, (8,))).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_is_in_unit_interval_and_dtype_exact(dtype):
    u = uniform(np, 1, 0, (10000,), dtype=dtype)
    assert u.dtype == np.dtype(dtype) and u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.02
    # the same 24-bit values in either dtype, so thresholds agree across dtypes
    np.testing.assert_array_equal(u.astype(np.float64), uniform(np, 1, 0, (10000,), dtype="float64"))


def test_seed_and_counter_are_checked():
    with pytest.raises(ValueError, match="seed"):
        random_bits(np, -1, 0, (2,))
    with pytest.raises(ValueError, match="counter"):
        random_bits(np, 0, 1 << 64, (2,))


def test_stream_hands_out_counters_in_order_and_reseeds():
    s = Stream(7)
    assert [s.next_counter() for _ in range(3)] == [0, 1, 2]
    s.seed(9)
    assert (s.seed_value, s.next_counter()) == (9, 0)


@pytest.mark.parametrize("device", [p for p in DEVICE_PARAMS if p.id != "cpu"])
def test_every_backend_draws_the_same_bits(device):
    xp = K.get_xp(device)
    np.testing.assert_array_equal(K.to_numpy(random_bits(xp, 7, 5, (33, 17))), random_bits(np, 7, 5, (33, 17)))
    np.testing.assert_array_equal(K.to_numpy(uniform(xp, 7, 5, (1000,))), uniform(np, 7, 5, (1000,)))
