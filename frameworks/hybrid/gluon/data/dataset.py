"""gluon.data.dataset: MXNet's module path for the Dataset classes gluon.data defines."""
from . import ArrayDataset, Dataset, SimpleDataset  # noqa: F401
