"""resnet floor: convolutions, batch norms, residual adds, pooling, dropout and SGD momentum as direct
kernel calls; activations written in place where the kernels' facts allow (may_overwrite)."""
from frameworks import kernels as K
from frameworks.kernels import to_numpy
from workloads._floor import FloorTrainer
from workloads.resnet import spec

_GEOMETRY = {name: (stride, pad) for name, _, stride, pad in spec.CONVS}


class Trainer(FloorTrainer):
    def __init__(self, size, device, caffe_stats=False):
        super().__init__(spec, size, device)
        xp = self.xp
        self.buf = {k: xp.asarray(v) for k, v in spec.init_buffers(size).items()}
        # Caffe's blobs, followed alongside for the equivalence test only (not part of the timed floor)
        self.caffe = {k: xp.asarray(v) for k, v in spec.init_buffers(size, caffe=True).items()} \
            if caffe_stats else None
        self.velocity = {k: xp.zeros_like(v) for k, v in self.p.items()}
        self.stream = K.random.Stream(self.config["dropout_seed"])

    def _conv_bn(self, x, name, saved):
        """conv (no bias) then batch norm written over the conv's output; saves both for backward."""
        xp, p, c, bn = self.xp, self.p, self.config, f"{name}_bn"
        stride, pad = _GEOMETRY[name]
        a, s_conv = K.conv2d.forward(xp, x, p[name], stride=stride, pad=pad)
        if self.caffe is not None:
            K.batch_norm.forward(xp, a, None, None, self.caffe[f"{bn}_mean_sum"], self.caffe[f"{bn}_var_sum"],
                                 self.caffe[f"{bn}_scale"], eps=c["eps"], momentum=spec.CAFFE_FRACTION,
                                 convention="caffe")
        y, s_bn = K.batch_norm.forward(xp, a, p[f"{bn}_gamma"], p[f"{bn}_beta"], self.buf[f"{bn}_mean"],
                                       self.buf[f"{bn}_var"], eps=c["eps"], momentum=c["bn_momentum"],
                                       out=a)
        saved[name] = (s_conv, s_bn)
        return y

    def _conv_bn_back(self, g, name, saved, grads, need_x=True):
        stride, pad = _GEOMETRY[name]
        s_conv, s_bn = saved[name]
        eps, m = self.config["eps"], self.config["bn_momentum"]
        g_a, grads[f"{name}_bn_gamma"], grads[f"{name}_bn_beta"], _, _ = K.batch_norm.backward(
            self.xp, s_bn, g, eps=eps, momentum=m)
        g_x, grads[name] = K.conv2d.backward(self.xp, s_conv, g_a, needs=(need_x, True), stride=stride,
                                             pad=pad)
        return g_x

    def step(self, batch):
        xp, p, c = self.xp, self.p, self.config
        x, labels = self.feed(batch, "x", "labels")
        sv, grads = {}, {}
        # forward
        y = self._conv_bn(x, "stem", sv)
        h, s_h = K.relu.forward(xp, y, out=y)   # the block input: alive until the residual add
        y = self._conv_bn(h, "b1c1", sv)
        r, s_r11 = K.relu.forward(xp, y, out=y)
        z = self._conv_bn(r, "b1c2", sv)
        s1, s_add1 = K.add.forward(xp, z, h, out=z)
        b1, s_b1 = K.relu.forward(xp, s1, out=s1)
        y = self._conv_bn(b1, "b2c1", sv)
        r, s_r21 = K.relu.forward(xp, y, out=y)
        z = self._conv_bn(r, "b2c2", sv)
        zs = self._conv_bn(b1, "b2sc", sv)
        s2, s_add2 = K.add.forward(xp, z, zs, out=z)
        b2, s_b2 = K.relu.forward(xp, s2, out=s2)
        pooled, s_pool = K.global_avg_pool2d.forward(xp, b2)
        drop_attrs = dict(p=c["dropout"], seed=self.stream.seed_value, counter=self.stream.next_counter())
        d, s_d = K.dropout.forward(xp, pooled, **drop_attrs)
        zl, s_zl = K.matmul.forward(xp, d, p["lw"])
        logits, s_logits = K.add.forward(xp, zl, p["lb"])
        loss, s_loss = K.softmax_cross_entropy.forward(xp, logits, labels)

        # backward
        g_logits, _ = K.softmax_cross_entropy.backward(xp, s_loss, xp.ones((), loss.dtype))
        g_zl, grads["lb"] = K.add.backward(xp, s_logits, g_logits)
        g_d, grads["lw"] = K.matmul.backward(xp, s_zl, g_zl)
        (g_pooled,) = K.dropout.backward(xp, s_d, g_d, **drop_attrs)
        (g_b2,) = K.global_avg_pool2d.backward(xp, s_pool, g_pooled)
        (g_s2,) = K.relu.backward(xp, s_b2, g_b2)
        g_z, g_zs = K.add.backward(xp, s_add2, g_s2)
        g_r = self._conv_bn_back(g_z, "b2c2", sv, grads)
        (g_r,) = K.relu.backward(xp, s_r21, g_r)
        g_b1 = self._conv_bn_back(g_r, "b2c1", sv, grads)
        g_b1 = g_b1 + self._conv_bn_back(g_zs, "b2sc", sv, grads)
        (g_s1,) = K.relu.backward(xp, s_b1, g_b1)
        g_z, g_h = K.add.backward(xp, s_add1, g_s1)
        g_r = self._conv_bn_back(g_z, "b1c2", sv, grads)
        (g_r,) = K.relu.backward(xp, s_r11, g_r)
        g_h = g_h + self._conv_bn_back(g_r, "b1c1", sv, grads)
        (g_h,) = K.relu.backward(xp, s_h, g_h)
        self._conv_bn_back(g_h, "stem", sv, grads, need_x=False)

        for name in spec.PARAM_NAMES:
            K.momentum.update(xp, p[name], grads[name], self.velocity[name], c["lr"], momentum=c["momentum"])
        return float(loss)

    def buffers(self):
        """Running statistics as NumPy copies (spec.BUFFER_NAMES; plus CAFFE_BUFFER_NAMES with caffe_stats)."""
        out = {k: to_numpy(v).copy() for k, v in self.buf.items()}
        if self.caffe is not None:
            out.update({k: to_numpy(v).copy() for k, v in self.caffe.items()})
        return out


def build(size="small", device="cpu", caffe_stats=False):
    return Trainer(size, device, caffe_stats=caffe_stats)
