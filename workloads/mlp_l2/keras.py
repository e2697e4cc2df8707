"""mlp-l2 in the Keras idiom: Sequential of two bias-free Dense layers, a custom sum-of-squares loss,
SGD(lr=...), one train_on_batch per step."""
from frameworks.keras import backend as K
from frameworks.keras.layers import Dense
from frameworks.keras.models import Sequential
from frameworks.keras.optimizers import SGD
from workloads import _keras, _memory
from workloads.mlp_l2 import spec


def sum_squared_error(y_true, y_pred):
    """The recipe's loss is a sum over the batch, not Keras' mean: a custom loss returning one number."""
    return K.sum(K.square(y_pred - y_true))


class Trainer:
    memory_parts = _memory.keras  # what it holds between steps, by kind (workloads/_memory.py)
    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        self.graph = _keras.session(device)
        with self.graph.as_default():
            self.model = Sequential([
                Dense(c["H"], input_shape=(c["D_in"],), activation="relu", use_bias=False, weights=[init["w1"]]),
                Dense(c["D_out"], use_bias=False, weights=[init["w2"]]),
            ])
            self.model.compile(optimizer=SGD(lr=c["lr"]), loss=sum_squared_error)

    def step(self, batch):
        return float(self.model.train_on_batch(batch["x"], batch["y"]))

    def params(self):
        w1, w2 = self.model.get_weights()
        return {"w1": w1, "w2": w2}


def build(size="small", device="cpu"):
    return Trainer(size, device)
