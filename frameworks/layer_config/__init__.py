"""Caffe-style engine: prototxt nets and solvers (caffe.proto), a Net of Layers over Blobs, pycaffe's API.

    from frameworks import layer_config as caffe
    caffe.set_mode_cpu()
    solver = caffe.get_solver("solver.prototxt")      # SGDSolver / AdamSolver by the prototxt's `type`
    solver.net.blobs["data"].data[...] = x; solver.step(1)
    net = caffe.Net("deploy.prototxt", caffe.TEST, weights="snap_iter_100.caffemodel.npz")
"""
from .blob import Blob
from .draw import draw_net_to_file, to_dot
from .io import LayerConfigError, parse_prototxt, read_prototxt
from .layer import LAYERS, Layer, register_layer
from .layers import FeedLayer
from .net import TEST, TRAIN, Net, get_mode, set_mode_cpu, set_mode_gpu
from .proto import caffe_pb2
from .solver import (AdaDeltaSolver, AdaGradSolver, AdamSolver, NesterovSolver, RMSPropSolver, SGDSolver, Solver,
                     get_solver)
from .trainer import SolverTrainer, workload_trainer

__all__ = ["AdaDeltaSolver", "AdaGradSolver", "NesterovSolver", "RMSPropSolver", "workload_trainer", "AdamSolver", "Blob", "FeedLayer", "LAYERS", "Layer", "LayerConfigError", "Net", "SGDSolver",
           "Solver", "SolverTrainer", "TEST", "TRAIN", "caffe_pb2", "draw_net_to_file", "get_mode",
           "get_solver", "parse_prototxt", "read_prototxt", "register_layer", "set_mode_cpu", "set_mode_gpu",
           "to_dot"]
