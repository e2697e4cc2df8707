"""tf.app, tf.flags, tf.gfile and tf.logging: the script scaffolding TF 1.x tutorials run in (absl-style
flags parsed from sys.argv, main(argv) then sys.exit; files on the local file system)."""
import glob as _glob
import logging as _logging
import os
import shutil
import sys

from . import errors


# ---------------------------------------------------------------- flags

class UnrecognizedFlagError(ValueError):
    """absl's error for a command-line flag nobody defined."""


class _FlagValues:
    """FLAGS: defined flags as attributes, parsed from the command line on first read (as absl does)."""

    def __init__(self):
        object.__setattr__(self, "_flags", {})
        object.__setattr__(self, "_parsed", False)

    def _define(self, name, default, help, parse):
        if name in self._flags:
            raise ValueError(f"The flag '{name}' is defined twice.")
        self._flags[name] = [parse, default, help]

    def __call__(self, argv):
        """Parse `argv` (argv[0] is the program); returns the arguments that are not flags."""
        rest, args = [argv[0]] if argv else [], list(argv[1:])
        while args:
            a = args.pop(0)
            if a == "--":
                rest += args
                break
            if not a.startswith("-") or a == "-":
                rest.append(a)
                continue
            key, eq, value = a.lstrip("-").partition("=")
            if key not in self._flags and key.startswith("no") and key[2:] in self._flags and not eq:
                self._flags[key[2:]][1] = False
                continue
            if key not in self._flags:
                raise UnrecognizedFlagError(f"Unknown command line flag '{key}'")
            parse = self._flags[key][0]
            if not eq:
                if parse is _bool:
                    self._flags[key][1] = True
                    continue
                if not args:
                    raise ValueError(f"Flag --{key} needs a value")
                value = args.pop(0)
            self._flags[key][1] = parse(value)
        object.__setattr__(self, "_parsed", True)
        return rest

    def __getattr__(self, name):
        flags = object.__getattribute__(self, "_flags")
        if name not in flags:
            raise AttributeError(name)
        if not object.__getattribute__(self, "_parsed"):
            self(sys.argv[:1])   # like absl's FLAGS before app.run: defaults (no argv of a test runner)
        return flags[name][1]

    def __setattr__(self, name, value):
        if name not in self._flags:
            raise AttributeError(name)
        self._flags[name][1] = value

    def __contains__(self, name):
        return name in self._flags

    def flag_values_dict(self):
        return {k: v[1] for k, v in self._flags.items()}


def _bool(v):
    if isinstance(v, bool):
        return v
    low = str(v).lower()
    if low in ("true", "t", "1"):
        return True
    if low in ("false", "f", "0"):
        return False
    raise ValueError(f"Non-boolean argument to boolean flag: {v!r}")


class flags:  # noqa: N801  (tf.flags / tf.app.flags)
    FLAGS = _FlagValues()

    @staticmethod
    def DEFINE_string(name, default, help=None):  # noqa: N802,A002
        flags.FLAGS._define(name, default, help, str)

    @staticmethod
    def DEFINE_integer(name, default, help=None, lower_bound=None, upper_bound=None):  # noqa: N802,A002
        flags.FLAGS._define(name, default, help, int)

    @staticmethod
    def DEFINE_float(name, default, help=None, lower_bound=None, upper_bound=None):  # noqa: N802,A002
        flags.FLAGS._define(name, default, help, float)

    @staticmethod
    def DEFINE_boolean(name, default, help=None):  # noqa: N802,A002
        flags.FLAGS._define(name, default, help, _bool)

    DEFINE_bool = DEFINE_boolean


class app:  # noqa: N801  (tf.app)
    flags = flags

    @staticmethod
    def run(main=None, argv=None):
        """Parse the flags out of argv, call main(remaining argv), exit with what it returns (as TF)."""
        rest = flags.FLAGS(sys.argv if argv is None else argv)
        main = main or sys.modules["__main__"].main
        sys.exit(main(rest))


# ---------------------------------------------------------------- gfile

class gfile:  # noqa: N801  (tf.gfile: local files only)
    @staticmethod
    def Exists(path):  # noqa: N802
        return os.path.exists(path)

    @staticmethod
    def IsDirectory(path):  # noqa: N802
        return os.path.isdir(path)

    @staticmethod
    def MakeDirs(path):  # noqa: N802
        os.makedirs(path, exist_ok=True)

    @staticmethod
    def MkDir(path):  # noqa: N802
        os.mkdir(path)

    @staticmethod
    def DeleteRecursively(path):  # noqa: N802
        if not os.path.exists(path):
            raise errors.NotFoundError(None, None, f"{path}; No such file or directory")
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)

    @staticmethod
    def Remove(path):  # noqa: N802
        os.remove(path)

    @staticmethod
    def ListDirectory(path):  # noqa: N802
        return sorted(os.listdir(path))

    @staticmethod
    def Glob(pattern):  # noqa: N802
        return sorted(_glob.glob(pattern))

    @staticmethod
    def Copy(oldpath, newpath, overwrite=False):  # noqa: N802
        if os.path.exists(newpath) and not overwrite:
            raise errors.AlreadyExistsError(None, None, f"file already exists: {newpath}")
        shutil.copyfile(oldpath, newpath)

    @staticmethod
    def Rename(oldname, newname, overwrite=False):  # noqa: N802
        if os.path.exists(newname) and not overwrite:
            raise errors.AlreadyExistsError(None, None, f"file already exists: {newname}")
        os.replace(oldname, newname)

    @staticmethod
    def Walk(top, in_order=True):  # noqa: N802
        return os.walk(top)

    @staticmethod
    def GFile(name, mode="r"):  # noqa: N802
        return open(name, mode)

    Open = GFile
    FastGFile = GFile


# ---------------------------------------------------------------- logging

class logging:  # noqa: N801  (tf.logging: the "tensorflow" logger)
    DEBUG, INFO, WARN, ERROR, FATAL = _logging.DEBUG, _logging.INFO, _logging.WARN, _logging.ERROR, \
        _logging.FATAL
    _log = _logging.getLogger("tensorflow")

    @staticmethod
    def set_verbosity(v):
        logging._log.setLevel(v)

    @staticmethod
    def get_verbosity():
        return logging._log.getEffectiveLevel()

    debug = staticmethod(lambda msg, *a: logging._log.debug(msg, *a))
    info = staticmethod(lambda msg, *a: logging._log.info(msg, *a))
    warning = staticmethod(lambda msg, *a: logging._log.warning(msg, *a))
    warn = warning
    error = staticmethod(lambda msg, *a: logging._log.error(msg, *a))
    fatal = staticmethod(lambda msg, *a: logging._log.critical(msg, *a))
