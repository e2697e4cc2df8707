"""theano.tensor.signal: pooling (`from frameworks.theano.tensor.signal import pool`)."""
from . import pool  # noqa: F401
