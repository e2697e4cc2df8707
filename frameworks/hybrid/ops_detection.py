"""MXNet's contrib detection ops that are pure arithmetic on boxes (nd.contrib / sym.contrib, registered as
_contrib_<name> as MXNet registers them): the SSD anchors (MultiBoxPrior), their training targets
(MultiBoxTarget) and the decoded detections (MultiBoxDetection), box_iou and box_nms. They run
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


def _detect_host(cls_prob, loc_pred, anchors, clip, threshold, nms_threshold, force_suppress, variances, nms_topk):
    """MultiBoxDetectionForward (multibox_detection.cc) on host arrays, loop for loop where order matters."""
    B, C, A = cls_prob.shape
    dt = cls_prob.dtype
    out = numpy.full((B, A, 6), -1, dtype=dt)
    anc = anchors.reshape(A, 4)
    aw, ah = anc[:, 2] - anc[:, 0], anc[:, 3] - anc[:, 1]
    ax, ay = (anc[:, 0] + anc[:, 2]) / dt.type(2), (anc[:, 1] + anc[:, 3]) / dt.type(2)
    vx, vy, vw, vh = (dt.type(v) for v in variances)
    for b in range(B):
        probs = cls_prob[b, 1:]                                  # the background class 0 is never chosen
        ids = probs.argmax(axis=0) + 1 if C > 1 else numpy.zeros(A, int)
        score = probs.max(axis=0) if C > 1 else numpy.full(A, -1, dt)
        ids = numpy.where((ids > 0) & (score < threshold), 0, ids)
        p = loc_pred[b].reshape(A, 4)
        ox, oy = p[:, 0] * vx * aw + ax, p[:, 1] * vy * ah + ay
        ow, oh = numpy.exp(p[:, 2] * vw) * aw / dt.type(2), numpy.exp(p[:, 3] * vh) * ah / dt.type(2)
        box = numpy.stack([ox - ow, oy - oh, ox + ow, oy + oh], axis=1)
        if clip:
            box = numpy.clip(box, 0, 1)
        rows = numpy.concatenate([(ids - 1)[:, None].astype(dt), score[:, None], box], axis=1)
        rows = rows[rows[:, 0] >= 0]                             # valid anchors, in anchor order
        n = len(rows)
        out[b, :n] = rows
        if n < 1 or nms_threshold <= 0 or nms_threshold > 1:
            continue
        order = numpy.argsort(-rows[:, 1], kind="stable")
        nkeep = nms_topk if 0 < nms_topk < n else n
        out[b, nkeep:n, 0] = -1                                  # beyond topk: the id only, in place
        out[b, :nkeep] = rows[order[:nkeep]]
        top = out[b]
        for i in range(nkeep):
            if top[i, 0] < 0:
                continue
            for j in range(i + 1, nkeep):
                if top[j, 0] < 0 or not (force_suppress or top[i, 0] == top[j, 0]):
                    continue
                a, c = top[i, 2:], top[j, 2:]
                w = max(dt.type(0), min(a[2], c[2]) - max(a[0], c[0]))
                h = max(dt.type(0), min(a[3], c[3]) - max(a[1], c[1]))
                inter = w * h
                union = (a[2] - a[0]) * (a[3] - a[1]) + (c[2] - c[0]) * (c[3] - c[1]) - inter
                if (dt.type(0) if union <= 0 else inter / union) >= nms_threshold:
                    top[j, 0] = -1
    return out


@op
def _contrib_MultiBoxDetection(E, cls_prob, loc_pred, anchor, *, clip=True, threshold=0.01, background_id=0,
                               nms_threshold=0.5, force_suppress=False, variances=(0.1, 0.1, 0.2, 0.2),
                               nms_topk=-1):
    """Detections (B, A, 6) = [class id, score, xmin, ymin, xmax, ymax] from class probabilities (B, C, A)
    (class 0 the background), box offsets (B, A * 4) and anchors (1, A, 4), as MXNet's operator: each
    anchor's best class (id -1 when below threshold), the offsets decoded with `variances`, the valid rows
    first; then sorted by score (stable), nms_topk kept, and the ones overlapping a better one of their class
    (any class with force_suppress) by IoU >= nms_threshold get id -1; unused rows are all -1."""
    cs, ls, as_ = tuple(E.shape(cls_prob)), tuple(E.shape(loc_pred)), tuple(E.shape(anchor))
    if len(cs) != 3 or len(ls) != 2 or ls[1] != cs[2] * 4 or tuple(as_[-2:]) != (cs[2], 4):
        raise MXNetError(f"MultiBoxDetection: cls_prob (B, C, A), loc_pred (B, A * 4) and anchor (1, A, 4) "
                         f"expected, got shapes {cs}, {ls}, {as_}")
    variances = _floats(variances)
    if len(variances) != 4:
        raise MXNetError("MultiBoxDetection: Variance size must be 4")

    def detect(xp, c, l, a):
        host = _detect_host(K.to_numpy(c), K.to_numpy(l), K.to_numpy(a), clip, threshold, nms_threshold,
                            force_suppress, variances, nms_topk)
        return xp.asarray(host)
    return E.nograd(detect, (cls_prob, loc_pred, anchor), (cs[0], cs[2], 6))


def _target_host(anchors, labels, cls_preds, overlap_threshold, ignore_label, negative_mining_ratio,
                 negative_mining_thresh, variances):
    """MultiBoxTargetForward (multibox_target.cc) on host arrays: (loc_target, loc_mask, cls_target)."""
    dt = labels.dtype
    B, L, _ = labels.shape
    anc = anchors.reshape(-1, 4).astype(numpy.float32)
    A = len(anc)
    loc_t, loc_m = numpy.zeros((B, A * 4), dt), numpy.zeros((B, A * 4), dt)
    cls_t = numpy.full((B, A), ignore_label, dt)
    vx, vy, vw, vh = (numpy.float32(v) for v in variances)
    for b in range(B):
        lab = labels[b]
        n_gt = next((i for i in range(L) if float(lab[i, 0]) == -1.0), L)
        if n_gt == 0:
            continue
        g = lab[:n_gt, 1:5].astype(numpy.float32)
        wh = numpy.minimum(anc[:, None, 2:], g[None, :, 2:]) - numpy.maximum(anc[:, None, :2], g[None, :, :2])
        inter = numpy.maximum(wh[..., 0], 0) * numpy.maximum(wh[..., 1], 0)
        union = ((anc[:, 2] - anc[:, 0]) * (anc[:, 3] - anc[:, 1]))[:, None] + \
            ((g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1]))[None] - inter
        iou = numpy.where(union == 0, 0, inter / numpy.where(union == 0, 1, union))   # (A, n_gt)
        match_iou, match_gt = numpy.full(A, -1.0, numpy.float32), numpy.full(A, -1)
        flags = numpy.full(A, -1)                     # -1 don't care, 1 positive, 0 negative
        gt_done, n_pos = numpy.zeros(n_gt, bool), 0
        while not gt_done.all():                      # each ground truth's best anchor, best pair first
            masked = numpy.where((flags[:, None] == 1) | gt_done[None, :], -numpy.inf, iou)
            j, k = numpy.unravel_index(numpy.argmax(masked), masked.shape)   # first maximum, row-major
            if not masked[j, k] > numpy.float32(1e-6):
                break
            match_iou[j], match_gt[j] = masked[j, k], k
            n_pos, gt_done[k], flags[j] = n_pos + 1, True, 1
        if overlap_threshold > 0:                     # then every other anchor above the threshold
            for j in numpy.flatnonzero(flags != 1):
                k = int(numpy.argmax(iou[j]))
                match_iou[j], match_gt[j] = iou[j, k], k
                if iou[j, k] > overlap_threshold:
                    n_pos, gt_done[k], flags[j] = n_pos + 1, True, 1
        if negative_mining_ratio > 0:
            if not negative_mining_thresh > 0:
                raise MXNetError("MultiBoxTarget: negative_mining_thresh must be > 0")
            n_neg = min(int(n_pos * negative_mining_ratio), A - n_pos)
            if n_neg > 0:
                cand = []
                for j in range(A):
                    if flags[j] == 1:
                        continue
                    if match_iou[j] < 0:
                        k = int(numpy.argmax(iou[j]))
                        match_iou[j], match_gt[j] = iou[j, k], k
                    if match_iou[j] < negative_mining_thresh and flags[j] == -1:
                        p = cls_preds[b, :, j]
                        e = numpy.exp(p - p.max())
                        cand.append((e[0] / e.sum(), j))      # the background probability
                # MXNet's SortElemDescend(-prob) under std::stable_sort: ascending background probability,
                # the hardest negatives (least background-like) first
                cand.sort(key=lambda t: t[0])
                for _, j in cand[:n_neg]:
                    flags[j] = 0
        else:
            flags[flags != 1] = 0
        for j in numpy.flatnonzero(flags == 1):
            k = match_gt[j]
            cls_t[b, j] = lab[k, 0] + 1
            loc_m[b, 4 * j:4 * j + 4] = 1
            al, at, ar, ab = anc[j]
            gl, gt_, gr, gb = lab[k, 1:5].astype(numpy.float32)
            aw, ah, ax, ay = ar - al, ab - at, (al + ar) * numpy.float32(0.5), (at + ab) * numpy.float32(0.5)
            gw, gh, gx, gy = gr - gl, gb - gt_, (gl + gr) * numpy.float32(0.5), (gt_ + gb) * numpy.float32(0.5)
            loc_t[b, 4 * j:4 * j + 4] = [(gx - ax) / aw / vx, (gy - ay) / ah / vy, numpy.log(gw / aw) / vw,
                                         numpy.log(gh / ah) / vh]
        cls_t[b, flags == 0] = 0
    return loc_t, loc_m, cls_t


@op(n_out=lambda attrs: 3)
def _contrib_MultiBoxTarget(E, anchor, label, cls_pred, *, overlap_threshold=0.5, ignore_label=-1.0,
                            negative_mining_ratio=-1.0, negative_mining_thresh=0.5, minimum_negative_samples=0,
                            variances=(0.1, 0.1, 0.2, 0.2)):
    """Training targets for anchors (1, A, 4) from labels (B, L, 5) = [class, xmin, ymin, xmax, ymax] (rows of
    -1 end them) and class predictions (B, C, A), as MXNet's operator: (loc_target (B, A * 4), loc_mask
    (B, A * 4), cls_target (B, A)). Each ground truth takes its best anchor (best pair first), then every
    other anchor whose best IoU exceeds overlap_threshold; positives get class + 1 and the offsets encoded
    with `variances`; with negative_mining_ratio, the hardest ratio * positives negatives get class 0 and
    the rest ignore_label, else every other anchor is 0."""
    as_, ls, cs = tuple(E.shape(anchor)), tuple(E.shape(label)), tuple(E.shape(cls_pred))
    if len(ls) != 3 or ls[2] < 5 or tuple(as_[-1:]) != (4,) or len(cs) != 3:
        raise MXNetError(f"MultiBoxTarget: anchor (1, A, 4), label (B, L, >= 5) and cls_pred (B, C, A) expected, "
                         f"got shapes {as_}, {ls}, {cs}")
    variances = _floats(variances)
    A = int(numpy.prod(as_)) // 4
    B = ls[0]

    def target(xp, a, lab, c):
        outs = _target_host(K.to_numpy(a), K.to_numpy(lab), K.to_numpy(c), overlap_threshold, ignore_label,
                            negative_mining_ratio, negative_mining_thresh, variances)
        return xp.asarray(numpy.concatenate(outs, axis=1))
    packed = E.nograd(target, (anchor, label, cls_pred), (B, 9 * A))
    return tuple(OPS["slice_axis"](E, packed, axis=1, begin=s, end=e)
                 for s, e in ((0, 4 * A), (4 * A, 8 * A), (8 * A, 9 * A)))
