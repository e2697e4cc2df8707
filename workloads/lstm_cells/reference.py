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
        wx, wh, b_ih, b_hh = p["wx"], p["wh"], p["b_ih"], p["b_hh"]
        h = cell = xp.zeros((B, H), dtype=wh.dtype)
        tape, hs = [], []
        for t in range(T):
            xt, _ = K.slice.forward(xp, x, t)                          # a view: its backward is g_x[t]
            a, s_a = K.matmul.forward(xp, xt, wx)
            b, s_b = K.matmul.forward(xp, h, wh)
            g1, s_g1 = K.add.forward(xp, a, b)
            g2, s_g2 = K.add.forward(xp, g1, b_ih)
            g3, s_g3 = K.add.forward(xp, g2, b_hh)
            (i_, f_, g_, o_), s_split = K.split.forward(xp, g3, 4, axis=1)
            i, s_i = K.sigmoid.forward(xp, i_)
            f, s_f = K.sigmoid.forward(xp, f_)
            g, s_g = K.tanh.forward(xp, g_)
            o, s_o = K.sigmoid.forward(xp, o_)
            fc, s_fc = K.mul.forward(xp, f, cell)
            ig, s_ig = K.mul.forward(xp, i, g)
            cell, s_c = K.add.forward(xp, fc, ig)
            tc, s_tc = K.tanh.forward(xp, cell)
            h, s_h = K.mul.forward(xp, o, tc)
            # each step's saved values in a tuple of locals (a dict per step cost a dict's stores and
            # resizes at every op: ~1% of the step)
            tape.append((s_a, s_b, s_g1, s_g2, s_g3, s_split, s_i, s_f, s_g, s_o, s_fc, s_ig, s_c, s_tc, s_h))
            hs.append(h)
        h2, s_h2 = K.concat.forward(xp, *hs, axis=0)                  # (T*B, H), time-major rows
        z, s_z = K.matmul.forward(xp, h2, p["wo"])
        logits, s_logits = K.add.forward(xp, z, p["bo"])
        loss, s_loss = K.softmax_cross_entropy.forward(xp, logits, targets.T.reshape(-1))

        g_logits, _ = K.softmax_cross_entropy.backward(xp, s_loss, self.one)
        g_z, g_bo = K.add.backward(xp, s_logits, g_logits)
        g_h2, g_wo = K.matmul.backward(xp, s_z, g_z)
        g_hs = K.concat.backward(xp, s_h2, g_h2, axis=0)
        # zeros only for the sums over time; the other gradients are assigned whole below
        grads = {k: xp.zeros_like(p[k]) for k in ("wx", "wh", "b_hh")}
        g_x = xp.zeros(x.shape, dtype=x.dtype)
        g_h = g_c = None
        for t in range(T - 1, -1, -1):
            s_a, s_b, s_g1, s_g2, s_g3, s_split, s_i, s_f, s_g, s_o, s_fc, s_ig, s_c, s_tc, s_h = tape[t]
            g_h = g_hs[t] if g_h is None else g_h + g_hs[t]
            g_o, g_tc = K.mul.backward(xp, s_h, g_h)
            (g_cell,) = K.tanh.backward(xp, s_tc, g_tc)
            if g_c is not None:
                g_cell = g_cell + g_c
            g_fc, g_ig = K.add.backward(xp, s_c, g_cell)
            g_i, g_g = K.mul.backward(xp, s_ig, g_ig)
            g_f, g_c = K.mul.backward(xp, s_fc, g_fc, needs=(True, t > 0))
            (g_o_,) = K.sigmoid.backward(xp, s_o, g_o)
            (g_g_,) = K.tanh.backward(xp, s_g, g_g)
            (g_f_,) = K.sigmoid.backward(xp, s_f, g_f)
            (g_i_,) = K.sigmoid.backward(xp, s_i, g_i)
            (g_g3,) = K.split.backward(xp, s_split, (g_i_, g_f_, g_g_, g_o_), sections=4, axis=1)
            g_g2, g_bhh = K.add.backward(xp, s_g3, g_g3)
            g_g1, _ = K.add.backward(xp, s_g2, g_g2, needs=(True, False))   # b_ih's gradient is b_hh's
            g_a, g_b = K.add.backward(xp, s_g1, g_g1)
            g_h, g_wh = K.matmul.backward(xp, s_b, g_b, needs=(t > 0, True))
            g_xt, g_wx = K.matmul.backward(xp, s_a, g_a)
            g_x[t] += g_xt
            grads["wh"] += g_wh
            grads["wx"] += g_wx
            grads["b_hh"] += g_bhh
            # summed: dropped before the next time step makes its product, so malloc reuses one 256 KiB
            # block (held across it, glibc gave a block back to the kernel each time: 154 page faults a
            # training step in a pytest process)
            del g_wh, g_wx
        grads["b_ih"] = grads["b_hh"]   # the same sum: both biases are added to the same gates
        grads["emb"], _ = K.embedding.backward(xp, s_x, g_x)
        grads["wo"], grads["bo"] = g_wo, g_bo
        for name in spec.PARAM_NAMES:
            K.sgd.update(xp, p[name], grads[name], c["lr"])
        return float(loss)


def build(size="small", device="cpu"):
    return Trainer(spec, size, device)
