"""`--executor dask`: every run is one Dask task that starts the run's fresh child on a worker (the runner's
own spawn) and returns its row; the client appends each row as its task ends."""
import contextlib
import multiprocessing
import os
import socket
import time

from harness import runner

EXTRA = "--executor dask needs the optional extra `dask`: pip install -e '.[dask]' (dask and distributed)"
GATE_PREFIX = "stylebench-gate"
RUN_PREFIX = "stylebench-run"


def _distributed():
    try:
        import distributed
    except ImportError:
        raise runner.UsageError(EXTRA) from None
    return distributed


# --------------------------------------------------------------------------------- on the worker

def _allow_children():
    """Dask starts worker processes as daemons, and multiprocessing refuses children to a daemon. Each
    run's child already dies with the worker (parent-death signal, process group kill), which is all the
    daemon flag would add, so the flag is lifted for this worker process."""
    proc = multiprocessing.current_process()
    if proc.daemon:
        proc._config["daemon"] = False


_SLOTS = {}


def _host_slot(per_host):
    """At most `per_host` runs at once on this host, whichever workers it has (a Dask Semaphore named
    after the host): concurrent runs on one machine disturb each other's timings. One Semaphore object per
    worker process, never closed: closing one drops the scheduler's leases of every holder."""
    name = f"stylebench:{socket.gethostname()}:{per_host}"
    if name not in _SLOTS:
        _SLOTS[name] = _distributed().Semaphore(max_leases=per_host, name=name)
    return _SLOTS[name]


def _attempt(key):
    """1 for a task's first start, 2 when the scheduler runs it again (its worker died mid-run)...: a
    counter the client set to 0 before submitting the task."""
    var = _distributed().Variable(f"attempts-{key}")
    n = int(var.get()) + 1
    var.set(n)
    return n


def gate_task(workload, size, opts, per_host, gate, bound):
    """A cell's reference losses (with `gate`) and liveness bound (with `bound`), computed in a fresh child
    on this worker: runner.reference_cell's dict."""
    _allow_children()
    threads = opts.threads or os.cpu_count() or 1
    with _host_slot(per_host):
        return runner.reference_cell(workload, size, opts.device, opts, threads, gate, bound)


def run_task(run, opts, stored, fresh, per_host, key):
    """One run in a fresh child on this worker: (row, samples, profile sites, reference losses head), the
    row carrying this worker's machine and which attempt of the task it is. The cell's reference losses
    and liveness bound: `fresh` (its gate task's dict, when one ran) over `stored` (the store's)."""
    _allow_children()
    attempt = _attempt(key)
    threads = opts.threads or os.cpu_count() or 1
    _, meta = runner.host_meta(opts.device)
    cell = dict(stored, **(fresh or {}))
    ref = None if run[0] == "reference" else cell.get("losses")
    with _host_slot(per_host):
        row, samples, sites, head = runner.execute_run(run, opts, ref, meta, threads, cell.get("live_bound"))
    row["attempt"] = attempt
    if attempt > 1 and not row["error"]:
        row["error"] = f"attempt {attempt}: the worker of an earlier attempt died mid-run"
    return row, samples, sites, head


# --------------------------------------------------------------------------------- on the client

@contextlib.contextmanager
def client(opts):
    """A Client of --scheduler ADDRESS, or of a LocalCluster of --workers processes (one thread each)."""
    distributed = _distributed()
    if opts.scheduler:
        try:
            c = distributed.Client(opts.scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise runner.UsageError(f"--scheduler {opts.scheduler}: cannot connect: {e}") from None
        with c:
            yield c
        return
    resources = {"GPU": 1} if opts.device == "gpu" else None
    workers = 1 if opts.device == "gpu" else opts.workers    # one device here: one worker holds it
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  resources=resources, dashboard_address=None, silence_logs=40,
                                  # no dashboard; its HTTP server on a free port, not a taken 8787
                                  scheduler_kwargs={"dashboard_address": ":0"}) as cluster, distributed.Client(cluster) as c:
        yield c


def _check_gpu_workers(c, device):
    if device != "gpu":
        return
    info = c.scheduler_info()["workers"]
    if not any(w.get("resources", {}).get("GPU") for w in info.values()):
        raise runner.UsageError("--device gpu: no worker of the cluster offers a GPU resource; start each "
                                "GPU's worker with `dask worker ADDRESS --nthreads 1 --resources GPU=1`")


def _lost_row(run, opts, exc):
    """The row of a run whose task never returned: its worker died on every attempt, or the task failed."""
    name = type(exc).__name__
    status = "crashed" if name == "KilledWorker" else "error"
    why = ("the Dask workers running it died on every attempt" if status == "crashed"
           else "the Dask task failed")
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return runner.make_row(run, opts.device, None, status, f"{why} ({name}: {first})", {}, "", 0.0, "",
                           opts.malloc)


def execute(runs, opts, store, progress=None, bar=None):
    """Submit every run (after its cell's gate task) and write each row as its task ends, in the order
    tasks end; a killed client loses only the runs in flight (--resume reruns them)."""
    distributed = _distributed()
    device, token = opts.device, f"{os.getpid()}-{time.time_ns()}"
    with client(opts) as c:
        _check_gpu_workers(c, device)
        resources = {"GPU": 1} if device == "gpu" else None
        wanted = {}     # cell -> [workload, size, gate, bound]: what its runs need that the store lacks
        for engine, workload, size, repeat in runs:
            key = runner.gate_key(workload, size, device)
            want = wanted.setdefault(key, [workload, size, False, False])
            want[2] |= engine != "reference" and key not in store.ref_losses
            want[3] |= runner.wants_memory(opts, repeat) and key not in store.live_bounds
        gates = {}
        for key, (workload, size, gate, bound) in wanted.items():
            if gate or bound:
                gates[key] = c.submit(gate_task, workload, size, opts, opts.per_host, gate, bound, pure=False,
                                      key=f"{GATE_PREFIX}-{key}-{token}", resources=resources)
        futures = {}
        for run in runs:
            engine, workload, size, repeat = run
            gkey = runner.gate_key(workload, size, device)
            stored = {"losses": store.ref_losses.get(gkey), "live_bound": store.live_bounds.get(gkey)}
            key = f"{RUN_PREFIX}-{runner.run_id(engine, workload, size, device, repeat)}-{token}"
            distributed.Variable(f"attempts-{key}", client=c).set(0)
            futures[c.submit(run_task, run, opts, stored, gates.get(gkey), opts.per_host, key, pure=False,
                             key=key, resources=resources)] = run
        gate_keys = {f: k for k, f in gates.items()}
        for fut in distributed.as_completed(list(gates.values()) + list(futures)):
            if fut in gate_keys:
                key = gate_keys[fut]
                try:
                    got = fut.result()
                except Exception as e:  # a lost gate task: the cell's runs are then unverified, visibly
                    why = f"unavailable: the Dask gate task failed ({e})"
                    got = {k: why for k, on in zip(("losses", "live_bound"), wanted[key][2:]) if on}
                store.save_reference(key, got)
                continue
            run = futures[fut]
            try:
                row, samples, sites, head = fut.result()
            except Exception as e:  # the task never returned a row: the run still gets one
                row, samples, sites, head = _lost_row(run, opts, e), None, None, None
            distributed.Variable(f"attempts-{fut.key}", client=c).delete()
            store.write_run(row, samples, sites)
            runner.record_reference_head(store, run, device, head)
            if progress:
                progress.update(bar, description=f"{run[0]} {run[1]}/{run[2]} r{run[3]}")
                progress.advance(bar)
