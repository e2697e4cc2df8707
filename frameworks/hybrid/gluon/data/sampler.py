"""gluon.data.sampler: MXNet's module path for the samplers gluon.data defines."""
from . import BatchSampler, FilterSampler, RandomSampler, Sampler, SequentialSampler  # noqa: F401
