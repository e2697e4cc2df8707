"""cnn floor: two conv/relu/pool blocks, a linear layer and cross-entropy as direct kernel calls."""
from frameworks import kernels as K
from workloads._floor import FloorTrainer
from workloads.cnn import spec


class Trainer(FloorTrainer):
    def step(self, batch):
        xp, p, lr = self.xp, self.p, self.config["lr"]
        x, labels = self.feed(batch, "x", "labels")
        a1, s_a1 = K.conv2d.forward(xp, x, p["c1w"], p["c1b"], pad=1)
        r1, s_r1 = K.relu.forward(xp, a1, out=a1)          # in place: relu's backward needs only y
        m1, s_m1 = K.max_pool2d.forward(xp, r1, kernel=2)
        a2, s_a2 = K.conv2d.forward(xp, m1, p["c2w"], p["c2b"], pad=1)
        # each map is let go once nothing reads it (m1 here; relu's output after its backward, below), so the
        # workspace pool hands its block to a later buffer of that size: 1.4 MB fewer distinct blocks a step,
        # which then stay cached (the step reads its maps back from memory after the NumPy script's)
        del m1
        r2, s_r2 = K.relu.forward(xp, a2, out=a2)
        m2, s_m2 = K.max_pool2d.forward(xp, r2, kernel=2)
        f, s_f = K.reshape.forward(xp, m2, (m2.shape[0], -1))
        z, s_z = K.matmul.forward(xp, f, p["lw"])
        logits, s_logits = K.add.forward(xp, z, p["lb"])
        loss, s_loss = K.softmax_cross_entropy.forward(xp, logits, labels)

        g_logits, _ = K.softmax_cross_entropy.backward(xp, s_loss, self.one)
        g_z, g_lb = K.add.backward(xp, s_logits, g_logits)
        g_f, g_lw = K.matmul.backward(xp, s_z, g_z)
        (g_m2,) = K.reshape.backward(xp, s_f, g_f)
        (g_r2,) = K.max_pool2d.backward(xp, s_m2, g_m2, kernel=2)
        (g_a2,) = K.relu.backward(xp, s_r2, g_r2, out=g_r2)   # g_r2 is ours alone: in place
        del a2, r2, s_r2
        g_m1, g_c2w, g_c2b = K.conv2d.backward(xp, s_a2, g_a2, pad=1)
        (g_r1,) = K.max_pool2d.backward(xp, s_m1, g_m1, kernel=2)
        (g_a1,) = K.relu.backward(xp, s_r1, g_r1, out=g_r1)
        del a1, r1, s_r1
        _, g_c1w, g_c1b = K.conv2d.backward(xp, s_a1, g_a1, needs=(False, True, True), pad=1)

        grads = dict(c1w=g_c1w, c1b=g_c1b, c2w=g_c2w, c2b=g_c2b, lw=g_lw, lb=g_lb)
        for name in spec.PARAM_NAMES:
            K.sgd.update(xp, p[name], grads[name], lr)
        return float(loss)


def build(size="small", device="cpu"):
    return Trainer(spec, size, device)
