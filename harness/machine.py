"""Machine metadata carried by every result row: CPU, BLAS, library versions, GPU, git commit, machine id."""
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# glibc malloc hands big blocks (>= 128 KiB) back to the kernel on free, so every step of an engine that
# allocates pays page faults again, and in a virtual machine a page fault can cost more than the arithmetic
# (seen here: conv2d forward 2.1 ms with the default, 0.26 ms without). "cache" keeps freed memory in the
# process, as a framework's caching allocator does; "system" leaves glibc's defaults. Either way every
# engine runs under the same setting, and the row says which.
MALLOC_ENV = {
    "cache": {"MALLOC_MMAP_THRESHOLD_": str(2 ** 32), "MALLOC_TRIM_THRESHOLD_": str(2 ** 32),
              "MALLOC_TOP_PAD_": str(2 ** 28)},
    "system": {},
}


def cpu_model():
    """The CPU's marketing name (from /proc/cpuinfo on Linux, platform otherwise)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit():
    """HEAD's short hash, "-dirty" when tracked code differs from it. results/ does not count: a run
    rewriting committed results (results/reference/) would otherwise mark its own rows dirty."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)results"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def stylebench_version():
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("stylebench")
    except PackageNotFoundError:
        return "0.0.0+local"


def blas_info():
    """The BLAS NumPy runs, as threadpoolctl sees it in this process (threads included)."""
    info = {"blas": "unknown", "blas_version": "", "blas_threads": None, "blas_coretype": ""}
    try:
        from threadpoolctl import threadpool_info
        libs = [d for d in threadpool_info() if d.get("user_api") == "blas"]
    except Exception:  # threadpoolctl missing or unable to inspect: say so rather than fail a run
        libs = []
    if libs:
        lib = libs[0]
        info.update(blas=lib.get("internal_api", "unknown"), blas_version=lib.get("version") or "",
                    blas_threads=lib.get("num_threads"), blas_coretype=lib.get("architecture") or "")
    info["openblas_coretype"] = os.environ.get("OPENBLAS_CORETYPE", "")
    return info


def gpu_info():
    """GPU name, driver and CUDA runtime version, or empty strings when no GPU is usable."""
    info = {"gpu_name": "", "gpu_driver": "", "cuda_version": "", "cupy": ""}
    try:
        import cupy
        info["cupy"] = cupy.__version__
        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        name = props["name"]
        info["gpu_name"] = name.decode() if isinstance(name, bytes) else str(name)
        v = cupy.cuda.runtime.runtimeGetVersion()
        info["cuda_version"] = f"{v // 1000}.{(v % 1000) // 10}"
        d = cupy.cuda.runtime.driverGetVersion()
        info["gpu_driver"] = f"cuda-driver-api {d // 1000}.{(d % 1000) // 10}"
    except Exception:  # no CuPy / no device: the columns stay empty
        return info
    try:
        import pynvml
        pynvml.nvmlInit()
        drv = pynvml.nvmlSystemGetDriverVersion()
        info["gpu_driver"] = drv.decode() if isinstance(drv, bytes) else str(drv)
    except Exception:  # NVML binding missing: keep the CUDA driver API version
        pass
    return info


def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def machine_id(cpu=None, cores=None, gpu_name=""):
    """A stable id of the machine type, used to keep results and baselines of different machines apart."""
    cpu = cpu or cpu_model()
    cores = cores or os.cpu_count()
    mid = f"{slug(cpu)[:48]}-{cores}c"
    return f"{mid}-{slug(gpu_name)[:32]}" if gpu_name else mid


def host_info(device="cpu"):
    """What the parent records once per invocation (the child adds BLAS and GPU details it sees)."""
    import numpy
    cpu = cpu_model()
    return {
        "cpu_model": cpu,
        "cpu_cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": f"{platform.system()} {platform.release()}",
        "git_commit": git_commit(),
        "stylebench": stylebench_version(),
        "python_executable": sys.executable,
    }
