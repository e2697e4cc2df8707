"""fc-adam in the Keras idiom: Sequential 2-3-1 without biases, a custom clipped-log loss, Adam, one
train_on_batch per step (the last batch of a pass has 6 rows)."""
from frameworks.keras import backend as K
from frameworks.keras.layers import Dense
from frameworks.keras.models import Sequential
from frameworks.keras.optimizers import Adam
from workloads import _keras, _memory
from workloads.fc_adam import spec


def clipped_log_loss(y_true, y_pred):
    return -K.mean(y_true * K.log(K.clip(y_pred, *spec.CLIP)), axis=-1)


class Trainer:
    memory_parts = _memory.keras  # what it holds between steps, by kind (workloads/_memory.py)
    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        self.graph = _keras.session(device)
        with self.graph.as_default():
            self.model = Sequential([
                Dense(3, input_shape=(2,), activation="relu", use_bias=False, weights=[init["w1"]]),
                Dense(1, activation="relu", use_bias=False, weights=[init["w2"]]),
            ])
            self.model.compile(optimizer=Adam(lr=c["lr"], beta_1=c["beta1"], beta_2=c["beta2"], epsilon=c["eps"]),
                               loss=clipped_log_loss)

    def step(self, batch):
        return float(self.model.train_on_batch(batch["x"], batch["y"]))

    def params(self):
        w1, w2 = self.model.get_weights()
        return {"w1": w1, "w2": w2}


def build(size="small", device="cpu"):
    return Trainer(size, device)
