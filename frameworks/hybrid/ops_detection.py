"""MXNet's contrib detection ops that are pure arithmetic on boxes (nd.contrib / sym.contrib, registered as
_contrib_<name> as MXNet registers them): MultiBoxPrior (the SSD anchors) and box_iou. Neither passes a
gradient (MXNet's write zeros), so they run through E.nograd on either device."""
from .base import MXNetError
from .ops import op


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
