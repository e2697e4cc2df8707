"""tf.app, tf.flags, tf.gfile and tf.logging: the script scaffolding TF 1.x tutorials run in (absl-py's flags and
app.run, as TF 1.5+ wraps them; files on the local file system; the "tensorflow" logger)."""
import glob as _glob
import logging as _logging
import os
import shutil
import sys

from absl import app as _absl_app, flags as _absl_flags

from . import errors


# ---------------------------------------------------------------- flags

class _FlagValuesWrapper:
    """tf.flags.FLAGS as TF 1.x wraps absl's FLAGS: a flag read before anything parsed the command line
    parses sys.argv first, keeping the arguments no flag was defined for (TF's known_only=True)."""

    def __init__(self, flag_values):
        self.__dict__["_wrapped"] = flag_values

    def _parsed(self):
        fv = self.__dict__["_wrapped"]
        if not fv.is_parsed():
            fv(sys.argv, known_only=True)
        return fv

    def __getattr__(self, name):
        return getattr(self._parsed(), name)

    def __setattr__(self, name, value):
        setattr(self.__dict__["_wrapped"], name, value)

    def __delattr__(self, name):
        delattr(self.__dict__["_wrapped"], name)

    def __dir__(self):
        return dir(self.__dict__["_wrapped"])

    def __getitem__(self, name):
        return self.__dict__["_wrapped"][name]

    def __setitem__(self, name, flag):
        self.__dict__["_wrapped"][name] = flag

    def __contains__(self, name):
        return name in self.__dict__["_wrapped"]

    def __iter__(self):
        return iter(self.__dict__["_wrapped"])

    def __len__(self):
        return len(self.__dict__["_wrapped"])

    def __call__(self, *args, **kwargs):
        return self.__dict__["_wrapped"](*args, **kwargs)


class flags:  # noqa: N801  (tf.flags / tf.app.flags: absl's flags, as TF 1.5+ re-exports them)
    FLAGS = _FlagValuesWrapper(_absl_flags.FLAGS)
    DEFINE_string = staticmethod(_absl_flags.DEFINE_string)
    DEFINE_integer = staticmethod(_absl_flags.DEFINE_integer)
    DEFINE_float = staticmethod(_absl_flags.DEFINE_float)
    DEFINE_boolean = staticmethod(_absl_flags.DEFINE_boolean)
    DEFINE_bool = staticmethod(_absl_flags.DEFINE_bool)
    DEFINE_enum = staticmethod(_absl_flags.DEFINE_enum)
    DEFINE_list = staticmethod(_absl_flags.DEFINE_list)
    DEFINE_multi_string = staticmethod(_absl_flags.DEFINE_multi_string)
    DEFINE_multi_integer = staticmethod(_absl_flags.DEFINE_multi_integer)
    DEFINE_multi_float = staticmethod(_absl_flags.DEFINE_multi_float)
    mark_flag_as_required = staticmethod(_absl_flags.mark_flag_as_required)
    Error = _absl_flags.Error
    UnrecognizedFlagError = _absl_flags.UnrecognizedFlagError
    DuplicateFlagError = _absl_flags.DuplicateFlagError
    IllegalFlagValueError = _absl_flags.IllegalFlagValueError


class app:  # noqa: N801  (tf.app)
    flags = flags

    @staticmethod
    def run(main=None, argv=None):
        """absl's app.run as TF 1.x calls it: flags parsed from argv tolerating undefined ones (they reach
        main's argv), then sys.exit(main(argv))."""
        main = main or sys.modules["__main__"].main
        _absl_app.run(main=main, argv=argv, flags_parser=lambda args: _absl_flags.FLAGS(args, known_only=True))


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
