"""mx.test_utils: the comparison helpers tutorials and tests call (assert_almost_equal, almost_equal, same);
download uses a file already in place and refuses to fetch one (this engine reads local files only), so
get_mnist reads the .gz idx files where MXNet's download leaves them and get_mnist_iterator ./data's idx
files when they are in place."""
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
    """MXNet's download() where the file is already in place (fname, default the URL's last part, under
    dirname): its path, nothing fetched. Fetching is refused: this engine reads local files only."""
    import logging
    import os
    assert retries >= 0, "Number of retries should be at least 0"
    if fname is None:
        fname = url.split("/")[-1]
    if dirname is not None:
        fname = os.path.join(dirname, fname)
    if not overwrite and os.path.exists(fname):
        logging.info("%s exists, skipping download", fname)
        return fname
    raise MXNetError(f"download({url!r}) is not available: this engine reads local files only; put the file "
                     f"at {fname!r} (where MXNet would save it) and it is used as it is")


def get_mnist():
    """MNIST as MXNet's get_mnist returns it ({'train_data': (60000, 1, 28, 28) float32 / 255, 'train_label':
    int8, 'test_data', 'test_label'}), from the .gz idx files download() finds in the current directory."""
    import gzip
    import struct

    def read_data(label_url, image_url):
        with gzip.open(download(label_url)) as flbl:
            struct.unpack(">II", flbl.read(8))
            label = numpy.frombuffer(flbl.read(), dtype=numpy.int8)
        with gzip.open(download(image_url), "rb") as fimg:
            _, _, rows, cols = struct.unpack(">IIII", fimg.read(16))
            image = numpy.frombuffer(fimg.read(), dtype=numpy.uint8).reshape(len(label), rows, cols)
            image = image.reshape(image.shape[0], 1, 28, 28).astype(numpy.float32) / 255
        return label, image

    path = "http://data.mxnet.io/data/mnist/"
    train_lbl, train_img = read_data(path + "train-labels-idx1-ubyte.gz", path + "train-images-idx3-ubyte.gz")
    test_lbl, test_img = read_data(path + "t10k-labels-idx1-ubyte.gz", path + "t10k-images-idx3-ubyte.gz")
    return {"train_data": train_img, "train_label": train_lbl, "test_data": test_img, "test_label": test_lbl}


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
