"""mx.profiler: MXNet's configuration calls, so that programs which import it (and configure it behind a
flag) run; turning it on is refused, as this engine has no per-operator profiler to record a trace."""
from .base import MXNetError

# MXNet 1.x's profiler settings (MXSetProcessProfilerConfig's keys)
_KEYS = {"filename", "profile_all", "profile_symbolic", "profile_imperative", "profile_memory", "profile_api",
         "continuous_dump", "dump_period", "aggregate_stats", "profile_process"}
_config = {}


def _refuse(what):
    return MXNetError(f"mx.profiler.{what} is not supported: this engine records no per-operator trace; "
                      "time the steps yourself (time.time() around them, as the examples' Speedometer does) "
                      "or run stylebench's harness, which measures per-iteration time and memory")


def set_config(**kwargs):
    """Store the profiler's settings (MXNet's keys; an unknown key is an MXNetError, as MXNet's)."""
    unknown = sorted(set(kwargs) - _KEYS)
    if unknown:
        raise MXNetError(f"Cannot find argument {unknown[0]!r} for the profiler config; valid keys are "
                         f"{sorted(_KEYS)}")
    _config.update(kwargs)


def profiler_set_config(mode="symbolic", filename="profile.json"):
    """The pre-1.2 form of set_config."""
    set_config(profile_symbolic=mode in ("symbolic", "all"), profile_imperative=mode == "all", filename=filename)


def set_state(state="stop", profile_process="worker"):
    """'stop' is accepted (the profiler never runs); 'run' is refused."""
    if state not in ("run", "stop"):
        raise MXNetError(f"Invalid profiler state {state!r}; must be 'run' or 'stop'")
    if state == "run":
        raise _refuse("set_state('run')")


profiler_set_state = set_state


def pause(profile_process="worker"):
    """Nothing runs, so nothing to pause."""


def resume(profile_process="worker"):
    """Nothing was paused."""


def dump(finished=True, profile_process="worker"):
    raise _refuse("dump")


def dumps(reset=False, format="table", sort_by="total", ascending=False):
    raise _refuse("dumps")


dump_profile = dump
