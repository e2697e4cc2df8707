"""Caffe-style engine: prototxt nets and solvers (caffe.proto), a Net of Layers over Blobs, pycaffe's API.

    from frameworks import layer_config as caffe
    caffe.set_mode_cpu()
    solver = caffe.get_solver("solver.prototxt")      # SGDSolver, AdamSolver, ... by the prototxt's `type`
    solver.net.blobs["data"].data[...] = x; solver.step(1)
    net = caffe.Net("deploy.prototxt", caffe.TEST, weights="snap_iter_100.caffemodel")
    n = caffe.NetSpec(); n.ip = caffe.layers.InnerProduct(n.data, num_output=10)   # pycaffe's NetSpec
"""
from . import io
from .blob import Blob
from .draw import draw_net_to_file, to_dot
from .io import LayerConfigError, parse_prototxt, read_prototxt
from .layer import LAYERS, Layer, register_layer
from .layers import FeedLayer
from .net import TEST, TRAIN, Net, get_mode, set_device, set_mode_cpu, set_mode_gpu
from .proto import caffe_pb2
from .solver import (AdaDeltaSolver, AdaGradSolver, AdamSolver, NesterovSolver, RMSPropSolver, SGDSolver, Solver,
                     get_solver)
from .trainer import SolverTrainer, workload_trainer
# last: `caffe.layers` is NetSpec's layer factory (as in pycaffe), not the layers/ package of layer types
from .net_spec import NetSpec, layers, params, to_proto  # noqa: E402

__all__ = ["AdaDeltaSolver", "AdaGradSolver", "AdamSolver", "Blob", "FeedLayer", "LAYERS", "Layer",
           "LayerConfigError", "Net", "NesterovSolver", "NetSpec", "RMSPropSolver", "SGDSolver", "Solver",
           "SolverTrainer", "TEST", "TRAIN", "caffe_pb2", "draw_net_to_file", "get_mode", "get_solver", "io",
           "layers", "params", "parse_prototxt", "read_prototxt", "register_layer", "set_device",
           "set_mode_cpu", "set_mode_gpu", "to_dot", "to_proto", "workload_trainer"]
