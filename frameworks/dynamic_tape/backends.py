"""torch.backends: the cudnn flags scripts set (benchmark, deterministic). There is no cuDNN here (the
shared kernels are deterministic on both devices), so the flags are kept for scripts to set and read."""
import types

cudnn = types.SimpleNamespace(enabled=True, benchmark=False, deterministic=True,
                              is_available=lambda: False)
