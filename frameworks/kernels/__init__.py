"""The one op set every engine calls: forward + backward + shape rule per op, written once against `xp`.

Each op is a class in one of the modules below, filed in REGISTRY under its name and exported here in
lowercase, so engines write `kernels.matmul.forward(xp, a, b)`:

    elementwise  add sub mul div maximum minimum neg pow square exp log relu sigmoid tanh clip
    reduce       sum mean
    shape        reshape transpose concat slice split  (+ flatten, a reshape)
    linalg       matmul
    nn           conv2d max_pool2d embedding softmax_cross_entropy lstm
    pool         avg_pool2d global_avg_pool2d
    normalization  batch_norm dropout
    optim        sgd momentum adam  (in-place updates: kernel.update(xp, param, grad, *state, **hyper))

Beside the ops: `random` (the Philox4x32-10 counter-based generator every engine's dropout draws from,
`uniform(xp, seed, counter, shape)` and `Stream`), and each Kernel's declared facts (accepts_out, may_view,
may_overwrite, saves_inputs, saves_output, grad_may_view, state_inputs, saved_bytes, workspace_bytes; see
base.Kernel) that memory planners read instead of keeping tables of their own.

Kernels import no engine, no workload and no harness.
"""
from .backend import BackendError, DEVICES, array_module, get_xp, gpu_available, synchronize, to_numpy
from .base import REGISTRY, Kernel, ShapeError, Update, explain_failure, install_hook, remove_hook
from . import elementwise, reduce, shape, linalg, nn, pool, normalization, optim  # noqa: F401  (each registers its ops)
from . import random  # noqa: F401,A004  (the shared counter-based generator; not an op)
from .elementwise import unbroadcast
from .shape import flatten

add = elementwise.Add
sub = elementwise.Sub
mul = elementwise.Mul
div = elementwise.Div
maximum = elementwise.Maximum
minimum = elementwise.Minimum
neg = elementwise.Neg
pow = elementwise.Pow  # noqa: A001  (the op's name)
square = elementwise.Square
exp = elementwise.Exp
log = elementwise.Log
relu = elementwise.Relu
sigmoid = elementwise.Sigmoid
tanh = elementwise.Tanh
clip = elementwise.Clip
sum = reduce.Sum  # noqa: A001
mean = reduce.Mean
reshape = shape.Reshape
transpose = shape.Transpose
concat = shape.Concat
slice = shape.Slice  # noqa: A001
split = shape.Split
matmul = linalg.MatMul
conv2d = nn.Conv2D
max_pool2d = nn.MaxPool2D
embedding = nn.Embedding
softmax_cross_entropy = nn.SoftmaxCrossEntropy
lstm = nn.LSTM
avg_pool2d = pool.AvgPool2D
global_avg_pool2d = pool.GlobalAvgPool2D
batch_norm = normalization.BatchNorm
dropout = normalization.Dropout
sgd = optim.SGD
momentum = optim.Momentum
adam = optim.Adam


def get(name):
    """The kernel filed under `name`, or a clear error listing the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown kernel {name!r}; known kernels: {', '.join(sorted(REGISTRY))}") from None
