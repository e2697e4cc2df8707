"""mx.test_utils: the comparison helpers tutorials and tests call (assert_almost_equal, almost_equal, same);
download and the dataset fetchers are refused (this engine reads local files only); get_mnist_iterator reads
./data's idx files when they are in place."""
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


_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")


def get_mnist_ubyte():
    """MNIST's idx files in ./data: MXNet downloads them when missing; here they must be in place."""
    import os
    missing = [f for f in _MNIST_FILES if not os.path.exists(os.path.join("data", f))]
    if missing:
        download("http://data.mxnet.io/mxnet/data/mnist.zip", dirname="data")   # refused, naming the URL


def get_mnist_iterator(batch_size, input_shape, num_parts=1, part_index=0):
    """(train, val) MNISTIters over ./data's idx files (flat unless input_shape has 3 dimensions), as
    MXNet's; the training one shuffled."""
    from .io import MNISTIter
    get_mnist_ubyte()
    flat = len(input_shape) != 3
    train = MNISTIter(image="data/train-images-idx3-ubyte", label="data/train-labels-idx1-ubyte",
                      input_shape=input_shape, batch_size=batch_size, shuffle=True, flat=flat,
                      num_parts=num_parts, part_index=part_index)
    val = MNISTIter(image="data/t10k-images-idx3-ubyte", label="data/t10k-labels-idx1-ubyte",
                    input_shape=input_shape, batch_size=batch_size, flat=flat, num_parts=num_parts,
                    part_index=part_index)
    return train, val


get_cifar10 = get_mnist
