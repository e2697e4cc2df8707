"""mx.monitor (mx.mon): Monitor, MXNet's debugging aid: every `interval` batches, a statistic (by default
the norm over sqrt(size)) of each op output matching `pattern`, collected by the executors it is
installed on during forward, then of the matching arguments and auxiliary states at toc()."""
import logging
import re
from math import sqrt

from . import ndarray
from .ndarray import NDArray


class Monitor:
    """Monitor(interval, stat_func=None, pattern='.*', sort=False, monitor_all=False): install(exe) on an
    executor (Module.install_monitor, or fit(monitor=...)), tic() before a batch's forward, toc() or
    toc_print() after it."""

    def __init__(self, interval, stat_func=None, pattern='.*', sort=False, monitor_all=False):
        if stat_func is None:
            def asum_stat(x):
                """|x| / sqrt(size(x))."""
                return ndarray.norm(x) / sqrt(x.size)
            stat_func = asum_stat
        self.stat_func = stat_func
        self.interval = interval
        self.activated = False
        self.queue = []
        self.step = 0
        self.exes = []
        self.re_prog = re.compile(pattern)
        self.sort = sort
        self.monitor_all = monitor_all

        def stat_helper(name, array):
            """The executor's callback: one op output (or, with monitor_all, input) by name."""
            if not self.activated or not self.re_prog.match(name):
                return
            self.queue.append((self.step, name, self.stat_func(array)))
        self.stat_helper = stat_helper

    def install(self, exe):
        """Collect from `exe` (several executors may share one monitor)."""
        exe.set_monitor_callback(self.stat_helper, self.monitor_all)
        self.exes.append(exe)

    def tic(self):
        """Start collecting for the current batch, every `interval` batches; call before forward."""
        if self.step % self.interval == 0:
            self.queue = []
            self.activated = True
        self.step += 1

    def toc(self):
        """Stop collecting: [(step, name, statistic as text)] of the outputs seen since tic() and of the
        matching arguments and auxiliary states now (after the update)."""
        if not self.activated:
            return []
        for exe in self.exes:
            for name, array in zip(exe._symbol.list_arguments(), exe.arg_arrays):
                if self.re_prog.match(name):
                    self.queue.append((self.step, name, self.stat_func(array)))
            for name, array in zip(exe._symbol.list_auxiliary_states(), exe.aux_arrays):
                if self.re_prog.match(name):
                    self.queue.append((self.step, name, self.stat_func(array)))
        self.activated = False
        res = []
        if self.sort:
            self.queue.sort(key=lambda x: x[1])
        for n, k, v_list in self.queue:
            if isinstance(v_list, NDArray):
                v_list = [v_list]
            assert isinstance(v_list, list)
            s = ''
            for v in v_list:
                assert isinstance(v, NDArray)
                s += (str(v.asscalar()) if v.shape == (1,) else str(v.asnumpy())) + '\t'
            res.append((n, k, s))
        self.queue = []
        return res

    def toc_print(self):
        """toc(), each result logged as 'Batch: <step> <name> <statistic>'."""
        for n, k, v in self.toc():
            logging.info('Batch: {:7d} {:30s} {:s}'.format(n, k, v))


__all__ = ["Monitor"]
