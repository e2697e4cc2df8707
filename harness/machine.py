"""Machine metadata carried by every result row: CPU (py-cpuinfo), BLAS, library versions, GPU, git commit,
machine id."""
import functools
import hashlib
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


# Instruction-set extensions: what BLAS and NumPy pick their kernels by. The other flags py-cpuinfo lists
# (hypervisor, mitigations, TSC quirks) vary between hosts of one machine type without changing the
# arithmetic's speed, so they stay out of the id.
ISA_PREFIXES = ("mmx", "sse", "ssse", "avx", "fma", "f16c", "bmi", "amx", "adx", "aes", "vaes", "sha",
                "pclmul", "vpclmul", "gfni", "popcnt", "abm", "lzcnt", "movbe", "xop", "3dnow", "neon",
                "asimd", "sve", "vsx", "altivec")


def is_isa_flag(flag):
    return flag.lower().startswith(ISA_PREFIXES)


def describe_cpu(raw):
    """The CPU fields a machine id is made of, from a py-cpuinfo dict (this machine's, or the one
    pytest-benchmark saved as machine_info["cpu"] in a baseline)."""
    isa = sorted({f.lower() for f in raw.get("flags") or () if is_isa_flag(f)})
    return {"brand": raw.get("brand_raw") or raw.get("brand") or platform.processor() or platform.machine(),
            "vendor": raw.get("vendor_id_raw") or raw.get("vendor_id") or "",
            "family": raw.get("family", ""), "model": raw.get("model", ""),
            "stepping": raw.get("stepping", ""),
            "cores": raw.get("count") or "", "isa_flags": isa,
            "isa": hashlib.sha1(" ".join(isa).encode()).hexdigest()[:8] if isa else "unknown"}


@functools.lru_cache(maxsize=None)
def _local_cpu():
    import cpuinfo
    try:
        raw = cpuinfo.get_cpu_info()
    except Exception as e:  # py-cpuinfo could not read this platform: the id says "unknown", visibly
        print(f"stylebench: py-cpuinfo could not describe this CPU ({e}); its family, model and ISA are "
              "unknown in the machine id", file=sys.stderr)
        raw = {}
    return describe_cpu(raw)


def cpu_info():
    """This machine's CPU: brand, vendor, family, model, stepping, cores, ISA flags and their short hash."""
    return dict(_local_cpu(), isa_flags=list(_local_cpu()["isa_flags"]))


def cpu_model():
    """The CPU's marketing name, as py-cpuinfo reads it."""
    return cpu_info()["brand"]


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
    """A stable id of the machine type, used to keep results and baselines of different machines apart:
    brand, cores, CPU family and model, and a hash of the ISA flags, e.g.
    "amd-epyc-2c-f25m1-isa1f3a9c0b". Two CPU generations sold under one brand name get two ids.

    `cpu` is a describe_cpu() dict (default: this machine's), or a brand string naming this machine's
    CPU (its family, model and ISA are read here)."""
    if isinstance(cpu, dict):
        info = cpu
    else:
        info = dict(cpu_info(), brand=cpu) if cpu else cpu_info()
    cores = cores or info.get("cores") or os.cpu_count()
    fam = f"-f{info['family']}m{info['model']}" if info.get("family") not in ("", None) else ""
    mid = f"{slug(info['brand'])[:48]}-{cores}c{fam}-isa{info['isa']}"
    return f"{mid}-{slug(gpu_name)[:32]}" if gpu_name else mid


def differences(a, b):
    """What tells two describe_cpu() dicts apart, one phrase per field (empty when they are one machine
    type): the reason a baseline of one is not compared with a run of the other."""
    out = [f"{k} {a.get(k)!r} vs {b.get(k)!r}" for k in ("brand", "vendor", "family", "model", "cores")
           if str(a.get(k, "")) != str(b.get(k, ""))]
    only_a = sorted(set(a.get("isa_flags", ())) - set(b.get("isa_flags", ())))
    only_b = sorted(set(b.get("isa_flags", ())) - set(a.get("isa_flags", ())))
    if only_a:
        out.append("ISA flags only in the first: " + " ".join(only_a))
    if only_b:
        out.append("ISA flags only in the second: " + " ".join(only_b))
    return out


def host_info(device="cpu"):
    """What the parent records once per invocation (the child adds BLAS and GPU details it sees)."""
    import numpy
    cpu = cpu_info()
    return {
        "cpu_model": cpu["brand"],
        "cpu_cores": os.cpu_count(),
        "cpu_vendor": cpu["vendor"],
        "cpu_family": cpu["family"],
        "cpu_model_number": cpu["model"],
        "cpu_stepping": cpu["stepping"],
        "cpu_isa": cpu["isa"],
        "cpu_isa_flags": " ".join(cpu["isa_flags"]),
        "machine_id": machine_id(cpu, os.cpu_count()),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": f"{platform.system()} {platform.release()}",
        "git_commit": git_commit(),
        "stylebench": stylebench_version(),
        "python_executable": sys.executable,
    }
