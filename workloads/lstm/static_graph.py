"""lstm in the TF1 idiom: embedding_lookup, dynamic_rnn over an LSTMCell (the fused kernel), minimize."""
import frameworks.static_graph as tf
from workloads.lstm import spec
from workloads import _memory


def build_graph(c, init, unrolled):
    """The language-model graph; `unrolled` builds the cell from primitive ops step by step."""
    T, B, H = c["T"], c["B"], c["H"]
    inputs = tf.placeholder(tf.int64, shape=[B, T], name="inputs")
    targets = tf.placeholder(tf.int64, shape=[B, T], name="targets")
    emb = tf.Variable(init["emb"], name="emb")
    wo = tf.Variable(init["wo"], name="wo")
    bo = tf.Variable(init["bo"], name="bo")
    cell = tf.nn.rnn_cell.LSTMCell(H, wx=init["wx"], wh=init["wh"], b_ih=init["b_ih"], b_hh=init["b_hh"])
    x = tf.nn.embedding_lookup(emb, tf.transpose(inputs))          # time-major (T, B, E)
    if unrolled:
        outputs, _ = tf.nn.static_rnn(cell, [x[t] for t in range(T)], dtype=tf.float32)
        h = tf.concat(outputs, axis=0)                             # (T*B, H), time-major rows
    else:
        outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32, time_major=True)
        h = tf.reshape(outputs, [-1, H])
    logits = tf.matmul(h, wo) + bo
    labels = tf.reshape(tf.transpose(targets), [-1])
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    train_op = tf.train.GradientDescentOptimizer(c["lr"]).minimize(loss)
    variables = dict(emb=emb, wx=cell.wx, wh=cell.wh, b_ih=cell.b_ih, b_hh=cell.b_hh, wo=wo, bo=bo)
    return inputs, targets, loss, train_op, variables


class Trainer:
    memory_parts = _memory.session  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, spec, size, device, unrolled):
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.inputs, self.targets, self.loss, self.train_op, self.variables = build_graph(
                spec.SIZES[size], spec.init_params(size), unrolled)
            self.sess = tf.Session(config=tf.ConfigProto(device=device))
            self.sess.run(tf.global_variables_initializer())

    def step(self, batch):
        _, loss = self.sess.run([self.train_op, self.loss],
                                feed_dict={self.inputs: batch["inputs"], self.targets: batch["targets"]})
        return float(loss)

    def params(self):
        return self.sess.run(self.variables)


def build(size="small", device="cpu"):
    return Trainer(spec, size, device, unrolled=False)
