"""mx.callback: Speedometer (samples/sec and the metric every `frequent` batches) and do_checkpoint."""
import logging
import time


class Speedometer:
    """batch_end_callback logging 'Epoch[e] Batch [i]\\tSpeed: s samples/sec\\tname=value'."""

    def __init__(self, batch_size, frequent=50, auto_reset=True):
        self.batch_size, self.frequent, self.auto_reset = batch_size, frequent, auto_reset
        self.init, self.tic, self.last_count = False, 0, 0

    def __call__(self, param):
        count = param.nbatch
        if self.last_count > count:
            self.init = False
        self.last_count = count
        if self.init:
            if count % self.frequent == 0:
                speed = self.frequent * self.batch_size / max(time.time() - self.tic, 1e-9)
                msg = f"Epoch[{param.epoch}] Batch [{count - self.frequent}-{count}]\tSpeed: {speed:.2f} samples/sec"
                if param.eval_metric is not None:
                    pairs = param.eval_metric.get_name_value()
                    if self.auto_reset:
                        param.eval_metric.reset()
                    msg += "".join(f"\t{n}={v:f}" for n, v in pairs)
                logging.info(msg)
                self.tic = time.time()
        else:
            self.init, self.tic = True, time.time()


def do_checkpoint(prefix, period=1):
    """epoch_end_callback saving prefix-symbol.json and prefix-%04d.params every `period` epochs."""
    def _callback(iter_no, sym, arg, aux):
        if (iter_no + 1) % period == 0:
            from .module import save_checkpoint
            save_checkpoint(prefix, iter_no + 1, sym, arg, aux)
    return _callback


__all__ = ["Speedometer", "do_checkpoint"]
