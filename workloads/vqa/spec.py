"""vqa recipe. shared/WORKLOADS.md fixes the model; this file fixes the initial values, documented here:

RandomState(5) draws, in this order:
  images (B, 3, S, S) standard_normal; questions randint(0, 500, (B, 20)); answers randint(0, 100, B);
  c1w (16, 3, 3, 3) He-normal (fan_in 27); c2w (32, 16, 3, 3) He-normal (fan_in 144);
  fw (32 * P * P, 256) He-normal (fan_in 32 * P * P), P = S // 4 (two floor-mode 2x2 pools);
  emb (500, 64), wx (64, 512), wh (128, 512) uniform(-0.1, 0.1);
  ow (384, 100) He-normal (fan_in 384).
All biases (c1b, c2b, fb, b_ih, b_hh, ob) are zero.

Model: conv3x3 3->16 pad 1, relu, maxpool 2; conv3x3 16->32 pad 1, relu, maxpool 2 (floor); NCHW flatten;
x @ fw + fb, relu -> image feature (B, 256). Question: embedding 500->64, LSTM (hidden 128, gates i,f,g,o,
h0 = c0 = 0), last hidden state (B, 128). concat([image, question], axis 1) @ ow + ob -> (B, 100) logits,
mean softmax cross-entropy; SGD with momentum 0.9 (v = 0.9 v + g; w -= lr v), lr 0.01; same batch each step.
"""
import functools

import numpy as np

from workloads._data import copies, f32, frozen, he_normal, uniform

# the batch key: Workload.with_batch(size, n) derives a size with B=n (`stylebench frontier`)
BATCH = "B"
SIZES = {
    "small": dict(S=50, B=32, Q=20, vocab=500, answers=100, E=64, H=128, F=256, lr=0.01, momentum=0.9, seed=5),
    "large": dict(S=224, B=32, Q=20, vocab=500, answers=100, E=64, H=128, F=256, lr=0.01, momentum=0.9, seed=5),
}
PARAM_NAMES = ("c1w", "c1b", "c2w", "c2b", "fw", "fb", "emb", "wx", "wh", "b_ih", "b_hh", "ow", "ob")


def flat_features(size):
    """Length of the flattened conv features: 32 channels x (S // 4)^2."""
    p = SIZES[size]["S"] // 2 // 2
    return 32 * p * p


@functools.lru_cache(maxsize=None)
def _draw(size):
    c = SIZES[size]
    B, S, H, F = c["B"], c["S"], c["H"], c["F"]
    rs = np.random.RandomState(c["seed"])
    images = f32(rs.standard_normal((B, 3, S, S)))
    questions = rs.randint(0, c["vocab"], size=(B, c["Q"])).astype(np.int64)
    answers = rs.randint(0, c["answers"], size=B).astype(np.int64)
    flat = flat_features(size)
    p = {}
    p["c1w"] = he_normal(rs, (16, 3, 3, 3), 27)
    p["c2w"] = he_normal(rs, (32, 16, 3, 3), 144)
    p["fw"] = he_normal(rs, (flat, F), flat)
    p["emb"] = uniform(rs, (c["vocab"], c["E"]))
    p["wx"] = uniform(rs, (c["E"], 4 * H))
    p["wh"] = uniform(rs, (H, 4 * H))
    p["ow"] = he_normal(rs, (F + H, c["answers"]), F + H)
    zeros = dict(c1b=16, c2b=32, fb=F, b_ih=4 * H, b_hh=4 * H, ob=c["answers"])
    p.update({k: np.zeros(n, np.float32) for k, n in zeros.items()})
    return frozen(images=images, questions=questions, answers=answers), {k: p[k] for k in PARAM_NAMES}


def init_params(size):
    """Fresh copies (engines update parameters in place)."""
    return copies(_draw(size)[1])


def batch(i, size):
    return _draw(size)[0]
