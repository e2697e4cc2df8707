"""gluon.contrib.estimator: MXNet 1.x's high-level training loop (Estimator.fit / evaluate) driven by event
handlers (metrics, validation, logging, checkpoints, early stopping)."""
from . import event_handler
from .batch_processor import BatchProcessor
from .estimator import Estimator
from .event_handler import *  # noqa: F401,F403  (MXNet exports the handlers here too)

__all__ = ["Estimator", "BatchProcessor", "event_handler"] + event_handler.__all__
