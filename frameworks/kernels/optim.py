"""Optimizer updates, in place, so every engine's training arithmetic is the same to the last bit: sgd,
momentum, nesterov, rmsprop, adagrad, adadelta, adam, adamax, nadam, signum, ftrl, ftml, dcasgd, lamb; plus add_weight_decay and clip_by_global_norm.

Where the frameworks disagree on a rule (where eps sits, whether lr is folded into the velocity or the bias
corrections into the step), the update takes the choice as a parameter and each engine passes its own."""
from .base import Update, register

# On the CPU an update runs over blocks of rows, so its temporaries (`lr * grad`, Adam's quotients) are
# 128 KiB that stay in cache instead of a full-size copy of the largest parameter, which would otherwise be
# the biggest transient of a step (32 MB on mlp-l2 big). (256 KiB blocks ran mlp-l2 small's step 4-5% slower
# than these, in alternation.) Every element's arithmetic is the
# same, so the results are bitwise those of one whole-array pass. On a GPU one launch per update is
# cheaper than many and the memory pool recycles the temporary, so the arrays go whole.
BLOCK_ELEMS = 1 << 15


def blocks(xp, *arrays):
    """Row blocks of same-shaped arrays (views, so in-place updates land in the originals); a sequence, not
    a generator, so the usual single block costs one tuple (an update runs once per parameter per step)."""
    a = arrays[0]
    if a.size <= BLOCK_ELEMS or a.ndim == 0 or getattr(xp, "__name__", "") != "numpy":
        return (arrays,)
    rows = max(1, BLOCK_ELEMS // (a.size // a.shape[0]))
    return [tuple(x[s:s + rows] for x in arrays) for s in range(0, a.shape[0], rows)]


@register
class SGD(Update):
    """param -= lr * (grad + weight_decay * param)"""
    name = "sgd"

    @staticmethod
    def update(xp, param, grad, lr, weight_decay=0.0):
        for p, g in blocks(xp, param, grad):
            if weight_decay:
                g = g + weight_decay * p
            p -= lr * g


@register
class Momentum(Update):
    """Momentum SGD (g includes weight_decay * param), in the two forms the frameworks use.

    lr_in_velocity False (PyTorch, TF1): velocity = momentum * velocity + g; param -= lr * velocity
    lr_in_velocity True (Caffe's SGDSolver; MXNet's sgd_mom_update, whose state is this velocity negated):
        velocity = momentum * velocity + lr * g; param -= velocity
    With a constant lr the two agree (velocity_caffe = lr * velocity); they differ when lr changes."""
    name = "momentum"

    @staticmethod
    def update(xp, param, grad, velocity, lr, momentum=0.9, weight_decay=0.0, lr_in_velocity=False):
        for p, g, v in blocks(xp, param, grad, velocity):
            if weight_decay:
                g = g + weight_decay * p
            v *= momentum
            if lr_in_velocity:
                v += lr * g
                p -= v
            else:
                v += g
                p -= lr * v


@register
class Adam(Update):
    """Adam with bias correction; `t` is the 1-based step number. m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g.

    eps_placement "textbook" (the paper, PyTorch, TF2/Keras): param -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
    eps_placement "folded" (Caffe's AdamSolver, MXNet's adam_update, TF1's AdamOptimizer): the corrections fold
        into the step size, param -= lr * sqrt(1-b2^t) / (1-b1^t) * m / (sqrt(v) + eps), so eps is in effect
        scaled by sqrt(1-b2^t) relative to the textbook form.
    weight_decay: decoupled False (Adam's L2) adds weight_decay * param to the gradient; decoupled True
        (AdamW, Loshchilov & Hutter, PyTorch's optim.AdamW) first shrinks param *= 1 - lr * weight_decay.
    """
    name = "adam"

    @staticmethod
    def update(xp, param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
               eps_placement="textbook", decoupled=False):
        textbook = eps_placement == "textbook"
        if not textbook and eps_placement != "folded":
            raise ValueError(f"adam: eps_placement must be 'textbook' or 'folded', got {eps_placement!r}")
        c1, c2 = 1 - beta1 ** t, 1 - beta2 ** t
        step = None if textbook else lr * c2 ** 0.5 / c1
        # each product below is the one the formula names, in the same order (x * s == s * x bitwise),
        # computed in place in three temporaries instead of six fresh arrays
        for p, g, m_, v_ in blocks(xp, param, grad, m, v):
            if weight_decay and decoupled:
                p *= 1 - lr * weight_decay
            elif weight_decay:
                g = g + weight_decay * p
            m_ *= beta1
            m_ += (1 - beta1) * g
            v_ *= beta2
            gg = g * g
            gg *= 1 - beta2
            v_ += gg
            if textbook:   # lr * (m / c1) / (sqrt(v / c2) + eps)
                u = m_ / c1
                u *= lr
                d = xp.sqrt(v_ / c2)
            else:          # step * m / (sqrt(v) + eps)
                u = m_ * step
                d = xp.sqrt(v_)
            d += eps
            u /= d
            p -= u


@register
class Nesterov(Update):
    """Nesterov momentum, in the two forms the frameworks use (g includes weight_decay * param).

    lr_in_velocity False (PyTorch SGD(nesterov=True), TF1 MomentumOptimizer(use_nesterov=True), MXNet NAG):
        v = momentum * v + g; param -= lr * (g + momentum * v)
    lr_in_velocity True (Caffe's NesterovSolver, whose history holds lr * g):
        v_new = momentum * v + lr * g; param -= (1 + momentum) * v_new - momentum * v
    With a constant lr the two agree (v_caffe = lr * v); they differ when lr changes between steps.
    """
    name = "nesterov"

    @staticmethod
    def update(xp, param, grad, velocity, lr, momentum=0.9, weight_decay=0.0, lr_in_velocity=False):
        for p, g, v in blocks(xp, param, grad, velocity):
            if weight_decay:
                g = g + weight_decay * p
            if lr_in_velocity:
                old = v.copy()
                v *= momentum
                v += lr * g
                step = (1 + momentum) * v
                step -= momentum * old
                p -= step
            else:
                v *= momentum
                v += g
                p -= lr * (g + momentum * v)


@register
class RMSProp(Update):
    """RMSProp: square_avg = alpha * square_avg + (1 - alpha) * g^2, then param -= lr * g / denom.

    denom: sqrt(s) + eps with eps_inside False (PyTorch, Caffe), sqrt(s + eps) with eps_inside True (TF1's
    RMSPropOptimizer / tf-keras legacy, MXNet rmsprop_update), where s = square_avg, or square_avg - grad_avg^2
    when centered (grad_avg = alpha * grad_avg + (1 - alpha) * g; PyTorch centered=True, TF centered=True,
    MXNet's rmspropalex). momentum > 0 keeps a buffer: buf = momentum * buf + g / denom; param -= lr * buf
    (PyTorch), or with lr_in_momentum (TF1, MXNet rmspropalex) buf = momentum * buf + lr * g / denom;
    param -= buf. Defaults are PyTorch's (lr 0.01, alpha 0.99, eps 1e-8); TF1's are rho 0.9, eps 1e-10.
    """
    name = "rmsprop"

    @staticmethod
    def update(xp, param, grad, square_avg, grad_avg=None, buf=None, lr=0.01, alpha=0.99, eps=1e-8,
               eps_inside=False, centered=False, momentum=0.0, lr_in_momentum=False, weight_decay=0.0):
        if centered and grad_avg is None:
            raise ValueError("rmsprop: centered=True needs the grad_avg state array")
        if momentum and buf is None:
            raise ValueError("rmsprop: momentum > 0 needs the buf state array")
        arrays = [param, grad, square_avg] + [a for a in (grad_avg, buf) if a is not None]
        for block in blocks(xp, *arrays):
            p, g, s = block[:3]
            rest = list(block[3:])
            ga = rest.pop(0) if grad_avg is not None else None
            b = rest.pop(0) if buf is not None else None
            if weight_decay:
                g = g + weight_decay * p
            s *= alpha
            s += (1 - alpha) * (g * g)
            if centered:
                ga *= alpha
                ga += (1 - alpha) * g
                denom = s - ga * ga
            else:
                denom = s.copy()
            if eps_inside:
                denom += eps
                xp.sqrt(denom, out=denom)
            else:
                xp.sqrt(denom, out=denom)
                denom += eps
            if momentum:
                b *= momentum
                b += (lr * g if lr_in_momentum else g) / denom
                p -= b if lr_in_momentum else lr * b
            else:
                p -= lr * g / denom


@register
class Adagrad(Update):
    """Adagrad: sum_sq += g^2; param -= lr * g / denom, denom sqrt(sum_sq) + eps (PyTorch, eps 1e-10; Caffe,
    its delta) or sqrt(sum_sq + eps) with eps_inside (MXNet). TF1's AdagradOptimizer has no eps (pass 0) and
    starts sum_sq at 0.1 (the engine initialises the state). PyTorch's lr_decay is the engine's, in lr."""
    name = "adagrad"

    @staticmethod
    def update(xp, param, grad, sum_sq, lr=0.01, eps=1e-10, eps_inside=False, weight_decay=0.0):
        for p, g, h in blocks(xp, param, grad, sum_sq):
            if weight_decay:
                g = g + weight_decay * p
            h += g * g
            if eps_inside:
                denom = xp.sqrt(h + eps)
            else:
                denom = xp.sqrt(h)
                denom += eps
            p -= lr * g / denom


@register
class Adadelta(Update):
    """Adadelta (PyTorch, TF, Caffe): square_avg = rho * square_avg + (1 - rho) * g^2;
    delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g; acc_delta = rho * acc_delta + (1 - rho) * delta^2;
    param -= lr * delta. sqrt_of_ratio True computes the factor as Caffe does, sqrt((acc_delta + eps) /
    (square_avg + eps)) (one square root; the same value up to rounding). Defaults PyTorch's: lr 1.0, rho 0.9,
    eps 1e-6 (Caffe passes its base_lr, momentum as rho, and delta)."""
    name = "adadelta"

    @staticmethod
    def update(xp, param, grad, square_avg, acc_delta, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0,
               sqrt_of_ratio=False):
        for p, g, s, a in blocks(xp, param, grad, square_avg, acc_delta):
            if weight_decay:
                g = g + weight_decay * p
            s *= rho
            s += (1 - rho) * (g * g)
            if sqrt_of_ratio:
                delta = xp.sqrt((a + eps) / (s + eps))
            else:
                delta = xp.sqrt(a + eps)
                delta /= xp.sqrt(s + eps)
            delta *= g
            a *= rho
            a += (1 - rho) * (delta * delta)
            p -= lr * delta


@register
class Adamax(Update):
    """Adamax (Kingma & Ba, section 7; MXNet's): m = b1*m + (1-b1)*g; u = max(b2*u, |g|);
    param -= lr / (1 - b1^t) * m / u. `t` is the 1-based step."""
    name = "adamax"

    @staticmethod
    def update(xp, param, grad, m, u, t, lr=0.002, beta1=0.9, beta2=0.999, weight_decay=0.0):
        step = lr / (1.0 - beta1 ** t)
        for p, g, mb, ub in blocks(xp, param, grad, m, u):
            if weight_decay:
                g = g + weight_decay * p
            mb *= beta1
            mb += (1.0 - beta1) * g
            ub *= beta2
            xp.maximum(ub, xp.abs(g), out=ub)
            p -= step * mb / ub


@register
class Nadam(Update):
    """Nadam (Dozat; MXNet's form): the caller's momentum schedule mu_t, mu_{t+1} and the running products
    m_schedule = prod mu_1..mu_t, m_schedule_next = m_schedule * mu_{t+1};
    m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
    param -= lr * ((1-mu_t) * g / (1-m_schedule) + mu_{t+1} * m / (1-m_schedule_next))
             / (sqrt(v / (1-b2^t)) + eps)."""
    name = "nadam"

    @staticmethod
    def update(xp, param, grad, m, v, t, momentum_t, momentum_t_1, m_schedule, m_schedule_next, lr=0.001,
               beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        for p, g, mb, vb in blocks(xp, param, grad, m, v):
            if weight_decay:
                g = g + weight_decay * p
            mb *= beta1
            mb += (1.0 - beta1) * g
            vb *= beta2
            vb += (1.0 - beta2) * (g * g)
            m_bar = (1.0 - momentum_t) * (g / (1.0 - m_schedule)) + momentum_t_1 * (mb / (1.0 - m_schedule_next))
            p -= lr * m_bar / (xp.sqrt(vb / (1.0 - beta2 ** t)) + eps)


@register
class Signum(Update):
    """signSGD / Signum (Bernstein et al.; MXNet's signsgd_update / signum_update): with momentum,
    state = momentum * state - (1 - momentum) * (g + wd * param); param = (1 - lr * wd_lh) * param +
    lr * sign(state); without (state None), param = (1 - lr * wd_lh) * param - lr * sign(g + wd * param)."""
    name = "signum"

    @staticmethod
    def update(xp, param, grad, state, lr, momentum=0.9, weight_decay=0.0, wd_lh=0.0):
        arrays = (param, grad) if state is None else (param, grad, state)
        for blk in blocks(xp, *arrays):
            p, g = blk[0], blk[1]
            if weight_decay:
                g = g + weight_decay * p
            if state is None:
                direction = -xp.sign(g)
            else:
                s = blk[2]
                s *= momentum
                s -= (1.0 - momentum) * g
                direction = xp.sign(s)
            if wd_lh:
                p *= 1.0 - lr * wd_lh
            p += lr * direction


@register
class Ftrl(Update):
    """FTRL-Proximal (McMahan et al.; MXNet's ftrl_update):
    z += g - (sqrt(n + g^2) - sqrt(n)) * param / lr; n += g^2;
    param = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd) where |z| > lamda1, else 0."""
    name = "ftrl"

    @staticmethod
    def update(xp, param, grad, z, n, lr=0.1, lamda1=0.01, beta=1.0, weight_decay=0.0):
        for p, g, zb, nb in blocks(xp, param, grad, z, n):
            g2 = g * g
            zb += g - (xp.sqrt(nb + g2) - xp.sqrt(nb)) * p / lr
            nb += g2
            p[...] = (xp.sign(zb) * lamda1 - zb) / ((beta + xp.sqrt(nb)) / lr + weight_decay) \
                * (xp.abs(zb) > lamda1)


@register
class FTML(Update):
    """FTML (Zheng & Kwok; MXNet's ftml_update), `t` the 1-based step:
    v = b2*v + (1-b2)*g^2; d_t = (1 - b1^t) / lr * (sqrt(v / (1 - b2^t)) + eps);
    z = b1*z + (1-b1)*g - (d_t - b1 * d_{t-1}) * param; param = -z / d_t (d kept as state)."""
    name = "ftml"

    @staticmethod
    def update(xp, param, grad, d, v, z, t, lr=0.0025, beta1=0.6, beta2=0.999, eps=1e-8, weight_decay=0.0):
        for p, g, db, vb, zb in blocks(xp, param, grad, d, v, z):
            if weight_decay:
                g = g + weight_decay * p
            vb *= beta2
            vb += (1.0 - beta2) * (g * g)
            d_t = (1.0 - beta1 ** t) / lr * (xp.sqrt(vb / (1.0 - beta2 ** t)) + eps)
            zb *= beta1
            zb += (1.0 - beta1) * g - (d_t - beta1 * db) * p
            db[...] = d_t
            p[...] = -zb / d_t


@register
class DCASGD(Update):
    """Delay-compensated async SGD (Zheng et al.; MXNet's DCASGD): step = -lr * (g + wd * param + lamda * g^2
    * (param - previous)), accumulated into `velocity` (velocity = momentum * velocity + step) when given;
    previous = param; param += step (or velocity)."""
    name = "dcasgd"

    @staticmethod
    def update(xp, param, grad, previous, velocity=None, lr=0.01, momentum=0.0, lamda=0.04, weight_decay=0.0):
        arrays = (param, grad, previous) if velocity is None else (param, grad, previous, velocity)
        for blk in blocks(xp, *arrays):
            p, g, prev = blk[0], blk[1], blk[2]
            step = -lr * (g + weight_decay * p + lamda * g * g * (p - prev))
            if velocity is not None:
                vb = blk[3]
                vb *= momentum
                vb += step
                step = vb
            prev[...] = p
            p += step


@register
class LAMB(Update):
    """LAMB (You et al., layer-wise adaptive moments; MXNet's lamb_update_phase1 and phase2), `t` the
    1-based step: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; r = m_hat / (sqrt(v_hat) + eps) + wd * param,
    m_hat = m / (1 - b1^t) and v_hat = v / (1 - b2^t) (m and v themselves without bias_correction);
    r1 = ||param|| (clamped to [lower_bound, upper_bound] where given), r2 = ||r||;
    param -= lr * r1 / r2 * r, or lr * r where r1 or r2 is 0 (the trust ratio needs both norms)."""
    name = "lamb"

    @staticmethod
    def update(xp, param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-6, weight_decay=0.0,
               bias_correction=True, lower_bound=None, upper_bound=None):
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * (grad * grad)
        if bias_correction:
            r = (m / (1.0 - beta1 ** t)) / (xp.sqrt(v / (1.0 - beta2 ** t)) + eps)
        else:
            r = m / (xp.sqrt(v) + eps)
        if weight_decay:
            r += weight_decay * param
        # the norms of the whole parameter, as MXNet's phase two reads them (two scalars, no device sync)
        r1 = xp.sqrt(xp.vdot(param, param) if param.flags.c_contiguous else (param * param).sum())
        if lower_bound is not None and lower_bound >= 0:
            r1 = xp.maximum(r1, lower_bound)
        if upper_bound is not None and upper_bound >= 0:
            r1 = xp.minimum(r1, upper_bound)
        r2 = xp.sqrt(xp.vdot(r, r))
        ratio = xp.where((r1 == 0) | (r2 == 0), 1.0, r1 / xp.where(r2 == 0, 1.0, r2))
        param -= (lr * ratio).astype(param.dtype) * r


def add_weight_decay(xp, param, grad, weight_decay):
    """grad += weight_decay * param, in place: L2 regularisation applied to the gradient before an update,
    as Caffe's Regularize does to each diff (every update also takes weight_decay itself)."""
    if weight_decay:
        for p, g in blocks(xp, param, grad):
            g += weight_decay * p
    return grad


def clip_by_global_norm(xp, grads, max_norm, eps=1e-6):
    """Scale every gradient in place by min(1, max_norm / (norm + eps)), norm the 2-norm of all of them
    together; returns that norm (a 0-d array of the grads' dtype: no device sync).

    eps: PyTorch's clip_grad_norm_ uses 1e-6, MXNet's gluon.utils.clip_global_norm 1e-8; TF's
    clip_by_global_norm and Caffe's clip_gradients scale by max_norm / norm only when norm > max_norm: pass 0.
    A factor of exactly 1 leaves a gradient bitwise unchanged, so no branch is needed."""
    grads = [g for g in grads if g is not None]
    if not grads:
        return xp.zeros((), dtype="float32")
    total = xp.zeros((), dtype=grads[0].dtype)
    for g in grads:
        for (b,) in blocks(xp, g):
            total += xp.vdot(b, b) if b.flags.c_contiguous else (b * b).sum()
    norm = xp.sqrt(total)
    if eps:
        scale = xp.minimum(max_norm / (norm + eps), 1).astype(total.dtype)
    else:  # TF's form: no division by a zero norm
        scale = (max_norm / xp.maximum(norm, max_norm)).astype(total.dtype)
    for g in grads:
        for (b,) in blocks(xp, g):
            b *= scale
    return norm
