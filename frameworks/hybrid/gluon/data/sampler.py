"""gluon.data.sampler: MXNet's module path for the samplers gluon.data defines."""
from . import BatchSampler, RandomSampler, SequentialSampler  # noqa: F401
