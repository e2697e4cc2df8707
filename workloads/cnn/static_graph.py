"""cnn in the TF1 idiom: NCHW conv2d (HWIO filters) + bias_add, max_pool, a dense layer, minimize."""
import numpy as np

import frameworks.static_graph as tf
from workloads.cnn import spec
from workloads import _memory


class Trainer:
    memory_parts = _memory.session  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        p = spec.init_params(size)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf.placeholder(tf.float32, shape=[None, 1, 28, 28], name="x")
            self.labels = tf.placeholder(tf.int64, shape=[None], name="labels")
            # TF keeps conv filters as [height, width, in, out]; the spec's are OIHW
            self.c1w = tf.Variable(p["c1w"].transpose(2, 3, 1, 0), name="conv1/weights")
            self.c1b = tf.Variable(p["c1b"], name="conv1/biases")
            self.c2w = tf.Variable(p["c2w"].transpose(2, 3, 1, 0), name="conv2/weights")
            self.c2b = tf.Variable(p["c2b"], name="conv2/biases")
            self.lw = tf.Variable(p["lw"], name="fc/weights")
            self.lb = tf.Variable(p["lb"], name="fc/biases")
            conv1 = tf.nn.relu(tf.nn.bias_add(
                tf.nn.conv2d(self.x, self.c1w, strides=[1, 1, 1, 1], padding="SAME", data_format="NCHW"),
                self.c1b, data_format="NCHW"))
            pool1 = tf.nn.max_pool(conv1, ksize=[1, 1, 2, 2], strides=[1, 1, 2, 2], padding="VALID",
                                   data_format="NCHW")
            conv2 = tf.nn.relu(tf.nn.bias_add(
                tf.nn.conv2d(pool1, self.c2w, strides=[1, 1, 1, 1], padding="SAME", data_format="NCHW"),
                self.c2b, data_format="NCHW"))
            pool2 = tf.nn.max_pool(conv2, ksize=[1, 1, 2, 2], strides=[1, 1, 2, 2], padding="VALID",
                                   data_format="NCHW")
            flat = tf.reshape(pool2, [-1, 16 * 7 * 7])
            logits = tf.matmul(flat, self.lw) + self.lb
            self.loss = tf.losses.sparse_softmax_cross_entropy(labels=self.labels, logits=logits)
            self.train_op = tf.train.GradientDescentOptimizer(c["lr"]).minimize(self.loss)
            self.sess = tf.Session(config=tf.ConfigProto(device=device))
            self.sess.run(tf.global_variables_initializer())

    def step(self, batch):
        _, loss = self.sess.run([self.train_op, self.loss],
                                feed_dict={self.x: batch["x"], self.labels: batch["labels"]})
        return float(loss)

    def params(self):
        v = self.sess.run(dict(c1w=self.c1w, c1b=self.c1b, c2w=self.c2w, c2b=self.c2b,
                               lw=self.lw, lb=self.lb))
        for k in ("c1w", "c2w"):
            v[k] = np.ascontiguousarray(v[k].transpose(3, 2, 0, 1))   # back to the spec's OIHW
        return v


def build(size="small", device="cpu"):
    return Trainer(size, device)
