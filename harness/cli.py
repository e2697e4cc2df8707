"""`stylebench` command line: list, bench, report, compare, profile, frontier, regress."""
import argparse
import math
import os
import sys

import workloads
from harness import machine

EPILOG = """examples:
  stylebench list                                   what can run here
  stylebench bench                                  the default matrix (what `make bench` runs)
  stylebench bench --quick                          a smoke run in under a minute
  stylebench bench --engines reference,dynamic_tape --workloads mlp-l2 --sizes small,big
  stylebench bench --executor dask --scheduler tcp://HOST:8786   runs spread over a Dask cluster
  stylebench report results/latest                  re-print tables, re-draw plots
  stylebench compare results/cpu-A results/cpu-B    ratios of medians, flags changes beyond noise
  stylebench profile dynamic_tape lstm              where one engine's step time goes, per op
  stylebench frontier reference,dynamic_tape vqa --memory 1GiB   the largest batch each fits
"""


def cmd_list(args):
    for name in workloads.names():
        w = workloads.get(name)
        for engine in workloads.engines():
            ok, why = w.supports(engine)
            print(f"{name:12s} {','.join(w.sizes):12s} {engine:18s} {'yes' if ok else 'no: ' + why}")
    return 0


# bench options that take a value, as Options fields (None when not given on the command line)
VALUE_OPTIONS = ("warmup", "iters", "repeats", "threads", "timeout", "target_s", "min_iters", "max_iters",
                 "mem_iters", "mem_repeats", "profile_iters", "malloc", "seed", "device", "executor",
                 "scheduler", "workers", "per_host")


def _given(args):
    """The bench options given on the command line, as Options fields."""
    given = {k: tuple(getattr(args, k)) for k in ("engines", "workloads", "sizes") if getattr(args, k)}
    given.update({k: getattr(args, k) for k in VALUE_OPTIONS if getattr(args, k) is not None})
    given.update({k: True for k in ("quick", "profile") if getattr(args, k)})
    return given


def _options(args):
    """Options for `bench`: the defaults (or, with --resume, the plan the directory records), then the
    options given; bench() refuses a resume whose options differ from the recorded ones."""
    from harness import runner
    given = _given(args)
    out = args.out or ""
    if out:
        runner.check_out(out)
    if args.resume and not out:
        latest = machine.ROOT / "results" / "latest"
        if not latest.exists():
            raise _usage("--resume needs --out DIR (no results/latest to resume)")
        out = str(latest.resolve())
    meta = runner.read_meta(out) if args.resume and out else None
    if meta is not None:
        opts = runner.options_from_meta(meta, out=out, resume=True, quiet=args.quiet)
        for k, v in given.items():
            setattr(opts, k, v)
    else:
        opts = runner.Options(out=out, resume=args.resume, quiet=args.quiet)
        if given.pop("quick", False):
            opts.apply_quick()
        for k, v in given.items():
            setattr(opts, k, v)
    opts.validate()
    return opts


def _usage(msg):
    from harness.runner import UsageError
    return UsageError(msg)


def cmd_bench(args):
    from harness import report, runner
    opts = _options(args)
    out = runner.bench(opts)
    print(f"results in {out}/ (results.csv, samples.csv, meta.json, table.txt, plots/)")
    report.write_report(out, console=report.console())
    for skip in runner.read_meta(out)["skipped"]:
        print(f"not run: {skip['engine']} x {skip['workload']}: {skip['why']}")
    planned, bad = runner.verdict(out)
    if bad:
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        print(f"stylebench bench: {len(bad)} of {planned} planned runs are not ok: {'; '.join(bad[:5])}{more}"
              + (" (--allow-failures: exit 0)" if args.allow_failures else ""), file=sys.stderr)
        return 0 if args.allow_failures else 1
    return 0


def cmd_report(args):
    from harness import report
    if args.seed_table:
        from harness import seedtable
        # the options given; the others are seedtable.run's defaults
        given = {k: getattr(args, k) for k in ("repeats", "iters", "target_s", "timeout", "workload")
                 if getattr(args, k) is not None}
        measuring = [f"--{k.replace('_', '-')}" for k in ("device", "repeats", "iters", "target_s", "timeout")
                     if getattr(args, k) is not None]
        if args.dirs and measuring:
            raise _usage(f"{', '.join(measuring)}: options of measuring, which --seed-table does only "
                         f"without a DIR (given: {' '.join(args.dirs)})")
        devices = None if args.device in (None, "auto") else (args.device,)
        _, written = seedtable.run(args.dirs, out=args.out, devices=devices, quiet=args.quiet,
                                   console=report.console(), **given)
        print(f"seed table in {', '.join(map(str, written))}")
        return 0
    measuring = [f"--{k.replace('_', '-')}" for k in ("out", "workload", "device", "repeats", "iters",
                                                      "target_s", "timeout") if getattr(args, k) is not None]
    if measuring:
        raise _usage(f"{', '.join(measuring)} go with --seed-table only")
    if len(args.dirs) != 1:
        raise _usage(f"report takes one results directory, got {len(args.dirs) or 'none'} "
                     "(several only with --seed-table)")
    _, written = report.write_report(args.dirs[0], console=report.console())
    print(f"{len(written)} plots in {os.path.join(args.dirs[0], 'plots')}/")
    return 0


def cmd_compare(args):
    from harness import report
    merged = report.compare(args.dir_a, args.dir_b)
    if merged.empty:
        raise _usage(f"{args.dir_a} and {args.dir_b} share no (engine, workload, size, device) cell")
    report.console().print(report.compare_table(merged, args.dir_a, args.dir_b))
    return 0


def cmd_profile(args):
    from rich.markup import escape
    from rich.table import Table

    from harness import measure, report, runner
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
    messages, end, end_error = runner.spawn(measure.child_main, (task,), args.timeout,
                                            args.threads or os.cpu_count() or 1)
    res = runner.merge_passes(messages, end, end_error)
    status = res["status"] if res["status"] != "ok" else res["profile_status"]
    error = res["error"] if res["status"] != "ok" else res["profile_error"]
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
        t.add_row(escape(s["site"]), s["kernel"], s["phase"], f"{s['calls_per_iter']:.3g}",
                  f"{s['ms_per_iter']:.3g}", f"{100 * s['ms_per_iter'] / res['profiled_step_ms']:.1f}")
    report.console().print(t)
    return 0


def cmd_regress(args):
    from harness import regress
    return regress.main(args)


class Parser(argparse.ArgumentParser):
    """argparse, with a bad option answered in one line (the option, the value, what is wrong), exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def at_least(low):
    """An argparse type: an integer >= low."""
    def integer(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {text!r}")
        return v
    return integer


def iterations(text):
    """--iters: 'auto' (chosen from the time budget; 0 inside Options) or an integer >= 1."""
    if text.strip().lower() == "auto":
        return 0
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or an integer >= 1, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be 'auto' or an integer >= 1, got {text!r}")
    return v


def seconds(text):
    """A finite number of seconds > 0 (nan, inf, 0 and negatives are refused)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds > 0, got {text!r}")
    return v


def _add_bench_args(p):
    p.add_argument("--engines", nargs="+", metavar="E", help="engine ids (comma or space separated); "
                   f"default: every engine ({', '.join(workloads.engines())})")
    p.add_argument("--workloads", nargs="+", metavar="W", help="workload names; default: all")
    p.add_argument("--sizes", nargs="+", metavar="S",
                   help="sizes; default: each workload's small size, plus mlp-l2 big")
    p.add_argument("--device", help="cpu (default) or gpu (needs CuPy and a CUDA device)")
    p.add_argument("--warmup", type=at_least(0), help="discarded iterations after the first one (default 2)")
    p.add_argument("--iters", type=iterations,
                   help="timed iterations per run, or 'auto' (default: chosen from --target-s)")
    p.add_argument("--target-s", type=seconds,
                   help="timed seconds per run when --iters is auto (1.0)")
    p.add_argument("--min-iters", type=at_least(1), help="lower bound on the chosen iterations (5)")
    p.add_argument("--max-iters", type=at_least(1), help="upper bound on the chosen iterations (200)")
    p.add_argument("--mem-iters", type=at_least(0), help="iterations of the memory pass (2; 0 skips it)")
    p.add_argument("--mem-repeats", type=at_least(0),
                   help="repeats that also run the memory pass (default 1: the first one)")
    p.add_argument("--repeats", type=at_least(1), help="fresh processes per cell (default 3)")
    p.add_argument("--threads", type=at_least(0),
                   help="BLAS/OpenMP threads per run (default 1; 0: every core)")
    p.add_argument("--malloc", choices=("cache", "system"),
                   help="glibc malloc policy in each run: cache (default) keeps freed memory in the "
                        "process like a framework's caching allocator; system returns it to the kernel")
    p.add_argument("--timeout", type=seconds, help="seconds before a run is killed (default 300)")
    p.add_argument("--out", help="results directory (default results/<device>-<time>, linked as "
                   "results/latest)")
    p.add_argument("--resume", action="store_true",
                   help="continue the plan --out (or results/latest) records, running only what is "
                        "missing; other options must match the recorded ones")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: small sizes, 1 repeat, tiny time budget (under a minute)")
    p.add_argument("--profile", action="store_true",
                   help="add the style-tax pass: time inside kernels vs engine overhead")
    p.add_argument("--profile-iters", type=at_least(1),
                   help="iterations of the style-tax pass (default 20, at most the timed iterations)")
    p.add_argument("--seed", type=at_least(0), help="seed of the shuffled run order (default 0)")
    p.add_argument("--executor", choices=("local", "dask"),
                   help="local (default): one run at a time on this machine; dask: each run a Dask task "
                        "(needs the `dask` extra), rows appended as tasks end")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="--executor dask: a running scheduler (tcp://HOST:8786); default: a LocalCluster")
    p.add_argument("--workers", type=at_least(1),
                   help="--executor dask without --scheduler: LocalCluster worker processes (default 2)")
    p.add_argument("--per-host", type=at_least(1),
                   help="--executor dask: runs at once per worker host (default 1: undisturbed timings)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--allow-failures", action="store_true",
                   help="exit 0 even when a run is not ok (default: exit 1, after the tables)")


def build_parser():
    parser = Parser(
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
    p = sub.add_parser("report", help="re-print the tables and re-draw the plots of a results directory; "
                       "--seed-table: the seed's vqa table, re-measured or read from DIRs")
    p.add_argument("dirs", nargs="*", metavar="DIR",
                   help="a results directory (with --seed-table: any number, e.g. a CPU and a GPU one; none "
                        "measures anew)")
    p.add_argument("--seed-table", action="store_true",
                   help="the seed's table: vqa at 224x224 and 50x50 per style (TensorFlow, Keras(tf), MXNet, "
                        "PyTorch, Caffe, Theano, the floor), beside the published figures, as ratios to "
                        "TensorFlow; writes seed_table.csv/.md/.txt")
    p.add_argument("--out", help="--seed-table: where to write (default: the new results folder when "
                   "measuring, else the first DIR)")
    p.add_argument("--workload", help="--seed-table: the workload (default vqa, the seed's model; it needs "
                   "sizes small and large)")
    p.add_argument("--device", choices=("cpu", "gpu", "auto"),
                   help="--seed-table when measuring: cpu, gpu, or auto (default: the CPU, and the GPU too "
                        "when CuPy finds one)")
    p.add_argument("--repeats", type=at_least(1), help="--seed-table when measuring: fresh processes per "
                   "cell (default 1)")
    p.add_argument("--iters", type=iterations, help="--seed-table when measuring: timed iterations per run, "
                   "or auto (default)")
    p.add_argument("--target-s", type=seconds, help="--seed-table when measuring with --iters auto: timed "
                   "seconds per run (default 1.0)")
    p.add_argument("--timeout", type=seconds, help="--seed-table when measuring: seconds before a run is "
                   "killed (default 300)")
    p.add_argument("--quiet", action="store_true", help="--seed-table when measuring: no progress bar")
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
    p.add_argument("--iters", type=at_least(1), default=20)
    p.add_argument("--top", type=at_least(1), default=25, help="rows to show")
    p.add_argument("--threads", type=at_least(0), default=1,
                   help="BLAS/OpenMP threads (default 1; 0: every core)")
    p.add_argument("--timeout", type=seconds, default=300.0)
    p.set_defaults(func=cmd_profile)
    p = sub.add_parser("frontier", help="the largest batch each engine trains within a memory limit "
                       "(doubling then bisection, one process per probe)")
    from harness import frontier
    frontier.add_arguments(p)
    p.set_defaults(func=frontier.run)
    p = sub.add_parser("regress", help="regression gate: this tree against a git ref (--against, default "
                       "HEAD~1), both measured now in alternation; or the saved pytest-benchmark baselines "
                       "(--baseline, --saved)")
    from harness import regress
    regress.add_arguments(p)
    p.set_defaults(func=cmd_regress)
    return parser


def main(argv=None):
    from harness.report import ReportError
    from harness.runner import StoreError, UsageError
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:     # a bad option: the one line is printed; --help and --version exit 0
        if e.code:
            return e.code
        raise
    try:
        return args.func(args)
    except (UsageError, ReportError, workloads.UnknownNameError, workloads.EngineUnsupported) as e:
        print(f"stylebench {args.command}: {e}", file=sys.stderr)
        return 2
    except StoreError as e:        # the disk filled up or the directory went away: rows so far are kept
        print(f"stylebench {args.command}: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `stylebench list | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        saved = ("nothing compared" if args.command == "regress"
                 else "finished runs are saved (--resume continues)")
        print(f"stylebench {args.command}: interrupted; {saved}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
