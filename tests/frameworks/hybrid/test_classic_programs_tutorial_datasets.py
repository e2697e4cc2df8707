"""MXNet 1.x's Gluon datasets tutorial (docs/python_docs/python/tutorials/packages/gluon/data/datasets.md), as
written but for the import; Fashion-MNIST is 64 synthetic images per split written as the original idx .gz
files under $HOME/.mxnet (nothing downloads), and the Caltech-101 ImageFolderDataset part (a download and
JPEG decoding) is left out. ArrayDataset samples, DataLoader batches with worker processes, a transform,
and the tutorial's training/validation loop."""
from multiprocessing import cpu_count

import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon
from tests.frameworks.hybrid.test_classic_programs_tutorial_save_load import _write_mnist


def test_datasets_tutorial(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    _write_mnist(str(tmp_path / ".mxnet" / "datasets" / "fashion-mnist"))   # the same file format

    mx.random.seed(42)  # Fix the seed for reproducibility
    X = mx.random.uniform(shape=(10, 3))
    y = mx.random.uniform(shape=(10, 1))
    dataset = mx.gluon.data.dataset.ArrayDataset(X, y)

    sample_idx = 4
    sample = dataset[sample_idx]

    assert len(sample) == 2
    assert sample[0].shape == (3, )
    assert sample[1].shape == (1, )
    print(sample)
    out = capsys.readouterr().out
    assert out.startswith("(\n[") and "<NDArray 3 @cpu(0)>, \n[" in out and out.endswith("<NDArray 1 @cpu(0)>)\n")
    np.testing.assert_array_equal(sample[0].asnumpy(), X[4].asnumpy())

    CPU_COUNT = cpu_count()

    data_loader = mx.gluon.data.DataLoader(dataset, batch_size=5, num_workers=CPU_COUNT)

    for X_batch, y_batch in data_loader:
        print("X_batch has shape {}, and y_batch has shape {}".format(X_batch.shape, y_batch.shape))
    assert capsys.readouterr().out == "X_batch has shape (5, 3), and y_batch has shape (5, 1)\n" * 2

    def transform(data, label):
        data = data.astype('float32') / 255
        return data, label

    train_dataset = mx.gluon.data.vision.datasets.FashionMNIST(train=True, transform=transform)
    valid_dataset = mx.gluon.data.vision.datasets.FashionMNIST(train=False, transform=transform)

    sample_idx = 34
    sample = train_dataset[sample_idx]
    data = sample[0]
    label = sample[1]
    label_desc = {0: 'T-shirt/top', 1: 'Trouser', 2: 'Pullover', 3: 'Dress', 4: 'Coat', 5: 'Sandal', 6: 'Shirt',
                  7: 'Sneaker', 8: 'Bag', 9: 'Ankle boot'}
    print("Label: {}".format(label))
    print("Label description: {}".format(label_desc[label]))
    assert data.shape == (28, 28, 1) and data.dtype == np.float32 and float(data.max().asscalar()) <= 1.0
    assert capsys.readouterr().out == "Label: {}\nLabel description: {}\n".format(label, label_desc[int(label)])

    batch_size = 32
    train_data_loader = mx.gluon.data.DataLoader(train_dataset, batch_size, shuffle=True, num_workers=CPU_COUNT)
    valid_data_loader = mx.gluon.data.DataLoader(valid_dataset, batch_size, num_workers=CPU_COUNT)

    def construct_net():
        net = gluon.nn.HybridSequential()
        with net.name_scope():
            net.add(gluon.nn.Dense(128, activation="relu"))
            net.add(gluon.nn.Dense(64, activation="relu"))
            net.add(gluon.nn.Dense(10))
        return net

    # construct and initialize network.
    ctx = mx.gpu() if mx.context.num_gpus() else mx.cpu()

    net = construct_net()
    net.hybridize()
    net.initialize(mx.init.Xavier(), ctx=ctx)
    # define loss and trainer.
    criterion = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})

    epochs = 5
    losses = []
    for epoch in range(epochs):
        # training loop (with autograd and trainer steps, etc.)
        cumulative_train_loss = mx.nd.zeros(1, ctx=ctx)
        training_samples = 0
        for batch_idx, (data, label) in enumerate(train_data_loader):
            data = data.as_in_context(ctx).reshape((-1, 784))  # 28*28=784
            label = label.as_in_context(ctx)
            with autograd.record():
                output = net(data)
                loss = criterion(output, label)
            loss.backward()
            trainer.step(data.shape[0])
            cumulative_train_loss += loss.sum()
            training_samples += data.shape[0]
        train_loss = cumulative_train_loss.asscalar() / training_samples

        # validation loop
        cumulative_valid_loss = mx.nd.zeros(1, ctx)
        valid_samples = 0
        for batch_idx, (data, label) in enumerate(valid_data_loader):
            data = data.as_in_context(ctx).reshape((-1, 784))  # 28*28=784
            label = label.as_in_context(ctx)
            output = net(data)
            loss = criterion(output, label)
            cumulative_valid_loss += loss.sum()
            valid_samples += data.shape[0]
        valid_loss = cumulative_valid_loss.asscalar() / valid_samples

        print("Epoch {}, training loss: {:.2f}, validation loss: {:.2f}".format(epoch, train_loss, valid_loss))
        losses.append(train_loss)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Epoch %d" % i for i in range(5)]
    assert training_samples == valid_samples == 64
    assert losses[-1] < losses[0]   # random labels, but 64 samples are memorised
