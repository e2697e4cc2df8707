"""Bare NumPy scripts of each workload's training step: the arithmetic of workloads/*/reference.py written as a
person writes it in plain NumPy, with no kernels and no framework, so the floor's cost over NumPy is measurable.

Each `make_<workload>(size)` returns `step(batch) -> float` over its own copy of the initial parameters.
test_floor_vs_numpy.py checks that every script's first losses equal the reference trainer's, so a script
cannot drift from the workload it stands for."""
import numpy as np

from workloads.cnn import spec as cnn_spec
from workloads.fc_adam import spec as fc_spec
from workloads.lstm import spec as lstm_spec
from workloads.mlp_l2 import spec as mlp_spec


def make_fc_adam(size="small"):
    p, c = fc_spec.init_params(size), fc_spec.SIZES[size]
    w1, w2 = p["w1"], p["w2"]
    state = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in p.items()}
    lo, hi = fc_spec.CLIP
    lr, b1, b2, eps = c["lr"], c["beta1"], c["beta2"], c["eps"]
    t = [0]

    def step(batch):
        x, y = batch["x"], batch["y"]
        a = x @ w1
        h = np.maximum(a, 0)
        z = h @ w2
        yhat = np.maximum(z, 0)
        cl = np.clip(yhat, lo, hi)
        loss = -np.mean(y * np.log(cl))

        g_cl = y * np.float32(-1 / y.size) / cl
        g_z = g_cl * ((yhat >= lo) & (yhat <= hi)) * (yhat > 0)
        g_w2 = h.T @ g_z
        g_a = (g_z @ w2.T) * (h > 0)
        g_w1 = x.T @ g_a

        t[0] += 1
        c1, c2 = 1 - b1 ** t[0], 1 - b2 ** t[0]
        for w, g, (m, v) in ((w1, g_w1, state["w1"]), (w2, g_w2, state["w2"])):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            w -= lr * (m / c1) / (np.sqrt(v / c2) + eps)
        return float(loss)
    return step


def make_mlp_l2(size="small"):
    p, lr = mlp_spec.init_params(size), mlp_spec.SIZES[size]["lr"]
    w1, w2 = p["w1"], p["w2"]

    def step(batch):
        x, y = batch["x"], batch["y"]
        h = np.maximum(x @ w1, 0)
        d = h @ w2 - y
        loss = np.sum(d * d)
        g_y = 2 * d
        g_w2 = h.T @ g_y
        g_h = (g_y @ w2.T) * (h > 0)
        g_w1 = x.T @ g_h
        p["w1"] -= lr * g_w1
        p["w2"] -= lr * g_w2
        return float(loss)
    return step


def _softmax_xent(logits, labels):
    """Mean softmax cross-entropy and its gradient with respect to the logits."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    loss = (np.log(s[:, 0]) - shifted[np.arange(n), labels]).mean()
    g = e / s
    g[np.arange(n), labels] -= 1
    g /= n
    return loss, g


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def make_cnn(size="small"):
    p, lr = cnn_spec.init_params(size), cnn_spec.SIZES[size]["lr"]

    def conv(x, w, b):
        """3x3, pad 1, stride 1 by im2col: cols (N*H*W, C*9), one GEMM."""
        n, c, h, wd = x.shape
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        cols = np.stack([xp[:, :, i:i + h, j:j + wd] for i in range(3) for j in range(3)], axis=2)
        cols = cols.transpose(0, 3, 4, 1, 2).reshape(n * h * wd, c * 9)
        y = cols @ w.reshape(w.shape[0], -1).T + b
        return y.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols

    def conv_back(gy, cols, w, x_shape):
        n, c, h, wd = x_shape
        g2 = gy.transpose(0, 2, 3, 1).reshape(n * h * wd, -1)
        gw = (g2.T @ cols).reshape(w.shape)
        gcols = (g2 @ w.reshape(w.shape[0], -1)).reshape(n, h, wd, c, 3, 3).transpose(0, 3, 4, 5, 1, 2)
        gxp = np.zeros((n, c, h + 2, wd + 2), dtype=gy.dtype)
        for i in range(3):
            for j in range(3):
                gxp[:, :, i:i + h, j:j + wd] += gcols[:, :, i, j]
        return gxp[:, :, 1:-1, 1:-1], gw, g2.sum(axis=0)

    def pool(x):
        n, c, h, w = x.shape
        y = x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
        return y

    def pool_back(gy, x, y):
        up = lambda a: a.repeat(2, axis=2).repeat(2, axis=3)  # noqa: E731
        return (x == up(y)) * up(gy)   # ties share the gradient; they happen only at relu's zeros, where it dies

    def step(batch):
        x, labels = batch["x"], batch["labels"]
        a1, cols1 = conv(x, p["c1w"], p["c1b"])
        r1 = np.maximum(a1, 0)
        m1 = pool(r1)
        a2, cols2 = conv(m1, p["c2w"], p["c2b"])
        r2 = np.maximum(a2, 0)
        m2 = pool(r2)
        f = m2.reshape(m2.shape[0], -1)
        loss, g = _softmax_xent(f @ p["lw"] + p["lb"], labels)

        g_lw, g_lb = f.T @ g, g.sum(axis=0)
        g_m2 = (g @ p["lw"].T).reshape(m2.shape)
        g_a2 = pool_back(g_m2, r2, m2) * (r2 > 0)
        g_m1, g_c2w, g_c2b = conv_back(g_a2, cols2, p["c2w"], m1.shape)
        g_a1 = pool_back(g_m1, r1, m1) * (r1 > 0)
        _, g_c1w, g_c1b = conv_back(g_a1, cols1, p["c1w"], x.shape)
        for k, g in (("c1w", g_c1w), ("c1b", g_c1b), ("c2w", g_c2w), ("c2b", g_c2b), ("lw", g_lw), ("lb", g_lb)):
            p[k] -= lr * g
        return float(loss)
    return step


def make_lstm(size="small"):
    """One script for both lstm workloads (fused and cells compute the same numbers): a loop over time."""
    p, c = lstm_spec.init_params(size), lstm_spec.SIZES[size]
    T, B, H, lr = c["T"], c["B"], c["H"], c["lr"]

    def step(batch):
        inputs, targets = batch["inputs"], batch["targets"]
        x = p["emb"][inputs.T]                     # (T, B, E)
        h = cell = np.zeros((B, H), dtype=np.float32)
        hs, caches = [], []
        for t in range(T):
            z = x[t] @ p["wx"] + h @ p["wh"] + p["b_ih"] + p["b_hh"]
            i, f, o = _sigmoid(z[:, :H]), _sigmoid(z[:, H:2 * H]), _sigmoid(z[:, 3 * H:])
            g = np.tanh(z[:, 2 * H:3 * H])
            c_prev, cell = cell, f * cell + i * g
            tc = np.tanh(cell)
            h_prev, h = h, o * tc
            caches.append((i, f, g, o, c_prev, tc, h_prev))
            hs.append(h)
        hs = np.concatenate(hs)                    # (T*B, H), time-major rows
        loss, g_logits = _softmax_xent(hs @ p["wo"] + p["bo"], targets.T.reshape(-1))

        grads = {k: np.zeros_like(v) for k, v in p.items()}
        grads["wo"], grads["bo"] = hs.T @ g_logits, g_logits.sum(axis=0)
        g_hs = (g_logits @ p["wo"].T).reshape(T, B, H)
        g_x = np.zeros_like(x)
        g_h, g_c = np.zeros((B, H), np.float32), np.zeros((B, H), np.float32)
        for t in range(T - 1, -1, -1):
            i, f, g, o, c_prev, tc, h_prev = caches[t]
            g_h = g_h + g_hs[t]
            g_c = g_c + g_h * o * (1 - tc * tc)
            g_z = np.concatenate([g_c * g * i * (1 - i), g_c * c_prev * f * (1 - f),
                                  g_c * i * (1 - g * g), g_h * tc * o * (1 - o)], axis=1)
            g_c = g_c * f
            g_h = g_z @ p["wh"].T
            g_x[t] = g_z @ p["wx"].T
            grads["wh"] += h_prev.T @ g_z
            grads["wx"] += x[t].T @ g_z
            grads["b_ih"] += g_z.sum(axis=0)
        grads["b_hh"] = grads["b_ih"]
        np.add.at(grads["emb"], inputs.T.reshape(-1), g_x.reshape(-1, g_x.shape[-1]))
        for k in lstm_spec.PARAM_NAMES:
            p[k] -= lr * grads[k]
        return float(loss)
    return step


SCRIPTS = {"fc-adam": make_fc_adam, "mlp-l2": make_mlp_l2, "cnn": make_cnn, "lstm": make_lstm,
           "lstm-cells": make_lstm}
