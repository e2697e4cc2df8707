"""lstm in the Theano idiom: not expressible. This workload is the fused sequence LSTM (one op for the whole
sequence); Theano has none on the CPU (its cuDNN RNN, theano.gpuarray.dnn.RNNBlock, is GPU-only and not
the classic API): a Theano LSTM is written with scan over the cell, which is the lstm-cells workload."""

UNSUPPORTED = ("Theano has no fused sequence LSTM op on the CPU (theano.gpuarray.dnn.RNNBlock is cuDNN-only); "
               "Theano programs write the cell with scan: see lstm-cells")
