"""vqa in the Keras idiom: a functional Model with two Inputs, a Conv2D / MaxPooling2D image branch
(channels_first, as the batches come), an Embedding + CuDNNLSTM question branch, concatenate, Dense
softmax; sparse_categorical_crossentropy, SGD(momentum=0.9); one train_on_batch per step.

CuDNNLSTM because the recipe's LSTM trains an input and a recurrent bias (Keras' LSTM has one). Keras'
momentum form (v = 0.9 v - lr g; p += v) is the recipe's (v = 0.9 v + g; p -= lr v) scaled by -lr."""
import numpy as np

from frameworks.keras.layers import (Conv2D, CuDNNLSTM, Dense, Embedding, Flatten, Input, MaxPooling2D,
                                     concatenate)
from frameworks.keras.models import Model
from frameworks.keras.optimizers import SGD
from workloads import _keras, _memory
from workloads.cnn.keras import to_chw_rows, to_hwc_rows
from workloads.vqa import spec

CF = "channels_first"


class Trainer:
    memory_parts = _memory.keras  # what it holds between steps, by kind (workloads/_memory.py)
    def __init__(self, size, device):
        c = spec.SIZES[size]
        p = spec.init_params(size)
        S, P = c["S"], c["S"] // 4
        self.pooled = (32, P, P)
        self.graph = _keras.session(device)
        with self.graph.as_default():
            image = Input(shape=(3, S, S), name="image")
            question = Input(shape=(c["Q"],), dtype="int64", name="question")
            h = Conv2D(16, 3, padding="same", activation="relu", data_format=CF,
                       weights=[p["c1w"].transpose(2, 3, 1, 0), p["c1b"]])(image)
            h = MaxPooling2D(2, data_format=CF)(h)
            h = Conv2D(32, 3, padding="same", activation="relu", data_format=CF,
                       weights=[p["c2w"].transpose(2, 3, 1, 0), p["c2b"]])(h)
            h = MaxPooling2D(2, data_format=CF)(h)
            h = Flatten(data_format=CF)(h)
            image_feature = Dense(c["F"], activation="relu",
                                  weights=[to_hwc_rows(p["fw"], *self.pooled), p["fb"]])(h)
            words = Embedding(c["vocab"], c["E"], weights=[p["emb"]])(question)
            question_feature = CuDNNLSTM(c["H"], weights=[p["wx"], p["wh"],
                                                           np.concatenate([p["b_ih"], p["b_hh"]])])(words)
            joint = concatenate([image_feature, question_feature])
            answer = Dense(c["answers"], activation="softmax", weights=[p["ow"], p["ob"]])(joint)
            self.model = Model(inputs=[image, question], outputs=answer)
            self.model.compile(optimizer=SGD(lr=c["lr"], momentum=c["momentum"]),
                               loss="sparse_categorical_crossentropy")

    def step(self, batch):
        return float(self.model.train_on_batch([batch["images"], batch["questions"]], batch["answers"]))

    def params(self):
        c1w, c1b, c2w, c2b, fw, fb, emb, wx, wh, bias, ow, ob = self.model.get_weights()
        h = wh.shape[0]
        return dict(c1w=np.ascontiguousarray(c1w.transpose(3, 2, 0, 1)), c1b=c1b,
                    c2w=np.ascontiguousarray(c2w.transpose(3, 2, 0, 1)), c2b=c2b,
                    fw=to_chw_rows(fw, *self.pooled), fb=fb, emb=emb, wx=wx, wh=wh, b_ih=bias[:4 * h],
                    b_hh=bias[4 * h:], ow=ow, ob=ob)


def build(size="small", device="cpu"):
    return Trainer(size, device)
