"""lstm floor: embedding, the fused LSTM kernel, the output projection and cross-entropy by hand."""
from frameworks import kernels as K
from workloads._floor import FloorTrainer
from workloads.lstm import spec


class Trainer(FloorTrainer):
    def step(self, batch):
        xp, p, c = self.xp, self.p, self.config
        T, B, H, V = c["T"], c["B"], c["H"], c["V"]
        inputs, targets = self.feed(batch, "inputs", "targets")
        zeros = xp.zeros((B, H), dtype=p["wh"].dtype)
        x, s_x = K.embedding.forward(xp, p["emb"], inputs.T)          # time-major (T, B, E)
        (hs, _, _), s_lstm = K.lstm.forward(xp, x, zeros, zeros, p["wx"], p["wh"], p["b_ih"], p["b_hh"])
        h2, s_h2 = K.reshape.forward(xp, hs, (T * B, H))
        z, s_z = K.matmul.forward(xp, h2, p["wo"])
        logits, s_logits = K.add.forward(xp, z, p["bo"])
        loss, s_loss = K.softmax_cross_entropy.forward(xp, logits, targets.T.reshape(-1))

        g_logits, _ = K.softmax_cross_entropy.backward(xp, s_loss, self.one)
        g_z, g_bo = K.add.backward(xp, s_logits, g_logits)
        g_h2, g_wo = K.matmul.backward(xp, s_z, g_z)
        (g_hs,) = K.reshape.backward(xp, s_h2, g_h2)
        g_x, _, _, g_wx, g_wh, g_bih, g_bhh = K.lstm.backward(
            xp, s_lstm, (g_hs, None, None), needs=(True, False, False, True, True, True, True))
        g_emb, _ = K.embedding.backward(xp, s_x, g_x)

        grads = dict(emb=g_emb, wx=g_wx, wh=g_wh, b_ih=g_bih, b_hh=g_bhh, wo=g_wo, bo=g_bo)
        for name in spec.PARAM_NAMES:
            K.sgd.update(xp, p[name], grads[name], c["lr"])
        return float(loss)


def build(size="small", device="cpu"):
    return Trainer(spec, size, device)
