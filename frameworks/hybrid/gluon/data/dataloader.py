"""gluon.data.dataloader: MXNet's module path for DataLoader and default_batchify_fn."""
from . import DataLoader, default_batchify_fn  # noqa: F401
