"""lstm-cells in the TF1 idiom: the same LSTMCell statically unrolled (static_rnn) from primitive ops."""
from workloads.lstm.static_graph import Trainer
from workloads.lstm_cells import spec


def build(size="small", device="cpu"):
    return Trainer(spec, size, device, unrolled=True)
