"""`--executor dask` on a real LocalCluster of two workers: same rows as the local runner, each run once, a
worker killed mid-run, a client killed mid-matrix and resumed."""
import csv
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import workloads
from harness import cli, machine, runner
from harness.runner import Options
from tests.harness.conftest import FAKE, FAKE_PACKAGE

distributed = pytest.importorskip("distributed", reason="the `dask` extra (distributed) is not installed")
dask = pytest.importorskip("dask")

SLEEPY = "sleepy"
SLEEPY_PACKAGE = "tests.harness.fakes.sleepy"
EXTRA = f"{FAKE}={FAKE_PACKAGE},{SLEEPY}={SLEEPY_PACKAGE}"
# a worker killed while holding the per-host slot frees it after the lease timeout: short here
LOCKS = {"distributed.scheduler.locks.lease-timeout": "5s",
         "distributed.scheduler.locks.lease-validation-interval": "1s"}


@pytest.fixture(scope="module")
def cluster():
    """Two single-thread worker processes that know the fake workloads (through the environment)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(workloads._PACKAGES, FAKE, FAKE_PACKAGE)
        mp.setitem(workloads._PACKAGES, SLEEPY, SLEEPY_PACKAGE)
        mp.setenv(workloads.EXTRA_ENV, EXTRA)
        mp.setenv("STYLEBENCH_FAKE_SLEEP_S", "0.002")
        with dask.config.set(LOCKS), distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=50, scheduler_kwargs={"dashboard_address": ":0"}) as lc, distributed.Client(lc) as client:
            yield lc, client


def tiny(out, **kw):
    base = dict(engines=("reference",), workloads=(SLEEPY,), repeats=2, iters=3, warmup=0, mem_iters=0,
                timeout=60, out=str(out), quiet=True)
    base.update(kw)
    return Options(**base)


def rows(out):
    with open(out / "results.csv", newline="") as f:
        header = next(csv.reader(f))
        f.seek(0)
        return header, list(csv.DictReader(f))


def test_rows_match_the_local_runner_and_each_run_happens_once(cluster, tmp_path):
    lc, _ = cluster
    local, remote = tmp_path / "local", tmp_path / "dask"
    both = dict(engines=("reference", "static_graph"), workloads=(FAKE,), repeats=1)
    runner.bench(tiny(local, sizes=("small",), **both))
    # a crash, handled on the worker as the local runner does
    runner.bench(tiny(remote, sizes=("small", "crash"), executor="dask", scheduler=lc.scheduler_address,
                      **both))
    lh, lrows = rows(local)
    dh, drows = rows(remote)
    assert lh == dh == list(runner.RESULT_COLUMNS)
    planned = {runner.run_id(e, w, s, "cpu", r) for e, w, s, r in runner.read_meta(remote)["plan"]["runs"]}
    ids = [r["run_id"] for r in drows]
    assert len(ids) == len(set(ids)) == 4 and set(ids) == planned
    assert {r["attempt"] for r in drows} == {"1"}        # no task started twice
    by = {r["run_id"]: r for r in drows}
    assert by[f"reference|{FAKE}|crash|cpu|r0"]["status"] == "crashed"
    assert by[f"static_graph|{FAKE}|crash|cpu|r0"]["status"] == "crashed"
    ref = by[f"reference|{FAKE}|small|cpu|r0"]
    assert ref["status"] == "ok" and ref["iters"] == "3"
    assert ref["machine_id"] == machine.machine_id() and ref["host"]
    # the fake's static_graph is off by one: its cell's gate task ran first and caught it
    wrong = by[f"static_graph|{FAKE}|small|cpu|r0"]
    assert (wrong["status"], wrong["gate"]) == ("invalid", "failed")
    # the same cells, with the same verdicts, as the local runner's
    assert {(r["engine"], r["workload"], r["size"], r["status"], r["gate"]) for r in lrows} == {
        (r["engine"], r["workload"], r["size"], r["status"], r["gate"]) for r in drows if r["size"] == "small"}


def test_a_worker_killed_mid_run_gives_a_row_that_says_so(cluster, tmp_path):
    lc, client = cluster
    out = tmp_path / "killed"
    # 0.4 s steps, 8 of them: long enough to be caught mid-run (the runs inherit the workers' environment;
    # a restarted worker gets the cluster's 2 ms again)
    client.run(os.environ.__setitem__, "STYLEBENCH_FAKE_SLEEP_S", "0.4")
    opts = tiny(out, repeats=1, iters=8, executor="dask", scheduler=lc.scheduler_address)
    done = []
    t = threading.Thread(target=lambda: done.append(runner.bench(opts)), daemon=True)
    pids = client.run(os.getpid)
    t.start()
    victim, deadline = None, time.monotonic() + 40
    while victim is None and time.monotonic() < deadline:
        busy = {w: ks for w, ks in client.processing().items()
                if any(str(k).startswith("stylebench-run") for k in ks)}
        if busy:
            time.sleep(2.0)         # the run's child is measuring by now
            victim = next(iter(busy))
        time.sleep(0.1)
    assert victim is not None, "the run never started on a worker"
    os.kill(pids[victim], signal.SIGKILL)
    t.join(60)
    client.run(os.environ.__setitem__, "STYLEBENCH_FAKE_SLEEP_S", "0.002")
    assert done, "bench did not finish after the worker died"
    _, got = rows(out)
    assert len(got) == 1
    row = got[0]
    # the scheduler ran the task again on a live worker (the row says which attempt), or gave up: crashed
    assert (row["status"] == "ok" and int(row["attempt"]) >= 2 and "attempt" in row["error"]) or \
        row["status"] == "crashed", row


def _alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def test_a_client_killed_mid_matrix_resumes_to_completion(cluster, tmp_path):
    lc, _ = cluster
    out = tmp_path / "resumed"
    env = dict(os.environ, PYTHONPATH=str(machine.ROOT), STYLEBENCH_FAKE_SLEEP_S="0.05")
    cmd = [sys.executable, "-m", "harness.cli", "bench", "--executor", "dask", "--workers", "1",
           "--engines", "reference", "--workloads", SLEEPY, "--repeats", "3", "--iters", "3", "--warmup", "0",
           "--mem-iters", "0", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, env=env, cwd=machine.ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    results, deadline = out / "results.csv", time.monotonic() + 90
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if results.exists() and len(results.read_text().splitlines()) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # the LocalCluster's workers and their runs die with the client
        gone = time.monotonic() + 20
        while _alive(proc.pid) and time.monotonic() < gone:
            time.sleep(0.2)
        assert not _alive(proc.pid), "processes of the killed client lived on"
    finally:
        if _alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    _, before = rows(out)
    assert 1 <= len(before) < 3
    code = cli.main(["bench", "--resume", "--out", str(out), "--executor", "dask",
                     "--scheduler", lc.scheduler_address, "--quiet"])
    assert code == 0
    _, after = rows(out)
    ids = [r["run_id"] for r in after]
    assert len(ids) == 3 == len(set(ids))
    assert [r["run_id"] for r in after[:len(before)]] == [r["run_id"] for r in before]  # kept, not rerun


def test_missing_extra_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner.importlib.util, "find_spec", lambda name: None)
    code = cli.main(["bench", "--executor", "dask", "--out", str(tmp_path / "x"), "--quick"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "pip install -e '.[dask]'" in err
    assert not (tmp_path / "x").exists()


def test_dask_options_need_the_dask_executor(tmp_path, capsys):
    code = cli.main(["bench", "--per-host", "2", "--out", str(tmp_path / "x"), "--quick"])
    assert code == 2 and "--per-host applies to --executor dask only" in capsys.readouterr().err
