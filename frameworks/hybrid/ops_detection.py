"""MXNet's contrib detection ops that are pure arithmetic on boxes (nd.contrib / sym.contrib, registered as
_contrib_<name> as MXNet registers them): MultiBoxPrior (the SSD anchors), box_iou and box_nms. They run
through E.nograd on either device: no gradient (MXNet's MultiBoxPrior and box_iou write zeros; see box_nms)."""
import numpy

from .. import kernels as K
from .base import MXNetError
from .ops import OPS, op


def _floats(v):
    return tuple(float(x) for x in (v if isinstance(v, (tuple, list)) else (v,)))


@op
def _contrib_MultiBoxPrior(E, data, *, sizes=(1.0,), ratios=(1.0,), clip=False, steps=(-1.0, -1.0),
                           offsets=(0.5, 0.5)):
    """Anchors (1, H * W * (len(sizes) + len(ratios) - 1), 4) as (xmin, ymin, xmax, ymax) for data's
    (N, C, H, W) feature map, as multibox_prior.cc lays them out: per location (rows, then columns), every
    size at the first ratio, then the first size at every other ratio; w = size * H / W * sqrt(ratio) / 2,
    h = size / sqrt(ratio) / 2 around the centre ((r + offset_y) * step_y, (c + offset_x) * step_x), steps
    1 / H and 1 / W unless given; clip bounds them to [0, 1]. In float32, the operator's arithmetic."""
    shape = tuple(E.shape(data))
    if len(shape) != 4:
        raise MXNetError(f"MultiBoxPrior: data must be (N, C, H, W), got shape {shape}")
    sizes, ratios, steps, offsets = _floats(sizes), _floats(ratios), _floats(steps), _floats(offsets)
    if len(steps) != 2 or len(offsets) != 2:
        raise MXNetError("MultiBoxPrior: steps and offsets take two values, (y, x)")
    if steps[0] * steps[1] < 0:
        raise MXNetError("MultiBoxPrior: Must specify both step_y and step_x")
    H, W = shape[2], shape[3]
    n = len(sizes) + len(ratios) - 1

    def anchors(xp, x):
        f = xp.float32
        step_y, step_x = (f(1) / f(H), f(1) / f(W)) if steps[0] <= 0 or steps[1] <= 0 else map(f, steps)
        cy = (xp.arange(H, dtype=f) + f(offsets[0])) * f(step_y)
        cx = (xp.arange(W, dtype=f) + f(offsets[1])) * f(step_x)
        pairs = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
        half = []
        for size, ratio in pairs:   # the operator's float ops, in its order
            root = xp.sqrt(f(ratio))
            half.append((f(size) * f(H) / f(W) * root / f(2), f(size) / root / f(2)))
        hw = xp.asarray(half, dtype=f)                       # (n, 2): half width, half height
        cyy, cxx = xp.meshgrid(cy, cx, indexing="ij")        # (H, W)
        cxx, cyy = cxx[:, :, None], cyy[:, :, None]
        out = xp.stack([cxx - hw[:, 0], cyy - hw[:, 1], cxx + hw[:, 0], cyy + hw[:, 1]], axis=-1)
        if clip:
            out = xp.clip(out, f(0), f(1))
        return out.reshape(1, H * W * n, 4).astype(x.dtype)
    return E.nograd(anchors, (data,), (1, H * W * n, 4))


@op
def _contrib_box_iou(E, lhs, rhs, *, format="corner"):
    """Intersection over union of every lhs box with every rhs box: shape lhs.shape[:-1] + rhs.shape[:-1];
    boxes (xmin, ymin, xmax, ymax) ('corner') or (x, y, w, h) ('center'); 0 where they do not overlap."""
    ls, rs = tuple(E.shape(lhs)), tuple(E.shape(rhs))
    if len(ls) < 2 or ls[-1] != 4 or len(rs) < 2 or rs[-1] != 4:
        raise MXNetError(f"box_iou: the last dimension of lhs and rhs must be 4, got shapes {ls} and {rs}")
    if format not in ("corner", "center"):
        raise MXNetError(f"box_iou: format must be 'corner' or 'center', got {format!r}")

    def iou(xp, a, b):
        a = a.reshape(-1, 1, 4)
        b = b.reshape(1, -1, 4)
        if format == "center":   # (x, y, w, h) -> corners
            a = xp.concatenate([a[..., :2] - a[..., 2:] / 2, a[..., :2] + a[..., 2:] / 2], axis=-1)
            b = xp.concatenate([b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2], axis=-1)
        wh = xp.minimum(a[..., 2:], b[..., 2:]) - xp.maximum(a[..., :2], b[..., :2])
        inter = xp.maximum(wh[..., 0], 0) * xp.maximum(wh[..., 1], 0)
        area = lambda box: xp.maximum(box[..., 2] - box[..., 0], 0) * xp.maximum(box[..., 3] - box[..., 1], 0) \
            * ((box[..., 2] >= box[..., 0]) & (box[..., 3] >= box[..., 1]))   # noqa: E731 (BoxArea: 0 if inverted)
        union = area(a) + area(b) - inter
        out = xp.where(inter > 0, inter / xp.where(inter > 0, union, 1), 0)
        return out.reshape(ls[:-1] + rs[:-1]).astype(a.dtype)
    return E.nograd(iou, (lhs, rhs), ls[:-1] + rs[:-1])


def _nms_host(data, overlap_thresh, valid_thresh, topk, coord_start, score_index, id_index, background_id,
              force_suppress, in_format, out_format):
    """BoxNMSForward on a host array (..., N, W), step for step as bounding_box-inl.h."""
    shape = data.shape
    rows = data.reshape(-1, shape[-2], shape[-1])
    B, N, _ = rows.shape
    k = N if topk < 0 else min(N, topk)
    if k < 1:
        return data.copy()
    out = numpy.full_like(rows, -1)
    scores = rows[..., score_index]
    valid = scores > valid_thresh
    if id_index >= 0:
        valid &= rows[..., id_index] != background_id
    if not valid.any():
        return out.reshape(shape)
    for b in range(B):
        idx = numpy.flatnonzero(valid[b])
        order = idx[numpy.argsort(-scores[b, idx], kind="stable")][:k]   # descending, stable on ties
        boxes = rows[b, order, coord_start:coord_start + 4]
        if in_format == "center":
            corners = numpy.concatenate([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2], 1)
            area = numpy.where((boxes[:, 2] < 0) | (boxes[:, 3] < 0), 0, boxes[:, 2] * boxes[:, 3])
        else:
            corners = boxes
            w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
            area = numpy.where((w < 0) | (h < 0), 0, w * h)
        alive = numpy.ones(len(order), bool)
        for ref in range(len(order)):
            if not alive[ref]:
                continue
            later = numpy.arange(ref + 1, len(order))
            later = later[alive[later]]
            if id_index >= 0 and not force_suppress:
                later = later[rows[b, order[later], id_index].astype(int) == int(rows[b, order[ref], id_index])]
            if not len(later):
                continue
            wh = numpy.minimum(corners[later, 2:], corners[ref, 2:]) - numpy.maximum(corners[later, :2],
                                                                                  corners[ref, :2])
            inter = numpy.maximum(wh[:, 0], 0) * numpy.maximum(wh[:, 1], 0)
            with numpy.errstate(divide="ignore", invalid="ignore"):   # 0/0: nan, not above the threshold
                iou = inter / (area[ref] + area[later] - inter)
            alive[later[iou > overlap_thresh]] = False
        kept = order[alive]
        out[b, :len(kept)] = rows[b, kept]
    if in_format != out_format:   # rows starting below 0 (the -1 fill) stay as they are, as MXNet's
        c = out[..., coord_start:coord_start + 4]
        live = c[..., 0] >= 0
        a, z = c[..., :2].copy(), c[..., 2:].copy()
        if out_format == "center":
            new = numpy.concatenate([(a + z) / 2, z - a], -1)
        else:
            new = numpy.concatenate([a - z / 2, a + z / 2], -1)
        c[live] = new[live]
    return out.reshape(shape)


@op
def _contrib_box_nms(E, data, *, overlap_thresh=0.5, valid_thresh=0.0, topk=-1, coord_start=2, score_index=1,
                     id_index=-1, background_id=-1, force_suppress=False, in_format="corner", out_format="corner"):
    """Non-maximum suppression per batch of (..., N, W) rows (MXNet's box_nms, alias box_non_maximum_suppression):
    rows scoring above valid_thresh (and not of background_id's class), the topk best by score, each
    suppressing the later ones it overlaps by IoU > overlap_thresh (only its own class unless
    force_suppress, when id_index is given); the kept rows first, in score order, the rest -1. Forward only:
    MXNet passes the output's gradient back to the kept rows, this op passes none."""
    shape = tuple(E.shape(data))
    width = shape[-1] if shape else 0
    if len(shape) < 2 or width < (6 if id_index >= 0 else 5):
        raise MXNetError(f"box_nms: the last dimension must have at least 5 elements namely (score, coordinates "
                         f"x 4), got shape {shape}")
    if coord_start <= score_index <= coord_start + 3:
        raise MXNetError(f"box_nms: score_index {score_index} conflicts with the coordinates "
                         f"({coord_start}, {coord_start + 3})")
    for fmt in (in_format, out_format):
        if fmt not in ("corner", "center"):
            raise MXNetError(f"box_nms: formats are 'corner' or 'center', got {fmt!r}")

    def nms(xp, x):
        host = _nms_host(K.to_numpy(x), overlap_thresh, valid_thresh, topk, coord_start, score_index, id_index,
                         background_id, force_suppress, in_format, out_format)
        return xp.asarray(host)
    return E.nograd(nms, (data,), shape)


OPS["_contrib_box_non_maximum_suppression"] = _contrib_box_nms
