"""gluon.data.vision: MNIST, FashionMNIST, CIFAR10 and CIFAR100 read from their original files in `root`
(nothing is downloaded: a missing file raises MXNetError naming it), and `transforms`."""
from . import transforms
from . import datasets
from .datasets import CIFAR10, CIFAR100, MNIST, FashionMNIST, ImageFolderDataset, ImageRecordDataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "ImageFolderDataset", "ImageRecordDataset", "datasets",
           "transforms"]
