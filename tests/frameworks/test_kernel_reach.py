"""Every shared kernel is reachable from every engine's API, or the engine lists it as not exposed, with the
reason. Registry-driven: a kernel added to frameworks/kernels fails this test until each engine exposes it
(one line in its API) or says why not. Reachability is read from the engine's source: an attribute of the
kernels module (`K.softmax`), or a kernel name looked up through it (`K.get("softmax")`, `getattr(K, ...)`)."""
import ast
import pathlib

import pytest

from frameworks import kernels

ROOT = pathlib.Path(kernels.__file__).resolve().parents[1]
ENGINES = ("static_graph", "dynamic_tape", "layer_config", "hybrid")

# engine -> {kernel: why the engine's framework has no such op in the API we reproduce}
_TRIG = ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "erf", "erfinv")
_CAFFE_NONE = "BVLC Caffe has no layer for it (blobs are float; no comparison, indexing or shape layer of this kind)"
# MXNet 1.x's optimizers (the hybrid engine's mx.optimizer), in MXNet's own update forms
_MX_OPTIMIZERS = ("adamax", "nadam", "signum", "ftrl", "ftml", "dcasgd", "lamb")
# kernels that came for MXNet's nd.linalg (potrf, inverse, det/slogdet), nd.gamma/gammaln and ROIPooling
_MX_LINALG = ("cholesky", "inverse", "logabsdet", "gamma", "gammaln")
NOT_EXPOSED = {
    "static_graph": {
        "global_avg_pool2d": "TF1 has no global pooling op: programs write tf.reduce_mean over H and W",
        "broadcast_to": "tf.broadcast_to is not implemented yet (TF1 programs rely on implicit broadcasting)",
        "gather": "tf.gather is not implemented yet (embedding lookups use the embedding kernel)",
        "cast": "tf.cast is a graph op (Cast) that converts the dtype as the plan runs, without a kernel",
        "max": "tf.reduce_max is a graph op so its gradient splits among ties as TF's does (the kernel's "
               "goes to the first maximum)",
        "min": "tf.reduce_min is a graph op so its gradient splits among ties as TF's does (the kernel's "
               "goes to the first minimum)",
        "mse_loss": "TF1's tf.losses.mean_squared_error composes elementwise ops; not implemented yet",
        "nll_loss": "TF1 has no negative log-likelihood op (programs write -reduce_sum(y * log(p)))",
        "squeeze": "tf.squeeze is a reshape (the reshape kernel)",
        "unsqueeze": "tf.expand_dims is a reshape (the reshape kernel)",
        "stack": "tf.stack is expand_dims + one ConcatV2 (the reshape and concat kernels)",
        "unstack": "tf.unstack is one Split + a reshape each (the split and reshape kernels)",
        **{k: f"tf.{k.replace('arc', 'a').replace('erf', 'math.erf')} is not implemented yet (the kernel came for MXNet's nd.{k})"
           for k in _TRIG},
        **{k: f"TF1's tf.linalg / tf.lgamma op for it is not implemented yet (the kernel came for MXNet's nd.{k})"
           for k in _MX_LINALG},
        "roi_pool": "TF1 core has no ROI pooling op (its detection models crop with tf.image.crop_and_resize)",
        **{k: "an MXNet optimizer's update form: TF1's tf.train has no such optimizer (its FtrlOptimizer, with "
              "learning_rate_power and l2, is refused)" for k in _MX_OPTIMIZERS},
    },
    "dynamic_tape": {
        **{k: "computed on the array without a kernel call (no gradient, so nothing is recorded on the tape)"
           for k in ("argmax", "argmin", "equal", "not_equal", "greater", "greater_equal", "less",
                     "less_equal")},
        "cast": "Tensor.float()/.long()/.to(dtype) record the engine's own _Cast function on the tape",
        "squeeze": "Tensor.squeeze is a view (reshape), sharing the version counter as PyTorch's views do",
        "unsqueeze": "Tensor.unsqueeze is a view (reshape), sharing the version counter as PyTorch's views do",
        "stack": "torch.stack is unsqueeze + cat (the reshape and concat kernels)",
        "unstack": "torch.unbind is split + squeeze (the split and reshape kernels)",
        "mse_loss": "F.mse_loss is composed as (input - target).square().mean() on the tape",
        "softmax_cross_entropy_with_logits": "PyTorch 1.x has no soft-label cross-entropy op",
        **{k: f"torch.{k.replace('arc', 'a')} is not implemented yet (the kernel came for MXNet's nd.{k})"
           for k in _TRIG},
        **{k: f"torch's linalg / lgamma op for it is not implemented yet (the kernel came for MXNet's nd.{k})"
           for k in _MX_LINALG},
        "roi_pool": "ROI pooling is torchvision.ops.roi_pool, outside the torch API reproduced here",
        **{k: "an MXNet optimizer's update form: torch.optim has no such optimizer, or (Adamax, NAdam) "
              "its own form (eps inside the max; a different momentum schedule), not implemented yet"
           for k in _MX_OPTIMIZERS},
    },
    "layer_config": {
        "prod": "Caffe's Reduction layer has SUM, ASUM, SUMSQ and MEAN, no product",
        **{k: _CAFFE_NONE for k in ("argmin", "broadcast_to", "cast", "div", "equal", "not_equal", "greater",
                                    "greater_equal", "less", "less_equal", "gather", "take", "one_hot",
                                    "where", "pad", "rsqrt", "sign", "squeeze", "unsqueeze", "stack",
                                    "unstack", "transpose", "minimum", "log_softmax",
                                    "softmax_cross_entropy_with_logits", "einsum") + _TRIG},
        "max": "Caffe's Reduction layer has SUM, ASUM, SUMSQ and MEAN only",
        "min": "Caffe's Reduction layer has SUM, ASUM, SUMSQ and MEAN only",
        "nll_loss": "MultinomialLogisticLoss (Caffe's NLL) is not implemented yet",
        "tile": "Caffe's Tile layer is not implemented yet",
        "sqrt": "Caffe's Power layer computes (shift + scale * x) ^ power through the pow kernel",
        "mse_loss": "EuclideanLoss is Caffe's sum / 2N, composed from sub, square and sum",
        "slice": "the Slice layer is one split along its axis (the split kernel)",
        **{k: "an MXNet optimizer's update form: Caffe has no such solver" for k in _MX_OPTIMIZERS},
        **{k: _CAFFE_NONE for k in _MX_LINALG},
        "roi_pool": "ROIPooling is a layer of the Fast R-CNN fork of Caffe, not of BVLC Caffe",
    },
    "hybrid": {
        "mse_loss": "gluon.loss.L2Loss is Gluon's 1/2 * square, composed from sub, square and mean",
        "nll_loss": "Gluon has no NLL op: losses pick the log-probabilities (pick + log_softmax)",
        "sigmoid_cross_entropy_with_logits": "SigmoidBinaryCrossEntropyLoss is composed as Gluon writes it "
                                             "(relu, abs, log, exp)",
        "softmax_cross_entropy_with_logits": "SoftmaxCrossEntropyLoss(sparse_label=False) is "
                                             "-sum(log_softmax * label), as Gluon writes it",
        "einsum": "MXNet 1.x's nd / sym API has no einsum (only the NumPy-compatible mx.np, not reproduced)",
    },
}


def _kernel_aliases(tree):
    """Names bound to the kernels package in one module (`from frameworks import kernels as K`, ...)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            for a in node.names:
                if (mod in ("frameworks", "") or mod.endswith("frameworks") or node.level) and a.name == "kernels":
                    names.add(a.asname or a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "frameworks.kernels" and a.asname:
                    names.add(a.asname)
    return names


def reached(engine):
    """Kernel names an engine's source reaches through the kernels module."""
    found = set()
    for path in (ROOT / engine).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _kernel_aliases(tree)
        if not aliases:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                found.add(node.attr)
            elif isinstance(node, ast.Call) and node.args:
                f = node.func
                looks_up = (isinstance(f, ast.Attribute) and f.attr == "get" and isinstance(f.value, ast.Name)
                            and f.value.id in aliases) or \
                           (isinstance(f, ast.Name) and f.id == "getattr" and isinstance(node.args[0], ast.Name)
                            and node.args[0].id in aliases and len(node.args) > 1)
                if looks_up:
                    key = node.args[-1] if f.__class__ is ast.Name else node.args[0]
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        found.add(key.value)
    return found & set(kernels.REGISTRY)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_kernel_is_exposed_or_listed_with_a_reason(engine):
    have = reached(engine)
    listed = NOT_EXPOSED[engine]
    missing = sorted(set(kernels.REGISTRY) - have - set(listed))
    assert not missing, f"{engine} exposes no API for kernels {missing}: expose each, or list it in " \
                        f"NOT_EXPOSED[{engine!r}] with the reason"
    stale = sorted(set(listed) & have)
    assert not stale, f"{engine} now reaches {stale}: remove them from NOT_EXPOSED[{engine!r}]"
    assert all(isinstance(why, str) and len(why) > 10 for why in listed.values()), "every entry needs its reason"
