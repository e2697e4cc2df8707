"""`stylebench regress`: the regression gate (this tree against a git ref, both measured now, in
alternation, with a verdict per benchmark), and the saved-baseline workflow (`--baseline`, `--saved`:
the pytest-benchmark suite stored and compared per machine id)."""
import argparse
import contextlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness import machine

# ------------------------------------------------------------------ the gate's defaults
MIN_EFFECT = "10%"
# rounds of every benchmark before only the undecided ones run. 3, not the 4 Mann-Whitney needs before any
# p can be below 0.05 (4 vs 4, all apart: p = 0.029): a benchmark whose interval after 3 rounds lies wholly
# below 1 + min effect cannot fail the gate whatever p it would reach, and its rounds are worth more to the
# suspects (see plan_round); an undecided one goes on after its 3 rounds anyway
MIN_ROUNDS = 3
MAX_ROUNDS = 15
ALPHA = 0.05
CONFIDENCE = 0.95
BOOTSTRAP = 2000
WARMUP = 2              # warm-up steps of a benchmark's first run; later runs skip them if it showed none
# timed seconds per run, for the first run of a benchmark, which fixes the iterations for every run of
# both versions. A run's cost is mostly fixed (fork, build, first step, the tax pass's second build).
# At least 3 steps: a run's median of 3 ignores one step a loaded machine preempted, the mean of 2 does
# not (campaign 3's first try, 2 steps at load 22: the 100 ms fake read 103-120 ms a run against
# 100.2-112 with 3, and a 5% slowdown went unseen at --min-effect 3%)
TARGET_S = 0.05
MIN_ITERS, MAX_ITERS = 3, 50
TAX_ITERS = 5           # iterations of the style-tax pass in each run (at most as many as the timed ones)
TIMEOUT_S = 300.0
# The default selection: every engine on the workloads where its own code is the largest share of a step
# (many small kernel calls). A run is a fresh process (~0.3 s of CPU before the first step: Python and
# NumPy), and this 2-core machine, shared, gave the gate 0.16 of a core at load 15: 10 minutes are ~100 s
# of CPU. All 43 benchmarks, then these plus cnn (25), were still running after 10 minutes
# (results/regress-campaign/); `--workloads all` (or naming them) adds cnn, lstm, vqa and resnet.
DEFAULT_WORKLOADS = ("mlp-l2", "fc-adam", "lstm-cells")
# from round 3 on, no benchmark's runs start if they would end past this many minutes (`--max-minutes`;
# 0: no limit)
MAX_MINUTES = 9.0
VERSION_ENV = "STYLEBENCH_REGRESS_VERSION"   # "A" (the ref) or "B" (this tree), set in every child
CHILD = Path(__file__).with_name("regress_child.py")
VERSIONS = ("A", "B")


def usage(msg):
    from harness.runner import UsageError
    return UsageError(msg)


def parse_effect(text):
    """"10%" -> 0.10, "0.03" -> 0.03; anything else, or an effect outside (0, 10), is a usage error."""
    t = str(text).strip()
    try:
        value = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise usage(f"--min-effect {text!r}: expected a percentage such as 10% or a fraction such as 0.1")
    if not t.endswith("%") and value >= 1:
        raise usage(f"--min-effect {text!r}: a bare number is a fraction (0.1 = 10%); write {t}% for percent")
    if not 0 < value < 10:
        raise usage(f"--min-effect {text!r}: must be above 0% and below 1000%")
    return value


# ------------------------------------------------------------------ statistics
@dataclass
class Verdict:
    """One metric of one benchmark: B's median over A's with its bootstrap interval, the test, the call."""
    ratio: float
    lo: float
    hi: float
    p: float              # Mann-Whitney U, two-sided
    q: float              # p adjusted over every verdict of the gate (Benjamini-Hochberg); the call uses q
    rounds: int
    label: str            # "slower", "faster" or "no change"
    decided: bool         # more rounds could not change the label (see judge)


def bootstrap_ci(a, b, seed=0, n=BOOTSTRAP, confidence=CONFIDENCE):
    """Interval of median(b) / median(a), resampling rounds: paired (one index picks round i of both
    versions, which ran back to back) when the two have one value per round, else each on its own."""
    import numpy as np
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, len(a), (n, len(a)))
    ib = ia if len(a) == len(b) else rng.integers(0, len(b), (n, len(b)))
    ratios = np.median(b[ib], axis=1) / np.median(a[ia], axis=1)
    tail = 100 * (1 - confidence) / 2
    lo, hi = np.percentile(ratios, [tail, 100 - tail])
    return float(lo), float(hi)


def effect(a, b, seed=0):
    """(ratio of medians B/A, interval low, interval high, Mann-Whitney U two-sided p) of samples `a`
    (version A, one value per round) and `b` (version B)."""
    import numpy as np
    from scipy.stats import mannwhitneyu
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    lo, hi = bootstrap_ci(a, b, seed)
    p = float(mannwhitneyu(b, a, alternative="two-sided").pvalue)
    return float(np.median(b) / np.median(a)), lo, hi, p


def call(ratio, lo, hi, p, min_effect, alpha=ALPHA):
    """(label, decided) for one metric.

    "slower" when the test says the two differ (p < alpha) AND the ratio of medians B/A is at least
    1 + min_effect; "faster" likewise at or below 1 / (1 + min_effect); else "no change". Decided: more
    rounds could not change whether it is "slower", the one call the gate fails on: "slower" with the
    whole interval at or above 1 + min_effect, or anything else with the whole interval below it (no
    amount of data would make the effect big enough to fail on). Undecided: the interval straddles
    1 + min_effect, or lies above it while the test is not significant yet; those get the rounds after
    the minimum. ("faster" against "no change" is reported with its interval, not decided by rounds.)
    """
    up, down = 1 + min_effect, 1 / (1 + min_effect)
    label = "no change"
    if p < alpha and ratio >= up:
        label = "slower"
    elif p < alpha and ratio <= down:
        label = "faster"
    decided = lo >= up if label == "slower" else hi < up
    return label, decided


def judge(a, b, min_effect, alpha=ALPHA, seed=0, p_adjusted=None):
    """The verdict of one metric on its own; in a gate of many, `p_adjusted` is its p after the
    Benjamini-Hochberg adjustment over all of them (see adjust), and the call is made on that."""
    ratio, lo, hi, p = effect(a, b, seed)
    q = p if p_adjusted is None else p_adjusted
    return Verdict(ratio, lo, hi, p, q, min(len(a), len(b)), *call(ratio, lo, hi, q, min_effect, alpha))


def adjust(pvalues):
    """Benjamini-Hochberg adjusted p-values, in the order given. A gate tests every benchmark and metric
    at once: at p < 0.05 each, unchanged code would flag one in twenty of them by chance; adjusted, the
    chance that an unchanged tree flags anything stays near 5% however many benchmarks run.

    A benchmark's step and tax verdicts are strongly correlated (the tax is the step less the kernel time)
    and both enter the adjustment, as two tests. BH keeps its false discovery rate under positive
    dependence (PRDS, Benjamini & Yekutieli 2001: proven for one-sided tests; two-sided ones, as here, are
    the usual approximation), so counting both is valid; grouping them as one family
    per benchmark (a Simes p per benchmark, BH over benchmarks) would not need fewer rounds where it
    matters: a slowdown that moves both verdicts passes at p <= alpha * 2/m over m verdicts, the same
    p <= alpha * 1/(m/2) as one family among m/2; only a slowdown that moves one metric alone gains a
    factor 2 in p, where one more round divides Mann-Whitney's smallest p by ~3.7 (2/3432 at 7 rounds,
    2/12870 at 8). So the verdicts stay separate, each with its own q in the table."""
    n = len(pvalues)
    order = sorted(range(n), key=lambda i: pvalues[i])
    out, running = [0.0] * n, 1.0
    for rank in range(n, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * n / rank)
        out[i] = running
    return out


# ------------------------------------------------------------------ the two versions
def git(root, *args):
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)


def resolve(ref, root):
    """The full commit hash `ref` names in the repository at `root`, or a usage error."""
    out = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if out.returncode != 0:
        raise usage(f"--against {ref!r}: not a commit in {root} ({out.stderr.strip() or 'unknown revision'})")
    return out.stdout.strip()


def _requirements(pyproject_text, device):
    try:
        import tomllib
    except ImportError:                     # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise usage("comparing the two versions' dependencies reads pyproject.toml, which needs Python "
                        "3.11 (tomllib) or, on 3.10, the tomli package: pip install tomli") from None
    project = tomllib.loads(pyproject_text).get("project", {})
    reqs = list(project.get("dependencies", []))
    if device == "gpu":
        reqs += project.get("optional-dependencies", {}).get("gpu", [])
    return {re.sub(r"\s+", "", r).lower() for r in reqs}


def dependency_difference(ref_text, ref, current_text, device="cpu"):
    """None when both pyproject.toml texts ask for the same runtime dependencies (plus the gpu extra on a
    GPU), else one message saying what differs: both versions run in this one environment."""
    if ref_text is None:
        return f"{ref} has no pyproject.toml, so its dependencies are unknown"
    old, new = _requirements(ref_text, device), _requirements(current_text, device)
    if old == new:
        return None
    parts = []
    if old - new:
        parts.append(f"only {ref} asks for {', '.join(sorted(old - new))}")
    if new - old:
        parts.append(f"only this tree asks for {', '.join(sorted(new - old))}")
    return (f"the dependencies in pyproject.toml differ between {ref} and this tree ({'; '.join(parts)}): "
            "both versions would run in this one environment, so one of them would not run with what it "
            "declares. Compare against a ref with the same dependencies.")


@contextlib.contextmanager
def checkout(sha, root):
    """`sha` checked out in a temporary git worktree (local, no network), removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="stylebench-regress-"))
    tree = tmp / "tree"
    out = git(root, "worktree", "add", "--detach", "--quiet", str(tree), sha)
    if out.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise usage(f"could not check out {sha[:12]} in a git worktree: {out.stderr.strip()}")
    try:
        yield tree
    finally:
        removed = git(root, "worktree", "remove", "--force", str(tree)).returncode == 0
        shutil.rmtree(tmp, ignore_errors=True)
        if not removed:             # the folder went first: drop the registration it left behind
            git(root, "worktree", "prune")


@contextlib.contextmanager
def _sigterm_unwinds():
    """SIGTERM (a killed job, a CI timeout) unwinds like Ctrl-C, so REF's temporary worktree is removed
    rather than left registered in the repository (a killed gate left one behind)."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt
    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


# ------------------------------------------------------------------ benchmarks and runs
@dataclass
class Bench:
    engine: str
    workload: str
    size: str
    iters: int = 0                       # fixed by the first run, then the same for every run of both
    warmup: int = None                   # after both versions' first runs: 0 when neither one's warm-up
    warmup_seen: dict = field(default_factory=dict)     # steps were slower than its timed steps
    # after both versions' first runs: whether the tax pass hooks the timed trainer (True) or builds a fresh
    # one (False): True when in both the hooked trainer made as many kernel calls as a fresh one
    tax_reuse: bool = None
    tax_reuse_seen: dict = field(default_factory=dict)
    runs: dict = field(default_factory=lambda: {"A": [], "B": []})
    error: str = ""
    error_in: str = ""
    step: Verdict = None
    tax: Verdict = None
    tax_note: str = ""
    last_round_s: float = 0.0            # wall seconds its two runs took in the latest round
    effects: dict = field(default_factory=dict, repr=False)   # metric -> (samples, effect()): judge_all's cache

    @property
    def name(self):
        return f"{self.engine} × {self.workload}/{self.size}"

    @property
    def decided(self):
        return bool(self.error) or (self.step is not None and self.step.decided
                                    and (self.tax is None or self.tax.decided))


def _names(values):
    return [v.strip() for item in values or () for v in item.split(",") if v.strip()]


def select(engines=None, names=None):
    """(benchmarks, not run): every requested engine x workload (default: every engine x DEFAULT_WORKLOADS;
    workload "all": every registered one) at the workload's first (small) size, from this tree's registry;
    pairs the registry says cannot run are listed with why."""
    import workloads
    engines = _names(engines) or list(workloads.engines())
    names = _names(names) or [n for n in DEFAULT_WORKLOADS if n in workloads.names()]
    if "all" in names:
        names = list(workloads.names())
    for e in engines:
        if e not in workloads.engines():
            raise workloads.UnknownNameError(f"unknown engine {e!r}; known engines: "
                                             f"{', '.join(workloads.engines())}")
    benches, skipped = [], []
    for n in names:
        w = workloads.get(n)
        for e in engines:
            ok, why = w.supports(e)
            if ok:
                benches.append(Bench(e, n, w.sizes[0]))
            else:
                skipped.append(why)
    if not benches:
        raise usage("nothing to run: no selected engine can run a selected workload"
                    + (f" ({'; '.join(skipped)})" if skipped else ""))
    return benches, skipped


def child_env(root, version, threads=1):
    """The environment of a run of `version`: only its own tree on PYTHONPATH, the thread counts and malloc
    policy every stylebench run uses, and which version this is (test fakes read it)."""
    env = dict(os.environ, PYTHONPATH=str(root), **{VERSION_ENV: version})
    env.update({k: str(threads) for k in machine.THREAD_VARS}, **machine.MALLOC_ENV["cache"])
    return env


def _task(bench, opts):
    return dict(engine=bench.engine, workload=bench.workload, size=bench.size, device=opts["device"],
                warmup=opts["warmup"] if bench.warmup is None else bench.warmup, target_s=opts["target_s"], min_iters=MIN_ITERS, max_iters=MAX_ITERS,
                iters=bench.iters, tax_iters=TAX_ITERS if opts["tax"] else 0, tax_reuse=bench.tax_reuse)


def _read_result(out, root, version, crashed):
    """The child's result dict from the file `out`; `crashed()` says why when the child wrote nothing."""
    text = Path(out).read_text()
    if not text:
        return {"status": "crashed", "error": crashed()}
    result = json.loads(text)
    src = result.get("workloads_from")
    if result.get("status") == "ok" and not Path(src).resolve().is_relative_to(Path(root).resolve()):
        return {"status": "error", "error": f"version {version}'s run imported workloads from {src}, not "
                                            f"from its own tree {root} (an installed copy shadows it?)"}
    return result


def _tail(text):
    return " | ".join(text.strip().splitlines()[-3:])


def run_once(bench, root, version, opts):
    """One fresh process timing `bench` in the tree at `root` (a new interpreter; see ForkServer for the
    cheaper kind); the child's result dict."""
    fd, out = tempfile.mkstemp(prefix="stylebench-regress-", suffix=".json")
    os.close(fd)
    try:
        try:
            proc = subprocess.run([sys.executable, str(CHILD), json.dumps(_task(bench, opts)), out], cwd=root,
                                  env=child_env(root, version), capture_output=True, text=True,
                                  timeout=opts["timeout"])
        except subprocess.TimeoutExpired:
            return {"status": "timeout",
                    "error": f"no result after {opts['timeout']:g} s; the run was killed"}
        return _read_result(out, root, version,
                            lambda: f"exit code {proc.returncode} before a result: {_tail(proc.stderr)}")
    finally:
        os.unlink(out)


class ForkServer:
    """The runs of one version through `regress_child.py --serve`, started in that version's tree and
    environment: it imports NumPy once and forks a fresh process per run (asv's forkserver), which takes
    the interpreter's and NumPy's start-up (~0.3 s of CPU, most of a small benchmark's run) off every run.
    The version's own code is imported only in the forked run, as in a new interpreter."""

    def __init__(self, root, version, preload=()):
        self.root, self.version, self.proc = root, version, None
        self.preload = list(preload)        # (workload, engine) pairs whose modules the server imports
        self.running = None                 # the pid of the run in flight (killed if the gate is stopped)

    def _start(self, timeout):
        """Starts the server; None once it is ready, else why not (then it is gone)."""
        self.proc = subprocess.Popen([sys.executable, str(CHILD), "--serve", json.dumps(self.preload)],
                                     cwd=self.root,
                                     env=child_env(self.root, self.version), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0)
        self.pending = b""
        if self._line(timeout) == "ready":
            return None
        self._gone()
        return {"status": "crashed", "error": f"the fork server of version {self.version} did not start "
                                              f"within {timeout:g} s (run with --launch spawn to see why)"}

    def _gone(self):
        """The server stopped or must stop: end it and reap it (kill is harmless when it has exited)."""
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def close(self):
        import signal
        if self.running:                    # the gate was interrupted during a run: end it with the gate
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.running, signal.SIGKILL)
        if self.proc is not None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def _line(self, timeout):
        """The server's next reply line ("" once it is gone), or None after `timeout` seconds (None: wait
        as long as it takes). Read from the pipe unbuffered, so a reply that came with the previous one is
        never left in a buffer that select cannot see."""
        import select
        fd = self.proc.stdout.fileno()
        end = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.pending:
            if end is not None and not select.select([fd], [], [], max(end - time.monotonic(), 0))[0]:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return ""
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode()

    def __call__(self, bench, opts):
        import signal
        if self.proc is None or self.proc.poll() is not None:
            failed = self._start(opts["timeout"])
            if failed:
                return failed
        fd, out = tempfile.mkstemp(prefix="stylebench-regress-", suffix=".json")
        os.close(fd)
        err = out[:-len(".json")] + ".err"
        try:
            request = json.dumps({"task": _task(bench, opts), "out": out, "err": err}) + "\n"
            t0 = time.monotonic()
            try:
                self.proc.stdin.write(request.encode())
            except BrokenPipeError:
                self._gone()
                return {"status": "crashed", "error": f"the fork server of version {self.version} stopped"}
            pid = self._line(opts["timeout"])
            if not pid:                     # the server itself is gone (or hung before forking)
                self._gone()
                return {"status": "crashed", "error": f"the fork server of version {self.version} stopped"}
            self.running = int(pid)
            status = self._line(opts["timeout"] - (time.monotonic() - t0))
            if status is None:
                os.kill(self.running, signal.SIGKILL)
                self._line(None)
                self.running = None
                return {"status": "timeout",
                        "error": f"no result after {opts['timeout']:g} s; the run was killed"}
            self.running = None
            if not status:                  # the server died during the run
                self._gone()
                return {"status": "crashed", "error": f"the fork server of version {self.version} stopped "
                                                      "during the run"}

            def crashed():
                code = os.waitstatus_to_exitcode(int(status))
                return f"exit code {code} before a result: {_tail(Path(err).read_text(errors='replace'))}"
            return _read_result(out, self.root, self.version, crashed)
        finally:
            for path in (out, err):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)


class Launcher:
    """How each version's runs start: "fork" (default, where os.fork exists) through one ForkServer per
    version, "spawn" a new interpreter per run (run_once)."""

    def __init__(self, roots, method="fork", preload=()):
        if method not in ("fork", "spawn"):
            raise usage(f"--launch {method!r}: expected fork or spawn")
        self.roots = roots
        self.servers = ({v: ForkServer(r, v, preload) for v, r in roots.items()}
                        if method == "fork" and hasattr(os, "fork") else None)

    def __call__(self, bench, version, opts):
        t0 = time.monotonic()
        if self.servers is None:
            result = run_once(bench, self.roots[version], version, opts)
        else:
            result = self.servers[version](bench, opts)
        result["wall_s"] = time.monotonic() - t0      # the whole run as the gate saw it (the profile)
        return result

    def close(self):
        for server in (self.servers or {}).values():
            server.close()


def record(bench, version, result, rnd):
    if result.get("status") != "ok":
        bench.error, bench.error_in = result.get("error", "") or result.get("status", "error"), version
        return
    if not bench.iters:
        bench.iters = result["iters"]
    if bench.warmup is None and "warmup" in result:
        bench.warmup_seen[version] = result.get("warmup_needed", True)
        if len(bench.warmup_seen) == len(VERSIONS):
            bench.warmup = result["warmup"] if any(bench.warmup_seen.values()) else 0
    if bench.tax_reuse is None and "tax_reuse_ok" in result:
        bench.tax_reuse_seen[version] = result["tax_reuse_ok"]
        if len(bench.tax_reuse_seen) == len(VERSIONS):
            bench.tax_reuse = all(bench.tax_reuse_seen.values())
    bench.tax_note = bench.tax_note or result.get("tax_note", "")
    bench.runs[version].append(dict(round=rnd, **{k: result[k] for k in
                                                  ("step_ms", "kernel_ms", "overhead_ms", "kernel_calls",
                                                   "wall_s", "phase_s")
                                                  if k in result}))


def samples(bench):
    """{metric: (A values, B values)} over the rounds both versions finished (none before two rounds).

    The style tax at equal kernels: each run's engine overhead (step - time inside kernels) on top of one
    kernel time, the median over every run of both versions, so the machine's drift in kernel speed
    between processes drops out and what is left is what the engine's own code adds to a step."""
    import numpy as np
    n = min(len(bench.runs["A"]), len(bench.runs["B"]))
    if n < 2:
        return {}
    a, b = bench.runs["A"][:n], bench.runs["B"][:n]
    out = {"step": ([r["step_ms"] for r in a], [r["step_ms"] for r in b])}
    if all("overhead_ms" in r for r in a + b):
        k = float(np.median([r["kernel_ms"] for r in a + b]))
        out["tax"] = ([k + r["overhead_ms"] for r in a], [k + r["overhead_ms"] for r in b])
    return out


def judge_all(benches, min_effect, seed=0, alpha=ALPHA):
    """Every benchmark's step and tax verdicts, called on p-values adjusted over all of them."""
    def effect_of(bench, metric, xa, xb):
        # the bootstrap is most of a judgement's cost: only a benchmark that ran again is judged again
        key = (tuple(xa), tuple(xb), seed)
        if bench.effects.get(metric, (None,))[0] != key:
            bench.effects[metric] = (key, effect(xa, xb, seed))
        return bench.effects[metric][1]
    measured = [(b, metric, effect_of(b, metric, xa, xb), len(xa)) for b in benches if not b.error
                for metric, (xa, xb) in samples(b).items()]
    qs = adjust([m[2][3] for m in measured])
    for (bench, metric, (ratio, lo, hi, p), n), q in zip(measured, qs):
        setattr(bench, metric, Verdict(ratio, lo, hi, p, q, n, *call(ratio, lo, hi, q, min_effect, alpha)))


def rounds_to_show(verdicts, alpha=ALPHA):
    """The fewest rounds a side with which one verdict among `verdicts` can pass Benjamini-Hochberg alone:
    Mann-Whitney's smallest two-sided p with n values a side, every B above every A, is 2 / C(2n, n), and
    BH passes the lone smallest p when p * verdicts <= alpha. 50 verdicts: 7 (2/3432 = 0.00058)."""
    from math import comb
    n = 2
    while 2 / comb(2 * n, n) * max(verdicts, 1) > alpha:
        n += 1
    return n


def _open(bench):
    return [v for v in (bench.step, bench.tax) if v is not None and not v.decided]


def suspect(bench, min_effect):
    """Whether an undecided verdict of `bench` already reads a slowdown of at least the minimum effect: the
    benchmarks that may fail the gate, which get their rounds first."""
    return not bench.decided and any(v.ratio >= 1 + min_effect for v in _open(bench))


def priority(bench, min_effect):
    """Sort key of the benchmarks still to run: suspects (see suspect) first, then by the smallest p of
    their undecided verdicts and the highest interval low end, so that, when the time runs short, the
    rounds go to the slowdowns closest to being shown. (A benchmark without verdicts yet goes last.)"""
    open_ = _open(bench)
    return (not suspect(bench, min_effect), min((v.p for v in open_), default=1.0),
            -max((v.lo for v in open_), default=0.0))


def done(bench):
    """Rounds both versions of `bench` finished."""
    return min(len(bench.runs["A"]), len(bench.runs["B"]))


@dataclass
class Plan:
    """One round's benchmarks: the suspects first (each runs if its two runs end within the bound), then
    the others, each only if its runs plus `reserve` (the suspects' later rounds) still end within it."""
    suspects: list
    others: list
    reserve: float            # seconds kept for the suspects' rounds after this one, up to `target` each
    target: int


def plan_round(benches, rnd, min_rounds, min_effect, now, deadline, target):
    """Which benchmarks run in round `rnd` (see Plan). Every benchmark has rounds until it has had
    `min_rounds`; then only the undecided. In the first two rounds every one runs, whatever the bound
    (2 rounds give each an interval); from round 3 on, the bound holds, and the suspects' rounds up to
    `target` are kept free before any other benchmark's round, even a minimum one: a lone slowdown among
    many verdicts needs ~7 rounds a side to pass the adjustment, and on a loaded machine the minimum rounds
    of everything else would otherwise eat the time it needs."""
    pool = [b for b in benches if not b.error and (done(b) < min_rounds or not b.decided)]
    if rnd <= 2:
        return Plan([], pool, 0.0, target)
    suspects, others, end, reserve = [], [], now, 0.0
    for b in sorted((b for b in pool if suspect(b, min_effect)), key=lambda b: priority(b, min_effect)):
        if end + b.last_round_s + reserve <= deadline:
            suspects.append(b)
            end += b.last_round_s
            reserve += b.last_round_s * max(0, target - done(b) - 1)
    # then those short of their minimum rounds, then the undecided after it, each in priority order
    for b in sorted((b for b in pool if not suspect(b, min_effect)),
                    key=lambda b: (done(b) >= min_rounds, priority(b, min_effect))):
        if end + b.last_round_s + reserve <= deadline:
            others.append(b)
            end += b.last_round_s
    return Plan(suspects, others, reserve, target)


def compare(root_a, root_b, benches, min_effect, min_rounds=MIN_ROUNDS, max_rounds=MAX_ROUNDS, seed=0,
            device="cpu", tax=True, target_s=TARGET_S, timeout=TIMEOUT_S, quiet=False, warmup=WARMUP, iters=0,
            max_minutes=0, launch="fork", run=None, clock=time.monotonic, profile=None):
    """Run the benchmarks for both trees in alternation, round after round (see plan_round for which): every
    benchmark until it has had `min_rounds`, then only the undecided ones (a verdict that could still turn
    "slower", see call), until none is left, `max_rounds` ran, or nothing more fits in `max_minutes`. In a
    round the suspects run first, then the others in an order shuffled with a seeded RNG, each one's A and
    B back to back in a random order, every run a fresh process (`launch`, see Launcher; `run(bench,
    version, opts)` replaces it in tests). A benchmark's two runs are taken to last as long as its last two
    (the machine may have slowed), checked again before they start. The timed iterations per run are
    `iters`, else what the first run of a benchmark picks for `target_s` seconds, then the same for every
    run of both versions. Fills in the runs and verdicts of `benches` (and, given a dict `profile`, where
    the time went); returns why it stopped."""
    if not 2 <= min_rounds <= max_rounds:
        raise usage(f"need 2 <= --min-rounds <= --max-rounds, got {min_rounds} and {max_rounds}")
    if max_minutes < 0:
        raise usage(f"--max-minutes must be >= 0, got {max_minutes:g}")
    opts = dict(device=device, tax=tax, target_s=target_s, timeout=timeout, warmup=warmup)
    for bench in benches:
        bench.iters = bench.iters or iters
    launcher = None if run else Launcher({"A": root_a, "B": root_b}, launch,
                                         preload=[(b.workload, b.engine) for b in benches])
    run = run or launcher
    rng = random.Random(seed)
    started = clock()
    deadline = started + 60 * max_minutes if max_minutes else float("inf")
    target = min(max_rounds, rounds_to_show((2 if tax else 1) * len(benches)) + 1)
    profile = {} if profile is None else profile
    profile.update(runs_s=0.0, judge_s=0.0, runs=0, target_rounds=target)
    stopped = f"--max-rounds {max_rounds} reached"
    try:
        with _progress(quiet) as progress:
            bar = progress.add_task("", total=None, undecided="") if progress else None
            for rnd in range(1, max_rounds + 1):
                plan = plan_round(benches, rnd, min_rounds, min_effect, clock(), deadline, target)
                # benchmarks that wanted this round and did not get it: the time bound held them back
                held = {id(b) for b in benches if not b.error and (done(b) < min_rounds or not b.decided)}
                held -= {id(b) for b in plan.suspects + plan.others}
                if not plan.suspects and not plan.others:
                    stopped = _why_stopped(benches, rnd, min_rounds, min_effect, max_minutes)
                    break
                rng.shuffle(plan.suspects)
                rng.shuffle(plan.others)
                if progress:
                    progress.reset(bar, total=2 * (len(plan.suspects) + len(plan.others)))
                    progress.update(bar, undecided=_undecided_text(benches, rnd, min_effect))
                for bench in plan.suspects + plan.others:
                    # the bound again, with the time spent so far this round: the machine may have slowed
                    keep = 0.0 if bench in plan.suspects else plan.reserve
                    if rnd > 2 and clock() + bench.last_round_s + keep > deadline:
                        held.add(id(bench))
                        continue
                    order = list(VERSIONS) if rng.random() < 0.5 else list(reversed(VERSIONS))
                    t0 = clock()
                    for version in order:
                        if progress:
                            progress.update(bar, description=f"round {rnd}: {bench.name} {version}")
                        record(bench, version, run(bench, version, opts), rnd)
                        if progress:
                            progress.advance(bar)
                        if bench.error:
                            break
                    bench.last_round_s = clock() - t0
                    profile["runs_s"] += bench.last_round_s
                    profile["runs"] += 2
                t0 = clock()
                judge_all(benches, min_effect, seed)
                profile["judge_s"] += clock() - t0
            else:
                if all(b.decided for b in benches):
                    stopped = f"every verdict decided after {max_rounds} rounds"
                elif held:
                    stopped += (f"; in the last round --max-minutes {max_minutes:g} held back {len(held)} "
                                "undecided benchmarks")
    finally:
        if launcher:
            launcher.close()
    return stopped


def _why_stopped(benches, rnd, min_rounds, min_effect, max_minutes):
    """The final line's reason when round `rnd` had nothing to run."""
    left = [b for b in benches if not b.error and (done(b) < min_rounds or not b.decided)]
    if not left:
        return f"every verdict decided after {rnd - 1} rounds"
    short = [b for b in left if done(b) < min_rounds]
    suspects = [b for b in left if suspect(b, min_effect)]
    why = f"--max-minutes {max_minutes:g} reached after round {rnd - 1} with {len(left)} undecided"
    if suspects:
        why += (f", {len(suspects)} of them reading a slowdown of {min_effect:.0%} or more but not significant "
                f"(rounds: {', '.join(f'{b.name} {done(b)}' for b in suspects[:3])})")
    if short:
        why += (f"; {len(short)} had fewer than the minimum {min_rounds} rounds: too loaded a machine for "
                "this selection in this time (fewer benchmarks, or a larger --max-minutes)")
    return why


def _progress(quiet):
    if quiet:
        return contextlib.nullcontext()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.fields[undecided]}"), console=Console(stderr=True), transient=True)


def _undecided_text(benches, rnd, min_effect):
    if rnd == 1:
        return f"{len(benches)} benchmarks"
    left = [b for b in benches if not b.error and not b.decided]
    sus = [b.name for b in left if suspect(b, min_effect)]
    text = f"undecided {len(left)}/{len(benches)}"
    if sus:
        text += f", reading slower: {', '.join(sus[:3])}{f' (+{len(sus) - 3})' if len(sus) > 3 else ''}"
    return text


# ------------------------------------------------------------------ the table and the verdict
STYLE = {"slower": "bold red", "faster": "green", "no change": ""}


def _verdict_cell(v, note=""):
    if v is None:
        return note or "n/a"
    text = f"{v.label} {v.ratio:.3f} [{v.lo:.3f}, {v.hi:.3f}]{'' if v.decided else ' *'}"
    return f"[{STYLE[v.label]}]{text}[/]" if STYLE[v.label] else text


def table(benches, title, min_effect, tax):
    import numpy as np
    from rich.table import Table
    t = Table(title=title, caption=(
        "B/A: ratio of medians over rounds [95% bootstrap interval]. q: Mann-Whitney U p-value, two-sided, "
        f"adjusted over every verdict here (Benjamini-Hochberg). slower / faster: q < {ALPHA} and the ratio "
        f"at least {1 + min_effect:.3g} / at most {1 / (1 + min_effect):.3g}. * undecided: the interval "
        f"still reaches {1 + min_effect:.3g} (a slowdown not ruled out, or not yet significant) after the "
        "benchmark's last round."))
    t.add_column("benchmark")
    t.add_column("rounds", justify="right")
    t.add_column("A ms", justify="right")
    t.add_column("B ms", justify="right")
    t.add_column("step time B/A")
    t.add_column("q", justify="right")
    if tax:
        t.add_column("style tax B/A, equal kernels")
        t.add_column("q", justify="right")
    for b in benches:
        med = [f"{np.median([r['step_ms'] for r in b.runs[v]]):.4g}" if b.runs[v] else "" for v in VERSIONS]
        if b.error:
            msg = (f"[bold red]error in B[/]: {b.error}" if b.error_in == "B"
                   else f"not compared, error in A: {b.error}")
            t.add_row(b.name, str(len(b.runs["B"])), *med, msg, *([""] * (3 if tax else 1)))
            continue
        row = [b.name, str(b.step.rounds if b.step else 0), *med, _verdict_cell(b.step),
               f"{b.step.q:.2g}" if b.step else ""]
        if tax:
            row += [_verdict_cell(b.tax, b.tax_note), f"{b.tax.q:.2g}" if b.tax else ""]
        t.add_row(*row)
    return t


def exit_code(benches):
    """1 when any benchmark got slower (step or tax) or broke in B, else 0."""
    bad = [b for b in benches if (b.error and b.error_in == "B")
           or any(v is not None and v.label == "slower" for v in (b.step, b.tax))]
    return 1 if bad else 0


def summary(benches):
    counts = {}
    for b in benches:
        key = "error" if b.error else (b.step.label if b.step else "no data")
        if not b.error and b.tax is not None and b.tax.label == "slower":
            key = "slower"
        counts[key] = counts.get(key, 0) + 1
    undecided = sum(1 for b in benches if not b.error and not b.decided)
    text = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    return text + (f" ({undecided} undecided at the last round)" if undecided else "")


def gate(against="HEAD~1", engines=None, names=None, min_effect=MIN_EFFECT, min_rounds=MIN_ROUNDS,
         max_rounds=MAX_ROUNDS, seed=0, device="cpu", tax=True, timeout=TIMEOUT_S, json_out=None,
         quiet=False, root=None, max_minutes=MAX_MINUTES, launch="fork"):
    """`stylebench regress --against REF`: exit 0 (no slowdown), 1 (a significant slowdown, or a
    benchmark that broke in this tree) or 2 (bad input: an unknown ref or name, different dependencies)."""
    from rich.console import Console
    root = Path(root or machine.ROOT)
    effect = parse_effect(min_effect)
    sha = resolve(against, root)
    ref_toml = git(root, "show", f"{sha}:pyproject.toml")
    why = dependency_difference(ref_toml.stdout if ref_toml.returncode == 0 else None, against,
                                (root / "pyproject.toml").read_text(), device)
    if why:
        raise usage(why)
    if device == "gpu":
        from harness.runner import check_device
        check_device(device)
    benches, skipped = select(engines, names)
    b_commit = machine.git_commit()
    console = Console()
    if not console.is_terminal:             # a log or a pipe: wide enough for the table not to wrap
        console.width = 160
    console.print(f"stylebench regress: A = {against} ({sha[:12]}), B = this tree ({b_commit}); "
                  f"{len(benches)} benchmarks on {device}, {min_rounds}..{max_rounds} rounds, min effect "
                  f"{effect:.0%}, machine {machine.machine_id()}")
    started = time.monotonic()
    profile = {"runs": 0, "runs_s": 0.0, "judge_s": 0.0}     # compare fills it in
    with _sigterm_unwinds(), checkout(sha, root) as tree_a:
        profile["checkout_s"] = time.monotonic() - started
        stopped = compare(tree_a, root, benches, effect, min_rounds, max_rounds, seed, device, tax,
                          timeout=timeout, quiet=quiet, max_minutes=max_minutes, launch=launch, profile=profile)
    title = f"A = {against} ({sha[:12]})   B = this tree ({b_commit})"
    console.print(table(benches, title, effect, tax))
    for why in skipped:
        console.print(f"not run: {why}")
    notes = sorted({b.tax_note for b in benches if b.tax_note})
    for note in notes:
        console.print(f"style tax: {note}")
    code = exit_code(benches)
    verdict = "FAILED: a significant slowdown of at least the minimum effect" if code else "no slowdown"
    took = time.monotonic() - started
    profile["total_s"] = took
    console.print(f"time: {took:.0f} s, of which {profile['runs']} runs {profile['runs_s']:.0f} s, verdicts "
                  f"{profile['judge_s']:.0f} s, the rest (ref checkout, fork servers, table) "
                  f"{took - profile['runs_s'] - profile['judge_s']:.0f} s")
    console.print(f"stylebench regress: {summary(benches)} in {took:.0f} s ({stopped}); {verdict}")
    if json_out:
        Path(json_out).write_text(json.dumps({
            "a": {"ref": against, "commit": sha}, "b": {"commit": b_commit},
            "machine": machine.host_info(device),
            "min_effect": effect, "alpha": ALPHA, "min_rounds": min_rounds, "max_rounds": max_rounds,
            "seed": seed, "max_minutes": max_minutes, "launch": launch, "exit": code, "stopped": stopped,
            "profile": profile,
            "benchmarks": [dict(engine=b.engine, workload=b.workload, size=b.size, iters=b.iters, runs=b.runs,
                                error=b.error, error_in=b.error_in, tax_note=b.tax_note,
                                step=asdict(b.step) if b.step else None, tax=asdict(b.tax) if b.tax else None)
                           for b in benches]}, indent=1, default=str))
    return code


# ------------------------------------------------------------------ the saved-baseline workflow
SUITE = "tests/benchmarks/test_steps.py"
STORAGE_ENV = "STYLEBENCH_REGRESS_STORAGE"      # root of the per-machine folders (tests point it elsewhere)
BASELINE_NAME = "baseline"
# BLAS threads of the suite: 1 unless asked, because multi-threaded BLAS on a busy machine swings by
# orders of magnitude and a regression check needs steady numbers more than peak speed
THREADS_ENV = "STYLEBENCH_REGRESS_THREADS"


def storage_root():
    return Path(os.environ.get(STORAGE_ENV) or machine.ROOT / "results" / "benchmarks")


def _gpu_name():
    return machine.gpu_info()["gpu_name"] if os.environ.get("STYLEBENCH_DEVICE", "cpu") == "gpu" else ""


def storage_dir():
    """results/benchmarks/<machine id>/ (pytest-benchmark adds its own platform folder below it); GPU
    runs of the suite get the GPU's name in the id so they never compare with CPU baselines."""
    return storage_root() / machine.machine_id(gpu_name=_gpu_name())


def newest_run(storage, kind="*"):
    """The newest saved run under `storage` (pytest-benchmark's NNNN_<name>.json, one folder down) whose
    name matches `kind`, or None."""
    found = sorted(storage.glob(f"*/[0-9][0-9][0-9][0-9]_{kind}.json"), key=lambda p: int(p.name[:4]))
    return found[-1] if found else None


def latest_baseline(storage):
    """The run number (e.g. "0003") of the newest saved baseline under `storage`, or None."""
    found = newest_run(storage, BASELINE_NAME)
    return found.name[:4] if found else None


def recorded_machine(saved_json):
    """The machine a saved pytest-benchmark run was recorded on, as describe_cpu() fields plus gpu_name."""
    info = json.loads(Path(saved_json).read_text()).get("machine_info", {})
    return dict(machine.describe_cpu(info.get("cpu", {})),
                gpu_name=info.get("stylebench", {}).get("gpu_name", ""))


def foreign_baselines(here):
    """Why each baseline saved under another machine id is not compared with this machine:
    [(folder, [differences])]."""
    out = []
    for folder in sorted(p for p in storage_root().glob("*") if p.is_dir() and p.name != here.name):
        saved = newest_run(folder, BASELINE_NAME)
        if saved is not None:
            out.append((folder, machine.differences(recorded_machine(saved),
                                                    dict(machine.cpu_info(), gpu_name=_gpu_name()))))
    return out


def refuse_foreign(storage):
    """None when the newest baseline under `storage` was recorded on this machine type, else the reason
    (a baseline copied or renamed into this machine's folder is not compared)."""
    saved = newest_run(storage, BASELINE_NAME)
    if saved is None:
        return None
    diff = machine.differences(recorded_machine(saved), dict(machine.cpu_info(), gpu_name=_gpu_name()))
    if not diff:
        return None
    return (f"refusing to compare with {saved}: it was recorded on another machine type than this one "
            f"({machine.machine_id()}): {'; '.join(diff)}. Record a baseline here with "
            "`make regress-baseline`, or use `make regress`, which measures both versions now.")


# The two groups compare separately: a build (a whole model allocated, a graph traced) is one-shot work
# that swings more from run to run on a shared machine than a steady-state step does, so it gets its
# own, looser limit instead of making the step check cry wolf.
GROUPS = (("step", "test_step"), ("build + first step", "test_build"))


def command(baseline, threshold, storage, extra=(), test=None):
    cmd = [sys.executable, "-m", "pytest", SUITE + (f"::{test}" if test else ""), "-q", "-p",
           "no:cacheprovider", "--benchmark-enable", "--benchmark-only",
           f"--benchmark-storage=file://{storage}", "--benchmark-sort=name",
           "--benchmark-columns=min,median,iqr,max,rounds,iterations"]
    if baseline:
        return cmd + [f"--benchmark-save={BASELINE_NAME}", *extra]
    cmd.append("--benchmark-autosave")
    number = latest_baseline(storage)
    if number is not None:
        cmd += [f"--benchmark-compare={number}", f"--benchmark-compare-fail={threshold}"]
    return cmd + list(extra)


def machine_wide_shift(baseline_json, run_json, min_common=8):
    """(median ratio now/baseline, share of benchmarks slower by more than 15%) over the benchmarks both
    runs hold, or None when fewer than `min_common` are shared. When nearly every benchmark moved by a
    similar factor, the machine changed (another job, a throttled VM), not the code: a code regression
    hits the engines or workloads it touches, not all of them alike."""
    def medians(path):
        return {b["fullname"]: b["stats"]["median"] for b in json.loads(Path(path).read_text())["benchmarks"]}
    base, now = medians(baseline_json), medians(run_json)
    common = sorted(set(base) & set(now))
    if len(common) < min_common:
        return None
    ratios = sorted(now[k] / base[k] for k in common if base[k] > 0)
    return ratios[len(ratios) // 2], sum(r > 1.15 for r in ratios) / len(ratios)


def saved(baseline=False, threshold="median:15%", build_threshold="median:30%", extra=()):
    """`--baseline` records a pytest-benchmark baseline for this machine id; `--saved` runs the suite and
    compares it with the newest baseline of the same machine id (the saved-history workflow)."""
    extra = list(extra)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    storage = storage_dir()
    threads = os.environ.get(THREADS_ENV, "1")
    env = dict(os.environ, **{k: threads for k in machine.THREAD_VARS}, **machine.MALLOC_ENV["cache"])
    if baseline:
        print(f"stylebench regress: recording a new baseline under {storage}/", flush=True)
        return subprocess.call(command(True, threshold, storage, extra), cwd=machine.ROOT, env=env)
    why = refuse_foreign(storage)
    if why:
        print(f"stylebench regress: {why}", file=sys.stderr)
        return 2
    number = latest_baseline(storage)
    if number is None:
        print(f"stylebench regress: no baseline for machine {storage.name} under {storage.parent}/ yet; "
              "this run is saved but compared with nothing (record one with `make regress-baseline`)",
              flush=True)
        for folder, diff in foreign_baselines(storage):
            print(f"stylebench regress: not comparing with {folder.name}: another machine type "
                  f"({'; '.join(diff) or 'its id differs'})", flush=True)
    rc = 0
    for (group, test), limit in zip(GROUPS, (threshold, build_threshold)):
        if number is not None:
            print(f"stylebench regress: {group}: comparing with baseline {number} under {storage}/, "
                  f"failing on {limit}", flush=True)
        code = subprocess.call(command(False, limit, storage, extra, test), cwd=machine.ROOT, env=env)
        if code == 5:        # nothing selected in this group (a -k filter): not a failure
            continue
        if code != 0 and number is not None:
            print(f"stylebench regress: {group}: FAILED (exit {code}). A benchmark above regressed beyond "
                  f"{limit} against the baseline, or a test failed. If the slowdown is intended, record a "
                  "new baseline with `make regress-baseline` and commit it.", file=sys.stderr)
            _warn_if_machine_wide(storage)
        rc = rc or code
    return rc


def _warn_if_machine_wide(storage):
    base = newest_run(storage, BASELINE_NAME)
    run = newest_run(storage)
    shift = machine_wide_shift(base, run) if base and run and run != base else None
    if shift and shift[1] >= 0.75:
        print(f"stylebench regress: {shift[1]:.0%} of the benchmarks are over 15% slower, by a median "
              f"factor of {shift[0]:.2f}: a shift that uniform is usually the machine (another job, a "
              "throttled VM), not the code. Run it again on a quiet machine before believing it.",
              file=sys.stderr)


# ------------------------------------------------------------------ command line
def add_arguments(p):
    """The `stylebench regress` options (harness/cli.py hands the parsed namespace to main)."""
    p.add_argument("--against", default="HEAD~1", metavar="REF",
                   help="git ref of version A, checked out in a temporary worktree; B is this tree as it is "
                        "(uncommitted changes included). Default HEAD~1")
    p.add_argument("--engines", nargs="+", metavar="E",
                   help="engine ids (comma or space separated); default all")
    p.add_argument("--workloads", nargs="+", metavar="W",
                   help=f"workload names, each at its small size, or all; default {','.join(DEFAULT_WORKLOADS)}")
    p.add_argument("--min-effect", default=MIN_EFFECT, metavar="PCT",
                   help="smallest slowdown worth failing on, e.g. 3%% or 0.03 (default "
                        f"{MIN_EFFECT.replace('%', '%%')})")
    p.add_argument("--min-rounds", type=int, default=MIN_ROUNDS,
                   help=f"rounds of every benchmark; after them only undecided ones run (default {MIN_ROUNDS})")
    p.add_argument("--max-rounds", type=int, default=MAX_ROUNDS,
                   help=f"rounds at most; undecided benchmarks are judged then (default {MAX_ROUNDS})")
    p.add_argument("--max-minutes", type=float, default=MAX_MINUTES,
                   help="from round 3 on, a benchmark's runs start only if they would end within this many "
                        f"minutes from the start (default {MAX_MINUTES:g}; 0: no limit)")
    p.add_argument("--seed", type=int, default=0, help="seed of the shuffled run order and the bootstrap")
    p.add_argument("--device", default=os.environ.get("STYLEBENCH_DEVICE", "cpu"),
                   help="cpu (default) or gpu")
    p.add_argument("--no-tax", dest="tax", action="store_false",
                   help="step time only (skips the kernel-hooked pass behind the style-tax verdict)")
    p.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds before a run is killed")
    p.add_argument("--launch", choices=("fork", "spawn"), default="fork",
                   help="how a run's fresh process starts: fork (default) from a server per version that "
                        "imported NumPy once, or spawn a new interpreter per run")
    p.add_argument("--json", metavar="FILE", help="also write every run and verdict to FILE")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--baseline", action="store_true",
                   help="saved-history workflow: record a pytest-benchmark baseline for this machine id")
    p.add_argument("--saved", action="store_true",
                   help="saved-history workflow: run the pytest-benchmark suite and compare it with this "
                        "machine id's newest baseline")
    p.add_argument("--threshold", default=os.environ.get("STYLEBENCH_REGRESS_FAIL", "median:15%"),
                   help="with --saved: --benchmark-compare-fail expression for the step group (median:15%%)")
    p.add_argument("--build-threshold", default=os.environ.get("STYLEBENCH_REGRESS_BUILD_FAIL", "median:30%"),
                   help="with --saved: the same for the build + first step group (median:30%%)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER,
                   help="with --baseline/--saved: extra pytest arguments after --")


def main(args):
    if args.baseline or args.saved:
        return saved(baseline=args.baseline, threshold=args.threshold, build_threshold=args.build_threshold,
                     extra=args.pytest_args)
    if args.pytest_args:
        raise usage(f"unexpected arguments {' '.join(args.pytest_args)} (pytest arguments go with --saved "
                    "or --baseline)")
    return gate(args.against, args.engines, args.workloads, args.min_effect, args.min_rounds, args.max_rounds,
                args.seed, args.device, args.tax, args.timeout, args.json, args.quiet,
                max_minutes=args.max_minutes, launch=args.launch)
