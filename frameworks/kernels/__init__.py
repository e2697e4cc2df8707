"""The one op set every engine calls: forward + backward + shape rule per op, written once against `xp`.

Each op is a class in one of the modules below, filed in REGISTRY under its name and exported here in
lowercase, so engines write `kernels.matmul.forward(xp, a, b)`:

    elementwise  add sub mul div maximum minimum neg pow square exp log relu sigmoid tanh clip
                 abs sqrt rsqrt cast
    trig         sin cos tan arcsin arccos arctan
    special      erf erfinv gamma gammaln
    compare      sign equal not_equal greater greater_equal less less_equal  (no gradient)
    activation   softmax log_softmax leaky_relu elu softplus
    loss         nll_loss softmax_cross_entropy_with_logits sigmoid_cross_entropy_with_logits mse_loss
    reduce       sum mean max min prod argmax argmin
    index        gather take one_hot where  (+ as_indices: the IndexError check of data-driven indices)
    shape        reshape transpose concat slice split stack unstack broadcast_to pad squeeze unsqueeze
                 tile  (+ flatten, a reshape)
    linalg       matmul einsum
    factorization  cholesky inverse logabsdet
    nn           conv2d max_pool2d embedding softmax_cross_entropy lstm
    conv_transpose  conv_transpose2d  (deconvolution, on conv2d's own forward and backward)
    pool         avg_pool2d global_avg_pool2d roi_pool
    normalization  batch_norm dropout lrn
    optim        sgd momentum nesterov rmsprop adagrad adadelta adam adamax nadam signum ftrl ftml
                 dcasgd lamb  (in-place updates:
                 kernel.update(xp, param, grad, *state, **hyper)) + add_weight_decay clip_by_global_norm

Beside the ops: `workspace` (the per-thread pool of reusable arrays that conv2d, the poolings, lstm,
softmax_cross_entropy and the backward of relu, embedding and take draw their big buffers from; fact `uses_pool`), `random` (the Philox4x32-10 counter-based generator every engine's dropout draws from,
`uniform(xp, seed, counter, shape)` and `Stream`), and each Kernel's declared facts (accepts_out, may_view,
may_overwrite, saves_inputs, saves_output, grad_may_view, state_inputs, saved_bytes, workspace_bytes; see
base.Kernel) that memory planners read instead of keeping tables of their own.

Kernels import no engine, no workload and no harness.
"""
from .backend import BackendError, DEVICES, array_module, get_xp, gpu_available, synchronize, to_numpy
from .base import (REGISTRY, Kernel, ShapeError, Update, call_site, call_site_slot, call_sites_wanted,
                   current_call_site, explain_failure, hook_installed, hooked, install_hook, remove_hook)
from . import (elementwise, compare, activation, loss, reduce, index, shape, linalg, nn, pool,  # noqa: F401
               normalization, optim, conv_transpose, trig, special, factorization)  # (each registers its ops)
from . import random  # noqa: F401,A004  (the shared counter-based generator; not an op)
from . import workspace  # noqa: F401  (the pool the big kernels draw their arrays from; not an op)
from .index import as_indices
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
abs = elementwise.Abs  # noqa: A001
sqrt = elementwise.Sqrt
rsqrt = elementwise.Rsqrt
cast = elementwise.Cast
sin = trig.Sin
cos = trig.Cos
tan = trig.Tan
arcsin = trig.Arcsin
arccos = trig.Arccos
arctan = trig.Arctan
erf = special.Erf
erfinv = special.Erfinv
cholesky = factorization.Cholesky
inverse = factorization.Inverse
logabsdet = factorization.LogAbsDet
gamma = special.Gamma
gammaln = special.Gammaln
sign = compare.Sign
equal = compare.Equal
not_equal = compare.NotEqual
greater = compare.Greater
greater_equal = compare.GreaterEqual
less = compare.Less
less_equal = compare.LessEqual
softmax = activation.Softmax
log_softmax = activation.LogSoftmax
leaky_relu = activation.LeakyRelu
elu = activation.Elu
softplus = activation.Softplus
nll_loss = loss.NLLLoss
softmax_cross_entropy_with_logits = loss.SoftmaxCrossEntropyWithLogits
sigmoid_cross_entropy_with_logits = loss.SigmoidCrossEntropyWithLogits
mse_loss = loss.MSELoss
sum = reduce.Sum  # noqa: A001
mean = reduce.Mean
max = reduce.Max  # noqa: A001
min = reduce.Min  # noqa: A001
prod = reduce.Prod
argmax = reduce.ArgMax
argmin = reduce.ArgMin
gather = index.Gather
take = index.Take
one_hot = index.OneHot
where = index.Where
reshape = shape.Reshape
transpose = shape.Transpose
concat = shape.Concat
slice = shape.Slice  # noqa: A001
split = shape.Split
stack = shape.Stack
unstack = shape.Unstack
broadcast_to = shape.BroadcastTo
pad = shape.Pad
squeeze = shape.Squeeze
unsqueeze = shape.Unsqueeze
tile = shape.Tile
matmul = linalg.MatMul
einsum = linalg.Einsum
conv2d = nn.Conv2D
max_pool2d = nn.MaxPool2D
embedding = nn.Embedding
softmax_cross_entropy = nn.SoftmaxCrossEntropy
lstm = nn.LSTM
conv_transpose2d = conv_transpose.ConvTranspose2D
avg_pool2d = pool.AvgPool2D
global_avg_pool2d = pool.GlobalAvgPool2D
roi_pool = pool.ROIPool
batch_norm = normalization.BatchNorm
dropout = normalization.Dropout
lrn = normalization.LRN
sgd = optim.SGD
momentum = optim.Momentum
adam = optim.Adam
nesterov = optim.Nesterov
rmsprop = optim.RMSProp
adagrad = optim.Adagrad
adadelta = optim.Adadelta
adamax = optim.Adamax
nadam = optim.Nadam
signum = optim.Signum
ftrl = optim.Ftrl
ftml = optim.FTML
dcasgd = optim.DCASGD
lamb = optim.LAMB
add_weight_decay = optim.add_weight_decay
clip_by_global_norm = optim.clip_by_global_norm


def get(name):
    """The kernel filed under `name`, or a clear error listing the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown kernel {name!r}; known kernels: {', '.join(sorted(REGISTRY))}") from None
