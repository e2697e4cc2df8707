"""cnn in the Keras idiom: Sequential Conv2D / MaxPooling2D (channels_first, as the batches come), Flatten,
Dense softmax, sparse_categorical_crossentropy, SGD, one train_on_batch per step.

Keras' Flatten puts a channels_first map in channels_last order (h, w, c) before flattening, so the dense
kernel's rows are the recipe's (c, h, w) rows permuted once at load time (what Keras'
convert_dense_weights_data_format does), and permuted back in params()."""
import numpy as np

from frameworks.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D
from frameworks.keras.models import Sequential
from frameworks.keras.optimizers import SGD
from workloads import _keras, _memory
from workloads.cnn import spec

CF = "channels_first"


def to_hwc_rows(w, c, h, wd):
    """Dense kernel rows in (c, h, w) order -> (h, w, c) order."""
    return np.ascontiguousarray(w.reshape(c, h, wd, -1).transpose(1, 2, 0, 3).reshape(c * h * wd, -1))


def to_chw_rows(w, c, h, wd):
    return np.ascontiguousarray(w.reshape(h, wd, c, -1).transpose(2, 0, 1, 3).reshape(c * h * wd, -1))


class Trainer:
    memory_parts = _memory.keras  # what it holds between steps, by kind (workloads/_memory.py)
    def __init__(self, size, device):
        c = spec.SIZES[size]
        p = spec.init_params(size)
        self.graph = _keras.session(device)
        with self.graph.as_default():
            self.model = Sequential([
                Conv2D(8, 3, padding="same", activation="relu", data_format=CF, input_shape=(1, 28, 28),
                       weights=[p["c1w"].transpose(2, 3, 1, 0), p["c1b"]]),
                MaxPooling2D(2, data_format=CF),
                Conv2D(16, 3, padding="same", activation="relu", data_format=CF,
                       weights=[p["c2w"].transpose(2, 3, 1, 0), p["c2b"]]),
                MaxPooling2D(2, data_format=CF),
                Flatten(data_format=CF),
                Dense(10, activation="softmax", weights=[to_hwc_rows(p["lw"], 16, 7, 7), p["lb"]]),
            ])
            self.model.compile(optimizer=SGD(lr=c["lr"]), loss="sparse_categorical_crossentropy")

    def step(self, batch):
        return float(self.model.train_on_batch(batch["x"], batch["labels"]))

    def params(self):
        c1w, c1b, c2w, c2b, lw, lb = self.model.get_weights()
        return dict(c1w=np.ascontiguousarray(c1w.transpose(3, 2, 0, 1)), c1b=c1b,
                    c2w=np.ascontiguousarray(c2w.transpose(3, 2, 0, 1)), c2b=c2b, lw=to_chw_rows(lw, 16, 7, 7),
                    lb=lb)


def build(size="small", device="cpu"):
    return Trainer(size, device)
