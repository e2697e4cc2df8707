"""lstm-cells has no Caffe-style version: see UNSUPPORTED."""

UNSUPPORTED = ("a Caffe net is a fixed list of layers in a prototxt; Caffe users ran recurrences through the "
               "LSTM layer (the `lstm` workload), never by unrolling cells into per-step primitive layers "
               "by hand")
