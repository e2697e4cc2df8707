"""MXNet 1.x's docs/python_docs/python/tutorials/packages/gluon/training/normalization/index.md, its code as
written but for the import: transforms.Normalize, nn.BatchNorm's batch statistics against the tutorial's
manual ones, its running statistics (10% of the batch's after one step, momentum 0.9, then converging),
beta/gamma and their gradients, inference with the running statistics, nn.LayerNorm and nn.InstanceNorm.
(The running variance converges to the unbiased batch variance, 19.71 here: the kernels' 'decay'
convention, as MXNet's cuDNN BatchNorm; MXNet's CPU operator averages the biased one, 17.25.)"""
import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid.gluon.data.vision.transforms import Normalize


def test_normalization_tutorial(capsys):

    image_int = mx.nd.random.randint(low=0, high=256, shape=(1,3,2,2))
    image_float = image_int.astype('float32')/255
    # the following normalization statistics are taken from gluon model zoo
    normalizer = Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    image = normalizer(image_float)
    image

    data = mx.nd.arange(start=0, stop=2*2*2*2).reshape(2, 2, 2, 2)
    print(data)

    net = mx.gluon.nn.BatchNorm()

    net.initialize()

    with mx.autograd.record():
        output = net(data)
        loss = output.abs()
    loss.backward()
    print(output)

    batch_means = data.mean(axis=1, exclude=True)
    batch_vars = (data - batch_means.reshape(1, -1, 1, 1)).square().mean(axis=1, exclude=True)
    print('batch_means:', batch_means.asnumpy())
    print('batch_vars:', batch_vars.asnumpy())

    print("manually calculated:", ((data[0][0][0][0] - batch_means[0])/batch_vars[0].sqrt()).asnumpy())
    print("automatically calculated:", output[0][0][0][0].asnumpy())

    print('running_mean:', net.running_mean.data().asnumpy())
    print('running_var:', net.running_var.data().asnumpy())

    for i in range(100):
        with mx.autograd.record():
            output = net(data)
            loss = output.abs()
        loss.backward()
    print('running_means:', net.running_mean.data().asnumpy())
    print('running_vars:', net.running_var.data().asnumpy())

    print('beta:', net.beta.data().asnumpy())
    print('gamma:', net.gamma.data().asnumpy())

    print('beta gradient:', net.beta.grad().asnumpy())
    print('gamma gradient:', net.gamma.grad().asnumpy())

    output = net(data)
    print(output)

    data = mx.nd.arange(start=0, stop=2*4*2).reshape(2, 4, 2)
    print(data)

    net = mx.gluon.nn.LayerNorm()
    net.initialize()
    output = net(data)
    print(output)

    print('beta:', net.beta.data().asnumpy())
    print('gamma:', net.gamma.data().asnumpy())

    data = mx.nd.arange(start=0, stop=2*2*2*2).reshape(2, 2, 2, 2)
    print(data)

    net = mx.gluon.nn.InstanceNorm()
    net.initialize()
    output = net(data)
    print(output)

    print('beta:', net.beta.data().asnumpy())
    print('gamma:', net.gamma.data().asnumpy())


    out = capsys.readouterr().out
    manual = float(out.split("manually calculated: [")[1].split("]")[0])
    auto = float(out.split("automatically calculated: [")[1].split("]")[0])
    assert abs(manual - auto) < 1e-4
    np.testing.assert_allclose(net.beta.data().asnumpy(), [0, 0])   # (the InstanceNorm, last)
    assert "running_mean: [0.55 0.95]" in out   # 10% of the batch means [5.5 9.5] after one step
    means = [float(v) for v in out.split("running_means: [")[1].split("]")[0].split()]
    np.testing.assert_allclose(means, [5.5, 9.5], rtol=1e-3)   # after 100 more steps
    assert "beta gradient: [0. 0.]" in out   # the |output| loss is symmetric about beta = 0
    np.testing.assert_allclose(output.mean(axis=(0, 2, 3)).asnumpy(), [0, 0], atol=1e-6)
    # InstanceNorm: each (sample, channel) map [[0, 1], [2, 3]] + k standardised alone
    np.testing.assert_allclose(output[0, 0].asnumpy(), (np.array([[0, 1], [2, 3]]) - 1.5) / np.sqrt(1.25 + 1e-5),
                               rtol=1e-5)
