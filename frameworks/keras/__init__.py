"""Keras 2 over static_graph, as Keras(tf) runs on TensorFlow 1.x: `import frameworks.keras as keras`.

Models are graphs of layers built once; fit / train_on_batch run one Session.run per batch."""
from . import (activations, backend, callbacks, initializers, layers, losses, metrics, models,  # noqa: F401
               optimizers, preprocessing, utils)
from .models import Model, Sequential  # noqa: F401

__version__ = "2.2.4"
