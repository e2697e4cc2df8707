"""gluon.loss: Loss (a HybridBlock), L2Loss and SoftmaxCrossEntropyLoss."""
from .block import HybridBlock


class Loss(HybridBlock):
    """Base of the losses: hybrid_forward(F, pred, label) -> loss; weight scales it."""

    def __init__(self, weight=None, batch_axis=0, **kwargs):
        super().__init__(**kwargs)
        self._weight, self._batch_axis = weight, batch_axis


class L2Loss(Loss):
    """weight/2 * mean over non-batch axes of (label - pred)^2: one loss per sample (Gluon's)."""

    def __init__(self, weight=1.0, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label):
        loss = F.square(F.reshape_like(label, pred) - pred)
        if self._weight is not None:
            loss = loss * (self._weight / 2)
        return F.mean(loss, axis=self._batch_axis, exclude=True)


class SoftmaxCrossEntropyLoss(Loss):
    """-log softmax(pred)[label] for integer labels, over the last axis.

    NOTE: returns the batch MEAN (a scalar), because it runs the shared fused kernel, where Gluon
    returns one loss per sample and leaves the 1/batch_size to Trainer.step(batch_size). Pair it with
    trainer.step(1) for the same update.
    """

    def __init__(self, axis=-1, sparse_label=True, from_logits=False, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        if not sparse_label or from_logits or axis not in (-1, 1):
            raise ValueError("SoftmaxCrossEntropyLoss: only sparse integer labels over the last axis of "
                             "logits (axis=-1, from_logits=False) are supported")

    def hybrid_forward(self, F, pred, label):
        loss = F.softmax_cross_entropy(pred, label, name="ce")
        if self._weight is not None:
            loss = loss * self._weight
        return loss
