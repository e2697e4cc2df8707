"""lstm-cells floor: the LSTM cell from primitive kernels in a Python loop over time, BPTT by hand."""
from frameworks import kernels as K
from workloads._floor import FloorTrainer
from workloads.lstm_cells import spec


class Trainer(FloorTrainer):
    def step(self, batch):
        xp, p, c = self.xp, self.p, self.config
        T, B, H = c["T"], c["B"], c["H"]
        inputs, targets = self.feed(batch, "inputs", "targets")
        x, s_x = K.embedding.forward(xp, p["emb"], inputs.T)          # (T, B, E)
        h = cell = xp.zeros((B, H), dtype=p["wh"].dtype)
        tape, hs = [], []
        for t in range(T):
            s = {}
            xt, s["xt"] = K.slice.forward(xp, x, t)
            a, s["a"] = K.matmul.forward(xp, xt, p["wx"])
            b, s["b"] = K.matmul.forward(xp, h, p["wh"])
            g1, s["g1"] = K.add.forward(xp, a, b)
            g2, s["g2"] = K.add.forward(xp, g1, p["b_ih"])
            g3, s["g3"] = K.add.forward(xp, g2, p["b_hh"])
            (i_, f_, g_, o_), s["split"] = K.split.forward(xp, g3, 4, axis=1)
            i, s["i"] = K.sigmoid.forward(xp, i_)
            f, s["f"] = K.sigmoid.forward(xp, f_)
            g, s["g"] = K.tanh.forward(xp, g_)
            o, s["o"] = K.sigmoid.forward(xp, o_)
            fc, s["fc"] = K.mul.forward(xp, f, cell)
            ig, s["ig"] = K.mul.forward(xp, i, g)
            cell, s["c"] = K.add.forward(xp, fc, ig)
            tc, s["tc"] = K.tanh.forward(xp, cell)
            h, s["h"] = K.mul.forward(xp, o, tc)
            tape.append(s)
            hs.append(h)
        h2, s_h2 = K.concat.forward(xp, *hs, axis=0)                  # (T*B, H), time-major rows
        z, s_z = K.matmul.forward(xp, h2, p["wo"])
        logits, s_logits = K.add.forward(xp, z, p["bo"])
        loss, s_loss = K.softmax_cross_entropy.forward(xp, logits, targets.T.reshape(-1))

        g_logits, _ = K.softmax_cross_entropy.backward(xp, s_loss, self.one)
        g_z, g_bo = K.add.backward(xp, s_logits, g_logits)
        g_h2, g_wo = K.matmul.backward(xp, s_z, g_z)
        g_hs = K.concat.backward(xp, s_h2, g_h2, axis=0)
        grads = {k: xp.zeros_like(v) for k, v in p.items()}
        g_x = xp.zeros(x.shape, dtype=x.dtype)
        g_h = g_c = None
        for t in range(T - 1, -1, -1):
            s = tape[t]
            g_h = g_hs[t] if g_h is None else g_h + g_hs[t]
            g_o, g_tc = K.mul.backward(xp, s["h"], g_h)
            (g_cell,) = K.tanh.backward(xp, s["tc"], g_tc)
            if g_c is not None:
                g_cell = g_cell + g_c
            g_fc, g_ig = K.add.backward(xp, s["c"], g_cell)
            g_i, g_g = K.mul.backward(xp, s["ig"], g_ig)
            g_f, g_c = K.mul.backward(xp, s["fc"], g_fc, needs=(True, t > 0))
            (g_o_,) = K.sigmoid.backward(xp, s["o"], g_o)
            (g_g_,) = K.tanh.backward(xp, s["g"], g_g)
            (g_f_,) = K.sigmoid.backward(xp, s["f"], g_f)
            (g_i_,) = K.sigmoid.backward(xp, s["i"], g_i)
            (g_g3,) = K.split.backward(xp, s["split"], (g_i_, g_f_, g_g_, g_o_), sections=4, axis=1)
            g_g2, g_bhh = K.add.backward(xp, s["g3"], g_g3)
            g_g1, _ = K.add.backward(xp, s["g2"], g_g2, needs=(True, False))   # b_ih's gradient is b_hh's
            g_a, g_b = K.add.backward(xp, s["g1"], g_g1)
            g_h, g_wh = K.matmul.backward(xp, s["b"], g_b, needs=(t > 0, True))
            g_xt, g_wx = K.matmul.backward(xp, s["a"], g_a)
            g_x[t] += g_xt
            grads["wh"] += g_wh
            grads["wx"] += g_wx
            grads["b_hh"] += g_bhh
        grads["b_ih"] = grads["b_hh"]   # the same sum: both biases are added to the same gates
        grads["emb"], _ = K.embedding.backward(xp, s_x, g_x)
        grads["wo"], grads["bo"] = g_wo, g_bo
        for name in spec.PARAM_NAMES:
            K.sgd.update(xp, p[name], grads[name], c["lr"])
        return float(loss)


def build(size="small", device="cpu"):
    return Trainer(spec, size, device)
