"""mlp-l2 floor: forward, backward and SGD as direct kernel calls."""
from frameworks import kernels as K
from workloads._floor import FloorTrainer
from workloads.mlp_l2 import spec


class Trainer(FloorTrainer):
    def step(self, batch):
        xp, p, lr = self.xp, self.p, self.config["lr"]
        x, y = self.feed(batch, "x", "y")
        h, s_h = K.matmul.forward(xp, x, p["w1"])
        hr, s_hr = K.relu.forward(xp, h)
        yp, s_yp = K.matmul.forward(xp, hr, p["w2"])
        d, s_d = K.sub.forward(xp, yp, y)
        sq, s_sq = K.square.forward(xp, d)
        loss, s_loss = K.sum.forward(xp, sq)

        (g_sq,) = K.sum.backward(xp, s_loss, self.one)
        (g_d,) = K.square.backward(xp, s_sq, g_sq)
        g_yp, _ = K.sub.backward(xp, s_d, g_d, needs=(True, False))
        g_hr, g_w2 = K.matmul.backward(xp, s_yp, g_yp)
        (g_h,) = K.relu.backward(xp, s_hr, g_hr)
        _, g_w1 = K.matmul.backward(xp, s_h, g_h, needs=(False, True))
        K.sgd.update(xp, p["w1"], g_w1, lr)
        K.sgd.update(xp, p["w2"], g_w2, lr)
        return float(loss)


def build(size="small", device="cpu"):
    return Trainer(spec, size, device)
