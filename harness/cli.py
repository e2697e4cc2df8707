"""`stylebench` command line: list, bench, report, compare, profile, regress."""
import argparse
import json
import os
import sys

import workloads
from harness import machine

EPILOG = """examples:
  stylebench list                                   what can run here
  stylebench bench                                  the default matrix (what `make bench` runs)
  stylebench bench --quick                          a smoke run in under a minute
  stylebench bench --engines reference,dynamic_tape --workloads mlp-l2 --sizes small,big
  stylebench report results/latest                  re-print tables, re-draw plots
  stylebench compare results/cpu-A results/cpu-B    ratios of medians, flags changes beyond noise
  stylebench profile dynamic_tape lstm              where one engine's step time goes, per op
"""


def cmd_list(args):
    for name in workloads.names():
        w = workloads.get(name)
        for engine in workloads.engines():
            ok, why = w.supports(engine)
            print(f"{name:12s} {','.join(w.sizes):12s} {engine:18s} {'yes' if ok else 'no: ' + why}")
    return 0


def _options(args):
    from harness.runner import Options
    opts = Options(engines=tuple(args.engines or ()), workloads=tuple(args.workloads or ()),
                   sizes=tuple(args.sizes or ()), device=args.device, resume=args.resume,
                   quick=args.quick, profile=args.profile, seed=args.seed, quiet=args.quiet)
    if args.quick:
        opts.apply_quick()
    for name in ("warmup", "iters", "repeats", "threads", "timeout", "target_s", "min_iters", "max_iters",
                 "mem_iters", "mem_repeats", "profile_iters"):
        v = getattr(args, name)
        if v is not None:
            if v < 0:
                raise _usage(f"--{name.replace('_', '-')} must be >= 0, got {v}")
            setattr(opts, name, v)
    opts.repeats = max(opts.repeats, 1)
    opts.malloc = args.malloc or opts.malloc
    opts.out = args.out or ""
    if args.resume and not opts.out:
        latest = machine.ROOT / "results" / "latest"
        if not latest.exists():
            raise _usage("--resume needs --out DIR (no results/latest to resume)")
        opts.out = str(latest.resolve())
    return opts


def _usage(msg):
    from harness.runner import UsageError
    return UsageError(msg)


def cmd_bench(args):
    from harness import report, runner
    opts = _options(args)
    out = runner.bench(opts)
    print(f"results in {out}/ (results.csv, samples.csv, meta.json, table.txt, plots/)")
    report.write_report(out)
    for skip in json.loads((out / "meta.json").read_text())["skipped"]:
        print(f"not run: {skip['engine']} x {skip['workload']}: {skip['why']}")
    return 0


def cmd_report(args):
    from harness import report
    try:
        _, written = report.write_report(args.dir)
    except (FileNotFoundError, ValueError) as e:
        raise _usage(str(e)) from None
    print(f"{len(written)} plots in {os.path.join(args.dir, 'plots')}/")
    return 0


def cmd_compare(args):
    from rich.console import Console

    from harness import report
    try:
        merged = report.compare(args.dir_a, args.dir_b)
    except FileNotFoundError as e:
        raise _usage(str(e)) from None
    if merged.empty:
        raise _usage(f"{args.dir_a} and {args.dir_b} share no (engine, workload, size, device) cell")
    Console().print(report.compare_table(merged, args.dir_a, args.dir_b))
    return 0


def cmd_profile(args):
    from rich.console import Console
    from rich.table import Table

    from harness import measure, runner
    runner.check_device(args.device)
    w = workloads.get(args.workload)
    size = args.size or w.sizes[0]
    w.check_size(size)
    ok, why = w.supports(args.engine)
    if not ok:
        raise _usage(why)
    task = dict(engine=args.engine, workload=args.workload, size=size, device=args.device, repeat=0,
                warmup=2, iters=args.iters, target_s=0, min_iters=1, max_iters=args.iters, mem_iters=0,
                profile=True, profile_iters=args.iters, ref_losses=None)
    res, status, error = runner.spawn(measure.child_main, (task,), args.timeout,
                                      args.threads or os.cpu_count() or 1)
    if status != "ok":
        print(f"stylebench profile: the run ended with status {status}: {error}", file=sys.stderr)
        return 1
    t = Table(title=f"{args.engine} on {args.workload}/{size} ({args.device}): "
              f"step {res['profiled_step_ms']:.3g} ms = kernels {res['kernel_ms']:.3g} ms + engine overhead {res['overhead_ms']:.3g} ms "
              f"({res['overhead_pct']:.0f}%), {res['kernel_calls']:.0f} kernel calls per step "
              f"(hook cost {res['hook_cost_us']:.2g} µs per call taken off)")
    t.add_column("call site (engine's own names)")
    t.add_column("kernel")
    t.add_column("phase")
    for c in ("calls/iter", "ms/iter", "% of step"):
        t.add_column(c, justify="right")
    for s in res["profile_sites"][:args.top]:
        t.add_row(s["site"], s["kernel"], s["phase"], f"{s['calls_per_iter']:.3g}",
                  f"{s['ms_per_iter']:.3g}", f"{100 * s['ms_per_iter'] / res['profiled_step_ms']:.1f}")
    Console().print(t)
    return 0


def cmd_regress(args):
    from harness import regress
    return regress.main(args)


def _add_bench_args(p):
    p.add_argument("--engines", nargs="+", metavar="E", help="engine ids (comma or space separated); "
                   f"default: every engine ({', '.join(workloads.engines())})")
    p.add_argument("--workloads", nargs="+", metavar="W", help="workload names; default: all")
    p.add_argument("--sizes", nargs="+", metavar="S",
                   help="sizes; default: each workload's small size, plus mlp-l2 big")
    p.add_argument("--device", default="cpu", help="cpu (default) or gpu (needs CuPy and a CUDA device)")
    p.add_argument("--warmup", type=int, help="discarded iterations after the first one (default 2)")
    p.add_argument("--iters", type=int, help="timed iterations per run (default: chosen from --target-s)")
    p.add_argument("--target-s", type=float, help="timed seconds per run when --iters is not given (1.0)")
    p.add_argument("--min-iters", type=int, help="lower bound on the chosen iterations (5)")
    p.add_argument("--max-iters", type=int, help="upper bound on the chosen iterations (200)")
    p.add_argument("--mem-iters", type=int, help="iterations of the memory pass (2; 0 skips it)")
    p.add_argument("--mem-repeats", type=int,
                   help="repeats that also run the memory pass (default 1: the first one)")
    p.add_argument("--repeats", type=int, help="fresh processes per cell (default 3)")
    p.add_argument("--threads", type=int, help="BLAS/OpenMP threads per run (default 1; 0: every core)")
    p.add_argument("--malloc", choices=("cache", "system"),
                   help="glibc malloc policy in each run: cache (default) keeps freed memory in the "
                        "process like a framework's caching allocator; system returns it to the kernel")
    p.add_argument("--timeout", type=float, help="seconds before a run is killed (default 300)")
    p.add_argument("--out", help="results directory (default results/<device>-<time>, linked as "
                   "results/latest)")
    p.add_argument("--resume", action="store_true", help="skip runs already in --out (or results/latest)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: small sizes, 1 repeat, tiny time budget (under a minute)")
    p.add_argument("--profile", action="store_true",
                   help="add the style-tax pass: time inside kernels vs engine overhead")
    p.add_argument("--profile-iters", type=int,
                   help="iterations of the style-tax pass (default 20, at most the timed iterations)")
    p.add_argument("--seed", type=int, default=0, help="seed of the shuffled run order")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="stylebench", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Measure what a deep-learning framework's programming style costs in time and memory "
                    "when the arithmetic is held fixed: every engine trains the same workloads with the "
                    "same kernels, each run in its own fresh process.")
    parser.add_argument("--version", action="version", version=f"stylebench {machine.stylebench_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="engines x workloads x sizes that exist, and why some cannot run"
                   ).set_defaults(func=cmd_list)
    p = sub.add_parser("bench", help="run a matrix of engines x workloads, print tables, write CSV + plots")
    _add_bench_args(p)
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("report", help="re-print the tables and re-draw the plots of a results directory")
    p.add_argument("dir")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("compare", help="compare two results directories run by run")
    p.add_argument("dir_a")
    p.add_argument("dir_b")
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("profile", help="per-op breakdown of one engine's step: kernel time vs overhead")
    p.add_argument("engine")
    p.add_argument("workload")
    p.add_argument("--size")
    p.add_argument("--device", default="cpu")
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--top", type=int, default=25, help="rows to show")
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1; 0: every core)")
    p.add_argument("--timeout", type=float, default=300.0)
    p.set_defaults(func=cmd_profile)
    p = sub.add_parser("regress", help="regression gate: this tree against a git ref (--against, default "
                       "HEAD~1), both measured now in alternation; or the saved pytest-benchmark baselines "
                       "(--baseline, --saved)")
    from harness import regress
    regress.add_arguments(p)
    p.set_defaults(func=cmd_regress)
    return parser


def main(argv=None):
    from harness.runner import UsageError
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, workloads.UnknownNameError, workloads.EngineUnsupported) as e:
        print(f"stylebench {args.command}: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `stylebench list | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"stylebench {args.command}: interrupted; finished runs are saved (--resume continues)",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
