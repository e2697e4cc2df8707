"""fc-adam in the TF1 idiom: the 2-3-1 tutorial net with AdamOptimizer.minimize and sess.run."""
import frameworks.static_graph as tf
from workloads.fc_adam import spec
from workloads import _memory


class Trainer:
    memory_parts = _memory.session  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf.placeholder(tf.float32, shape=[None, 2], name="x")
            self.y = tf.placeholder(tf.float32, shape=[None, 1], name="y")
            self.w1 = tf.Variable(init["w1"], name="w1")
            self.w2 = tf.Variable(init["w2"], name="w2")
            h = tf.nn.relu(tf.matmul(self.x, self.w1))
            yhat = tf.nn.relu(tf.matmul(h, self.w2))
            self.loss = -tf.reduce_mean(self.y * tf.log(tf.clip_by_value(yhat, *spec.CLIP)))
            optimizer = tf.train.AdamOptimizer(learning_rate=c["lr"], beta1=c["beta1"], beta2=c["beta2"],
                                               epsilon=c["eps"])
            self.train_op = optimizer.minimize(self.loss)
            self.sess = tf.Session(config=tf.ConfigProto(device=device))
            self.sess.run(tf.global_variables_initializer())

    def step(self, batch):
        _, loss = self.sess.run([self.train_op, self.loss],
                                feed_dict={self.x: batch["x"], self.y: batch["y"]})
        return float(loss)

    def params(self):
        return self.sess.run({"w1": self.w1, "w2": self.w2})


def build(size="small", device="cpu"):
    return Trainer(size, device)
