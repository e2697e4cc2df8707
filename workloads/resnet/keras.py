"""resnet in the Keras idiom: a functional Model of Conv2D (channels_first, no bias) + BatchNormalization
(axis 1, momentum 0.9, epsilon 1e-5; tf.keras' fused path raises it to 1.001e-5, the same float32
sums here, see static_graph.py) + Activation blocks joined by `add`, ZeroPadding2D before the strided
3x3 conv (Keras' padding='same' would pad 0 before and 1 after), GlobalAveragePooling2D, Dropout(0.1,
seed=7), Dense softmax; SGD(momentum=0.9); one train_on_batch per step. The moving statistics move in the
training function's layer updates, as Keras runs them."""
import numpy as np

from frameworks.keras.layers import (Activation, BatchNormalization, Conv2D, Dense, Dropout,
                                     GlobalAveragePooling2D, Input, ZeroPadding2D, add)
from frameworks.keras.models import Model
from frameworks.keras.optimizers import SGD
from workloads import _keras, _memory
from workloads.resnet import spec

CF = "channels_first"
_GEOMETRY = {name: (shape, stride, pad) for name, shape, stride, pad in spec.CONVS}


class Trainer:
    memory_parts = _memory.keras  # what it holds between steps, by kind (workloads/_memory.py)
    def __init__(self, size, device):
        c = spec.SIZES[size]
        p = spec.init_params(size)
        self.graph = _keras.session(device)
        with self.graph.as_default():
            def conv_bn(x, name):
                (o, _, k, _), stride, pad = _GEOMETRY[name]
                padding = "same"
                if stride > 1 and pad:
                    x = ZeroPadding2D(pad, data_format=CF)(x)
                    padding = "valid"
                elif pad == 0:
                    padding = "valid"
                x = Conv2D(o, k, strides=stride, padding=padding, use_bias=False, data_format=CF, name=name,
                           weights=[p[name].transpose(2, 3, 1, 0)])(x)
                return BatchNormalization(axis=1, momentum=1.0 - c["bn_momentum"], epsilon=c["eps"],
                                          name=f"{name}_bn")(x)

            x = Input(shape=(3, 32, 32))
            h = Activation("relu")(conv_bn(x, "stem"))
            r = Activation("relu")(conv_bn(h, "b1c1"))
            b1 = Activation("relu")(add([conv_bn(r, "b1c2"), h]))
            r = Activation("relu")(conv_bn(b1, "b2c1"))
            b2 = Activation("relu")(add([conv_bn(r, "b2c2"), conv_bn(b1, "b2sc")]))
            pooled = GlobalAveragePooling2D(data_format=CF)(b2)
            dropped = Dropout(c["dropout"], seed=c["dropout_seed"])(pooled)
            out = Dense(10, activation="softmax", name="logits", weights=[p["lw"], p["lb"]])(dropped)
            self.model = Model(x, out)
            self.model.compile(optimizer=SGD(lr=c["lr"], momentum=c["momentum"]),
                               loss="sparse_categorical_crossentropy")

    def step(self, batch):
        return float(self.model.train_on_batch(batch["x"], batch["labels"]))

    def _layer_weights(self, name):
        return self.model.get_layer(name).get_weights()

    def params(self):
        out = {}
        for name, _, _, _ in spec.CONVS:
            out[name] = np.ascontiguousarray(self._layer_weights(name)[0].transpose(3, 2, 0, 1))
            gamma, beta, _, _ = self._layer_weights(f"{name}_bn")
            out[f"{name}_bn_gamma"], out[f"{name}_bn_beta"] = gamma, beta
        out["lw"], out["lb"] = self._layer_weights("logits")
        return out

    def buffers(self):
        out = {}
        for bn in spec.BN_NAMES:
            _, _, mean, var = self._layer_weights(bn)
            out[f"{bn}_mean"], out[f"{bn}_var"] = mean, var
        return out


def build(size="small", device="cpu"):
    return Trainer(size, device)
