"""hybrid's held_arrays: each Parameter's data and grad, the Trainer's optimizer states."""
from frameworks.hybrid import autograd, gluon, nd
from frameworks.hybrid._memory import held_arrays


def test_params_grads_and_states():
    net = gluon.nn.Dense(3, in_units=4)
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    params = list(net.collect_params().values())
    parts = held_arrays(params, [trainer])
    # attach_grad allocates the grad arrays with the parameters; no optimizer state before the first step
    assert len(parts["params"]) == 2 and len(parts["grads"]) == 2 and parts["optimizer"] == []
    with autograd.record():
        loss = net(nd.ones((2, 4))).sum()
    loss.backward()
    trainer.step(2)
    parts = held_arrays(params, [trainer])
    assert len(parts["optimizer"]) == 2
    assert parts["params"][0] is net.weight.data()._data
