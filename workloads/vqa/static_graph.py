"""vqa in the TF1 idiom: a conv image branch and a dynamic_rnn question branch, MomentumOptimizer."""
import numpy as np

import frameworks.static_graph as tf
from workloads.vqa import spec
from workloads import _memory


def conv_block(x, w, b):
    y = tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME", data_format="NCHW")
    y = tf.nn.relu(tf.nn.bias_add(y, b, data_format="NCHW"))
    return tf.nn.max_pool(y, ksize=[1, 1, 2, 2], strides=[1, 1, 2, 2], padding="VALID", data_format="NCHW")


class Trainer:
    memory_parts = _memory.session  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        p = spec.init_params(size)
        S, Q = c["S"], c["Q"]
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.images = tf.placeholder(tf.float32, shape=[None, 3, S, S], name="images")
            self.questions = tf.placeholder(tf.int64, shape=[None, Q], name="questions")
            self.answers = tf.placeholder(tf.int64, shape=[None], name="answers")
            v = {k: tf.Variable(p[k].transpose(2, 3, 1, 0) if k in ("c1w", "c2w") else p[k], name=k)
                 for k in ("c1w", "c1b", "c2w", "c2b", "fw", "fb", "emb", "ow", "ob")}
            # image branch
            h = conv_block(self.images, v["c1w"], v["c1b"])
            h = conv_block(h, v["c2w"], v["c2b"])
            h = tf.reshape(h, [-1, spec.flat_features(size)])
            image = tf.nn.relu(tf.matmul(h, v["fw"]) + v["fb"])
            # question branch: time-major embedding into the fused LSTM, last hidden state
            cell = tf.nn.rnn_cell.LSTMCell(c["H"], wx=p["wx"], wh=p["wh"], b_ih=p["b_ih"], b_hh=p["b_hh"])
            words = tf.nn.embedding_lookup(v["emb"], tf.transpose(self.questions))
            batch = c["B"]
            _, state = tf.nn.dynamic_rnn(cell, words, initial_state=cell.zero_state(batch, tf.float32),
                                         time_major=True)
            joint = tf.concat([image, state.h], axis=1)
            logits = tf.matmul(joint, v["ow"]) + v["ob"]
            self.loss = tf.losses.sparse_softmax_cross_entropy(labels=self.answers, logits=logits)
            self.train_op = tf.train.MomentumOptimizer(c["lr"], momentum=c["momentum"]).minimize(self.loss)
            v.update(wx=cell.wx, wh=cell.wh, b_ih=cell.b_ih, b_hh=cell.b_hh)
            self.variables = v
            self.sess = tf.Session(config=tf.ConfigProto(device=device))
            self.sess.run(tf.global_variables_initializer())

    def step(self, batch):
        _, loss = self.sess.run([self.train_op, self.loss], feed_dict={
            self.images: batch["images"], self.questions: batch["questions"], self.answers: batch["answers"]})
        return float(loss)

    def params(self):
        out = self.sess.run(self.variables)
        for k in ("c1w", "c2w"):
            out[k] = np.ascontiguousarray(out[k].transpose(3, 2, 0, 1))   # back to the spec's OIHW
        return out


def build(size="small", device="cpu"):
    return Trainer(size, device)
