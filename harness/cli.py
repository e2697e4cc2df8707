"""`stylebench` command line (the full runner arrives with the harness issue; this is the minimal one)."""
import argparse
import sys

import workloads


def _version():
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("stylebench")
    except PackageNotFoundError:
        return "0.0.0+local"


def cmd_list(args):
    for name in workloads.names():
        w = workloads.get(name)
        for engine in workloads.engines():
            ok, why = w.supports(engine)
            print(f"{name:12s} {','.join(w.sizes):12s} {engine:18s} {'yes' if ok else 'no: ' + why}")
    return 0


def not_built(args):
    print(f"stylebench {args.command}: not built yet; it arrives with the harness issue. "
          "What exists now: `stylebench list`, `make test`.", file=sys.stderr)
    return 2


def main(argv=None):
    parser = argparse.ArgumentParser(prog="stylebench", description=__doc__)
    parser.add_argument("--version", action="version", version=f"stylebench {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="engines x workloads x sizes that exist").set_defaults(func=cmd_list)
    for name in ("bench", "regress"):
        p = sub.add_parser(name, help="(not built yet)")
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=not_built)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
