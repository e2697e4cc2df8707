"""dynamic_tape's held_arrays: parameters and buffers, the .grad attached now, the optimizer's state."""
import numpy as np

import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from frameworks.dynamic_tape._memory import held_arrays


def test_params_grads_and_momentum_as_the_step_goes():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    parts = held_arrays([model], [opt])
    # Linear weight + bias, BatchNorm weight + bias, and its running mean, var and batch count
    assert len(parts["params"]) == 4 + 3 and parts["grads"] == [] and parts["optimizer"] == []
    model(torch.from_numpy(np.ones((2, 4), np.float32))).sum().backward()
    opt.step()
    parts = held_arrays([model], [opt])
    assert len(parts["grads"]) == 4 and len(parts["optimizer"]) == 4     # one momentum buffer per parameter
    assert parts["grads"][0] is model[0].weight.grad._array
    opt.zero_grad()                                                       # set_to_none: nothing held
    assert held_arrays([model], [opt])["grads"] == []
