"""The workspace pool: reusable arrays that kernels draw their big buffers from (im2col columns,
padded copies, LSTM gates, pooling indices, GEMM results before a layout change), so a step's buffers are
allocated once instead of every step. glibc's default malloc gives blocks of 128 KiB and more back to the
kernel on free, and every step then pays page faults again (`--malloc system`); frameworks avoid this with
a caching allocator, and this pool is that allocator for the shared kernels.

A pooled block is handed out again only when nothing but the pool refers to it: no `saved` tuple, no view
(every array handed out is a view of its block, and a view refers to its base), no output an engine still
holds. So reuse can never alias a live array, and no engine needs to say when a buffer dies. Blocks are
kept by size class, not by shape, so one block serves the scratch of forward and the gradients of backward
alike and the pool holds little that is idle. Each thread has its own pool, made on first use (see pool());
an owner may install its own with `use_pool(WorkspacePool())` or turn reuse off with `use_pool(None)` (the
harness's memory pass does, so peaks count arrays in use).
Kernels that draw from the pool say so with the fact `uses_pool` (tests/frameworks/kernels/test_workspace.py
checks it)."""
import sys
import threading

# Smaller arrays come from malloc's free lists cheaply either way; the pool's bookkeeping would cost more.
MIN_BYTES = 64 * 1024
# Blocks held per size class: enough for the arrays of one class alive at once in a step (a net's equal
# maps, forward's saved columns while backward draws its scratch); beyond it a request allocates afresh.
PER_CLASS = 8


def _free_refcount():
    """sys.getrefcount of a block that nothing but the pool's list refers to, read exactly as `empty` reads
    it (a for loop over the list): 3 on CPython 3.11 (the list, the loop name, the call), and measured, not
    assumed, because an interpreter that borrows the loop's reference (3.14's stack references) counts one
    less, and a baseline one too high would hand out a block that a live view still uses."""
    for block in [bytearray(1)]:
        return sys.getrefcount(block)


_BASELINE = _free_refcount()


def size_class(nbytes):
    """The block size serving `nbytes`: four classes per doubling, so a block wastes under a quarter and one
    block serves every shape and dtype of its class (fewer idle blocks than one per shape)."""
    top = 1 << (nbytes - 1).bit_length()          # the next power of two
    step = top >> 3
    return -(-nbytes // step) * step


class WorkspacePool:
    """Byte blocks by (array module, size class), each handed out as a view of the shape and dtype asked
    for, and again once free; `nbytes` is what the pool holds."""

    def __init__(self, min_bytes=MIN_BYTES, per_class=PER_CLASS):
        self.min_bytes, self.per_class = min_bytes, per_class
        self.blocks = {}
        self.nbytes = 0
        self.draws = 0      # calls that asked for a pooled size (a test reads it; cheap to keep)

    def empty(self, xp, shape, dtype):
        """An uninitialised C-contiguous array of `shape` and `dtype` sharing memory with no live array."""
        dtype = xp.dtype(dtype)
        nbytes = dtype.itemsize
        for d in shape:
            nbytes *= d
        if nbytes < self.min_bytes:
            return xp.empty(shape, dtype)
        self.draws += 1
        key = (xp, size_class(nbytes))
        held = self.blocks.get(key)
        if held is None:
            held = self.blocks[key] = []
        for block in held:
            if sys.getrefcount(block) == _BASELINE:
                return block[:nbytes].view(dtype).reshape(shape)
        block = xp.empty(key[1], xp.uint8)
        if len(held) < self.per_class:
            held.append(block)
            self.nbytes += block.nbytes
        return block[:nbytes].view(dtype).reshape(shape)

    def zeros(self, xp, shape, dtype):
        a = self.empty(xp, shape, dtype)
        a.fill(0)
        return a

    def full(self, xp, shape, value, dtype):
        a = self.empty(xp, shape, dtype)
        a.fill(value)
        return a

    def clear(self):
        """Forget every held block (those still in use stay alive with their users)."""
        self.blocks.clear()
        self.nbytes = 0


class _NoPool(WorkspacePool):
    """`use_pool(None)`: every request is a fresh allocation."""

    def __init__(self):
        super().__init__(min_bytes=float("inf"))


_LOCAL = threading.local()


def pool():
    """This thread's pool, made on first use: the thread that runs an engine's steps owns it, so every
    engine reuses its kernels' big arrays without knowing how. (It was off for a while: a keras test trained
    to other losses with it on; that test read NumPy's global random state, so it depended on the tests
    before it, and is seeded now; see tests/frameworks/kernels/test_workspace.py for the reuse checks.)"""
    p = getattr(_LOCAL, "pool", None)
    if p is None:
        p = _LOCAL.pool = WorkspacePool()
    return p


def use_pool(new):
    """Make `new` (a WorkspacePool, or None for no reuse) this thread's pool; returns the previous one, so
    `old = use_pool(mine) ... use_pool(old)` restores it."""
    old = pool()
    _LOCAL.pool = _NoPool() if new is None else new
    return old
