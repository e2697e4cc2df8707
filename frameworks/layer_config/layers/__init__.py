"""The layer types, by family as Caffe's src/caffe/layers/ groups them; importing registers them all."""
from . import common, data, loss, neuron, vision  # noqa: F401  (registration)
from .data import FeedLayer

__all__ = ["FeedLayer"]
