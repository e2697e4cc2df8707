"""mx.mod: MXNet 1.x's module API: Module (a symbol bound to an executor), BucketingModule (one Module per
bucket key, sharing the parameters), SequentialModule (modules chained), PythonModule/PythonLossModule
(a module written in Python), and the checkpoint functions."""
from .module import BaseModule, BatchEndParam, Module, load_checkpoint, load_params, save_checkpoint
from .bucketing_module import BucketingModule
from .sequential_module import SequentialModule
from .python_module import PythonLossModule, PythonModule

__all__ = ["Module", "BaseModule", "BatchEndParam", "BucketingModule", "SequentialModule", "PythonModule",
           "PythonLossModule", "save_checkpoint", "load_checkpoint", "load_params"]
