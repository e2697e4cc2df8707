"""theano.tensor.shared_randomstreams.RandomStreams (see frameworks/theano/random.py)."""
from ..random import RandomStreams  # noqa: F401
