"""harness/frontier.py: the limit parser, the doubling + bisection search, real probes under tiny limits, the
CLI subcommand's files, and the workloads' batch override it relies on."""
import csv

import pytest

import workloads
from harness import cli, frontier

MIB = 1 << 20


@pytest.mark.parametrize("text,n", [("512MiB", 512 * MIB), ("4G", 4 << 30), ("300m", 300 * MIB),
                                    ("1048576", MIB), ("1.5GiB", 3 << 29)])
def test_parse_bytes(text, n):
    assert frontier.parse_bytes(text) == n


@pytest.mark.parametrize("text", ["", "12 parsecs", "-5M", "0", "MiB"])
def test_parse_bytes_refuses(text):
    with pytest.raises(ValueError, match="memory size|> 0"):
        frontier.parse_bytes(text)


def _fake(fits):
    return lambda b: {"batch": b, "status": "ok" if b <= fits else "oom"}


@pytest.mark.parametrize("fits", [0, 1, 2, 3, 5, 37, 64, 100, 1000])
def test_search_finds_the_largest_fitting_batch(fits):
    best, rows = frontier.search(_fake(fits), max_batch=1 << 12)
    assert best == fits
    probed = [r["batch"] for r in rows]
    assert len(probed) == len(set(probed))            # no batch probed twice
    assert probed[:3] == [1, 2, 4][:len(probed[:3])]  # doubling first


def test_search_stops_at_max_batch_when_everything_fits():
    best, rows = frontier.search(_fake(10 ** 9), max_batch=64)
    assert best == 64 and [r["batch"] for r in rows] == [1, 2, 4, 8, 16, 32, 64]


def test_search_from_a_start_that_does_not_fit_bisects_below_it():
    best, rows = frontier.search(_fake(5), start=16, max_batch=1 << 10)
    assert best == 5 and rows[0]["batch"] == 16


def test_real_probes_ok_then_oom_under_an_address_space_limit():
    ok = frontier.probe("reference", "mlp-l2", 64, 400 * MIB)
    assert ok["status"] == "ok" and ok["vm_peak_mb"] <= 400
    oom = frontier.probe("reference", "mlp-l2", 1 << 16, 200 * MIB)
    assert oom["status"] == "oom" and "MemoryError" in oom["detail"]


def test_real_vqa_probes_the_workload_the_frontier_is_run_on():
    """vqa (the seed's model, batch key B): a small batch trains its two steps within 1 GiB, a batch of
    4096 (about 6 GB at 1.5 MB a sample) runs out of a 400 MiB address space with NumPy's MemoryError."""
    ok = frontier.probe("dynamic_tape", "vqa", 2, 1024 * MIB)
    assert ok["status"] == "ok" and ok["batch"] == 2 and ok["vm_peak_mb"] <= 1024
    oom = frontier.probe("layer_config", "vqa", 4096, 400 * MIB)
    assert oom["status"] == "oom" and "MemoryError" in oom["detail"]


def test_a_broken_engine_is_an_error_not_an_oom():
    with pytest.raises(frontier.FrontierError, match="not memory"):
        frontier.probe("reference", "mlp-l2", 0, 400 * MIB)   # batch 0: with_batch refuses it


def test_cli_writes_every_probe_and_the_frontier(tmp_path, capsys):
    before = dict(workloads.get("mlp-l2").spec.SIZES)
    out = tmp_path / "fr"
    rc = cli.main(["frontier", "reference", "mlp-l2", "--memory", "200MiB", "--start", "16384",
                   "--max-batch", "65536", "--out", str(out), "--quiet"])
    assert rc == 0
    probes = list(csv.DictReader(open(out / "probes.csv")))
    assert {p["status"] for p in probes} <= {"ok", "oom"}
    assert probes[0]["batch"] == "16384"
    ok = [int(p["batch"]) for p in probes if p["status"] == "ok"]
    oom = [int(p["batch"]) for p in probes if p["status"] == "oom"]
    best = list(csv.DictReader(open(out / "frontier.csv")))
    assert len(best) == 1 and best[0]["engine"] == "reference"
    assert int(best[0]["max_batch"]) == max(ok, default=0)
    assert oom and min(oom) == max(ok, default=0) + 1     # bisection closed the gap
    assert (out / "frontier.png").stat().st_size > 0
    assert "memory frontier: mlp-l2" in capsys.readouterr().out
    assert workloads.get("mlp-l2").spec.SIZES == before   # the probes derived their sizes in children


@pytest.mark.parametrize("argv,msg", [
    (["frontier", "reference", "lstm", "--memory", "1G"], "takes no batch-size override"),
    (["frontier", "reference", "vqa", "--memory", "lots"], "--memory"),
    (["frontier", "nosuch", "vqa", "--memory", "1G"], "unknown engine"),
])
def test_cli_usage_errors(argv, msg, capsys):
    assert cli.main(argv) == 2
    assert msg in capsys.readouterr().err


@pytest.fixture
def fresh_sizes(monkeypatch):
    """with_batch registers derived sizes in the spec: keep them out of the other tests."""
    for name in ("vqa", "mlp-l2", "cnn"):
        spec = workloads.get(name).spec
        monkeypatch.setattr(spec, "SIZES", dict(spec.SIZES))


@pytest.mark.parametrize("name,key", [("vqa", "B"), ("mlp-l2", "N"), ("cnn", "N")])
def test_with_batch_derives_a_size_every_engine_reads(name, key, fresh_sizes):
    w = workloads.get(name)
    size = w.with_batch("small", 3)
    assert size == "small@batch3" and w.config(size)[key] == 3
    assert "@" not in "".join(workloads.get(name).sizes)      # buildable, not listed
    first = next(iter(w.batch(0, size).values()))
    assert first.shape[0] == 3 or first.shape[1] == 3
    ref = float(w.trainer("reference", size=size).step(w.batch(0, size)))
    for engine in ("static_graph", "dynamic_tape", "layer_config", "hybrid"):  # built unchanged at batch 3
        if w.supports(engine)[0]:
            loss = float(w.trainer(engine, size=size).step(w.batch(0, size)))
            assert loss == pytest.approx(ref, rel=1e-4), engine


def test_with_batch_refuses(fresh_sizes):
    with pytest.raises(ValueError, match="takes no batch-size override.*vqa"):
        workloads.get("lstm").with_batch("small", 4)
    with pytest.raises(ValueError, match="integer >= 1"):
        workloads.get("vqa").with_batch("small", 0)
