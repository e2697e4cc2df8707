"""The one counter-based seeded generator (Philox4x32-10) every engine draws its random bits from.

A counter-based generator has no hidden state: the bits at element i of draw `counter` under `seed` are a
pure function philox(key=seed, ctr=(i, counter)), computed here with xp's uint64 arithmetic (a 32x32-bit
product fits in 64 bits exactly), so NumPy and CuPy give the same bits and every engine given the same
(seed, counter) drops the same units. Philox4x32-10 is the Random123 generator that cuRAND, TensorFlow's
stateless ops and JAX use; tests check it against Random123's known-answer vectors.

How engines map their framework's seeding call onto it (a Stream holds the seed and the next counter):
    torch.manual_seed(s)          -> Stream(s); each dropout call in the forward takes the next counter
    tf.set_random_seed(s)         -> Stream(s) for the graph; each run of a dropout op takes the next counter
    mx.random.seed(s)             -> Stream(s); each dropout (imperative or in a cached graph) likewise
    Caffe's random_seed (solver)  -> Stream(random_seed); each Dropout layer forward takes the next counter
So the masks agree across engines exactly when they make their draws in the same order, which a
workload's step does (the resnet workload: seed 7, one draw per step, counter = step index).
"""

MASK32 = 0xFFFFFFFF
_M0, _M1 = 0xD2511F53, 0xCD9E8D57      # Philox multipliers
_W0, _W1 = 0x9E3779B9, 0xBB67AE85      # Weyl key increments (golden ratio, sqrt(3) - 1)
ROUNDS = 10


def philox4x32(xp, c0, c1, c2, c3, k0, k1, rounds=ROUNDS):
    """Philox4x32 on uint64 arrays holding 32-bit words (counter c0..c3, key k0, k1 Python ints):
    four uint64 arrays of 32-bit outputs."""
    u = xp.uint64
    m0, m1, mask = u(_M0), u(_M1), u(MASK32)
    shift = u(32)
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + _W0) & MASK32, (k1 + _W1) & MASK32
        p0 = m0 * c0
        p1 = m1 * c2
        c0, c1, c2, c3 = ((p1 >> shift) ^ c1 ^ u(k0), p1 & mask, (p0 >> shift) ^ c3 ^ u(k1), p0 & mask)
    return c0, c1, c2, c3


def _check(seed, counter):
    for name, v in (("seed", seed), ("counter", counter)):
        if int(v) != v or not 0 <= int(v) < 1 << 64:
            raise ValueError(f"random: {name} must be an integer in [0, 2**64), got {v!r}")


def random_bits(xp, seed, counter, shape):
    """uint32 array of `shape`: element i is 32-bit word i % 4 of philox(key=seed, ctr=(i // 4, counter))."""
    _check(seed, counter)
    size = 1
    for d in shape:
        size *= int(d)
    blocks = (size + 3) // 4
    idx = xp.arange(blocks, dtype=xp.uint64)
    c0 = idx & xp.uint64(MASK32)
    c1 = idx >> xp.uint64(32)
    c2 = xp.full(blocks, counter & MASK32, dtype=xp.uint64)
    c3 = xp.full(blocks, counter >> 32, dtype=xp.uint64)
    words = philox4x32(xp, c0, c1, c2, c3, seed & MASK32, seed >> 32)
    out = xp.stack(words, axis=1).reshape(-1)[:size]
    return out.astype(xp.uint32).reshape(tuple(shape))


def uniform(xp, seed, counter, shape, dtype="float32"):
    """Uniform [0, 1) of `shape`: the top 24 bits of each word times 2**-24, exact in float32 and float64,
    so a comparison against a threshold gives the same answer in either dtype and on either device."""
    bits = random_bits(xp, seed, counter, shape)
    u = (bits >> xp.uint32(8)).astype(dtype)
    u *= 2.0 ** -24
    return u


class Stream:
    """An engine's seeded stream: the seed its framework's seeding call set, and the next draw's counter."""

    def __init__(self, seed=0):
        self.seed(seed)

    def seed(self, seed):
        _check(seed, 0)
        self.seed_value, self.counter = int(seed), 0

    def next_counter(self):
        """The counter for the next draw (each dropout call takes one)."""
        c = self.counter
        self.counter += 1
        return c
