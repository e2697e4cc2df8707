"""keras.layers: every layer class, plus Input and the functional merges."""
from ..engine import Input, InputLayer, InputSpec, Layer  # noqa: F401
from .convolutional import (AveragePooling2D, AvgPool2D, Conv2D, Conv2DTranspose, Convolution2D,  # noqa: F401
                            Deconv2D, Deconvolution2D,
                            GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D, GlobalAvgPool2D,
                            GlobalMaxPool1D, GlobalMaxPooling1D, MaxPool2D, MaxPooling2D, ZeroPadding2D)
from .convolutional import (AveragePooling1D, AvgPool1D, Conv1D, Convolution1D, Cropping1D,  # noqa: F401
                            Cropping2D, GlobalMaxPool2D, GlobalMaxPooling2D, MaxPool1D, MaxPooling1D,
                            UpSampling1D, UpSampling2D, ZeroPadding1D)
from .core import (ELU, Activation, Dense, Dropout, Flatten, Lambda, LeakyReLU, Permute, PReLU,  # noqa: F401
                   ReLU, RepeatVector, Reshape, Softmax, SpatialDropout1D, SpatialDropout2D, ThresholdedReLU)
from .embeddings import Embedding  # noqa: F401
from .merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,  # noqa: F401
                    average, concatenate, dot, maximum, minimum, multiply, subtract)
from .noise import AlphaDropout, GaussianDropout, GaussianNoise  # noqa: F401
from .normalization import BatchNormalization  # noqa: F401
from .recurrent import GRU, LSTM, RNN, CuDNNGRU, CuDNNLSTM, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell  # noqa: F401
from .wrappers import Bidirectional, TimeDistributed, Wrapper  # noqa: F401

# Keras 2 layers this frontend does not have: the name says what to use instead (a from-import of one raises
# the same error); names Keras lacks too stay AttributeErrors.
_RNN = "use LSTM or GRU"
MISSING = {
    "ConvLSTM2D": _RNN, "Masking": "pad and let the loss see it",
    "SeparableConv2D": "use Conv2D", "DepthwiseConv2D": "use Conv2D", "LocallyConnected2D": "use Conv2D",
    "ActivityRegularization": "add the penalty with model.add_loss",
}


def __getattr__(name):
    if name in MISSING:
        raise NotImplementedError(f"keras.layers.{name} is not supported by this Keras (over static_graph); "
                                  f"{MISSING[name]}")
    raise AttributeError(f"module 'keras.layers' has no attribute '{name}'")
