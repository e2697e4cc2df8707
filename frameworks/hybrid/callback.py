"""mx.callback: Speedometer (samples/sec and the metric every `frequent` batches), ProgressBar,
log_train_metric, LogValidationMetricsCallback, do_checkpoint and module_checkpoint."""
import logging
import math
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
                        param.eval_metric.reset_local()
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


def module_checkpoint(mod, prefix, period=1, save_optimizer_states=False):
    """epoch_end_callback calling mod.save_checkpoint(prefix, epoch) every `period` epochs."""
    period = int(max(1, period))

    def _callback(iter_no, sym=None, arg=None, aux=None):
        if (iter_no + 1) % period == 0:
            mod.save_checkpoint(prefix, iter_no + 1, save_optimizer_states)
    return _callback


def log_train_metric(period, auto_reset=False):
    """batch_end_callback logging 'Iter[e] Batch[i] Train-name=value' every `period` batches."""
    def _callback(param):
        if param.nbatch % period == 0 and param.eval_metric is not None:
            for name, value in param.eval_metric.get_name_value():
                logging.info("Iter[%d] Batch[%d] Train-%s=%f", param.epoch, param.nbatch, name, value)
            if auto_reset:
                param.eval_metric.reset_local()
    return _callback


class ProgressBar:
    """batch_end_callback drawing '[====------] 40%' of `total` batches."""

    def __init__(self, total, length=80):
        self.bar_len, self.total = length, total

    def __call__(self, param):
        count = param.nbatch
        filled_len = int(round(self.bar_len * count / float(self.total)))
        percents = math.ceil(100.0 * count / float(self.total))
        prog_bar = "=" * filled_len + "-" * (self.bar_len - filled_len)
        logging.info("[%s] %s%s\r", prog_bar, percents, "%")


class LogValidationMetricsCallback:
    """eval_end_callback logging 'Epoch[e] Validation-name=value'."""

    def __call__(self, param):
        if not param.eval_metric:
            return
        for name, value in param.eval_metric.get_name_value():
            logging.info("Epoch[%d] Validation-%s=%f", param.epoch, name, value)


__all__ = ["Speedometer", "ProgressBar", "log_train_metric", "LogValidationMetricsCallback", "do_checkpoint",
           "module_checkpoint"]
