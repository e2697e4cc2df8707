"""What the Gluon (hybrid) modules of several workloads share: the recipes' fused softmax cross-entropy
as a Gluon Loss."""
from frameworks.hybrid import gluon


class MeanSoftmaxCELoss(gluon.loss.Loss):
    """The batch MEAN of -log softmax(pred)[label] in ONE op (the shared fused kernel the reference
    floor calls), so the workloads compare styles at equal kernels. Gluon's SoftmaxCrossEntropyLoss
    (one loss per sample, log_softmax + pick + mean as MXNet runs it) is the classic programs' loss;
    with this one, step(1)."""

    def __init__(self, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label):
        return F.softmax_cross_entropy(pred, label, name="ce")
