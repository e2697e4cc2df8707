"""fc-adam floor: forward, backward and Adam as direct kernel calls."""
from frameworks import kernels as K
from workloads._floor import FloorTrainer
from workloads.fc_adam import spec


class Trainer(FloorTrainer):
    def __init__(self, size, device):
        super().__init__(spec, size, device)
        self.state = {k: (self.xp.zeros_like(v), self.xp.zeros_like(v)) for k, v in self.p.items()}
        self.t = 0
        self.hyper = {k: self.config[k] for k in ("lr", "beta1", "beta2", "eps")}

    def step(self, batch):
        xp, p = self.xp, self.p
        x, y = self.feed(batch, "x", "y")
        a, s_a = K.matmul.forward(xp, x, p["w1"])
        h, s_h = K.relu.forward(xp, a)
        z, s_z = K.matmul.forward(xp, h, p["w2"])
        yhat, s_yhat = K.relu.forward(xp, z)
        cl, s_cl = K.clip.forward(xp, yhat, lo=spec.CLIP[0], hi=spec.CLIP[1])
        lg, s_lg = K.log.forward(xp, cl)
        m, s_m = K.mul.forward(xp, y, lg)
        mn, s_mn = K.mean.forward(xp, m)
        loss, _ = K.neg.forward(xp, mn)

        (g_mn,) = K.neg.backward(xp, None, self.one)
        (g_m,) = K.mean.backward(xp, s_mn, g_mn)
        _, g_lg = K.mul.backward(xp, s_m, g_m, needs=(False, True))
        (g_cl,) = K.log.backward(xp, s_lg, g_lg)
        (g_yhat,) = K.clip.backward(xp, s_cl, g_cl, lo=spec.CLIP[0], hi=spec.CLIP[1])
        (g_z,) = K.relu.backward(xp, s_yhat, g_yhat)
        g_h, g_w2 = K.matmul.backward(xp, s_z, g_z)
        (g_a,) = K.relu.backward(xp, s_h, g_h)
        _, g_w1 = K.matmul.backward(xp, s_a, g_a, needs=(False, True))

        self.t += 1
        K.adam.update(xp, p["w1"], g_w1, *self.state["w1"], self.t, **self.hyper)
        K.adam.update(xp, p["w2"], g_w2, *self.state["w2"], self.t, **self.hyper)
        return float(loss)


def build(size="small", device="cpu"):
    return Trainer(size, device)
