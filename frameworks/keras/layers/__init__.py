"""keras.layers: every layer class, plus Input and the functional merges."""
from ..engine import Input, InputLayer, InputSpec, Layer  # noqa: F401
from .convolutional import (AveragePooling2D, AvgPool2D, Conv2D, Conv2DTranspose, Convolution2D,  # noqa: F401
                            Deconv2D, Deconvolution2D,
                            GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D, GlobalAvgPool2D,
                            GlobalMaxPool1D, GlobalMaxPooling1D, MaxPool2D, MaxPooling2D, ZeroPadding2D)
from .core import Activation, Dense, Dropout, Flatten, Lambda, Reshape  # noqa: F401
from .embeddings import Embedding  # noqa: F401
from .merge import Add, Concatenate, add, concatenate  # noqa: F401
from .normalization import BatchNormalization  # noqa: F401
from .recurrent import LSTM, RNN, CuDNNLSTM, LSTMCell  # noqa: F401
