"""mx.viz: refused (graph drawing needs graphviz, which this engine does not use)."""
from .base import MXNetError


def plot_network(symbol, title="plot", save_format="pdf", shape=None, dtype=None, node_attrs=None,
                 hide_weights=True):
    raise MXNetError("mx.viz.plot_network is not supported (no graphviz); inspect symbol.tojson() or "
                     "symbol.get_internals().list_outputs() instead")


def print_summary(symbol, shape=None, line_length=120, positions=(.44, .64, .74, 1.)):
    raise MXNetError("mx.viz.print_summary is not supported; use symbol.infer_shape(**shapes) and "
                     "symbol.list_arguments() instead")
