"""nd.ROIPooling (the shared roi_pool kernel): d2l's region-of-interest example's values, its gradient by
finite differences in float64, and the symbolic / hybridized form."""
import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import nd
from frameworks.hybrid.gluon import nn
from tests.frameworks.hybrid.test_hybrid_ops import _fd_check


def test_d2l_rcnn_values():
    # computer-vision/rcnn.md (d2l-ai/d2l-en e2174f95): two regions on a 4x4 map, scale 0.1, 2x2 bins
    X = nd.arange(16).reshape((1, 1, 4, 4))
    rois = nd.array([[0, 0, 0, 20, 20], [0, 0, 10, 30, 30]])
    got = nd.ROIPooling(X, rois, pooled_size=(2, 2), spatial_scale=0.1)
    assert got.asnumpy().tolist() == [[[[5, 6], [9, 10]]], [[[9, 11], [13, 15]]]]


def test_gradient_goes_to_each_bins_maximum():
    rs = np.random.RandomState(3)
    data = rs.permutation(2 * 2 * 6 * 5).reshape(2, 2, 6, 5) * 0.1   # no ties
    rois = np.array([[1, 0, 0, 4, 5], [0, 1, 1, 3, 2], [-1, 0, 0, 1, 1]])
    _fd_check(lambda d: nd.ROIPooling(d, nd.array(rois, dtype='float64'), pooled_size=(3, 2), spatial_scale=1.0),
              data)
    out = nd.ROIPooling(nd.array(data), nd.array(rois), pooled_size=(3, 2), spatial_scale=1.0)
    assert out.shape == (3, 2, 3, 2) and (out.asnumpy()[2] == 0).all()   # a negative batch index gives 0


def test_symbol_and_hybridized_block():
    class Head(nn.HybridBlock):
        def hybrid_forward(self, F, x, rois):
            return F.ROIPooling(x, rois, pooled_size=(2, 2), spatial_scale=0.1)

    blk = Head()
    blk.hybridize()
    X = nd.arange(16).reshape((1, 1, 4, 4))
    rois = nd.array([[0, 0, 0, 20, 20], [0, 0, 10, 30, 30]])
    assert blk(X, rois).asnumpy().tolist() == [[[[5, 6], [9, 10]]], [[[9, 11], [13, 15]]]]
    s = mx.sym.ROIPooling(mx.sym.var('data'), mx.sym.var('rois'), pooled_size=(2, 2), spatial_scale=0.1)
    assert s.infer_shape(data=(1, 3, 8, 8), rois=(5, 5))[1] == [(5, 3, 2, 2)]
