"""theano.sandbox.rng_mrg.MRG_RandomStreams (see frameworks/theano/random.py)."""
from ..random import MRG_RandomStreams  # noqa: F401
