"""torch.nn modules: Module (attribute registration via the shared walker), Parameter, layers and losses."""
import math
from collections import OrderedDict

from frameworks.modules import named_members

from .. import _factories as T
from .._tape import no_grad
from .._tensor import Size, Tensor
from .._types import float32, float64
from . import functional as F
from . import init


class Parameter(Tensor):
    """A Tensor that is a module's learnable parameter: requires grad, found by parameters()."""
    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        super().__init__(T.empty(0) if data is None else data)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base of every layer and model: assign Parameters and Modules as attributes; define forward()."""

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------ registration (shared walker)
    def named_parameters(self, prefix="", recurse=True):
        pre = prefix + "." if prefix else ""
        return named_members(self, Parameter, pre, Module if recurse else None)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_children(self):
        return named_members(self, Module)

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix=""):
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def register_parameter(self, name, param):
        setattr(self, name, param)

    def add_module(self, name, module):
        setattr(self, name, module)

    register_module = add_module

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ training state
    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def train(self, mode=True):
        for m in self.modules():
            m.training = mode
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # ------------------------------------------------------------ device / dtype
    def to(self, *args, **kwargs):
        """Move (or cast) every parameter in place, keeping the Parameter objects (optimizers hold them)."""
        for p in self.parameters():
            with no_grad():
                moved = Tensor._wrap(p._array).to(*args, **kwargs)
            p._array = moved._array
            if p.grad is not None:
                p.grad = p.grad.to(*args, **kwargs)
        return self

    def cuda(self, device=None):
        return self.to("cuda")

    def cpu(self):
        return self.to("cpu")

    def double(self):
        return self.to(float64)

    def float(self):
        return self.to(float32)

    # ------------------------------------------------------------ checkpoints
    def state_dict(self, destination=None, prefix=""):
        """Ordered name -> tensor (sharing the parameters' memory, detached)."""
        out = OrderedDict() if destination is None else destination
        for name, p in self.named_parameters():
            out[prefix + name] = p.detach()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values into the parameters in place; names and shapes must match (PyTorch's messages)."""
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
                          + ". ")
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        for k, p in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            shape = tuple(v.shape)
            if shape != tuple(p.shape):
                errors.append(f"size mismatch for {k}: copying a param with shape {Size(shape)!r} from "
                              f"checkpoint, the shape in current model is {p.shape!r}.")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for k, p in own.items():
                if k in state_dict:
                    p.copy_(state_dict[k])
        return missing, unexpected

    # ------------------------------------------------------------ printing
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self.named_children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ")" if not lines else head + "\n  " + "\n  ".join(lines) + "\n)"


def _parameter(device, *shape, dtype=None):
    return Parameter(T.empty(*shape, dtype=dtype, device=device))


def _matrix_parameter(device, out_features, in_features, dtype=None):
    """An (out, in) weight laid out in memory as its (in, out) transpose (column-major).

    NOTE: layers use it as `x @ weight.T`, which is then a GEMM on row-major data, and the gradient the
    matmul kernel returns has the same layout, so the optimizer's elementwise update walks both arrays in
    order (a row-major weight with a column-major gradient makes SGD ~5x slower on big layers).
    """
    return Parameter(T.empty(in_features, out_features, dtype=dtype, device=device).t())


class Linear(Module):
    """y = x @ weight.T + bias; weight (out_features, in_features) as in torch."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = _matrix_parameter(device, out_features, in_features, dtype=dtype)
        self.bias = _parameter(device, out_features, dtype=dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Conv2d(Module):
    """2-D convolution (NCHW), weight (out_channels, in_channels, kh, kw)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (kh, kw), stride, padding
        self.weight = _parameter(device, out_channels, in_channels, kh, kw, dtype=dtype)
        self.bias = _parameter(device, out_channels, dtype=dtype) if bias else None
        self._attrs = {"stride": stride, "pad": padding}  # built once: the kernel's attrs
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(in_channels * kh * kw)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F._conv2d(input, self.weight, self.bias, self._attrs)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.ceil_mode = kernel_size, stride, padding, ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, ceil_mode=self.ceil_mode)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, "
                f"padding={self.padding}")


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)


class ReLU(Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


class Embedding(Module):
    """A lookup table: integer ids -> rows of weight (num_embeddings, embedding_dim)."""

    def __init__(self, num_embeddings, embedding_dim, device=None, dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = _parameter(device, num_embeddings, embedding_dim, dtype=dtype)
        init.normal_(self.weight)

    def forward(self, input):
        return F.embedding(input, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"


class _LSTMBase(Module):
    def _init_lstm(self, input_size, hidden_size, suffix, device, dtype):
        self.input_size, self.hidden_size = input_size, hidden_size
        setattr(self, "weight_ih" + suffix, _matrix_parameter(device, 4 * hidden_size, input_size, dtype))
        setattr(self, "weight_hh" + suffix, _matrix_parameter(device, 4 * hidden_size, hidden_size, dtype))
        setattr(self, "bias_ih" + suffix, _parameter(device, 4 * hidden_size, dtype=dtype))
        setattr(self, "bias_hh" + suffix, _parameter(device, 4 * hidden_size, dtype=dtype))
        bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _zeros(self, input, batch):
        return T.zeros(batch, self.hidden_size, dtype=input.dtype, device=input.device)


class LSTM(_LSTMBase):
    """One-layer LSTM over a whole sequence on the fused kernel; gates i, f, g, o as torch.

    forward(input, (h_0, c_0)=None) -> output, (h_n, c_n); input (T, B, E), or (B, T, E) if batch_first.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__()
        if num_layers != 1 or not bias or bidirectional or dropout:
            raise NotImplementedError("LSTM: the fused kernel is one unidirectional layer with biases")
        self.num_layers, self.batch_first = num_layers, batch_first
        self._init_lstm(input_size, hidden_size, "_l0", device, dtype)

    def forward(self, input, hx=None):
        x = input.transpose(0, 1) if self.batch_first else input
        if hx is None:
            h0 = c0 = self._zeros(x, x.shape[1])
        else:
            h0, c0 = hx[0][0], hx[1][0]
        hs, h_t, c_t = F.lstm(x, h0, c0, self.weight_ih_l0, self.weight_hh_l0, self.bias_ih_l0,
                              self.bias_hh_l0)
        out = hs.transpose(0, 1) if self.batch_first else hs
        return out, (h_t.unsqueeze(0), c_t.unsqueeze(0))

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + (", batch_first=True" if self.batch_first else "")


class LSTMCell(_LSTMBase):
    """One LSTM step written with primitive ops; forward(input, (h, c)=None) -> (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        if not bias:
            raise NotImplementedError("LSTMCell: bias=False is not supported")
        self._init_lstm(input_size, hidden_size, "", device, dtype)

    def forward(self, input, hx=None):
        if hx is None:
            hx = (self._zeros(input, input.shape[0]),) * 2
        h, c = hx
        gates = F.linear(input, self.weight_ih) + F.linear(h, self.weight_hh) + self.bias_ih + self.bias_hh
        i, f, g, o = gates.chunk(4, 1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c = f * c + i * g
        h = o * c.tanh()
        return h, c

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


class _Container(Module):
    """Children named "0", "1", ... (or by an OrderedDict's keys), indexable and iterable in order."""

    def __init__(self, modules=()):
        super().__init__()
        if isinstance(modules, OrderedDict):
            for name, m in modules.items():
                setattr(self, name, m)
        else:
            for i, m in enumerate(modules):
                setattr(self, str(i), m)

    def __getitem__(self, i):
        return list(self.children())[i]

    def __len__(self):
        return sum(1 for _ in self.children())

    def __iter__(self):
        return iter(list(self.children()))


class Sequential(_Container):
    """Modules applied in order."""

    def __init__(self, *modules):
        super().__init__(modules[0] if len(modules) == 1 and isinstance(modules[0], OrderedDict) else modules)

    def forward(self, input):
        for m in self.children():
            input = m(input)
        return input


class ModuleList(_Container):
    """A list of modules whose parameters are registered."""

    def append(self, m):
        setattr(self, str(len(self)), m)
        return self


class MSELoss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):
        return F.cross_entropy(input, target, reduction=self.reduction)


__all__ = ["Parameter", "Module", "Linear", "Conv2d", "MaxPool2d", "Flatten", "ReLU", "Sigmoid", "Tanh",
           "Embedding", "LSTM", "LSTMCell", "Sequential", "ModuleList", "MSELoss", "CrossEntropyLoss"]
