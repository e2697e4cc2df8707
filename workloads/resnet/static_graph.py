"""resnet in the TF1 idiom: tf.layers.conv2d (channels_first, no bias) + tf.layers.batch_normalization whose
moving-average updates run through the UPDATE_OPS collection and control_dependencies, TF's official-ResNet
fixed padding before the strided 3x3 conv, reduce_mean pooling, tf.layers.dropout, MomentumOptimizer.

The recipe's arithmetic in TF's terms: batch norm momentum 0.9 (TF's decay form: moving = 0.9 moving +
0.1 batch, the fused path's unbiased variance), epsilon 1e-5 (which tf.nn.fused_batch_norm raises to
1.001e-5, as TF's does: in float32 var + eps is the same sum for either while var >= 0.25, as every batch
variance of this recipe is: the smallest over 20 steps is 0.50); dropout rate 0.1 with op seed 7 (the shared
Philox stream, counter = step); momentum 0.9 (accum = 0.9 accum + g; var -= lr accum)."""
import numpy as np

import frameworks.static_graph as tf
from workloads.resnet import spec
from workloads import _memory

_GEOMETRY = {name: (shape, stride, pad) for name, shape, stride, pad in spec.CONVS}


class Trainer:
    memory_parts = _memory.session  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        self.init = init = spec.init_params(size)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf.placeholder(tf.float32, [None, 3, 32, 32], name="x")
            self.labels = tf.placeholder(tf.int64, [None], name="labels")
            self.convs, self.bns = {}, {}

            def conv_bn(inputs, name):
                (o, _, k, _), stride, pad = _GEOMETRY[name]
                padding = "same"
                if stride > 1 and pad:   # TF's official ResNet: pad explicitly, then a VALID strided conv
                    inputs = tf.pad(inputs, [[0, 0], [0, 0], [pad, pad], [pad, pad]])
                    padding = "valid"
                y = tf.layers.conv2d(inputs, o, k, strides=stride, padding=padding, use_bias=False,
                                     data_format="channels_first", name=name,
                                     kernel_initializer=tf.constant_initializer(
                                         init[name].transpose(2, 3, 1, 0)))   # OIHW -> TF's HWIO
                return tf.layers.batch_normalization(y, axis=1, momentum=1.0 - c["bn_momentum"],
                                                     epsilon=c["eps"], training=True, name=f"{name}_bn")

            h = tf.nn.relu(conv_bn(self.x, "stem"))
            r = tf.nn.relu(conv_bn(h, "b1c1"))
            b1 = tf.nn.relu(conv_bn(r, "b1c2") + h)
            r = tf.nn.relu(conv_bn(b1, "b2c1"))
            b2 = tf.nn.relu(conv_bn(r, "b2c2") + conv_bn(b1, "b2sc"))
            pooled = tf.reduce_mean(b2, axis=[2, 3])
            dropped = tf.layers.dropout(pooled, rate=c["dropout"], training=True, seed=c["dropout_seed"])
            logits = tf.layers.dense(dropped, 10, name="logits",
                                     kernel_initializer=tf.constant_initializer(init["lw"]),
                                     bias_initializer=tf.constant_initializer(init["lb"]))
            self.loss = tf.losses.sparse_softmax_cross_entropy(labels=self.labels, logits=logits)
            update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
            with tf.control_dependencies(update_ops):
                self.train_op = tf.train.MomentumOptimizer(c["lr"], c["momentum"]).minimize(self.loss)
            self.sess = tf.Session(config=tf.ConfigProto(device=device))
            self.sess.run(tf.global_variables_initializer())
            var = {v.op.name: v for v in tf.global_variables()}
        self._fetch = {}
        for name, _, _, _ in spec.CONVS:
            self._fetch[name] = var[f"{name}/kernel"]
            for p in ("gamma", "beta", "moving_mean", "moving_variance"):
                self._fetch[f"{name}_bn_{p}"] = var[f"{name}_bn/{p}"]
        self._fetch["lw"], self._fetch["lb"] = var["logits/kernel"], var["logits/bias"]

    def step(self, batch):
        _, loss = self.sess.run([self.train_op, self.loss],
                                feed_dict={self.x: batch["x"], self.labels: batch["labels"]})
        return float(loss)

    def _values(self):
        return self.sess.run(self._fetch)

    def params(self):
        v = self._values()
        out = {k: v[k] for k in spec.PARAM_NAMES}
        for name, _, _, _ in spec.CONVS:
            out[name] = np.ascontiguousarray(v[name].transpose(3, 2, 0, 1))   # HWIO -> the spec's OIHW
        return out

    def buffers(self):
        v = self._values()
        return {f"{bn}_{k}": v[f"{bn}_moving_{tf_k}"] for bn in spec.BN_NAMES
                for k, tf_k in (("mean", "mean"), ("var", "variance"))}


def build(size="small", device="cpu"):
    return Trainer(size, device)
