"""lstm-cells in the Keras idiom: the same model with the LSTM written as a custom cell layer (Keras'
"custom RNN cell" recipe: build() with add_weight, call(inputs, states)) driven by RNN(unroll=True), so the
step is primitive ops unrolled over time. The cell carries the recipe's two biases."""
from frameworks.keras import backend as K
from frameworks.keras import initializers
from frameworks.keras.layers import RNN, Dense, Embedding, Layer
from frameworks.keras.models import Sequential
from frameworks.keras.optimizers import SGD
from workloads import _keras, _memory
from workloads.lstm_cells import spec


class TwoBiasLSTMCell(Layer):
    """z = x @ kernel + h @ recurrent_kernel + b_ih + b_hh; gates i, f, c, o."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = (units, units)

    def build(self, input_shape):
        u = self.units
        self.kernel = self.add_weight("kernel", (input_shape[-1], 4 * u), initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (u, 4 * u), initializer="orthogonal")
        self.b_ih = self.add_weight("b_ih", (4 * u,), initializer=initializers.Zeros())
        self.b_hh = self.add_weight("b_hh", (4 * u,), initializer=initializers.Zeros())
        self.built = True

    def call(self, inputs, states):
        h, c = states
        z = K.dot(inputs, self.kernel) + K.dot(h, self.recurrent_kernel) + self.b_ih + self.b_hh
        z_i, z_f, z_g, z_o = K.tf.split(z, 4, axis=1)   # tf.keras' cell splits the same way
        i, f, g, o = K.sigmoid(z_i), K.sigmoid(z_f), K.tanh(z_g), K.sigmoid(z_o)
        c = f * c + i * g
        h = o * K.tanh(c)
        return h, [h, c]


class Trainer:
    memory_parts = _memory.keras  # what it holds between steps, by kind (workloads/_memory.py)
    def __init__(self, size, device):
        c = spec.SIZES[size]
        p = spec.init_params(size)
        self.graph = _keras.session(device)
        with self.graph.as_default():
            self.model = Sequential([
                Embedding(c["V"], c["E"], input_length=c["T"], weights=[p["emb"]]),
                RNN(TwoBiasLSTMCell(c["H"]), return_sequences=True, unroll=True,
                    weights=[p["wx"], p["wh"], p["b_ih"], p["b_hh"]]),
                Dense(c["V"], activation="softmax", weights=[p["wo"], p["bo"]]),
            ])
            self.model.compile(optimizer=SGD(lr=c["lr"]), loss="sparse_categorical_crossentropy")

    def step(self, batch):
        return float(self.model.train_on_batch(batch["inputs"], batch["targets"][..., None]))

    def params(self):
        emb, wx, wh, b_ih, b_hh, wo, bo = self.model.get_weights()
        return dict(emb=emb, wx=wx, wh=wh, b_ih=b_ih, b_hh=b_hh, wo=wo, bo=bo)


def build(size="small", device="cpu"):
    return Trainer(size, device)
