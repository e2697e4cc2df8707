"""MXNet 1.x's save/load parameters tutorial (docs/python_docs/python/tutorials/packages/gluon/blocks/
save_load_params.md), as written but for the import; MNIST is 64 synthetic images written as the original
idx .gz files under $HOME/.mxnet/datasets/mnist (nothing downloads). save_parameters/load_parameters give
the same predictions; a hybridized LeNet exported and re-imported with SymbolBlock.imports too."""
import gzip
import os
import struct
import warnings

import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd
from frameworks.hybrid.gluon.data.vision import transforms


def _write_mnist(root, n=64):
    os.makedirs(root)
    rs = np.random.RandomState(0)
    for split in ("train", "t10k"):
        labels = rs.randint(0, 10, size=n).astype(np.uint8)
        images = rs.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
        with gzip.open(os.path.join(root, f"{split}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(struct.pack(">II", 2049, n) + labels.tobytes())
        with gzip.open(os.path.join(root, f"{split}-images-idx3-ubyte.gz"), "wb") as f:
            f.write(struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())


def test_save_load_params_tutorial(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    _write_mnist(str(tmp_path / ".mxnet" / "datasets" / "mnist"))

    # Use GPU if one exists, else use CPU
    ctx = mx.gpu() if mx.context.num_gpus() else mx.cpu()
    # MNIST images are 28x28. Total pixels in input layer is 28x28 = 784
    num_inputs = 784
    # Clasify the images into one of the 10 digits
    num_outputs = 10
    # 64 images in a batch
    batch_size = 64

    # Load the training data
    train_data = gluon.data.DataLoader(gluon.data.vision.MNIST(train=True).transform_first(transforms.ToTensor()),
                                       batch_size, shuffle=True)

    # Build a simple convolutional network
    def build_lenet(net):
        with net.name_scope():
            # First convolution
            net.add(gluon.nn.Conv2D(channels=20, kernel_size=5, activation='relu'))
            net.add(gluon.nn.MaxPool2D(pool_size=2, strides=2))
            # Second convolution
            net.add(gluon.nn.Conv2D(channels=50, kernel_size=5, activation='relu'))
            net.add(gluon.nn.MaxPool2D(pool_size=2, strides=2))
            # Flatten the output before the fully connected layers
            net.add(gluon.nn.Flatten())
            # First fully connected layers with 512 neurons
            net.add(gluon.nn.Dense(512, activation="relu"))
            # Second fully connected layer with as many neurons as the number of classes
            net.add(gluon.nn.Dense(num_outputs))

            return net

    # Train a given model using MNIST data
    def train_model(model):
        # Initialize the parameters with Xavier initializer
        model.collect_params().initialize(mx.init.Xavier(), ctx=ctx)
        # Use cross entropy loss
        softmax_cross_entropy = gluon.loss.SoftmaxCrossEntropyLoss()
        # Use Adam optimizer
        trainer = gluon.Trainer(model.collect_params(), 'adam', {'learning_rate': .001})

        # Train for one epoch
        for epoch in range(1):
            # Iterate through the images and labels in the training data
            for batch_num, (data, label) in enumerate(train_data):
                # get the images and labels
                data = data.as_in_context(ctx)
                label = label.as_in_context(ctx)
                # Ask autograd to record the forward pass
                with autograd.record():
                    # Run the forward pass
                    output = model(data)
                    # Compute the loss
                    loss = softmax_cross_entropy(output, label)
                # Compute gradients
                loss.backward()
                # Update parameters
                trainer.step(data.shape[0])

                # Print loss once in a while
                if batch_num % 50 == 0:
                    curr_loss = nd.mean(loss).asscalar()
                    print("Epoch: %d; Batch %d; Loss %f" % (epoch, batch_num, curr_loss))

    net = build_lenet(gluon.nn.Sequential())
    train_model(net)
    assert capsys.readouterr().out.startswith("Epoch: 0; Batch 0; Loss ")

    file_name = "net.params"
    net.save_parameters(file_name)

    new_net = build_lenet(gluon.nn.Sequential())
    new_net.load_parameters(file_name, ctx=ctx)

    def verify_loaded_model(net):
        """Run inference using ten random images.
        Print both input and output of the model"""

        def transform(data, label):
            return data.astype(np.float32) / 255, label.astype(np.float32)

        # Load ten random images from the test dataset
        sample_data = mx.gluon.data.DataLoader(mx.gluon.data.vision.MNIST(train=False, transform=transform),
                                               10, shuffle=True)

        for data, label in sample_data:
            # Display the images
            img = nd.transpose(data, (1, 0, 2, 3))
            img = nd.reshape(img, (28, 10 * 28, 1))
            imtiles = nd.tile(img, (1, 1, 3))
            assert imtiles.shape == (28, 280, 3)

            # Display the predictions
            data = nd.transpose(data, (0, 3, 1, 2))
            out = net(data.as_in_context(ctx))
            predictions = nd.argmax(out, axis=1)
            print('Model predictions: ', predictions.asnumpy())
            break
        return data

    data = verify_loaded_model(new_net)
    printed = capsys.readouterr().out
    assert printed.startswith("Model predictions:  [") and len(printed.split("[")[1].split()) == 10
    np.testing.assert_array_equal(new_net(data).asnumpy(), net(data).asnumpy())

    net = build_lenet(gluon.nn.HybridSequential())
    net.hybridize()
    train_model(net)

    net.export("lenet", epoch=1)
    assert os.path.exists("lenet-symbol.json") and os.path.exists("lenet-0001.params")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deserialized_net = gluon.nn.SymbolBlock.imports("lenet-symbol.json", ['data'], "lenet-0001.params",
                                                        ctx=ctx)
    data = verify_loaded_model(deserialized_net)
    np.testing.assert_allclose(deserialized_net(data).asnumpy(), net(data).asnumpy(), rtol=1e-5, atol=1e-6)
