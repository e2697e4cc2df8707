"""mlp-l2 in the TF1 idiom: placeholders, Variables, GradientDescentOptimizer.minimize, sess.run.

Variant "dataset": the same step with the batch pulled in-graph through tf.data (Dataset.from_generator
over the batches the trainer is handed, make_one_shot_iterator().get_next()) instead of feed_dict, so the
table shows what the input pipeline costs."""
import frameworks.static_graph as tf
from workloads.mlp_l2 import spec
from workloads import _memory

VARIANTS = ("dataset",)


class Trainer:
    memory_parts = _memory.session  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device, dataset=False):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        self.graph = tf.Graph()
        self._next_batch = None
        with self.graph.as_default():
            if dataset:
                ds = tf.data.Dataset.from_generator(self._batches, (tf.float32, tf.float32),
                                                    ([None, c["D_in"]], [None, c["D_out"]]))
                self.x, self.y = ds.make_one_shot_iterator().get_next()
            else:
                self.x = tf.placeholder(tf.float32, shape=(None, c["D_in"]), name="x")
                self.y = tf.placeholder(tf.float32, shape=(None, c["D_out"]), name="y")
            self.w1 = tf.Variable(init["w1"], name="w1")
            self.w2 = tf.Variable(init["w2"], name="w2")
            h = tf.matmul(self.x, self.w1)
            h_relu = tf.nn.relu(h)
            y_pred = tf.matmul(h_relu, self.w2)
            self.loss = tf.reduce_sum(tf.square(y_pred - self.y))
            self.train_op = tf.train.GradientDescentOptimizer(c["lr"]).minimize(self.loss)
            self.sess = tf.Session(config=tf.ConfigProto(device=device))
            self.sess.run(tf.global_variables_initializer())
        self._dataset = dataset

    def _batches(self):
        """The generator behind the dataset: each element is the batch handed to the current step."""
        while True:
            yield self._next_batch["x"], self._next_batch["y"]

    def step(self, batch):
        if self._dataset:
            self._next_batch = batch
            _, loss = self.sess.run([self.train_op, self.loss])
        else:
            _, loss = self.sess.run([self.train_op, self.loss],
                                    feed_dict={self.x: batch["x"], self.y: batch["y"]})
        return float(loss)

    def params(self):
        w1, w2 = self.sess.run([self.w1, self.w2])
        return {"w1": w1, "w2": w2}


def build(size="small", device="cpu", variant=None):
    return Trainer(size, device, dataset=variant == "dataset")
