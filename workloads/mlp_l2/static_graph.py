"""mlp-l2 in the TF1 idiom: placeholders, Variables, GradientDescentOptimizer.minimize, sess.run."""
import frameworks.static_graph as tf
from workloads.mlp_l2 import spec


class Trainer:
    def __init__(self, size, device):
        c = spec.SIZES[size]
        init = spec.init_params(size)
        self.graph = tf.Graph()
        with self.graph.as_default():
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

    def step(self, batch):
        _, loss = self.sess.run([self.train_op, self.loss],
                                feed_dict={self.x: batch["x"], self.y: batch["y"]})
        return float(loss)

    def params(self):
        w1, w2 = self.sess.run([self.w1, self.w2])
        return {"w1": w1, "w2": w2}


def build(size="small", device="cpu"):
    return Trainer(size, device)
