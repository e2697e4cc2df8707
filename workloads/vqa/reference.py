"""vqa floor: CNN image branch + fused-LSTM question branch + classifier, by hand, SGD with momentum."""
from frameworks import kernels as K
from workloads._floor import FloorTrainer
from workloads.vqa import spec


class Trainer(FloorTrainer):
    def __init__(self, size, device):
        super().__init__(spec, size, device)
        self.velocity = {k: self.xp.zeros_like(v) for k, v in self.p.items()}

    def step(self, batch):
        xp, p, c = self.xp, self.p, self.config
        images, questions, answers = self.feed(batch, "images", "questions", "answers")
        # image branch
        a1, s_a1 = K.conv2d.forward(xp, images, p["c1w"], p["c1b"], pad=1)
        r1, s_r1 = K.relu.forward(xp, a1, out=a1)
        m1, s_m1 = K.max_pool2d.forward(xp, r1, kernel=2)
        a2, s_a2 = K.conv2d.forward(xp, m1, p["c2w"], p["c2b"], pad=1)
        r2, s_r2 = K.relu.forward(xp, a2, out=a2)
        m2, s_m2 = K.max_pool2d.forward(xp, r2, kernel=2)
        fl, s_fl = K.reshape.forward(xp, m2, (m2.shape[0], -1))
        fz, s_fz = K.matmul.forward(xp, fl, p["fw"])
        fa, s_fa = K.add.forward(xp, fz, p["fb"])
        img, s_img = K.relu.forward(xp, fa)
        # question branch
        B, H = c["B"], c["H"]
        zeros = xp.zeros((B, H), dtype=p["wh"].dtype)
        x, s_x = K.embedding.forward(xp, p["emb"], questions.T)
        (_, q, _), s_lstm = K.lstm.forward(xp, x, zeros, zeros, p["wx"], p["wh"], p["b_ih"], p["b_hh"])
        # classifier
        joint, s_joint = K.concat.forward(xp, img, q, axis=1)
        oz, s_oz = K.matmul.forward(xp, joint, p["ow"])
        logits, s_logits = K.add.forward(xp, oz, p["ob"])
        loss, s_loss = K.softmax_cross_entropy.forward(xp, logits, answers)

        g = {}
        g_logits, _ = K.softmax_cross_entropy.backward(xp, s_loss, xp.ones((), loss.dtype))
        g_oz, g["ob"] = K.add.backward(xp, s_logits, g_logits)
        g_joint, g["ow"] = K.matmul.backward(xp, s_oz, g_oz)
        g_img, g_q = K.concat.backward(xp, s_joint, g_joint, axis=1)
        g_x, _, _, g["wx"], g["wh"], g["b_ih"], g["b_hh"] = K.lstm.backward(
            xp, s_lstm, (None, g_q, None), needs=(True, False, False, True, True, True, True))
        g["emb"], _ = K.embedding.backward(xp, s_x, g_x)
        (g_fa,) = K.relu.backward(xp, s_img, g_img)
        g_fz, g["fb"] = K.add.backward(xp, s_fa, g_fa)
        g_fl, g["fw"] = K.matmul.backward(xp, s_fz, g_fz)
        (g_m2,) = K.reshape.backward(xp, s_fl, g_fl)
        (g_r2,) = K.max_pool2d.backward(xp, s_m2, g_m2, kernel=2)
        (g_a2,) = K.relu.backward(xp, s_r2, g_r2)
        g_m1, g["c2w"], g["c2b"] = K.conv2d.backward(xp, s_a2, g_a2, pad=1)
        (g_r1,) = K.max_pool2d.backward(xp, s_m1, g_m1, kernel=2)
        (g_a1,) = K.relu.backward(xp, s_r1, g_r1)
        _, g["c1w"], g["c1b"] = K.conv2d.backward(xp, s_a1, g_a1, needs=(False, True, True), pad=1)

        for name in spec.PARAM_NAMES:
            K.momentum.update(xp, p[name], g[name], self.velocity[name], c["lr"], momentum=c["momentum"])
        return float(loss)


def build(size="small", device="cpu"):
    return Trainer(size, device)
