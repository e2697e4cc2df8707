"""keras.layers: every layer class, plus Input and the functional merges."""
from ..engine import Input, InputLayer, InputSpec, Layer  # noqa: F401
from .convolutional import (AveragePooling2D, AvgPool2D, Conv2D, Conv2DTranspose, Convolution2D,  # noqa: F401
                            Deconv2D, Deconvolution2D,
                            GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D, GlobalAvgPool2D,
                            GlobalMaxPool1D, GlobalMaxPooling1D, MaxPool2D, MaxPooling2D, ZeroPadding2D)
from .convolutional import (AveragePooling1D, AvgPool1D, Conv1D, Convolution1D, MaxPool1D,  # noqa: F401
                            MaxPooling1D)
from .core import (ELU, Activation, Dense, Dropout, Flatten, Lambda, LeakyReLU, Permute, ReLU,  # noqa: F401
                   RepeatVector, Reshape)
from .embeddings import Embedding  # noqa: F401
from .merge import Add, Concatenate, add, concatenate  # noqa: F401
from .normalization import BatchNormalization  # noqa: F401
from .recurrent import GRU, LSTM, RNN, CuDNNLSTM, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell  # noqa: F401
from .wrappers import Bidirectional, TimeDistributed, Wrapper  # noqa: F401

# Keras 2 layers this frontend does not have: the name says what to use instead (a from-import of one raises
# the same error); names Keras lacks too stay AttributeErrors.
_RNN = "use LSTM or GRU"
MISSING = {
    "CuDNNGRU": _RNN, "ConvLSTM2D": _RNN,
    "UpSampling2D": "there is no resize kernel; use Conv2DTranspose",
    "Cropping2D": "use a Lambda that slices", "Cropping1D": "use a Lambda that slices",
    "ZeroPadding1D": "reshape and use ZeroPadding2D",
    "Multiply": "use Lambda(lambda t: t[0] * t[1])", "multiply": "use Lambda(lambda t: t[0] * t[1])",
    "Subtract": "use Lambda(lambda t: t[0] - t[1])", "subtract": "use Lambda(lambda t: t[0] - t[1])",
    "Average": "use add() and a Lambda scaling", "average": "use add() and a Lambda scaling",
    "Maximum": "use Lambda(lambda t: K.maximum(t[0], t[1]))", "maximum": "use Lambda(lambda t: K.maximum(t[0], t[1]))",
    "Minimum": "use a Lambda", "minimum": "use a Lambda", "Dot": "use a Lambda with K.sum(a * b, axis=-1)",
    "dot": "use a Lambda with K.sum(a * b, axis=-1)",
    "PReLU": "use LeakyReLU (a fixed slope)", "ThresholdedReLU": "use a Lambda", "Softmax": "use Activation('softmax')",
    "SpatialDropout1D": "use Dropout", "SpatialDropout2D": "use Dropout", "GaussianNoise": "leave it out",
    "GaussianDropout": "use Dropout", "AlphaDropout": "use Dropout", "Masking": "pad and let the loss see it",
    "SeparableConv2D": "use Conv2D", "DepthwiseConv2D": "use Conv2D", "LocallyConnected2D": "use Conv2D",
    "ActivityRegularization": "add the penalty with model.add_loss", "GlobalMaxPooling2D": "use a Lambda with K.max",
}


def __getattr__(name):
    if name in MISSING:
        raise NotImplementedError(f"keras.layers.{name} is not supported by this Keras (over static_graph); "
                                  f"{MISSING[name]}")
    raise AttributeError(f"module 'keras.layers' has no attribute '{name}'")
