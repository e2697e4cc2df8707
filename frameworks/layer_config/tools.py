"""The `stylebench-caffe` command line, in the shape of Caffe's `caffe` tool: train, test, time (and draw)."""
import argparse
import os
import sys
import time

from frameworks import kernels as K

from . import net as net_module
from .draw import draw_net_to_file
from .io import LayerConfigError, read_solver_param
from .net import TEST, TRAIN, Net
from .proto import caffe_pb2
from .solver import get_solver


def _set_mode(gpu, solver_mode=caffe_pb2.SolverParameter.CPU):
    if gpu is not None or solver_mode == caffe_pb2.SolverParameter.GPU:
        net_module.set_mode_gpu()
    else:
        net_module.set_mode_cpu()


def train(args, out):
    if args.snapshot and args.weights:
        raise LayerConfigError("give --snapshot or --weights, not both")
    param, _ = read_solver_param(args.solver)
    _set_mode(args.gpu, param.solver_mode)
    solver = get_solver(args.solver, log=out)
    if args.weights:
        for w in args.weights.split(","):
            solver.net.copy_from(w)
    if args.snapshot:
        print(f"Resuming from {args.snapshot}", file=out)
    solver.solve(args.snapshot)
    return 0


def _phase(name):
    return {"TRAIN": TRAIN, "TEST": TEST}[name]


def test(args, out):
    _set_mode(args.gpu)
    net = Net(args.model, _phase(args.phase), weights=args.weights)
    totals = {}
    for i in range(args.iterations):
        net.forward()
        for name in net.outputs:
            data = net.blobs[name].data
            if data.size == 1:
                v = float(data)
                totals[name] = totals.get(name, 0.0) + v
                print(f"Batch {i}, {name} = {v:.6g}", file=out)
    for name, total in totals.items():
        print(f"{name} = {total / max(1, args.iterations):.6g}", file=out)
    return 0


def time_net(args, out):
    """Average forward and backward time per layer over `iterations` passes, as `caffe time` prints."""
    _set_mode(args.gpu)
    net = Net(args.model, _phase(args.phase))
    xp = net.xp
    n = len(net.layers)
    fwd, bwd = [0.0] * n, [0.0] * n
    print("*** Benchmark begins ***", file=out)
    print(f"Testing for {args.iterations} iterations.", file=out)
    net.forward_backward()   # warm-up: shapes settle, caches fill
    total_start = time.perf_counter()
    for it in range(args.iterations):
        start = time.perf_counter()
        net.clear_param_diffs()
        for i in range(n):
            t0 = time.perf_counter()
            net.forward_from_to(i, i)
            K.synchronize(xp)
            fwd[i] += time.perf_counter() - t0
        for i in range(n - 1, -1, -1):
            t0 = time.perf_counter()
            net.backward_from_to(i, i)
            K.synchronize(xp)
            bwd[i] += time.perf_counter() - t0
        print(f"Iteration: {it + 1} forward-backward time: {(time.perf_counter() - start) * 1e3:.4g} ms.",
              file=out)
    total = time.perf_counter() - total_start
    iters = max(1, args.iterations)
    print("Average time per layer: ", file=out)
    for name, f, b in zip(net.layer_names, fwd, bwd):
        print(f"{name:>20}\tforward: {f / iters * 1e3:.6g} ms.", file=out)
        print(f"{name:>20}\tbackward: {b / iters * 1e3:.6g} ms.", file=out)
    print(f"Average Forward pass: {sum(fwd) / iters * 1e3:.6g} ms.", file=out)
    print(f"Average Backward pass: {sum(bwd) / iters * 1e3:.6g} ms.", file=out)
    print(f"Average Forward-Backward: {total / iters * 1e3:.6g} ms.", file=out)
    print(f"Total Time: {total * 1e3:.6g} ms.", file=out)
    print("*** Benchmark ends ***", file=out)
    return 0


def draw(args, out):
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):
        raise LayerConfigError(f"--out {args.out}: the directory {folder} does not exist")
    draw_net_to_file(args.model, args.out, args.rankdir, _phase(args.phase) if args.phase else None)
    print(f"Drawing net to {args.out}", file=out)
    return 0


def _parser():
    p = argparse.ArgumentParser(prog="stylebench-caffe",
                                description="Train, test and time prototxt nets (Caffe's command line).")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a net from a solver prototxt")
    t.add_argument("--solver", "-solver", required=True, help="solver prototxt")
    t.add_argument("--snapshot", "-snapshot", help="resume from this .solverstate")
    t.add_argument("--weights", "-weights", help="initialise from these .caffemodel weights (comma list)")
    for name, helptext in (("test", "score a net's outputs in the TEST phase"),
                           ("time", "average forward/backward time per layer")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("--model", "-model", required=True, help="net prototxt")
        s.add_argument("--iterations", "-iterations", type=int, default=50)
        s.add_argument("--phase", "-phase", default="TEST" if name == "test" else "TRAIN", type=str.upper,
                       choices=("TRAIN", "TEST"))
        if name == "test":
            s.add_argument("--weights", "-weights", help=".caffemodel weights")
    d = sub.add_parser("draw", help="write the net as Graphviz DOT")
    d.add_argument("--model", "-model", required=True)
    d.add_argument("--out", "-out", required=True)
    d.add_argument("--rankdir", default="LR")
    d.add_argument("--phase", default=None, type=str.upper, choices=("TRAIN", "TEST"))
    for s in sub.choices.values():
        s.add_argument("--gpu", "-gpu", default=None, help="run on the GPU (device id; 0 only)")
    return p


COMMANDS = {"train": train, "test": test, "time": time_net, "draw": draw}


def main(argv=None, out=None):
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    if getattr(args, "iterations", 1) is not None and getattr(args, "iterations", 1) <= 0:
        print("stylebench-caffe: error: --iterations must be > 0", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args, out)
    except (LayerConfigError, K.BackendError, K.ShapeError) as e:
        print(f"stylebench-caffe: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:   # writing a snapshot or a drawing
        print(f"stylebench-caffe: error: {e.filename or ''}: {e.strerror}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
