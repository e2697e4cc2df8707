"""The regression gate: its statistics on synthetic samples, the dependency check, and a whole run of two
versions in alternation on a test-only workload that one version slows down."""
import json
import subprocess
import sys

import numpy as np
import pytest
from pathlib import Path

import workloads
from harness import machine, regress
from harness.runner import UsageError
from tests.harness.fakes.slowdown import spec as slow_spec

SLOW = "slow"
SLOW_PACKAGE = "tests.harness.fakes.slowdown"


def rounds(median, n=12, spread=0.01, seed=0):
    """n per-round medians around `median`, with a relative spread like a quiet machine's."""
    return median * (1 + spread * np.random.default_rng(seed).standard_normal(n))


def test_a_clear_slowdown_is_slower_and_decided():
    v = regress.judge(rounds(10.0), rounds(12.0, seed=1), 0.10)
    assert v.label == "slower" and v.decided and v.p < 0.001
    assert 1.15 < v.lo <= v.ratio <= v.hi < 1.25


def test_the_same_distribution_is_no_change_and_decided():
    v = regress.judge(rounds(10.0), rounds(10.0, seed=1), 0.10)
    assert v.label == "no change" and v.decided
    assert 1 / 1.1 < v.lo < 1 < v.hi < 1.1


def test_a_faster_version_is_faster():
    v = regress.judge(rounds(10.0), rounds(8.0, seed=1), 0.10)
    assert v.label == "faster" and v.decided and v.hi < 1 / 1.1


def test_a_5_percent_slowdown_is_no_change_at_a_10_percent_minimum_and_slower_at_3():
    a, b = rounds(10.0, spread=0.005), rounds(10.5, spread=0.005, seed=1)
    at10 = regress.judge(a, b, 0.10)
    assert at10.p < 0.001                       # real and significant, but below the minimum effect
    assert at10.label == "no change" and at10.decided
    at3 = regress.judge(a, b, regress.parse_effect("3%"))
    assert at3.label == "slower" and at3.decided


def test_an_interval_across_the_band_edge_is_undecided():
    """Noisy rounds around a 10% slowdown: whatever the label, more rounds could still move it."""
    v = regress.judge(rounds(10.0, n=5, spread=0.08), rounds(11.0, n=5, spread=0.08, seed=1), 0.10)
    assert v.lo < 1.1 < v.hi and not v.decided


def test_a_significant_slowdown_smaller_than_the_noise_band_is_not_slower():
    """Significance alone never flags: 12 rounds of pure noise that happen to differ by 2% stay no change."""
    v = regress.judge(rounds(10.0, spread=0.002), rounds(10.2, spread=0.002, seed=1), 0.10)
    assert v.p < 0.05 and v.label == "no change"


def test_the_call_uses_the_adjusted_p_value():
    a, b = rounds(10.0, n=5), rounds(12.0, n=5, seed=1)
    assert regress.judge(a, b, 0.10).label == "slower"
    assert regress.judge(a, b, 0.10, p_adjusted=0.2).label == "no change"


def test_benjamini_hochberg_adjustment():
    q = regress.adjust([0.01, 0.04, 0.03, 0.5])
    assert q == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert regress.adjust([0.02]) == [0.02]


@pytest.mark.parametrize("text,value", [("10%", 0.10), ("3%", 0.03), ("0.03", 0.03), (" 5 % ".strip(), 0.05)])
def test_min_effect_forms(text, value):
    assert regress.parse_effect(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["3", "abc", "0%", "-5%"])
def test_bad_min_effect_is_a_usage_error(text):
    with pytest.raises(UsageError, match="--min-effect"):
        regress.parse_effect(text)


# ------------------------------------------------------------------ the two versions
PYPROJECT = '[project]\nname = "x"\ndependencies = [\n    "numpy>=1.26",\n{extra}]\n'


def _repo(path):
    """A git repository whose HEAD asks for numpy only; the working tree adds scipy."""
    path.mkdir()
    (path / "pyproject.toml").write_text(PYPROJECT.format(extra=""))

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=path, check=True,
                       capture_output=True)
    git("init", "-q")
    git("add", "pyproject.toml")
    git("commit", "-q", "-m", "one")
    (path / "pyproject.toml").write_text(PYPROJECT.format(extra='    "scipy>=1.11",  # new\n'))
    return path


def test_against_a_ref_with_other_dependencies_refuses_and_names_them(tmp_path):
    repo = _repo(tmp_path / "repo")
    with pytest.raises(UsageError) as e:
        regress.gate(against="HEAD", root=repo, quiet=True)
    assert "dependencies in pyproject.toml differ" in str(e.value)
    assert "only this tree asks for scipy>=1.11" in str(e.value)
    assert subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True,
                          text=True).stdout.count("\n") == 1      # refused before any checkout


def test_same_dependencies_in_another_layout_are_the_same():
    a = PYPROJECT.format(extra='    "scipy>=1.11",\n')
    b = '[project]\ndependencies = ["SciPy >= 1.11", "numpy>=1.26"]  # reordered\n'
    assert regress.dependency_difference(a, "REF", b) is None
    assert "no pyproject.toml" in regress.dependency_difference(None, "REF", b)


def test_an_unknown_ref_is_a_usage_error_with_exit_2():
    out = subprocess.run([sys.executable, "-m", "harness.cli", "regress", "--against", "no-such-ref-xyz"],
                         cwd=machine.ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "no-such-ref-xyz" in out.stderr and "not a commit" in out.stderr


def test_the_ref_is_checked_out_in_a_temporary_worktree_and_removed(tmp_path):
    repo = _repo(tmp_path / "repo")
    sha = regress.resolve("HEAD", repo)
    with regress.checkout(sha, repo) as tree:
        # the ref's file, not the working tree's
        assert (tree / "pyproject.toml").read_text() == PYPROJECT.format(extra="")
    assert not tree.exists()
    listed = subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True, text=True).stdout
    assert str(tree) not in listed


# ------------------------------------------------------------------ a whole gate on the fake
@pytest.fixture
def slow_fake(monkeypatch):
    """Registers the slowdown fake here and, through the environment, in every child of both versions."""
    monkeypatch.setitem(workloads._PACKAGES, SLOW, SLOW_PACKAGE)
    monkeypatch.setenv(workloads.EXTRA_ENV, f"{SLOW}={SLOW_PACKAGE}")
    # steps long against a loaded machine's wake-up latency (up to ~4 ms seen here: unchanged code could
    # read 30 ms against 34 ms, more than the 10% minimum effect), short for a test
    monkeypatch.setenv(slow_spec.STEP_ENV, "0.05")
    return SLOW


def test_the_fake_slows_only_the_named_engine_in_the_slowed_version(slow_fake, monkeypatch):
    monkeypatch.setenv(slow_spec.SLOWDOWN_ENV, "reference=0.2")
    for version, engine, seconds in (("A", "reference", 0.05), ("B", "reference", 0.06),
                                     ("B", "dynamic_tape", 0.05)):
        monkeypatch.setenv(regress.VERSION_ENV, version)
        assert slow_spec.step_seconds(engine) == pytest.approx(seconds)


def test_the_gate_flags_a_20_percent_slowdown_and_not_the_unchanged_engine(slow_fake, monkeypatch):
    """Both versions are this tree (no git history needed); the gate tells each child which version it
    is, and the fake sleeps 20% longer in B for reference only. Few rounds, three timed steps a run, step
    time only (the tax pass has its own test below)."""
    monkeypatch.setenv(slow_spec.SLOWDOWN_ENV, "reference=0.2")
    benches, _ = regress.select(["reference,dynamic_tape"], [SLOW])
    regress.compare(machine.ROOT, machine.ROOT, benches, 0.10, min_rounds=4, max_rounds=8, iters=3, warmup=0,
                    tax=False, quiet=True)
    slowed, same = benches
    assert (slowed.engine, same.engine) == ("reference", "dynamic_tape")
    assert slowed.step.label == "slower", regress.table(benches, "", 0.1, False)
    assert same.step.label != "slower" and same.tax is None
    assert same.step.rounds >= 4 and len(same.runs["A"]) == len(same.runs["B"]) >= 4
    assert regress.exit_code(benches) == 1
    assert regress.exit_code([same]) == 0
    from rich.console import Console
    console = Console(record=True, width=200)
    console.print(regress.table(benches, "t", 0.10, tax=False))
    text = console.export_text()
    assert "reference × slow/small" in text and f"slower {slowed.step.ratio:.3f} [" in text
    assert regress.summary(benches).startswith("1 no change, 1 slower")


def test_a_run_times_kernels_and_overhead_in_its_tax_pass(slow_fake, monkeypatch):
    monkeypatch.setenv(slow_spec.STEP_ENV, "0.005")
    bench = regress.Bench("reference", SLOW, "small", iters=3)
    result = regress.run_once(bench, machine.ROOT, "A", dict(device="cpu", tax=True, target_s=0.01, timeout=60,
                                                             warmup=0))
    assert result["status"] == "ok" and result["iters"] == 3
    assert result["kernel_calls"] == 1                  # the fake's one kernel call per step, seen by the hook
    assert 0 < result["kernel_ms"] < result["overhead_ms"]    # its sleep is outside any kernel
    assert Path(result["workloads_from"]) == machine.ROOT / "workloads"


@pytest.mark.parametrize("capture", ["0", "1"])
def test_the_tax_pass_reuses_the_timed_trainer_only_where_a_fresh_one_makes_the_same_kernel_calls(
        slow_fake, monkeypatch, capture):
    """A benchmark's first run times its tax pass both ways; a trainer that kept the kernel method it saw at
    build time (capture) escapes a hook installed after the build, so it gets fresh trainers from then on."""
    monkeypatch.setenv(slow_spec.STEP_ENV, "0.002")
    monkeypatch.setenv(slow_spec.CAPTURE_ENV, capture)
    bench = regress.Bench("reference", SLOW, "small", iters=2)
    opts = dict(device="cpu", tax=True, target_s=0.01, timeout=60, warmup=0)
    for version in regress.VERSIONS:
        result = regress.run_once(bench, machine.ROOT, version, opts)
        assert result["tax_reuse_ok"] is (capture == "0") and result["kernel_calls"] == 1
        regress.record(bench, version, result, 1)
    assert bench.tax_reuse is (capture == "0") and regress._task(bench, opts)["tax_reuse"] is bench.tax_reuse
    again = regress.run_once(bench, machine.ROOT, "A", opts)
    assert "tax_reuse_ok" not in again and again["kernel_calls"] == 1 and again["overhead_ms"] > 1


def test_the_style_tax_holds_kernel_time_equal_across_versions():
    """B's kernels ran 50% slower (the machine drifted between processes), its own overhead did not move:
    step time reads slower, the tax at equal kernels reads no change. And the other way round."""
    bench = regress.Bench("e", "w", "small")
    for rnd in range(1, 9):
        jitter = 0.001 * rnd
        bench.runs["A"].append({"round": rnd, "step_ms": 10 + jitter, "kernel_ms": 8 + jitter,
                                "overhead_ms": 2.0})
        bench.runs["B"].append({"round": rnd, "step_ms": 14 + jitter, "kernel_ms": 12 + jitter,
                                "overhead_ms": 2.0 + jitter})
    regress.judge_all([bench], 0.10)
    assert bench.step.label == "slower" and bench.tax.label == "no change" and bench.tax.decided
    k = 10.0045                                          # the median kernel time over all 16 runs
    assert bench.tax.ratio == pytest.approx((k + 2.0045) / (k + 2.0))
    for r in bench.runs["B"]:
        r["overhead_ms"] = 4.0 + r["kernel_ms"] - 12     # now the engine's own code doubled instead
    regress.judge_all([bench], 0.10)
    assert bench.tax.label == "slower" and bench.tax.ratio == pytest.approx((k + 4.0045) / (k + 2.0))


def test_a_benchmark_that_breaks_in_b_fails_the_gate_and_one_missing_in_a_is_only_listed(slow_fake):
    broken = regress.Bench("static_graph", SLOW, "small")          # the fake has no static_graph module
    opts = dict(device="cpu", tax=False, target_s=0.01, timeout=60, warmup=0)
    regress.record(broken, "B", regress.run_once(broken, machine.ROOT, "B", opts), 1)
    assert broken.error_in == "B" and "no module for engine 'static_graph'" in broken.error
    assert regress.exit_code([broken]) == 1
    broken.error_in = "A"
    assert regress.exit_code([broken]) == 0


def test_a_run_of_a_tree_without_the_code_is_an_error_not_a_silent_run_of_another_tree(slow_fake, tmp_path):
    bench = regress.Bench("reference", SLOW, "small", iters=1)
    opts = dict(device="cpu", tax=False, target_s=0.01, timeout=60, warmup=0)
    result = regress.run_once(bench, tmp_path, "A", opts)
    assert result["status"] == "error"


# ------------------------------------------------------------------ adaptive rounds on fake measurements
class FakeMachine:
    """Stands in for the runs and the clock: each run of a benchmark returns a step time drawn around its
    true value (B's times `slowdown[name]`), with per-run noise `noise[name]` (relative, log-normal), and
    moves the clock on by `cost_s` seconds. No process starts, nothing is timed for real."""

    def __init__(self, benches, slowdown=None, noise=None, default_noise=0.05, cost_s=1.0, seed=0):
        self.rng = np.random.default_rng(seed)
        self.true = {b.name: 1.0 + 0.5 * i for i, b in enumerate(benches)}
        self.slowdown, self.noise = slowdown or {}, noise or {}
        self.default_noise, self.cost_s, self.now = default_noise, cost_s, 1000.0
        self.runs = {b.name: 0 for b in benches}

    def clock(self):
        return self.now

    def __call__(self, bench, version, opts):
        self.now += self.cost_s
        self.runs[bench.name] += 1
        factor = self.slowdown.get(bench.name, 1.0) if version == "B" else 1.0
        noise = self.noise.get(bench.name, self.default_noise)
        step = self.true[bench.name] * factor * float(np.exp(noise * self.rng.standard_normal()))
        kernel = 0.7 * self.true[bench.name] * float(np.exp(noise * self.rng.standard_normal()))
        return {"status": "ok", "iters": 3, "step_ms": step, "kernel_ms": kernel,
                "overhead_ms": step - kernel}


def fake_benches(n=25):
    return [regress.Bench(f"engine{i % 9}", f"workload{i // 9}", "small") for i in range(n)]


def fake_gate(benches, fake, **kwargs):
    kwargs = dict(dict(max_rounds=15, max_minutes=9.0), **kwargs)
    stopped = regress.compare(None, None, benches, 0.10, quiet=True, run=fake, clock=fake.clock, **kwargs)
    return stopped, [b.name for b in benches if any(v.label == "slower" for v in (b.step, b.tax))]


def test_five_rounds_cannot_show_one_slowdown_among_50_verdicts_but_extra_rounds_on_it_can():
    """Why rounds adapt: 5 rounds a side give Mann-Whitney p >= 2/252, and Benjamini-Hochberg over 50
    verdicts needs p <= 0.002 for a benchmark slow in both of its verdicts; 7 rounds give 2/3432."""
    benches = fake_benches()
    slowed = benches[11].name
    fake = FakeMachine(benches, slowdown={slowed: 1.2}, default_noise=0.02)
    fake_gate(benches, fake, min_rounds=5, max_rounds=5)
    assert min(v.p for b in benches for v in (b.step, b.tax)) >= 2 / 252 - 1e-12
    assert regress.exit_code(benches) == 0 and not benches[11].decided
    benches = fake_benches()
    stopped, flagged = fake_gate(benches, FakeMachine(benches, slowdown={slowed: 1.2}, default_noise=0.02))
    assert flagged == [slowed] and regress.exit_code(benches) == 1
    assert benches[11].step.rounds >= 7 and benches[11].decided
    assert stopped.startswith("every verdict decided")


def test_extra_rounds_go_only_to_undecided_benchmarks_and_the_slowed_one_is_flagged_among_25():
    """A 20% slowdown of one benchmark among 25 (50 verdicts), on a loud machine: several unchanged
    benchmarks are noisy enough to stay undecided; the slowed one is still flagged, nothing else is."""
    for seed in range(3):
        benches = fake_benches()
        slowed = benches[20].name
        noisy = {b.name: 0.4 for b in benches[:6]}
        fake = FakeMachine(benches, slowdown={slowed: 1.2}, noise=noisy, default_noise=0.03, seed=seed)
        stopped, flagged = fake_gate(benches, fake)
        assert flagged == [slowed], (seed, regress.summary(benches))
        rounds = {b.name: len(b.runs["A"]) for b in benches}
        assert rounds[slowed] >= 7
        quiet = sorted(rounds[b.name] for b in benches[6:] if b.name != slowed)
        assert quiet[len(quiet) // 2] == regress.MIN_ROUNDS and quiet[-1] < 15, rounds   # mostly the minimum
        assert all(rounds[b.name] == len(b.runs["B"]) for b in benches)
        assert any(rounds[b.name] > regress.MIN_ROUNDS + 2 for b in benches[:6])      # the noisy ones: more


def test_unchanged_code_is_not_flagged_on_a_loud_machine():
    for seed in range(4):
        benches = fake_benches()
        noise = {b.name: (0.5 if i % 3 == 0 else 0.15) for i, b in enumerate(benches)}
        stopped, flagged = fake_gate(benches, FakeMachine(benches, noise=noise, seed=seed))
        assert flagged == [] and regress.exit_code(benches) == 0, (seed, regress.summary(benches))


def test_the_time_bound_is_honoured_and_the_slowest_to_show_wait():
    """Every run costs 1 s on the fake clock: 4 rounds of 25 benchmarks take 200 s; 5 minutes leave 100 s,
    which go first to the undecided benchmarks closest to a significant slowdown."""
    benches = fake_benches()
    slowed = benches[3].name
    noisy = {b.name: 0.5 for b in benches[10:]}
    fake = FakeMachine(benches, slowdown={slowed: 1.3}, noise=noisy, default_noise=0.02)
    stopped, flagged = fake_gate(benches, fake, max_minutes=5.0)
    assert fake.now - 1000.0 <= 5 * 60
    assert stopped.startswith("--max-minutes 5 reached after round") and "undecided" in stopped
    assert flagged == [slowed] and len(benches[3].runs["A"]) >= 7
    assert sum(fake.runs.values()) > 200                              # rounds after the minimum did run


def test_the_time_bound_holds_in_the_minimum_rounds_too_after_the_first_two():
    benches = fake_benches(6)
    fake = FakeMachine(benches, noise={b.name: 0.5 for b in benches}, cost_s=10.0)
    stopped, _ = fake_gate(benches, fake, max_minutes=5.0)        # 2 rounds: 240 s; a third would end at 360
    assert fake.now - 1000.0 <= 300
    runs = [len(b.runs["A"]) for b in benches]
    assert runs == [len(b.runs["B"]) for b in benches] and min(runs) == 2 and sum(runs) == 2 * 6 + 3
    assert stopped.startswith("--max-minutes 5 reached after round ") and "had fewer than the minimum 3" in stopped
    benches = fake_benches(6)
    fake = FakeMachine(benches, cost_s=100.0)
    fake_gate(benches, fake, max_minutes=1.0)                     # the first two rounds always run
    assert all(len(b.runs["A"]) == 2 for b in benches) and all(b.step is not None for b in benches)


def test_rounds_to_show_one_verdict_among_many():
    assert regress.rounds_to_show(1) == 4             # 2/70 = 0.029
    assert regress.rounds_to_show(10) == 6            # 2/252 * 10 = 0.079; 2/924 * 10 = 0.022
    assert regress.rounds_to_show(50) == regress.rounds_to_show(54) == 7       # 2/3432 * 54 = 0.031


def test_quiet_unchanged_benchmarks_stop_after_the_minimum_3_rounds():
    benches = fake_benches()
    fake = FakeMachine(benches, default_noise=0.01)
    profile = {}
    stopped, flagged = fake_gate(benches, fake, profile=profile)
    assert flagged == [] and stopped == "every verdict decided after 3 rounds"
    assert all(len(b.runs["A"]) == len(b.runs["B"]) == 3 for b in benches)
    assert profile["runs"] == 2 * 3 * 25 and profile["runs_s"] == pytest.approx(150.0)
    assert profile["target_rounds"] == 8                     # rounds_to_show(50) + 1


def test_the_suspect_gets_its_rounds_before_the_minimum_rounds_of_the_rest():
    """A machine so loaded that 3 rounds of all 25 benchmarks barely fit in the bound (50 s a round on the
    fake clock, 2.6 minutes): the 20% slowdown still gets the ~7 rounds a side the adjustment over 50
    verdicts needs, because from round 3 on its rounds are kept before anyone else's; benchmarks short of
    their minimum rounds are named in the reason it stopped."""
    for seed in range(3):
        benches = fake_benches()
        slowed = benches[7].name
        noisy = {b.name: 0.3 for b in benches[15:]}
        fake = FakeMachine(benches, slowdown={slowed: 1.2}, noise=noisy, default_noise=0.03, seed=seed)
        stopped, flagged = fake_gate(benches, fake, max_minutes=2.6)
        assert fake.now - 1000.0 <= 2.6 * 60
        assert flagged == [slowed], (seed, stopped, regress.summary(benches))
        assert len(benches[7].runs["A"]) >= 7 and benches[7].decided
        assert min(len(b.runs["A"]) for b in benches) >= 2


def test_the_last_line_says_when_the_time_bound_held_benchmarks_back_in_the_last_round():
    benches = fake_benches(6)
    fake = FakeMachine(benches, noise={b.name: 0.5 for b in benches}, cost_s=5.0)
    stopped, _ = fake_gate(benches, fake, max_rounds=4, max_minutes=3.5)     # 3 rounds: 180 s; a 4th: 240
    assert fake.now - 1000.0 <= 210
    assert stopped.startswith("--max-rounds 4 reached; in the last round --max-minutes 3.5 held back ")
    stopped, _ = fake_gate(fake_benches(6), FakeMachine(benches, noise={b.name: 0.5 for b in benches}),
                           max_rounds=4)
    assert stopped == "--max-rounds 4 reached"


def test_the_progress_text_names_the_undecided_and_the_suspects():
    benches = fake_benches(5)
    fake = FakeMachine(benches, slowdown={benches[2].name: 1.3}, noise={benches[4].name: 0.5})
    fake_gate(benches, fake, max_rounds=3)
    text = regress._undecided_text(benches, 4, 0.10)
    assert text.startswith(f"undecided {sum(not b.decided for b in benches)}/5")
    assert f"reading slower: {benches[2].name}" in text


def test_the_fork_server_imports_the_selected_engines_before_the_runs(slow_fake):
    bench = regress.Bench("reference", SLOW, "small", iters=1)
    opts = dict(device="cpu", tax=False, target_s=0.01, timeout=60, warmup=0)
    for launch, preload, expected in (("fork", [(SLOW, "reference")], True), ("fork", [], False),
                                      ("spawn", [(SLOW, "reference")], False)):
        launcher = regress.Launcher({"A": machine.ROOT, "B": machine.ROOT}, launch, preload=preload)
        try:
            result = launcher(bench, "A", opts)
        finally:
            launcher.close()
        assert result["status"] == "ok" and result["preloaded"] is expected, (launch, preload)
        assert result["wall_s"] > 0 and set(result["phase_s"]) == {"build_and_first_step", "warmup", "timed"}


def test_a_call_is_decided_only_when_more_rounds_cannot_change_slower():
    up = 1.1
    assert regress.call(1.2, 1.12, 1.3, 0.001, 0.10) == ("slower", True)
    assert regress.call(1.2, 1.05, 1.3, 0.001, 0.10) == ("slower", False)     # interval across 1.1
    assert regress.call(1.2, 1.12, 1.3, 0.2, 0.10) == ("no change", False)    # not significant yet
    assert regress.call(1.0, 0.8, up - 0.001, 0.5, 0.10) == ("no change", True)
    assert regress.call(0.8, 0.75, 0.85, 0.001, 0.10) == ("faster", True)
    assert regress.call(0.95, 0.7, 1.3, 0.6, 0.10) == ("no change", False)


def test_the_fork_server_runs_each_version_in_its_own_tree(slow_fake, tmp_path):
    bench = regress.Bench("reference", SLOW, "small", iters=1)
    opts = dict(device="cpu", tax=False, target_s=0.01, timeout=60, warmup=0)
    launcher = regress.Launcher({"A": tmp_path, "B": machine.ROOT})
    try:
        first, second = launcher(bench, "B", opts), launcher(bench, "B", opts)
        assert first["status"] == second["status"] == "ok"
        assert Path(first["workloads_from"]) == machine.ROOT / "workloads"
        assert launcher(bench, "A", opts)["status"] == "error"        # no workloads in tmp_path's tree
        assert launcher(bench, "B", opts)["status"] == "ok"
    finally:
        launcher.close()


@pytest.fixture
def misbehave(monkeypatch):
    monkeypatch.setitem(workloads._PACKAGES, "misbehave", "tests.harness.fakes.misbehave")
    monkeypatch.setenv(workloads.EXTRA_ENV, "misbehave=tests.harness.fakes.misbehave")
    return lambda size: regress.Bench("reference", "misbehave", size, iters=1)


@pytest.mark.parametrize("launch", ["fork", "spawn"])
def test_a_run_that_crashes_is_reported_with_its_exit_code_and_the_next_one_runs(misbehave, launch):
    opts = dict(device="cpu", tax=False, target_s=0.01, timeout=60, warmup=0)
    launcher = regress.Launcher({"A": machine.ROOT, "B": machine.ROOT}, launch)
    try:
        out = launcher(misbehave("crash"), "A", opts)
        assert out["status"] == "crashed" and "exit code 3" in out["error"]
        assert launcher(misbehave("small"), "A", opts)["status"] == "ok"
    finally:
        launcher.close()


def test_a_run_that_hangs_in_the_fork_server_is_killed_and_the_next_one_runs(misbehave):
    opts = dict(device="cpu", tax=False, target_s=0.01, timeout=60, warmup=0)
    launcher = regress.Launcher({"A": machine.ROOT, "B": machine.ROOT})
    try:
        assert launcher(misbehave("small"), "A", opts)["status"] == "ok"     # the server is up
        out = launcher(misbehave("hang"), "A", dict(opts, timeout=2.0))
        assert out["status"] == "timeout" and "killed" in out["error"]
        server = launcher.servers["A"]
        assert server.proc.poll() is None and server.running is None          # the server lives on
        assert launcher(misbehave("small"), "A", opts)["status"] == "ok"
    finally:
        launcher.close()


def test_round_limits_are_checked_before_anything_runs():
    with pytest.raises(UsageError, match="--min-rounds"):
        regress.compare(machine.ROOT, machine.ROOT, [], 0.1, min_rounds=1)
    with pytest.raises(UsageError, match="--max-minutes"):
        regress.compare(machine.ROOT, machine.ROOT, [], 0.1, max_minutes=-1)


def test_the_gate_wires_ref_worktree_table_json_and_exit_code(slow_fake, tmp_path, monkeypatch, capsys):
    """The whole command around the measuring loop (which the test above runs for real): the ref checked
    out in a worktree and handed over as version A, this tree as B, the verdicts printed and saved."""
    repo = _repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(PYPROJECT.format(extra=""))      # same dependencies as the ref
    (repo / "marker.txt").write_text("B only")                         # uncommitted: in B, not in A
    seen = {}

    def measured(root_a, root_b, benches, min_effect, *args, **kwargs):
        seen.update(a_files=sorted(p.name for p in root_a.iterdir()), b=root_b)
        for bench in benches:
            slow = 1.25 if bench.engine == "reference" else 1.0
            for rnd in range(1, 7):
                bench.runs["A"].append({"round": rnd, "step_ms": 10.0 + 0.01 * rnd})
                bench.runs["B"].append({"round": rnd, "step_ms": slow * (10.0 + 0.01 * rnd)})
        regress.judge_all(benches, min_effect)
        return "every verdict decided after 6 rounds"
    monkeypatch.setattr(regress, "compare", measured)
    out_json = tmp_path / "gate.json"
    code = regress.gate(against="HEAD", engines=["reference,dynamic_tape"], names=[SLOW], root=repo,
                        json_out=out_json, quiet=True)
    assert code == 1
    assert "marker.txt" not in seen["a_files"] and ".git" in seen["a_files"] and seen["b"] == repo
    printed = capsys.readouterr().out
    assert "A = HEAD (" in printed and "slower 1.250" in printed and "no change 1.000" in printed
    assert "1 no change, 1 slower" in printed and "FAILED" in printed
    saved = json.loads(out_json.read_text())
    assert saved["exit"] == 1 and saved["a"]["commit"] == regress.resolve("HEAD", repo)
    assert [b["step"]["label"] for b in saved["benchmarks"]] == ["slower", "no change"]
    assert subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True,
                          text=True).stdout.count("\n") == 1      # the ref's worktree is gone again


def test_the_default_selection_is_every_engine_on_the_call_heavy_workloads_and_all_means_all(slow_fake):
    benches, skipped = regress.select()
    assert {b.workload for b in benches} == set(regress.DEFAULT_WORKLOADS)
    assert {b.engine for b in benches} == set(workloads.engines())
    assert all(b.size == workloads.get(b.workload).sizes[0] for b in benches)
    every, _ = regress.select(["reference"], ["all"])
    assert [b.workload for b in every] == list(workloads.names())       # the registered fake included


def test_sigterm_unwinds_the_gate_like_ctrl_c():
    import os
    import signal
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        with regress._sigterm_unwinds():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):           # the handler runs between bytecodes
                sum(range(100))
    assert signal.getsignal(signal.SIGTERM) is before


def test_warm_up_is_dropped_after_round_1_only_when_neither_versions_first_run_showed_any():
    def result(needed):
        return {"status": "ok", "iters": 3, "step_ms": 1.0, "warmup": 2, "warmup_needed": needed}
    opts = dict(device="cpu", tax=False, target_s=0.1, warmup=2)
    for needed, after in (((False, False), 0), ((False, True), 2), ((True, False), 2)):
        bench = regress.Bench("e", "w", "small")
        regress.record(bench, "A", result(needed[0]), 1)
        assert bench.warmup is None and regress._task(bench, opts)["warmup"] == 2   # B's first run: the same
        regress.record(bench, "B", result(needed[1]), 1)
        assert bench.warmup == after and regress._task(bench, opts)["warmup"] == after
        regress.record(bench, "A", result(True), 2)                                   # decided once only
        assert bench.warmup == after
