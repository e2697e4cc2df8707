"""MXNet 1.x's example/adversary/adversary_generation.ipynb (the fast gradient sign method), verbatim but for
the import, the plotting left out and MNIST: gluon.data.vision.MNIST reads its default root
(~/.mxnet/datasets/mnist, HOME pointed at a folder holding synthetic digits as MNIST's .gz idx files)."""
import gzip
import struct
from random import randint

import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import gluon
from tests.frameworks.hybrid.test_classic_programs_module import _digits


def _write_gz_idx(folder, prefix, n, seed):
    labels, images = _digits(n, seed)
    with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 2049, n) + labels.tobytes())
    with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())


def test_adversary_generation_notebook(tmp_path, monkeypatch, capsys):
    root = tmp_path / ".mxnet" / "datasets" / "mnist"
    root.mkdir(parents=True)
    _write_gz_idx(root, "train", 1024, 0)
    _write_gz_idx(root, "t10k", 256, 1)
    monkeypatch.setenv("HOME", str(tmp_path))
    mx.random.seed(0)
    np.random.seed(0)

    ctx = mx.gpu() if mx.context.num_gpus() else mx.cpu()
    batch_size = 128

    transform = lambda x,y: (x.transpose((2,0,1)).astype('float32')/255., y)

    train_dataset = gluon.data.vision.MNIST(train=True).transform(transform)
    test_dataset = gluon.data.vision.MNIST(train=False).transform(transform)

    train_data = gluon.data.DataLoader(train_dataset, batch_size=batch_size, shuffle=True, num_workers=5)
    test_data = gluon.data.DataLoader(test_dataset, batch_size=batch_size, shuffle=False)

    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(
            gluon.nn.Conv2D(kernel_size=5, channels=20, activation='tanh'),
            gluon.nn.MaxPool2D(pool_size=2, strides=2),
            gluon.nn.Conv2D(kernel_size=5, channels=50, activation='tanh'),
            gluon.nn.MaxPool2D(pool_size=2, strides=2),
            gluon.nn.Flatten(),
            gluon.nn.Dense(500, activation='tanh'),
            gluon.nn.Dense(10)
        )

    net.initialize(mx.initializer.Uniform(), ctx=ctx)
    net.hybridize()

    loss = gluon.loss.SoftmaxCELoss()

    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1, 'momentum':0.95})

    epoch = 3
    for e in range(epoch):
        train_loss = 0.
        acc = mx.metric.Accuracy()
        for i, (data, label) in enumerate(train_data):
            data = data.as_in_context(ctx)
            label = label.as_in_context(ctx)

            with mx.autograd.record():
                output = net(data)
                l = loss(output, label)

            l.backward()
            trainer.update(data.shape[0])

            train_loss += l.mean().asscalar()
            acc.update(label, output)

        print("Train Accuracy: %.2f\t Train Loss: %.5f" % (acc.get()[1], train_loss/(i+1)))

    # Get a batch from the testing set
    for data, label in test_data:
        data = data.as_in_context(ctx)
        label = label.as_in_context(ctx)
        break

    # Attach gradient to it to get the gradient of the loss with respect to the input
    data.attach_grad()
    with mx.autograd.record():
        output = net(data)
        l = loss(output, label)
    l.backward()

    acc = mx.metric.Accuracy()
    acc.update(label, output)

    print("Validation batch accuracy {}".format(acc.get()[1]))
    clean = acc.get()[1]

    data_perturbated = data + 0.15 * mx.nd.sign(data.grad)

    output = net(data_perturbated)

    acc = mx.metric.Accuracy()
    acc.update(label, output)

    print("Validation batch accuracy after perturbation {}".format(acc.get()[1]))

    idx = randint(0, batch_size-1)

    print("true label: %d" % label.asnumpy()[idx])
    print("predicted: %d" % np.argmax(output.asnumpy(), axis=1)[idx])

    # trained, and the step along the input gradient's sign lowers the accuracy
    assert clean > 0.9 and acc.get()[1] < clean - 0.2, (clean, acc.get()[1])
    assert capsys.readouterr().out.count("Train Accuracy") == 3
