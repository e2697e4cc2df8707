"""Bad input and faults, as a new user meets them: each gives one clear line or the right row, never a
traceback, a silently wrong result, a lost row or a process left running."""
import contextlib
import errno
import fcntl
import io
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import workloads
from harness import cli, machine, report, runner
from tests.harness.conftest import FAKE, FAKE_PACKAGE
from tests.harness.fakes.misbehave import spec as fake_spec

# every size of the fake that misbehaves in one run, with the timeout the matrix runs under
FAULT_TIMEOUT = 5.0


@contextlib.contextmanager
def fake_registered(**env):
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(workloads._PACKAGES, FAKE, FAKE_PACKAGE)
        mp.setenv(workloads.EXTRA_ENV, f"{FAKE}={FAKE_PACKAGE}")
        for k, v in env.items():
            mp.setenv(k, v)
        yield


def run_cli(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_clear_line(err, *culprits):
    """The whole of stderr is one line naming every culprit, and no traceback."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for c in culprits:
        assert c in lines[0], (c, lines[0])
    return lines[0]


def alive(pid):
    """True while `pid` runs (a zombie, dead but not yet reaped by whoever adopted it, is not alive)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_dead(pids, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def noted_pids(where, kind=""):
    return [int(n.rsplit("-", 1)[1]) for n in os.listdir(where) if n.startswith(kind)]


# ------------------------------------------------------------------------ 1. options, checked as parsed

BAD_OPTIONS = [
    (["--iters", "0"], ["--iters", "'0'"]),
    (["--iters", "-1"], ["--iters", "'-1'"]),
    (["--iters", "many"], ["--iters", "'many'"]),
    (["--iters", "2.5"], ["--iters", "'2.5'"]),
    (["--repeats", "0"], ["--repeats", "'0'"]),
    (["--repeats", "-3"], ["--repeats", "'-3'"]),
    (["--timeout", "0"], ["--timeout", "'0'"]),
    (["--timeout", "-5"], ["--timeout", "'-5'"]),
    (["--timeout", "nan"], ["--timeout", "'nan'"]),
    (["--timeout", "inf"], ["--timeout", "'inf'"]),
    (["--timeout", "soon"], ["--timeout", "'soon'"]),
    (["--target-s", "nan"], ["--target-s", "'nan'"]),
    (["--target-s", "0"], ["--target-s", "'0'"]),
    (["--target-s=-inf"], ["--target-s", "'-inf'"]),
    (["--warmup", "-1"], ["--warmup", "'-1'"]),
    (["--min-iters", "0"], ["--min-iters", "'0'"]),
    (["--max-iters", "0"], ["--max-iters", "'0'"]),
    (["--mem-iters", "-2"], ["--mem-iters", "'-2'"]),
    (["--mem-repeats", "-1"], ["--mem-repeats", "'-1'"]),
    (["--threads", "-1"], ["--threads", "'-1'"]),
    (["--profile-iters", "0"], ["--profile-iters", "'0'"]),
    (["--seed", "-7"], ["--seed", "'-7'"]),
    (["--min-iters", "50", "--max-iters", "10"], ["--min-iters 50", "--max-iters 10"]),
    (["--quick", "--min-iters", "50"], ["--min-iters 50", "--max-iters 20", "--quick"]),
    (["--engines", ",,"], ["--engines", "',,'"]),
    (["--engines", ""], ["--engines", "''"]),
    (["--workloads", " , "], ["--workloads", "' , '"]),
    (["--sizes", ","], ["--sizes", "','"]),
    (["--engines", "tensorflow,caffe2"], ["unknown engines 'tensorflow', 'caffe2'", "known engines"]),
    (["--workloads", "gpt2", "bert"], ["unknown workloads 'gpt2', 'bert'", "mlp-l2"]),
    (["--workloads", "mlp-l2", "--sizes", "huge,tiny"], ["unknown sizes 'huge', 'tiny'", "small"]),
    (["--device", "tpu"], ["unknown device 'tpu'"]),
    (["--malloc", "jemalloc"], ["--malloc", "'jemalloc'"]),
]


@pytest.mark.parametrize("argv,culprits", BAD_OPTIONS, ids=lambda v: " ".join(v) if isinstance(v, list)
                         and v and v[0].startswith("-") else None)
def test_bad_option_is_one_line_naming_it_and_exit_2(argv, culprits, tmp_path, capsys):
    out = tmp_path / "o"
    code, _, err = run_cli(["bench", *argv, "--out", str(out), "--quiet"], capsys)
    assert code == 2
    one_clear_line(err, *culprits)
    assert not out.exists()                 # refused before anything was written


@pytest.mark.parametrize("argv,culprits", [
    (["profile", "reference", "mlp-l2", "--iters", "0"], ["--iters", "'0'"]),
    (["profile", "reference", "mlp-l2", "--timeout", "nan"], ["--timeout", "'nan'"]),
    (["profile", "reference", "mlp-l2", "--top", "-1"], ["--top", "'-1'"]),
    (["profile", "reference", "mlp-l2", "--size", "huge"], ["unknown size of mlp-l2 'huge'"]),
])
def test_profile_options_are_checked_too(argv, culprits, capsys):
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    one_clear_line(err, *culprits)


def _out_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    return tmp_path / "f", "is a file"


def _out_under_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    return tmp_path / "f" / "sub" / "dir", "is a file"


def _out_read_only(tmp_path):
    return "/proc/stylebench-results", "cannot write there"


@pytest.mark.parametrize("make", [_out_is_a_file, _out_under_a_file, _out_read_only])
def test_bad_out_directory_is_one_line(make, tmp_path, capsys):
    out, why = make(tmp_path)
    code, _, err = run_cli(["bench", "--engines", "reference", "--workloads", "mlp-l2", "--out", str(out),
                            "--quiet"], capsys)
    assert code == 2
    one_clear_line(err, "--out", str(out), why)


def test_out_that_cannot_be_created_is_one_line(tmp_path, capsys, monkeypatch):
    # root ignores permission bits, so a directory the user may not write to is simulated
    def refuse(self, *a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))
    monkeypatch.setattr(runner.Path, "mkdir", refuse)
    code, _, err = run_cli(["bench", "--engines", "reference", "--workloads", "mlp-l2",
                            "--out", str(tmp_path / "new"), "--quiet"], capsys)
    assert code == 2
    one_clear_line(err, "--out", "Permission denied")


def test_iters_auto_and_repeated_names_are_accepted(tmp_path):
    args = cli.build_parser().parse_args(["bench", "--iters", "auto", "--engines", "reference,reference",
                                          "reference", "--out", str(tmp_path / "o")])
    opts = cli._options(args)
    assert opts.iters == 0 and runner._split(opts.engines) == ("reference",)
    cells, _ = runner.plan(opts)
    assert len({c for c in cells}) == len(cells)          # a name given twice runs once


@pytest.mark.parametrize("field,value", [("iters", -1), ("repeats", 0), ("timeout", math.nan),
                                         ("timeout", math.inf), ("target_s", 0.0), ("min_iters", 0),
                                         ("threads", 1.5), ("warmup", True)])
def test_options_given_to_bench_directly_are_checked(field, value, tmp_path):
    opts = runner.Options(engines=("reference",), out=str(tmp_path / "o"), quiet=True, **{field: value})
    with pytest.raises(runner.UsageError, match=runner.flag(field)):
        runner.bench(opts)
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------- 2. the plan, --resume, the lock, file writes

@pytest.fixture(scope="module")
def done_dir(tmp_path_factory):
    """A finished two-run directory of the fake (its reference only: no gate child)."""
    out = tmp_path_factory.mktemp("done") / "run"
    with fake_registered():
        runner.bench(runner.Options(engines=("reference",), workloads=(FAKE,), sizes=("small",), repeats=2,
                                    iters=3, warmup=0, mem_iters=1, timeout=60, out=str(out), quiet=True))
    return out


@pytest.fixture
def copy_of(done_dir, tmp_path):
    dst = tmp_path / "run"
    shutil.copytree(done_dir, dst)
    with fake_registered():
        yield dst


def snapshot(out):
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != ".lock"}


def test_meta_records_the_plan_and_every_option_and_no_local_path(done_dir):
    meta = json.loads((done_dir / "meta.json").read_text())
    assert set(runner.PLAN_OPTIONS) <= set(meta["options"])
    assert meta["options"]["iters"] == 3 and meta["options"]["repeats"] == 2
    assert sorted(map(tuple, meta["plan"]["runs"])) == [("reference", FAKE, "small", 0),
                                                        ("reference", FAKE, "small", 1)]
    text = (done_dir / "meta.json").read_text() + (done_dir / "results.csv").read_text()
    assert str(machine.ROOT) not in text and str(done_dir) not in text
    assert sys.executable not in text and os.path.expanduser("~") + "/" not in text


@pytest.mark.parametrize("argv,culprits", [
    (["--iters", "50"], ["--iters 50 (recorded: 3)"]),
    (["--iters", "auto"], ["--iters auto (recorded: 3)"]),
    (["--threads", "2"], ["--threads 2 (recorded: 1)"]),
    (["--malloc", "system"], ["--malloc system (recorded: cache)"]),
    (["--repeats", "6"], ["--repeats 6 (recorded: 2)"]),
    (["--engines", "static_graph"], ["--engines static_graph (recorded: reference)"]),
    (["--workloads", "mlp-l2"], [f"--workloads mlp-l2 (recorded: {FAKE})"]),
    (["--sizes", "crash"], ["--sizes crash (recorded: small)"]),
    (["--timeout", "99"], ["--timeout 99 (recorded: 60)"]),
    (["--profile"], ["--profile on (recorded: off)"]),
    (["--quick"], ["--quick on (recorded: off)"]),
    (["--seed", "3"], ["--seed 3 (recorded: 0)"]),
    (["--iters", "50", "--threads", "2", "--malloc", "system"],
     ["--iters 50 (recorded: 3)", "--threads 2 (recorded: 1)", "--malloc system (recorded: cache)"]),
])
def test_resume_with_other_options_refuses_and_names_each(argv, culprits, copy_of, capsys):
    before = snapshot(copy_of)
    code, _, err = run_cli(["bench", "--resume", "--out", str(copy_of), "--quiet", *argv], capsys)
    assert code == 2
    one_clear_line(err, "--resume", "differ", *culprits)
    assert snapshot(copy_of) == before                   # nothing rewritten, no run added


def test_resume_alone_continues_exactly_the_recorded_plan(copy_of, capsys):
    res = (copy_of / "results.csv").read_text().splitlines()
    kept = res[:-1]                                       # the last run "did not finish"
    (copy_of / "results.csv").write_text("\n".join(kept) + "\n")
    code, _, err = run_cli(["bench", "--resume", "--out", str(copy_of), "--quiet"], capsys)
    assert code == 0, err
    rows = report.read_csv(copy_of / "results.csv")
    assert sorted(rows["run_id"]) == sorted(runner.run_id("reference", FAKE, "small", "cpu", r)
                                            for r in range(2))
    assert (rows["iters"] == 3).all() and set(rows["status"]) == {"ok"}    # the recorded --iters 3
    samples = report.read_csv(copy_of / "samples.csv")
    assert samples.groupby("run_id").size().to_dict() == {r: 3 for r in rows["run_id"]}


def test_resume_of_a_finished_plan_runs_nothing_and_loses_nothing(copy_of, capsys):
    rows_before = (copy_of / "results.csv").read_text()
    code, _, err = run_cli(["bench", "--resume", "--out", str(copy_of), "--quiet"], capsys)
    assert code == 0, err
    assert (copy_of / "results.csv").read_text() == rows_before


@pytest.mark.parametrize("damage,culprit", [
    (lambda d: (d / "meta.json").write_text('{"options": {"iters": '), "meta.json is unreadable"),
    (lambda d: (d / "meta.json").unlink(), "no meta.json"),
    (lambda d: (d / "meta.json").write_text('{"options": {}}'), "records no plan"),
    (lambda d: (d / "results.csv").write_bytes(b"\x00\x01\x02binary\n"), "results.csv"),
    (lambda d: (d / "results.csv").write_text("a,b\n1,2\n"), "other columns"),
])
def test_resume_of_a_damaged_directory_is_one_line(damage, culprit, copy_of, capsys):
    damage(copy_of)
    code, _, err = run_cli(["bench", "--resume", "--out", str(copy_of), "--quiet"], capsys)
    assert code == 2
    one_clear_line(err, culprit)


@pytest.mark.parametrize("content", ['{"fake|small|cpu": [1.0, 0.5', "[1, 2]", '{"k": {"x": 1}}', "\x00\x00"])
def test_torn_reference_losses_warns_and_is_computed_again(content, copy_of, capsys):
    (copy_of / "reference_losses.json").write_text(content)
    code, _, err = run_cli(["bench", "--resume", "--out", str(copy_of), "--quiet"], capsys)
    assert code == 0
    assert "JSONDecodeError" not in err and "Traceback" not in err
    assert "reference_losses.json" in err and "computed again" in err


def test_a_second_writer_is_kept_out(copy_of, capsys):
    with open(copy_of / ".lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.seek(0)
        held.truncate()
        held.write("4242\n")
        held.flush()
        before = snapshot(copy_of)
        code, _, err = run_cli(["bench", "--resume", "--out", str(copy_of), "--quiet"], capsys)
    assert code == 2
    one_clear_line(err, str(copy_of), "another `stylebench bench`", "pid 4242")
    assert snapshot(copy_of) == before


def test_the_lock_is_released_when_bench_ends(done_dir):
    with open(done_dir / ".lock", "a+") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)      # would raise if still held
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def test_existing_results_without_resume_is_one_line(copy_of, capsys):
    code, _, err = run_cli(["bench", "--engines", "reference", "--workloads", FAKE, "--out", str(copy_of),
                            "--quiet"], capsys)
    assert code == 2
    one_clear_line(err, "results.csv already exists", "--resume")


@pytest.mark.parametrize("where", ["meta", "gate", "summary", "table"])
def test_rewritten_files_are_replaced_whole(where, copy_of, monkeypatch):
    """A write that fails half-way (killed, disk full) leaves the old file, whole, and no temporary."""
    path = {"meta": "meta.json", "gate": "reference_losses.json", "summary": "summary.csv",
            "table": "table.txt"}[where]
    if where in ("summary", "table"):
        report.write_report(copy_of, console=report.console(file=open(os.devnull, "w")))
    before = (copy_of / path).read_bytes()
    real_fsync = os.fsync

    def fail_midway(fd):
        real_fsync(fd)
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(runner.os, "fsync", fail_midway)
    with pytest.raises((OSError, report.ReportError)):
        if where == "meta":
            with runner.Store(copy_of, resume=True) as store:
                store.write_meta({"options": {}, "plan": {}})
        elif where == "gate":
            with runner.Store(copy_of, resume=True) as store:
                store.ref_losses["x|y|cpu"] = [1.0]
                store.save_gate()
        else:
            report.write_report(copy_of, console=report.console(file=open(os.devnull, "w")))
    assert (copy_of / path).read_bytes() == before
    assert not [p for p in copy_of.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("fail_on", ["meta", "samples", "results", "gate"])
def test_a_full_disk_is_one_line_and_keeps_the_rows_so_far(fail_on, tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    engines = "static_graph" if fail_on == "gate" else "reference"
    argv = ["bench", "--engines", engines, "--workloads", FAKE, "--sizes", "small", "--repeats", "2",
            "--iters", "3", "--warmup", "0", "--mem-iters", "0", "--timeout", "60", "--out", str(out),
            "--quiet"]
    calls = {"n": 0}
    full = OSError(errno.ENOSPC, "No space left on device")
    real_append, real_atomic = runner.Store._append, runner.write_atomic

    def append(path, columns, rows):
        if path.name == f"{fail_on}.csv":
            calls["n"] += 1
            if calls["n"] == 2:                # the second run's write: the first run's rows are on disk
                raise full
        return real_append(path, columns, rows)

    def atomic(path, text):
        if (fail_on, path.name) in (("meta", "meta.json"), ("gate", "reference_losses.json")):
            raise full
        return real_atomic(path, text)
    monkeypatch.setattr(runner.Store, "_append", staticmethod(append))
    monkeypatch.setattr(runner, "write_atomic", atomic)
    with fake_registered():
        code, _, err = run_cli(argv, capsys)
    assert code == 1
    one_clear_line(err, "No space left on device", "--resume")
    saved = report.read_csv(out / "results.csv") if (out / "results.csv").exists() else pd.DataFrame()
    assert len(saved) == (1 if fail_on in ("samples", "results") else 0)
    monkeypatch.undo()
    again = argv if fail_on == "meta" else ["bench", "--resume", "--out", str(out), "--quiet"]
    with fake_registered():                  # space freed: --resume finishes the plan, nothing twice
        if fail_on == "meta":                # no plan was recorded: nothing to resume, so it says so
            code, _, err = run_cli(again[:1] + ["--resume"] + again[1:], capsys)
            assert code == 2
            one_clear_line(err, "no meta.json", "run without --resume")
        code, _, err = run_cli(again, capsys)
    rows = report.read_csv(out / "results.csv")
    assert code == (1 if fail_on == "gate" else 0), err     # fake's static_graph fails its gate
    assert len(rows) == 2 and rows["run_id"].is_unique


# ----------------------------------------- 3, 4. one run: each pass's verdict, children die with the run

FAULT_SIZES = ("small", "crash", "exit0", "segv", "sigkill", "hang", "raise", "abspath", "nan", "fork-crash",
               "fork-hang", "fork-ok", "popen-crash", "mem-raise", "mem-crash", "mem-hang", "profile-raise")


@pytest.fixture(scope="module")
def fault_matrix(tmp_path_factory):
    out = tmp_path_factory.mktemp("faults") / "run"
    pids = tmp_path_factory.mktemp("pids")
    with fake_registered(**{fake_spec.PIDS_ENV: str(pids)}):
        runner.bench(runner.Options(engines=("reference",), workloads=(FAKE,), sizes=FAULT_SIZES, repeats=1,
                                    iters=3, warmup=0, mem_iters=1, profile=True, profile_iters=1,
                                    timeout=FAULT_TIMEOUT, out=str(out), quiet=True))
    rows = report.read_csv(out / "results.csv").set_index("size")
    samples = report.read_csv(out / "samples.csv")
    return out, rows, samples, pids


TIMING_KEPT = {"status": "ok", "time_status": "ok"}
EXPECTED = {
    "small": dict(TIMING_KEPT, mem_status="ok", profile_status="ok"),
    "crash": dict(status="crashed", error="exited with code 3"),
    "exit0": dict(status="crashed", error="exited with code 0"),
    "segv": dict(status="crashed", error="SIGSEGV"),
    "sigkill": dict(status="oom", error="SIGKILL"),
    "hang": dict(status="timeout", error=f"no result after {FAULT_TIMEOUT:g} s"),
    "raise": dict(status="error", error="ValueError: fake failure inside step (at tests/harness/fakes/"),
    "abspath": dict(status="error", error="FileNotFoundError: no such file: tests/harness/fakes/misbehave"),
    "nan": dict(status="diverged", error="iteration 2"),
    "fork-crash": dict(status="crashed", error="exited with code 3"),
    "fork-hang": dict(status="timeout", error="no result after"),
    "fork-ok": dict(TIMING_KEPT, mem_status="ok"),
    "popen-crash": dict(status="crashed", error="exited with code 3"),
    "mem-raise": dict(TIMING_KEPT, mem_status="oom", mem_error="MemoryError: fake: the memory pass ran out"),
    "mem-crash": dict(TIMING_KEPT, mem_status="crashed", mem_error="exited with code 5 before finishing",
                      profile_status="not run"),
    "mem-hang": dict(TIMING_KEPT, mem_status="timeout", mem_error="no result after",
                     profile_status="not run"),
    "profile-raise": dict(TIMING_KEPT, mem_status="ok", profile_status="error",
                          profile_error="RuntimeError: fake failure in the style-tax pass"),
}


@pytest.mark.parametrize("size", FAULT_SIZES)
def test_each_fault_becomes_its_exact_row(size, fault_matrix):
    out, rows, samples, _ = fault_matrix
    r = rows.loc[size]
    for col, want in EXPECTED[size].items():
        assert want in str(r[col]), (size, col, r[col], r["error"])
    n = (samples["run_id"] == r["run_id"]).sum()
    if r["status"] == "ok":               # a good timing pass keeps its times, whatever later passes did
        assert r["iters"] == 3 and n == 3 and r["median_ms"] > 0 and math.isfinite(r["loss_last"])
    else:
        assert math.isnan(r["median_ms"]) and n == 0
        assert r["mem_status"] == "not run" and r["profile_status"] == "not run"
    if size.startswith("fork-crash") or size in ("crash", "popen-crash", "exit0", "segv", "sigkill"):
        assert r["wall_s"] < FAULT_TIMEOUT        # noticed at once, not after the full timeout
    assert str(machine.ROOT) not in "".join(str(v) for v in r.values)


def test_no_process_of_any_run_outlives_it(fault_matrix):
    *_, pids = fault_matrix
    grandchildren = noted_pids(pids, "grandchild")
    assert len(grandchildren) >= 4          # fork-crash, fork-hang, popen-crash, fork-ok (once per pass)
    assert wait_dead(noted_pids(pids), seconds=5) == []


def test_the_table_shows_failed_passes_not_ok(fault_matrix, capsys):
    out, *_ = fault_matrix
    report.write_report(out, console=report.console())
    text = (out / "table.txt").read_text()
    assert "memory pass oom" in text and "memory pass crashed" in text and "memory pass timeout" in text
    assert "nan ms" not in text


def test_bench_exit_code_is_1_unless_every_run_is_ok(fault_matrix, tmp_path, capsys):
    out, rows, *_ = fault_matrix
    shutil.copytree(out, tmp_path / "run")
    with fake_registered():
        code, _, err = run_cli(["bench", "--resume", "--out", str(tmp_path / "run"), "--quiet"], capsys)
        assert code == 1
        assert f"of {len(rows)} planned runs are not ok" in err.strip().splitlines()[-1]
        assert "Traceback" not in err
        code, _, _ = run_cli(["bench", "--resume", "--out", str(tmp_path / "run"), "--quiet",
                              "--allow-failures"], capsys)
        assert code == 0


def test_unverified_when_the_reference_cannot_run(tmp_path, capsys):
    with fake_registered():
        code, out, err = run_cli(["bench", "--engines", "static_graph", "--workloads", FAKE, "--sizes",
                                  "refbreak", "--repeats", "1", "--iters", "3", "--warmup", "0",
                                  "--mem-iters", "0", "--out", str(tmp_path / "run"), "--quiet"], capsys)
    assert code == 1 and "unverified" in err
    r = report.read_csv(tmp_path / "run" / "results.csv").iloc[0]
    # its losses are off by one (the fake's static_graph), which nothing could check: never "ok"
    assert r["status"] == "unverified" and r["gate"].startswith("unavailable:")
    assert "cannot build this size" in r["gate"] and r["median_ms"] > 0
    assert "unverified" in out and "unverified" in (tmp_path / "run" / "table.txt").read_text()


@pytest.mark.parametrize("sig,size", [(signal.SIGKILL, "hang"), (signal.SIGKILL, "fork-hang"),
                                      (signal.SIGTERM, "fork-hang"), (signal.SIGINT, "hang")])
def test_children_die_with_the_runner(sig, size, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    env = dict(os.environ, **{workloads.EXTRA_ENV: f"{FAKE}={FAKE_PACKAGE}", fake_spec.PIDS_ENV: str(pids)})
    cmd = [sys.executable, "-m", "harness.cli", "bench", "--engines", "reference", "--workloads", FAKE,
           "--sizes", size, "--repeats", "1", "--iters", "3", "--warmup", "0", "--mem-iters", "0",
           "--timeout", "300", "--out", str(tmp_path / "run"), "--quiet"]
    # SIGINT as a terminal's Ctrl-C finds it: a suite started in the background of a shell without job
    # control (`make test &`) runs with SIGINT ignored, which the runner would inherit and keep
    proc = subprocess.Popen(cmd, cwd=machine.ROOT, env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    want = 2 if size == "fork-hang" else 1
    try:
        deadline = time.monotonic() + 60
        while len(os.listdir(pids)) < want and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        assert len(os.listdir(pids)) == want
        os.kill(proc.pid, sig)                  # the runner only, not its group
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert wait_dead(noted_pids(pids), seconds=10) == []
    if sig != signal.SIGKILL:                   # a runner that can still speak says what happened
        assert proc.returncode == 130 and b"interrupted" in err and b"Traceback" not in err


# ---------------------------------------------------------------- 5. report and compare on bad CSVs

BAD_FILES = {
    "empty": b"",
    "header-only": ",".join(runner.RESULT_COLUMNS).encode() + b"\n",
    "wrong-columns": b"name,value\nx,1\n",
    "binary": bytes(range(256)) * 4,
    "latin-1": "engine,workload\ncaf\xe9,x\n".encode("latin-1"),
    "ragged": b'run_id,engine\n"unterminated,x\n',
}


@pytest.mark.parametrize("command", ["report", "compare"])
@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_report_and_compare_on_a_bad_results_csv(kind, command, copy_of, capsys):
    (copy_of / "results.csv").write_bytes(BAD_FILES[kind])
    argv = [command, str(copy_of)] + ([str(copy_of)] if command == "compare" else [])
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    one_clear_line(err, str(copy_of / "results.csv"))


@pytest.mark.parametrize("kind", ["empty", "wrong-columns", "binary"])
def test_report_on_a_bad_samples_csv(kind, copy_of, capsys):
    (copy_of / "samples.csv").write_bytes(BAD_FILES[kind])
    code, _, err = run_cli(["report", str(copy_of)], capsys)
    assert code == 2
    one_clear_line(err, str(copy_of / "samples.csv"))


@pytest.mark.parametrize("target", ["missing", "a-file", "results-is-a-directory"])
def test_report_on_something_that_is_no_results_directory(target, tmp_path, capsys):
    path = tmp_path / "x"
    if target == "a-file":
        path.write_text("hello")
    elif target == "results-is-a-directory":
        (path / "results.csv").mkdir(parents=True)
    code, _, err = run_cli(["report", str(path)], capsys)
    assert code == 2
    one_clear_line(err, str(path))


def test_duplicate_rows_are_refused(copy_of, capsys):
    lines = (copy_of / "results.csv").read_text().splitlines()
    (copy_of / "results.csv").write_text("\n".join(lines + [lines[1]]) + "\n")
    code, _, err = run_cli(["report", str(copy_of)], capsys)
    assert code == 2
    one_clear_line(err, "more than once")


@pytest.mark.parametrize("damage,warning", [
    ("truncate", "another sample count"),       # a run lost its last samples
    ("missing", "samples.csv is missing"),
    ("orphan", "no measured row for"),
    ("not-a-number", "another sample count"),
])
def test_samples_are_cross_checked_and_never_shown_as_nan_ok(damage, warning, copy_of, capsys):
    path = copy_of / "samples.csv"
    lines = path.read_text().splitlines()
    if damage == "truncate":
        path.write_text("\n".join(lines[:-1]) + "\n")
    elif damage == "missing":
        path.unlink()
    elif damage == "orphan":
        path.write_text("\n".join(lines + [f"reference,{FAKE},small,cpu,9,ghost|r9,0,1.0"]) + "\n")
    else:
        path.write_text("\n".join(lines[:-1] + [lines[-1].rsplit(",", 1)[0] + ",fast"]) + "\n")
    code, out, err = run_cli(["report", str(copy_of)], capsys)
    assert code == 0
    assert warning in err and "Traceback" not in err and str(path) in err
    assert "nan" not in out.lower().replace("nan ", "") or "nan ms" not in out
    assert "nan ms" not in out
    cells = pd.read_csv(copy_of / "summary.csv")
    assert cells.loc[0, "median_ms"] > 0 and cells.loc[0, "status"] == "ok"
    if damage in ("truncate", "missing", "not-a-number"):
        assert cells.loc[0, "times_from"] == "run medians" and "from run medians" in out


def test_tables_are_not_wrapped_when_stdout_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    engines = [e for e in workloads.engines()]
    results = pd.DataFrame([dict(run_id=f"{e}|mlp-l2|small|cpu|r0", engine=e, workload="mlp-l2", size="small",
                                 device="cpu", repeat=0, status="ok", error="", median_ms=1.25 + i, iters=1)
                            for i, e in enumerate(engines)])
    samples = pd.DataFrame({"run_id": results["run_id"], "ms": results["median_ms"]})
    cells = report.summarize(results, samples)
    buf = io.StringIO()                          # a log file: not a terminal
    report.print_tables(cells, console=report.console(file=buf))
    row = [ln for ln in buf.getvalue().splitlines() if "mlp-l2 / small" in ln]
    assert row and all(f"{1.25 + i:.3g} ms" in row[0] for i in range(len(engines)))   # one line, not wrapped
    assert max(len(ln) for ln in buf.getvalue().splitlines()) > 80


def test_a_timeout_shorter_than_start_up_is_a_timeout_row_and_exit_1(tmp_path, capsys):
    pids = tmp_path / "pids"
    pids.mkdir()
    with fake_registered(**{fake_spec.PIDS_ENV: str(pids)}):
        code, _, err = run_cli(["bench", "--engines", "reference", "--workloads", FAKE, "--sizes", "small",
                                "--repeats", "1", "--iters", "3", "--timeout", "0.01", "--out",
                                str(tmp_path / "run"), "--quiet"], capsys)
    assert code == 1 and "1 of 1 planned runs are not ok" in err and "Traceback" not in err
    r = report.read_csv(tmp_path / "run" / "results.csv").iloc[0]
    assert r["status"] == "timeout" and "no result after 0.01 s" in r["error"]
    assert wait_dead(noted_pids(pids), seconds=5) == []       # whatever it got to start is gone


def test_resume_without_out_or_latest_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(machine, "ROOT", tmp_path)
    code, _, err = run_cli(["bench", "--resume", "--quiet"], capsys)
    assert code == 2
    one_clear_line(err, "--resume needs --out DIR")


def test_compare_of_directories_sharing_no_cell_is_one_line(copy_of, tmp_path, capsys):
    other = tmp_path / "other"
    shutil.copytree(copy_of, other)
    for name in ("results.csv", "samples.csv"):
        path = other / name
        path.write_text(path.read_text().replace("reference,", "hybrid,"))
    code, _, err = run_cli(["compare", str(copy_of), str(other)], capsys)
    assert code == 2
    one_clear_line(err, "share no (engine, workload, size, device) cell")


def test_a_fork_and_crash_is_noticed_at_once_without_pidfd_too(tmp_path, monkeypatch):
    """Where pidfd_open is missing (an older kernel or Python) the runner polls the child's exit instead."""
    from harness import measure
    monkeypatch.delattr(os, "pidfd_open", raising=False)
    pids = tmp_path / "pids"
    pids.mkdir()
    task = dict(engine="reference", workload=FAKE, size="fork-crash", device="cpu", repeat=0, warmup=0,
                iters=3, target_s=1.0, min_iters=1, max_iters=3, mem_iters=0, profile=False, profile_iters=1,
                ref_losses=None)
    with fake_registered(**{fake_spec.PIDS_ENV: str(pids)}):
        t0 = time.monotonic()
        messages, status, error = runner.spawn(measure.child_main, (task,), 60, 1)
    assert status == "crashed" and "exited with code 3" in error and messages == []
    assert time.monotonic() - t0 < 30                    # not the 60 s timeout
    assert len(noted_pids(pids, "grandchild")) == 1 and wait_dead(noted_pids(pids), seconds=5) == []


TIME_OK = {"status": "ok", "error": "", "time_status": "ok", "median_ms": 1.0, "passes": ["mem", "profile"]}


@pytest.mark.parametrize("messages,end,want", [
    ([], ("crashed", "child killed by signal SIGSEGV before reporting a result"),
     dict(status="crashed", time_status="crashed", mem_status="not run", profile_status="not run")),
    ([], ("ok", ""), dict(status="crashed", error="the child finished without reporting its timing pass")),
    ([TIME_OK], ("timeout", "no result after 5 s"),
     dict(status="ok", median_ms=1.0, mem_status="timeout", mem_error="no result after 5 s",
          profile_status="not run")),
    ([TIME_OK, {"mem_status": "ok", "mem_error": "", "peak_mem_mb": 2.0}], ("oom", "child killed by SIGKILL"),
     dict(status="ok", peak_mem_mb=2.0, mem_status="ok", profile_status="oom")),
    ([TIME_OK, {"mem_status": "error", "mem_error": "E"}, {"profile_status": "ok", "profile_error": ""}],
     ("ok", ""), dict(status="ok", mem_status="error", mem_error="E", profile_status="ok")),
], ids=["no-result", "finished-silently", "mem-pass-hung", "profile-pass-killed", "all-reported"])
def test_each_pass_is_blamed_for_its_own_end(messages, end, want):
    merged = runner.merge_passes(messages, *end)
    for k, v in want.items():
        assert merged[k] == v, (k, merged[k])
