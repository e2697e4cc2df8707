"""The machine id: two CPU generations under one brand name are two machines; baselines stay per id."""
import json

from harness import machine, regress

ZEN3 = {"brand_raw": "AMD EPYC", "vendor_id_raw": "AuthenticAMD", "family": 25, "model": 1, "stepping": 1,
        "count": 2, "flags": ["avx", "avx2", "fma", "sse4_2", "sse4a", "hypervisor", "smep", "constant_tsc"]}
ZEN5 = dict(ZEN3, family=26, model=2, flags=ZEN3["flags"] + ["avx512f", "avx512bw"])


def test_two_generations_under_one_brand_name_get_two_ids():
    a, b = machine.describe_cpu(ZEN3), machine.describe_cpu(ZEN5)
    assert machine.machine_id(a) == f"amd-epyc-2c-f25m1-isa{a['isa']}"
    assert machine.machine_id(a) != machine.machine_id(b)
    assert machine.differences(a, b) == ["family 25 vs 26", "model 1 vs 2",
                                         "ISA flags only in the second: avx512bw avx512f"]
    assert machine.differences(a, machine.describe_cpu(dict(ZEN3))) == []


def test_the_isa_hash_covers_instruction_sets_not_hypervisor_or_mitigation_flags():
    base = machine.describe_cpu(ZEN3)
    assert base["isa_flags"] == ["avx", "avx2", "fma", "sse4_2", "sse4a"]
    other_host = machine.describe_cpu(dict(ZEN3, flags=ZEN3["flags"] + ["md_clear", "arch_capabilities"]))
    assert other_host["isa"] == base["isa"]
    no_fma = machine.describe_cpu(dict(ZEN3, flags=[f for f in ZEN3["flags"] if f != "fma"]))
    assert no_fma["isa"] != base["isa"]


def test_this_machine_is_described_by_py_cpuinfo_and_carried_by_host_info():
    info = machine.cpu_info()
    host = machine.host_info()
    assert host["machine_id"] == machine.machine_id() and host["cpu_isa"] == info["isa"]
    assert host["cpu_model"] == info["brand"] and host["cpu_family"] == info["family"]
    # the runner's call, brand and cores, still names this machine's family and ISA
    assert machine.machine_id(host["cpu_model"], host["cpu_cores"]) == machine.machine_id()


def test_the_committed_baseline_is_filed_under_the_id_of_the_cpu_that_recorded_it():
    """It was recorded on a family-25 EPYC without AVX-512: its folder is that machine's id, computed from
    the CPU fields pytest-benchmark saved with it, so this machine's runs never compare with it by default."""
    root = machine.ROOT / "results" / "benchmarks"
    folders = [p for p in root.iterdir() if p.is_dir()]
    assert folders
    for folder in folders:
        saved = regress.newest_run(folder, regress.BASELINE_NAME)
        cpu = json.loads(saved.read_text())["machine_info"]["cpu"]
        assert folder.name == machine.machine_id(machine.describe_cpu(cpu))


def _saved_baseline(folder, cpu):
    path = folder / "Linux-CPython-3.11-64bit" / "0001_baseline.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"machine_info": {"cpu": cpu, "stylebench": {}}, "benchmarks": []}))
    return path


def test_saved_compare_refuses_a_baseline_of_another_machine_and_says_which_fields_differ(tmp_path,
                                                                                         monkeypatch, capsys):
    monkeypatch.setenv(regress.STORAGE_ENV, str(tmp_path))
    monkeypatch.delenv("STYLEBENCH_DEVICE", raising=False)
    here = regress.storage_dir()
    assert here == tmp_path / machine.machine_id()
    cpu = machine.cpu_info()
    other = dict(ZEN3, brand_raw=cpu["brand"], count=cpu["cores"], family=99, model=77, flags=["avx512zz"])
    # a baseline of another CPU copied into this machine's folder: refused, the fields named
    _saved_baseline(here, other)
    why = regress.refuse_foreign(here)
    assert why and "refusing to compare" in why and "family 99 vs" in why and "avx512zz" in why
    assert regress.saved(threshold="median:15%") == 2
    assert "refusing to compare" in capsys.readouterr().err
    # filed under its own id, it is not compared, and the reason is listed
    here.rename(tmp_path / "another-cpu")
    [(folder, diff)] = regress.foreign_baselines(here)
    assert folder.name == "another-cpu" and "family 99 vs" in " ".join(diff)
