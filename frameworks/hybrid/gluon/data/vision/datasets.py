"""The classic image datasets as MXNet's gluon.data.vision reads them (samples HWC uint8 NDArrays, labels
int32), from the files already in `root`: this engine downloads nothing."""
import gzip
import os
import struct

import numpy

from .... import ndarray
from ....base import MXNetError
from .. import Dataset


class _DownloadedDataset(Dataset):
    """Base of MNIST, CIFAR10 etc.: (data[idx], label[idx]), through `transform(data, label)` if given."""

    def __init__(self, root, transform):
        self._transform = transform
        self._data = self._label = None
        self._root = os.path.expanduser(root)
        self._get_data()

    def __getitem__(self, idx):
        if self._transform is not None:
            return self._transform(self._data[idx], self._label[idx])
        return self._data[idx], self._label[idx]

    def __len__(self):
        return len(self._label)

    def _file(self, name):
        path = os.path.join(self._root, name)
        if not os.path.exists(path):
            raise MXNetError(f"{type(self).__name__}: {path} not found, and this engine downloads nothing; put "
                             f"the original file there, or wrap arrays in gluon.data.ArrayDataset(data, label)")
        return path


class MNIST(_DownloadedDataset):
    """MNIST (28x28x1 uint8 images, int32 labels) from the idx .gz files in `root`."""

    def __init__(self, root=os.path.join("~", ".mxnet", "datasets", "mnist"), train=True, transform=None):
        self._train = train
        self._train_data = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
        self._test_data = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
        super().__init__(root, transform)

    def _get_data(self):
        data_name, label_name = self._train_data if self._train else self._test_data
        with gzip.open(self._file(label_name), "rb") as fin:
            struct.unpack(">II", fin.read(8))
            label = numpy.frombuffer(fin.read(), dtype=numpy.uint8).astype(numpy.int32)
        with gzip.open(self._file(data_name), "rb") as fin:
            struct.unpack(">IIII", fin.read(16))
            data = numpy.frombuffer(fin.read(), dtype=numpy.uint8)
        try:
            data = data.reshape(len(label), 28, 28, 1)
        except ValueError:
            raise MXNetError(f"{type(self).__name__}: {data_name} holds {data.size} pixels, not {len(label)} "
                             f"28x28 images ({label_name} has {len(label)} labels)") from None
        self._data = ndarray.array(data, dtype=data.dtype)
        self._label = label


class FashionMNIST(MNIST):
    """Fashion-MNIST: MNIST's file format and names."""

    def __init__(self, root=os.path.join("~", ".mxnet", "datasets", "fashion-mnist"), train=True, transform=None):
        super().__init__(root, train, transform)


class CIFAR10(_DownloadedDataset):
    """CIFAR-10 (32x32x3 uint8 images, int32 labels) from the binary batches in `root`."""
    _label_bytes = 1

    def __init__(self, root=os.path.join("~", ".mxnet", "datasets", "cifar10"), train=True, transform=None):
        self._train = train
        self._train_data = [f"data_batch_{i}.bin" for i in range(1, 6)]
        self._test_data = ["test_batch.bin"]
        super().__init__(root, transform)

    def _read_batch(self, filename):
        n = self._label_bytes
        with open(self._file(filename), "rb") as fin:
            raw = numpy.frombuffer(fin.read(), dtype=numpy.uint8)
        if raw.size % (3072 + n):
            raise MXNetError(f"{type(self).__name__}: {filename} is not a whole number of {3072 + n}-byte records")
        data = raw.reshape(-1, 3072 + n)
        return data[:, n:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), data[:, n - 1].astype(numpy.int32)

    def _get_data(self):
        data, label = zip(*(self._read_batch(name) for name in (self._train_data if self._train
                                                                 else self._test_data)))
        data = numpy.concatenate(data)
        self._data = ndarray.array(data, dtype=data.dtype)
        self._label = numpy.concatenate(label)


class CIFAR100(CIFAR10):
    """CIFAR-100: fine labels (fine_label=True) or coarse ones, from train.bin / test.bin."""

    def __init__(self, root=os.path.join("~", ".mxnet", "datasets", "cifar100"), fine_label=False, train=True,
                 transform=None):
        self._fine = fine_label
        self._label_bytes = 2
        self._train = train
        self._train_data, self._test_data = ["train.bin"], ["test.bin"]
        _DownloadedDataset.__init__(self, root, transform)

    def _read_batch(self, filename):
        with open(self._file(filename), "rb") as fin:
            data = numpy.frombuffer(fin.read(), dtype=numpy.uint8).reshape(-1, 3072 + 2)
        return data[:, 2:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), \
            data[:, 0 + self._fine].astype(numpy.int32)


class ImageFolderDataset(Dataset):
    """Refused: decoding image files needs an image library this engine does not use."""

    def __init__(self, root, flag=1, transform=None):
        raise MXNetError("ImageFolderDataset is not supported (no image decoding here); decode the images "
                         "into arrays beforehand and use gluon.data.ArrayDataset(images, labels)")


ImageRecordDataset = ImageListDataset = ImageFolderDataset
