"""Theano tests run on the CPU with floatX as the test asks (the tutorials' THEANO_FLAGS=floatX=float32 by
default)."""
import pytest

import frameworks.theano as theano


@pytest.fixture(autouse=True)
def floatX(request):  # noqa: N802  (Theano's name)
    marker = request.node.get_closest_marker("floatX")
    old = theano.config.floatX, theano.config.device
    theano.config.floatX = marker.args[0] if marker else "float32"
    theano.config.device = "cpu"   # a workload built for the GPU earlier in the process leaves it set
    yield theano.config.floatX
    theano.config.floatX, theano.config.device = old


def pytest_configure(config):
    config.addinivalue_line("markers", "floatX(dtype): run the test with theano.config.floatX = dtype")
