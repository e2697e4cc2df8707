"""torch.nn modules: Module (attribute registration via the shared walker), Parameter, layers and losses."""
import math
from collections import OrderedDict

from ._walk import named_members

from .. import _factories as T
from .._tape import no_grad
from .._tensor import Size, Tensor, cat as T_cat, stack as T_stack
from .._types import float32, float64, int64
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
        self._buffer_names = {}  # name -> persistent (in state_dict); the tensors are plain attributes

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

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that is state but not a parameter (running statistics): moved by to(), in state_dict."""
        if "_buffer_names" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            f"(torch Tensor or None required)")
        self._buffer_names[name] = persistent
        setattr(self, name, tensor)

    def named_buffers(self, prefix="", recurse=True):
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, m in modules:
            for name in m.__dict__.get("_buffer_names", ()):
                b = getattr(m, name)
                if b is not None:
                    yield (f"{mname}.{name}" if mname else name), b

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

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
        """Move (or cast) every parameter in place, keeping the Parameter objects (optimizers hold them);
        buffers move too (a cast leaves integer buffers such as num_batches_tracked as they are)."""
        for p in self.parameters():
            with no_grad():
                moved = Tensor._wrap(p._array).to(*args, **kwargs)
            p._array = moved._array
            if p.grad is not None:
                p.grad = p.grad.to(*args, **kwargs)
        for m in self.modules():
            for name in m.__dict__.get("_buffer_names", ()):
                b = getattr(m, name)
                if b is not None:
                    with no_grad():
                        moved = Tensor._wrap(b._array).to(*args, **kwargs)
                    if b._array.dtype.kind != "f":
                        moved = moved.to(b.dtype)
                    b._array = moved._array
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
    def _state_items(self):
        """(name, tensor) in PyTorch's state_dict order: each module's own parameters, then its persistent
        buffers, module by module (a tied weight appears under each of its names)."""
        for mname, m in self.named_modules():
            pre = mname + "." if mname else ""
            for name, p in named_members(m, Parameter, pre, None):
                yield name, p
            for name, persistent in m.__dict__.get("_buffer_names", {}).items():
                b = getattr(m, name)
                if persistent and b is not None:
                    yield pre + name, b

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Ordered name -> tensor (parameters and buffers, sharing their memory, detached)."""
        out = OrderedDict() if destination is None else destination
        for name, p in self._state_items():
            out[prefix + name] = p if keep_vars else p.detach()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values into the parameters and buffers in place; names and shapes must match (PyTorch's
        messages)."""
        own = dict(self._state_items())
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


class _ConvNd(Module):
    """Conv1d / Conv2d as PyTorch's _ConvNd: tuples for kernel_size, stride, padding, dilation; padding may be
    'valid' or 'same'; a non-zero padding_mode pads with F.pad first (as PyTorch does) and convolves unpadded.
    Weight (out_channels, in_channels, *kernel_size)."""
    _nd = 2
    _MODES = ("zeros", "reflect", "replicate", "circular")

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        nd = self._nd
        if groups != 1 or dilation not in (1, (1,) * nd):
            raise NotImplementedError(f"{type(self).__name__}: only groups=1 and dilation=1 are supported by "
                                      "the conv2d kernel")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and stride not in (1, (1,) * nd):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in self._MODES:
            raise ValueError(f"padding_mode must be one of {list(self._MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = F._ntuple(kernel_size, nd, "kernel_size")
        self.stride = F._ntuple(stride, nd, "stride")
        self.padding = padding if isinstance(padding, str) else F._ntuple(padding, nd, "padding")
        self.dilation, self.groups = F._ntuple(dilation, nd, "dilation"), groups
        self.output_padding, self.padding_mode = (0,) * nd, padding_mode
        self.weight = _parameter(device, out_channels, in_channels, *self.kernel_size, dtype=dtype)
        self.bias = _parameter(device, out_channels, dtype=dtype) if bias else None
        # the 2-D kernel's attrs, built once (the common case skips F.conv2d's argument handling)
        self._attrs = ({"stride": self.stride, "pad": self.padding}
                       if nd == 2 and padding_mode == "zeros" and not isinstance(padding, str) else None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_channels * math.prod(self.kernel_size))
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        if self._attrs is not None and input.dim() == 4:
            return F._conv2d(input, self.weight, self.bias, self._attrs)
        padding = self.padding
        if self.padding_mode != "zeros":
            if isinstance(padding, str):   # 'same': PyTorch's total k - 1 per axis, the odd pixel after
                widths = [v for k in reversed(self.kernel_size) for v in ((k - 1) // 2, k // 2)]
            else:
                widths = [p for p in reversed(padding) for _ in (0, 1)]
            input, padding = F.pad(input, widths, mode=self.padding_mode), 0
        return F._conv_nd(f"conv{self._nd}d", self._nd, input, self.weight, self.bias, self.stride, padding,
                          1, 1)

    def extra_repr(self):
        """PyTorch's text: padding / dilation / groups only when not the default, bias only when False."""
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution (N, C, L), weight (out_channels, in_channels, k): conv2d over a unit height."""
    _nd = 1


class Conv2d(_ConvNd):
    """2-D convolution (NCHW), weight (out_channels, in_channels, kh, kw)."""
    _nd = 2


class ConvTranspose2d(Module):
    """Transposed 2-D convolution (NCHW), weight (in_channels, out_channels, kh, kw) as PyTorch's."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if groups != 1 or dilation not in (1, (1, 1)):
            raise NotImplementedError("ConvTranspose2d: only groups=1 and dilation=1 are supported by the "
                                      "conv_transpose2d kernel")
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose2d')
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (kh, kw), stride, padding
        self.output_padding, self.groups, self.dilation = output_padding, groups, dilation
        self.weight = _parameter(device, in_channels, out_channels, kh, kw, dtype=dtype)
        self.bias = _parameter(device, out_channels, dtype=dtype) if bias else None
        self._attrs = {"stride": stride, "pad": padding, "output_padding": output_padding}
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(out_channels * kh * kw)   # fan_in of the (in, out, kh, kw) weight: dim 1
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input, output_size=None):
        attrs = self._attrs if output_size is None else {**self._attrs, "output_padding":
                                                         self._output_padding(input, output_size)}
        return F._conv_transpose2d(input, self.weight, self.bias, attrs)

    def _output_padding(self, input, output_size):
        """output_padding giving `output_size` (its last two entries), as PyTorch's _output_padding."""
        size = list(output_size)[-2:]
        stride, pad = _tuple2(self.stride), _tuple2(self.padding)
        lo = [(input.shape[2 + d] - 1) * stride[d] - 2 * pad[d] + self.kernel_size[d] for d in range(2)]
        hi = [lo[d] + stride[d] - 1 for d in range(2)]
        if not all(lo[d] <= size[d] <= hi[d] for d in range(2)):
            raise ValueError(f"requested an output size of {size}, but valid sizes range from {lo} to {hi} "
                             f"(for an input of {list(input.shape[2:])})")
        pads = [size[d] - lo[d] for d in range(2)]
        return tuple(pads)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={_tuple2(self.stride)}")
        if self.padding not in (0, (0, 0)):
            s += f", padding={_tuple2(self.padding)}"
        if self.output_padding not in (0, (0, 0)):
            s += f", output_padding={_tuple2(self.output_padding)}"
        return s + ("" if self.bias is not None else ", bias=False")


def _tuple2(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class LocalResponseNorm(Module):
    """Local response normalisation across channels (the shared lrn kernel), as PyTorch's."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class Identity(Module):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class _BatchNorm(Module):
    """Batch normalisation over every axis but 1; running statistics as buffers (PyTorch's momentum)."""
    _dims = None

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(T.ones(num_features, dtype=dtype, device=device))
            self.bias = Parameter(T.zeros(num_features, dtype=dtype, device=device))
        else:
            self.weight = self.bias = None
        if track_running_stats:
            self.register_buffer("running_mean", T.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", T.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", T.zeros((), dtype=int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def forward(self, input):
        if input.dim() not in self._dims:
            raise ValueError(f"expected {' or '.join(f'{d}D' for d in self._dims)} input "
                             f"(got {input.dim()}D input)")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or not self.track_running_stats
        return F.batch_norm(input, self.running_mean if not self.training or self.track_running_stats else None,
                            self.running_var if not self.training or self.track_running_stats else None,
                            self.weight, self.bias, use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    _dims = (4,)


class GroupNorm(Module):
    """Normalise each sample over groups of channels (no running statistics), then a per-channel affine."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.weight = Parameter(T.ones(num_channels, dtype=dtype, device=device)) if affine else None
        self.bias = Parameter(T.zeros(num_channels, dtype=dtype, device=device)) if affine else None

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)


class _InstanceNorm(_BatchNorm):
    """Normalise each (sample, channel) over its spatial axes; PyTorch's defaults: no affine, no running
    statistics. With track_running_stats, eval mode uses the running ones."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input):
        if input.dim() not in self._dims:
            raise ValueError(f"expected {' or '.join(f'{d}D' for d in self._dims)} input "
                             f"(got {input.dim()}D input)")
        batched = input.dim() == self._dims[-1]
        x = input if batched else input.unsqueeze(0)
        use_input_stats = self.training or not self.track_running_stats
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats,
                            0.1 if self.momentum is None else self.momentum, self.eps)
        return y if batched else y.squeeze(0)


class InstanceNorm1d(_InstanceNorm):
    _dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    _dims = (3, 4)


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)


class LogSoftmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(LogSoftmax):
    def forward(self, input):
        return F.softmax(input, self.dim)


class AvgPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class _MaxPoolNd(Module):
    """PyTorch's argument order: (kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
    ceil_mode=False); stride None is the kernel size."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = F._ntuple(kernel_size, 1, "kernel_size")
        self.stride = F._ntuple(stride if stride is not None else kernel_size, 1, "stride")
        self.padding = F._ntuple(padding, 1, "padding")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class _PadNd(Module):
    """Padding layers: `padding` an int (every side) or PyTorch's flat (left, right, top, bottom) tuple."""
    _nd, _mode = 2, "constant"

    def __init__(self, padding, value=None):
        super().__init__()
        self.padding = F._ntuple(padding, 2 * self._nd, "padding")
        self.value = value

    def forward(self, input):
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}" if self._mode == "constant" else f"{self.padding}"


class ConstantPad1d(_PadNd):
    _nd = 1

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ConstantPad2d(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    _mode = "replicate"


class PixelShuffle(Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class Upsample(Module):
    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) else (
            tuple(float(f) for f in scale_factor) if scale_factor else None)
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


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


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)


class Softplus(Module):
    def __init__(self, beta=1, threshold=20):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)


class ReLU6(Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu6(input)


class Embedding(Module):
    """A lookup table: integer ids -> rows of weight (num_embeddings, embedding_dim)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, device=None, dtype=None):
        super().__init__()
        if padding_idx is not None or max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: padding_idx, max_norm, scale_grad_by_freq and sparse are not "
                                      "supported (the gather kernel's gradient is dense and unmasked)")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = _parameter(device, num_embeddings, embedding_dim, dtype=dtype)
        init.normal_(self.weight)

    def forward(self, input):
        return F.embedding(input, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"


class _LSTMBase(Module):
    def _lstm_parameters(self, input_size, hidden_size, suffix, device, dtype):
        setattr(self, "weight_ih" + suffix, _matrix_parameter(device, 4 * hidden_size, input_size, dtype))
        setattr(self, "weight_hh" + suffix, _matrix_parameter(device, 4 * hidden_size, hidden_size, dtype))
        setattr(self, "bias_ih" + suffix, _parameter(device, 4 * hidden_size, dtype=dtype))
        setattr(self, "bias_hh" + suffix, _parameter(device, 4 * hidden_size, dtype=dtype))

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _zeros(self, input, *shape):
        return T.zeros(*shape, dtype=input.dtype, device=input.device)


class LSTM(_LSTMBase):
    """Unidirectional LSTM over a whole sequence, one fused kernel call per layer; gates i, f, g, o.

    forward(input, (h_0, c_0)=None) -> output, (h_n, c_n); input (T, B, E), or (B, T, E) if batch_first;
    h_0 / c_0 / h_n / c_n are (num_layers, B, H); dropout applies to every layer's output but the last.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if not bias or bidirectional or proj_size:
            raise NotImplementedError("LSTM: bias=False, bidirectional and proj_size are not supported (the "
                                      "fused kernel is one direction with biases)")
        if not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.batch_first, self.dropout = num_layers, batch_first, float(dropout)
        self.bias, self.bidirectional = bias, bidirectional
        for layer in range(num_layers):
            self._lstm_parameters(input_size if layer == 0 else hidden_size, hidden_size, f"_l{layer}",
                                  device, dtype)
        self.reset_parameters()

    def flatten_parameters(self):
        """cuDNN's weight compaction: nothing to do here (the fused kernel reads the weights as they are)."""

    def forward(self, input, hx=None):
        x = input.transpose(0, 1) if self.batch_first else input
        hs, cs = [], []
        for layer in range(self.num_layers):
            if hx is None:
                h0 = c0 = self._zeros(x, x.shape[1], self.hidden_size)
            else:
                h0, c0 = hx[0][layer], hx[1][layer]
            x, h_t, c_t = F.lstm(x, h0, c0, getattr(self, f"weight_ih_l{layer}"),
                                 getattr(self, f"weight_hh_l{layer}"), getattr(self, f"bias_ih_l{layer}"),
                                 getattr(self, f"bias_hh_l{layer}"))
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
            hs.append(h_t)
            cs.append(c_t)
        out = x.transpose(0, 1) if self.batch_first else x
        stack = (lambda ts: ts[0].unsqueeze(0)) if self.num_layers == 1 else T_stack
        return out, (stack(hs), stack(cs))

    def extra_repr(self):
        return (f"{self.input_size}, {self.hidden_size}" + (f", num_layers={self.num_layers}"
                if self.num_layers != 1 else "") + (", batch_first=True" if self.batch_first else "")
                + (f", dropout={self.dropout}" if self.dropout else ""))


class LSTMCell(_LSTMBase):
    """One LSTM step written with primitive ops; forward(input, (h, c)=None) -> (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        if not bias:
            raise NotImplementedError("LSTMCell: bias=False is not supported")
        self.input_size, self.hidden_size = input_size, hidden_size
        self._lstm_parameters(input_size, hidden_size, "", device, dtype)
        self.reset_parameters()

    def forward(self, input, hx=None):
        if hx is None:
            hx = (self._zeros(input, input.shape[0], self.hidden_size),) * 2
        h, c = hx
        gates = F.linear(input, self.weight_ih) + F.linear(h, self.weight_hh) + self.bias_ih + self.bias_hh
        i, f, g, o = gates.chunk(4, 1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c = f * c + i * g
        h = o * c.tanh()
        return h, c

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


class _RNNCellBase(Module):
    """The cells PyTorch writes from matmuls (GRUCell, RNNCell): weight_ih (G*H, in), weight_hh (G*H, H),
    bias_ih / bias_hh (G*H,), all uniform(-1/sqrt(H), 1/sqrt(H)) as PyTorch initialises them."""
    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = self._gates * hidden_size
        self.weight_ih = _matrix_parameter(device, g, input_size, dtype)
        self.weight_hh = _matrix_parameter(device, g, hidden_size, dtype)
        self.bias_ih = _parameter(device, g, dtype=dtype) if bias else None
        self.bias_hh = _parameter(device, g, dtype=dtype) if bias else None
        bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            h = T.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            h = hx if batched else hx.unsqueeze(0)
        h = _cell_step(self._gates, x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                       getattr(self, "nonlinearity", "tanh"))
        return h if batched else h.squeeze(0)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        return s + (f", nonlinearity={self.nonlinearity}" if getattr(self, "nonlinearity", "tanh") != "tanh" else "")


class GRUCell(_RNNCellBase):
    """One GRU step, PyTorch's gates r, z, n: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h' = (1 - z) * n + z * h."""
    _gates = 3


class RNNCell(_RNNCellBase):
    """One Elman step: h' = tanh (or relu) (W_ih x + b_ih + W_hh h + b_hh)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)


def _cell_step(gates, x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity):
    """One step of a GRU (3 gates) or Elman (1) cell, shared by the cells and the sequence layers."""
    gi, gh = F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh)
    if gates == 3:
        i_r, i_z, i_n = gi.chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
        n = (i_n + r * h_n).tanh()
        return n + z * (h - n)   # (1 - z) * n + z * h, as PyTorch's fused GRU writes it
    pre = gi + gh
    return pre.tanh() if nonlinearity == "tanh" else F.relu(pre)


class _RNNLayers(Module):
    """GRU / RNN over a whole sequence: each layer's cell written from matmuls step by step (the shared set
    has no fused kernel for them, so this is PyTorch's cell math on the tape), parameters named as
    PyTorch's (weight_ih_l0, ..., _reverse for the second direction)."""
    _gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__()
        if not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        dirs, g = (2 if bidirectional else 1), self._gates * hidden_size
        for layer in range(num_layers):
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                size = input_size if layer == 0 else hidden_size * dirs
                setattr(self, "weight_ih" + sfx, _matrix_parameter(device, g, size, dtype))
                setattr(self, "weight_hh" + sfx, _matrix_parameter(device, g, hidden_size, dtype))
                if bias:
                    setattr(self, "bias_ih" + sfx, _parameter(device, g, dtype=dtype))
                    setattr(self, "bias_hh" + sfx, _parameter(device, g, dtype=dtype))
        bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self):
        """cuDNN's weight compaction: nothing to do here."""

    def forward(self, input, hx=None):
        x = input.transpose(0, 1) if self.batch_first else input
        if x.dim() != 3:
            raise RuntimeError(f"input must have 3 dimensions, got {x.dim()}")
        if x.shape[2] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {x.shape[2]}")
        dirs = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                k = layer * dirs + d
                h = T.zeros(x.shape[1], self.hidden_size, dtype=x.dtype, device=x.device) if hx is None else hx[k]
                w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)
                b_ih, b_hh = getattr(self, "bias_ih" + sfx, None), getattr(self, "bias_hh" + sfx, None)
                steps = range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])
                hs = [None] * x.shape[0]
                for t in steps:
                    h = hs[t] = _cell_step(self._gates, x[t], h, w_ih, w_hh, b_ih, b_hh,
                                           getattr(self, "nonlinearity", "tanh"))
                outs.append(T_stack(hs))
                finals.append(h)
            x = outs[0] if dirs == 1 else T_cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return (x.transpose(0, 1) if self.batch_first else x), T_stack(finals)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        return s + (", bidirectional=True" if self.bidirectional else "")


class GRU(_RNNLayers):
    """Multi-layer GRU: forward(input, h_0=None) -> output, h_n; input (T, B, E) or (B, T, E) if batch_first;
    h_0 / h_n (num_layers * num_directions, B, H)."""
    _gates = 3


class RNN(_RNNLayers):
    """Multi-layer Elman RNN (nonlinearity 'tanh' or 'relu'); as GRU otherwise."""

    def __init__(self, *args, nonlinearity="tanh", **kwargs):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(*args, **kwargs)


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the last len(normalized_shape) dimensions
    (biased variance), composed from the shared reduce and elementwise kernels."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        if elementwise_affine:
            self.weight = _parameter(device, *shape, dtype=dtype)
            init.ones_(self.weight)
            self.bias = _parameter(device, *shape, dtype=dtype) if bias else None
            if self.bias is not None:
                init.zeros_(self.bias)
        else:
            self.weight = self.bias = None

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


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


class _NamedMembers(Module):
    """The mapping face of ModuleDict / ParameterDict over the members registered as attributes."""

    def _members(self):
        raise NotImplementedError

    def __getitem__(self, key):
        return self._members()[key]

    def __delitem__(self, key):
        delattr(self, key)

    def __len__(self):
        return len(self._members())

    def __iter__(self):
        return iter(self._members())

    def __contains__(self, key):
        return key in self._members()

    def keys(self):
        return self._members().keys()

    def items(self):
        return self._members().items()

    def values(self):
        return self._members().values()

    def pop(self, key):
        m = self[key]
        del self[key]
        return m

    def clear(self):
        for key in list(self._members()):
            del self[key]

    def update(self, members):
        for key, m in (members.items() if hasattr(members, "items") else members):
            self[key] = m


class ModuleDict(_NamedMembers):
    """Modules registered under string keys, in insertion order."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _members(self):
        return dict(self.named_children())

    def __setitem__(self, key, module):
        setattr(self, key, module)


class ParameterDict(_NamedMembers):
    """Parameters registered under string keys, in insertion order (a plain tensor becomes a Parameter)."""

    def __init__(self, parameters=None):
        super().__init__()
        self.update(parameters or ())

    def _members(self):
        return dict(self.named_parameters(recurse=False))

    def __setitem__(self, key, value):
        setattr(self, key, value if isinstance(value, Parameter) else Parameter(value))


class ParameterList(ParameterDict):
    """Parameters registered as "0", "1", ..., indexable and iterable in order."""

    def __init__(self, values=None):
        super().__init__()
        self.extend(values or ())

    def __getitem__(self, i):
        return list(self.values())[i]

    def __setitem__(self, i, value):
        if isinstance(i, str):   # ParameterDict's registration under "0", "1", ...
            return super().__setitem__(i, value)
        super().__setitem__(str(range(len(self))[i]), value)

    def __iter__(self):
        return iter(list(self.values()))

    def append(self, value):
        self[str(len(self))] = value
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = F._reduction(size_average, reduce, reduction)


class MSELoss(_Loss):
    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index


class NLLLoss(_WeightedLoss):
    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(weight, size_average, ignore_index, reduce, reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class L1Loss(_Loss):
    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


__all__ = ["Parameter", "Module", "Identity", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
           "BatchNorm1d", "BatchNorm2d", "GroupNorm", "Dropout", "Dropout2d", "Flatten", "ReLU", "Sigmoid", "Tanh",
           "LogSoftmax", "Softmax", "Embedding", "LSTM", "LSTMCell", "Sequential", "ModuleList", "MSELoss",
           "NLLLoss", "CrossEntropyLoss", "BCEWithLogitsLoss", "LeakyReLU", "ELU", "Softplus", "ReLU6", "L1Loss",
           "SmoothL1Loss", "BCELoss", "ConvTranspose2d", "LocalResponseNorm", "GRU", "GRUCell", "RNN",
           "RNNCell", "LayerNorm", "ModuleDict", "ParameterList", "ParameterDict", "Conv1d", "MaxPool1d",
           "AvgPool1d", "AdaptiveAvgPool1d", "InstanceNorm1d", "InstanceNorm2d", "ConstantPad1d", "ConstantPad2d",
           "ZeroPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d",
           "PixelShuffle", "PixelUnshuffle", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]
