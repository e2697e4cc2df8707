"""The workload registry: names -> specs and per-engine trainer builders (shared/DESIGN.md's contract).

    w = workloads.get("mlp-l2"); w.sizes; w.batches(size="small", n=5)
    t = w.trainer("dynamic_tape", size="small", device="cpu"); t.step(batch) -> float; t.params()

A workload lives in workloads/<package>/ (or any package given to `register`): spec.py (sizes, data, initial parameters, hyper-parameters)
plus one module per engine named after it (reference.py, static_graph.py, ...). An engine module defines
`build(size, device, variant=None) -> trainer`; it may declare `VARIANTS` (e.g. ("imperative",)) and
`UNSUPPORTED = "why"` when the style cannot express the workload. The registry never looks inside.
"""
import importlib
import itertools
import os

# engine ids, in the order tables show them; "engine:variant" selects a variant of one engine module
ENGINES = ("reference", "static_graph", "static_graph:dataset", "keras", "theano", "dynamic_tape", "layer_config",
           "hybrid", "hybrid:imperative")
DEVICES = ("cpu", "gpu")

# workload name -> the package holding its spec.py and engine modules
_PACKAGES = {
    "mlp-l2": "workloads.mlp_l2",
    "fc-adam": "workloads.fc_adam",
    "lstm": "workloads.lstm",
    "lstm-cells": "workloads.lstm_cells",
    "cnn": "workloads.cnn",
    "vqa": "workloads.vqa",
    "resnet": "workloads.resnet",
}
# Extra workloads from outside this package (test fakes, a user's own): "name=dotted.package,...".
# Read from the environment so that the harness's spawned children see them too.
EXTRA_ENV = "STYLEBENCH_EXTRA_WORKLOADS"


def register(name, package):
    """Add workload `name` whose spec.py and engine modules live in the importable `package`."""
    _PACKAGES[name] = package


for _entry in filter(None, os.environ.get(EXTRA_ENV, "").split(",")):
    _name, _, _package = _entry.partition("=")
    if not _package:
        raise ValueError(f"{EXTRA_ENV}: expected name=dotted.package, got {_entry!r}")
    register(_name.strip(), _package.strip())


class UnknownNameError(KeyError):
    """An unknown workload, engine, size or device; the message lists the known ones."""

    def __str__(self):
        return str(self.args[0])


class EngineUnsupported(RuntimeError):
    """This engine has no module for the workload, or declares it cannot express it."""


def names():
    """Every workload name."""
    return tuple(_PACKAGES)


def engines():
    """Every engine id (with variants), in table order."""
    return ENGINES


def _known(kind, value, known):
    if value not in known:
        raise UnknownNameError(f"unknown {kind} {value!r}; known {kind}s: {', '.join(known)}")


def get(name):
    """The Workload called `name`; an unknown name raises UnknownNameError listing the known ones."""
    _known("workload", name, names())
    return Workload(name, importlib.import_module(f"{_PACKAGES[name]}.spec"))


class Workload:
    """A workload's spec plus the way to build each engine's trainer for it."""

    def __init__(self, name, spec):
        self.name = name
        self.spec = spec
        # derived sizes ("small@batch64", with_batch below) are buildable but not listed
        self.sizes = tuple(z for z in spec.SIZES if "@" not in z)

    def __repr__(self):
        return f"Workload({self.name!r}, sizes={self.sizes})"

    def check_size(self, size):
        _known(f"size of {self.name}", size, self.sizes if "@" not in str(size) else tuple(self.spec.SIZES))

    def with_batch(self, size, batch):
        """The name of `size` with its batch set to `batch` (e.g. "small@batch64"), registered in the spec's
        SIZES so that every engine, which reads spec.SIZES[size], builds for it unchanged. Only workloads
        whose spec names its batch key in `BATCH` allow it (the RandomState draws then follow from the new
        shapes: different numbers, same recipe); others raise ValueError saying so."""
        key = self.batch_key()
        self.check_size(size)
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise ValueError(f"batch size must be an integer >= 1, got {batch!r}")
        name = f"{size.partition('@')[0]}@batch{batch}"
        if name not in self.spec.SIZES:
            self.spec.SIZES[name] = dict(self.spec.SIZES[size.partition('@')[0]], **{key: batch})
        return name

    def batch_key(self):
        """The config key with_batch sets; ValueError naming the workloads that take an override."""
        key = getattr(self.spec, "BATCH", None)
        if key is None:
            allowed = [n for n in names() if getattr(get(n).spec, "BATCH", None)]
            raise ValueError(f"workload {self.name!r} takes no batch-size override (its recipe fixes the "
                             f"batch); workloads that do: {', '.join(allowed)}")
        return key

    def config(self, size="small"):
        """The size's hyper-parameters and dimensions (a dict)."""
        self.check_size(size)
        return dict(self.spec.SIZES[size])

    def init_params(self, size="small"):
        """Fresh copies of the initial parameters: dict name -> NumPy array."""
        self.check_size(size)
        return self.spec.init_params(size)

    def batch(self, i, size="small"):
        """Batch number `i` (a dict of read-only NumPy arrays), identical for every engine."""
        self.check_size(size)
        return self.spec.batch(i, size)

    def batches(self, size="small", n=None):
        """Batches 0, 1, ... (n of them, or without end when n is None)."""
        self.check_size(size)
        counter = itertools.count() if n is None else range(n)
        return (self.spec.batch(i, size) for i in counter)

    def _module(self, engine):
        _known("engine", engine, ENGINES)
        base, _, variant = engine.partition(":")
        modname = f"{_PACKAGES[self.name]}.{base}"
        try:
            module = importlib.import_module(modname)
        except ModuleNotFoundError as e:
            if e.name != modname:
                raise
            raise EngineUnsupported(
                f"workload {self.name!r} has no module for engine {base!r} "
                f"(expected {modname.replace('.', '/')}.py)") from None
        return module, base, variant or None

    def supports(self, engine):
        """(True, "") when `engine` can train this workload, else (False, why)."""
        try:
            module, base, variant = self._module(engine)
        except EngineUnsupported as e:
            return False, str(e)
        why = getattr(module, "UNSUPPORTED", None)
        if not why and variant is not None and variant not in getattr(module, "VARIANTS", ()):
            why = f"engine {base!r} has no variant {variant!r} for this workload"
        return (False, f"{engine} cannot run {self.name}: {why}") if why else (True, "")

    def trainer(self, engine, size="small", device="cpu", **options):
        """Build `engine`'s trainer: .step(batch) -> float loss, .params() -> dict of NumPy arrays (and,
        for a workload with running statistics, .buffers()). `options` go to the module's build as they
        are (e.g. the resnet reference's caffe_stats=True)."""
        module, base, variant = self._module(engine)
        self.check_size(size)
        _known("device", device, DEVICES)
        why = getattr(module, "UNSUPPORTED", None)
        if why:
            raise EngineUnsupported(f"engine {engine!r} cannot run workload {self.name!r}: {why}")
        if variant is not None and variant not in getattr(module, "VARIANTS", ()):
            raise EngineUnsupported(f"engine {base!r} has no variant {variant!r} for {self.name!r}")
        if variant is None:
            return module.build(size=size, device=device, **options)
        return module.build(size=size, device=device, variant=variant, **options)
