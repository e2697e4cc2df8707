"""mx.test_utils: the comparison helpers tutorials and tests call (assert_almost_equal, almost_equal, same);
download and the dataset fetchers are refused (this engine reads local files only)."""
import numpy

from .base import MXNetError


def _np(a):
    return a.asnumpy() if hasattr(a, "asnumpy") else numpy.asarray(a)


def default_context():
    from .context import current_context
    return current_context()


def list_gpus():
    """The GPU ids this engine can use (CuPy's device, when present)."""
    from .context import num_gpus
    return list(range(num_gpus()))


def same(a, b):
    return numpy.array_equal(_np(a), _np(b))


def almost_equal(a, b, rtol=None, atol=None, equal_nan=False):
    return numpy.allclose(_np(a), _np(b), rtol=1e-5 if rtol is None else rtol, atol=1e-20 if atol is None else atol,
                          equal_nan=equal_nan)


def assert_almost_equal(a, b, rtol=None, atol=None, names=("a", "b"), equal_nan=False, mismatches=(10, 10)):
    numpy.testing.assert_allclose(_np(a), _np(b), rtol=1e-5 if rtol is None else rtol,
                                  atol=1e-20 if atol is None else atol, equal_nan=equal_nan,
                                  err_msg=f"{names[0]} and {names[1]} differ")


def download(url, fname=None, dirname=None, overwrite=False, retries=5):
    raise MXNetError(f"download({url!r}) is not available: this engine reads local files only; put the file "
                     "in place and open it directly")


def get_mnist(path="data"):
    raise MXNetError("get_mnist downloads MNIST, which this engine does not; read local idx files with "
                     "mx.io.MNISTIter or gluon.data.vision.MNIST(root)")


get_mnist_iterator = get_cifar10 = get_mnist
