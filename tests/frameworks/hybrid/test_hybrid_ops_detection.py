"""nd.contrib / sym.contrib MultiBoxPrior and box_iou against transcriptions of MXNet 1.x's operators
(multibox_prior.cc's loops, bounding_box-inl.h's compute_overlap)."""

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, nd


def _prior_loops(H, W, sizes, ratios, steps=(-1, -1), offsets=(0.5, 0.5), clip=False):
    """MultiBoxPriorForward, loop for loop, in float32."""
    f = np.float32
    step_y, step_x = (f(1) / f(H), f(1) / f(W)) if steps[0] <= 0 else (f(steps[0]), f(steps[1]))
    out = []
    for r in range(H):
        cy = (f(r) + f(offsets[0])) * step_y
        for c in range(W):
            cx = (f(c) + f(offsets[1])) * step_x
            for size, ratio in [(s, ratios[0]) for s in sizes] + [(sizes[0], q) for q in ratios[1:]]:
                root = np.sqrt(f(ratio))
                w, h = f(size) * f(H) / f(W) * root / f(2), f(size) / root / f(2)
                out.append([cx - w, cy - h, cx + w, cy + h])
    out = np.array(out, dtype=f)[None]
    return np.clip(out, 0, 1) if clip else out


@pytest.mark.parametrize("kwargs", [dict(sizes=[0.75, 0.5, 0.25], ratios=[1, 2, 0.5]),
                                    dict(sizes=(0.3,), ratios=(1, 3), clip=True),
                                    dict(sizes=0.4, ratios=2, steps=(0.2, 0.1), offsets=(0.0, 1.0))])
def test_multibox_prior_as_the_operators_loops(kwargs):
    H, W = 3, 5
    got = nd.contrib.MultiBoxPrior(nd.zeros((2, 4, H, W)), **kwargs).asnumpy()
    want = _prior_loops(H, W, np.atleast_1d(kwargs['sizes']).tolist(), np.atleast_1d(kwargs['ratios']).tolist(),
                        kwargs.get('steps', (-1, -1)), kwargs.get('offsets', (0.5, 0.5)), kwargs.get('clip', False))
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_multibox_prior_in_a_symbol_and_under_autograd():
    s = mx.sym.contrib.MultiBoxPrior(mx.sym.var('feat'), sizes=(0.2, 0.272), ratios=(1, 2, 0.5))
    assert s.infer_shape(feat=(1, 8, 4, 4))[1] == [(1, 4 * 4 * 4, 4)]
    x = nd.ones((1, 2, 2, 2))
    x.attach_grad()
    with autograd.record():
        y = nd.contrib.MultiBoxPrior(x, sizes=(0.5,)).sum() + (x * 2).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), 2)   # no gradient through the anchors, as MXNet's


def test_box_iou_corner_and_center():
    a = nd.array([[0, 0, 2, 2], [1, 1, 3, 3]])
    b = nd.array([[1, 1, 2, 2], [5, 5, 6, 6], [0, 0, 2, 2]])
    np.testing.assert_allclose(nd.contrib.box_iou(a, b).asnumpy(), [[0.25, 0, 1], [0.25, 0, 1 / 7]], rtol=1e-6)
    centre = nd.array([[1, 1, 2, 2]])   # the box (0, 0, 2, 2) as (x, y, w, h)
    np.testing.assert_allclose(nd.contrib.box_iou(centre, nd.array([[2, 2, 2, 2]]), format='center').asnumpy(),
                               [[1 / 7]], rtol=1e-6)
    batched = nd.contrib.box_iou(nd.zeros((2, 3, 4)), nd.zeros((5, 4)))
    assert batched.shape == (2, 3, 5) and float(batched.sum().asscalar()) == 0   # empty boxes: no overlap
    with pytest.raises(mx.MXNetError, match="last dimension of lhs and rhs must be 4"):
        nd.contrib.box_iou(nd.zeros((2, 3)), nd.zeros((2, 4)))


def test_box_nms_as_mxnets_docstring_example():
    x = nd.array([[0, 0.5, 0.1, 0.1, 0.2, 0.2], [1, 0.4, 0.1, 0.1, 0.2, 0.2],
                  [0, 0.3, 0.1, 0.1, 0.14, 0.14], [2, 0.6, 0.5, 0.5, 0.7, 0.8]])
    out = nd.contrib.box_nms(x, overlap_thresh=0.1, coord_start=2, score_index=1, id_index=0,
                             force_suppress=True, in_format='corner', out_format='corner')
    np.testing.assert_allclose(out.asnumpy(), [[2, 0.6, 0.5, 0.5, 0.7, 0.8], [0, 0.5, 0.1, 0.1, 0.2, 0.2],
                                               [-1] * 6, [-1] * 6], rtol=1e-6)
    # per class (force_suppress=False): class 1's box survives its overlap with class 0's
    per_class = nd.contrib.box_non_maximum_suppression(x, overlap_thresh=0.1, id_index=0).asnumpy()
    np.testing.assert_allclose(per_class[:, 0], [2, 0, 1, -1])
    # out_format center converts the kept rows only; topk keeps the best two before suppressing
    centre = nd.contrib.box_nms(x, overlap_thresh=0.1, id_index=0, force_suppress=True, out_format='center')
    np.testing.assert_allclose(centre.asnumpy()[1, 2:], [0.15, 0.15, 0.1, 0.1], rtol=1e-6)
    top2 = nd.contrib.box_nms(nd.stack(x, x), topk=2, valid_thresh=0.45).asnumpy()
    assert top2.shape == (2, 4, 6) and (top2[:, 2:] == -1).all()
    np.testing.assert_allclose(top2[1, :2, 1], [0.6, 0.5])
    assert (nd.contrib.box_nms(x, valid_thresh=0.9).asnumpy() == -1).all()   # nothing valid: all -1
    assert mx.sym.contrib.box_nms(mx.sym.var('d')).infer_shape(d=(2, 5, 6))[1] == [(2, 5, 6)]


# d2l's anchor-box section (d2l-en, MXNet edition), which prints these operators' results for these boxes
_GT = [[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]]
_ANCHORS = [[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98], [0.66, 0.45, 0.8, 0.8],
            [0.57, 0.3, 0.92, 0.9]]


def test_multibox_target_assigns_as_the_operator():
    loc, mask, cls = nd.contrib.MultiBoxTarget(nd.array([_ANCHORS]), nd.array([_GT]), nd.zeros((1, 3, 5)))
    np.testing.assert_array_equal(cls.asnumpy(), [[0, 1, 2, 0, 2]])
    np.testing.assert_array_equal(mask.asnumpy(), [[0] * 4 + [1] * 8 + [0] * 4 + [1] * 4])
    np.testing.assert_allclose(loc.asnumpy(), [[0, 0, 0, 0, 1.4, 10, 2.593969, 7.175423, -1.2, 0.268818,
                                                1.682361, -1.565459, 0, 0, 0, 0, -0.571428, -1, 0, 0.625816]],
                               rtol=1e-5, atol=1e-5)
    # a padded label row (-1) ends the ground truths; with negative mining only the hardest negatives get
    # class 0 (the least background-like by softmax), the others ignore_label
    preds = nd.zeros((1, 3, 5))
    preds[0, 2, 3] = 5   # anchor 3 looks most like an object
    _, _, mined = nd.contrib.MultiBoxTarget(nd.array([_ANCHORS]), nd.array([_GT + [[-1] * 5]]), preds,
                                            negative_mining_ratio=0.5, ignore_label=-1)
    np.testing.assert_array_equal(mined.asnumpy(), [[-1, 1, 2, 0, 2]])
    s = mx.sym.contrib.MultiBoxTarget(mx.sym.var('a'), mx.sym.var('l'), mx.sym.var('c'))
    assert s.infer_shape(a=(1, 5, 4), l=(2, 3, 5), c=(2, 3, 5))[1] == [(2, 20), (2, 20), (2, 5)]


def test_multibox_detection_decodes_sorts_and_suppresses_as_the_operator():
    cls_probs = nd.array([[[0] * 4, [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]]])
    anchors = nd.array([[[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95], [0.15, 0.3, 0.62, 0.91],
                         [0.55, 0.2, 0.9, 0.88]]])
    out = nd.contrib.MultiBoxDetection(cls_probs, nd.zeros((1, 16)), anchors, nms_threshold=0.5)
    np.testing.assert_allclose(out.asnumpy(), [[[0, 0.9, 0.1, 0.08, 0.52, 0.92], [1, 0.9, 0.55, 0.2, 0.9, 0.88],
                                                [-1, 0.8, 0.08, 0.2, 0.56, 0.95],
                                                [-1, 0.7, 0.15, 0.3, 0.62, 0.91]]], rtol=1e-5, atol=1e-6)
    # offsets decode around the anchor (variances 0.1, 0.1, 0.2, 0.2); below threshold a row is dropped
    loc = nd.zeros((1, 16))
    loc[0, 0] = 1.0   # x shifted by 0.1 * width
    kept = nd.contrib.MultiBoxDetection(cls_probs, loc, anchors, threshold=0.85, nms_threshold=0.5,
                                        clip=False).asnumpy()
    np.testing.assert_allclose(kept[0, 0, 2:], [0.1 + 0.042, 0.08, 0.52 + 0.042, 0.92], rtol=1e-5)
    assert kept[0, 1, 0] == 1 and (kept[0, 2:] == -1).all()
    d = mx.sym.contrib.MultiBoxDetection(mx.sym.var('c'), mx.sym.var('p'), mx.sym.var('a'))
    assert d.infer_shape(c=(2, 3, 5), p=(2, 20), a=(1, 5, 4))[1] == [(2, 5, 6)]
