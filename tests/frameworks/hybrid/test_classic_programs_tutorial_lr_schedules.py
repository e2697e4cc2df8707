"""MXNet 1.x's learning-rate schedule tutorial (docs/python_docs/python/tutorials/packages/gluon/training/
learning_rates/learning_rate_schedules.md), as written but for the import and MNIST, which is replaced by
64 synthetic 28x28 images: the schedulers it plots (their values at the steps), then its CNN trained with
a MultiFactorScheduler given to the optimizer and, again, set by hand with trainer.set_learning_rate."""
import math

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid.gluon import nn
from frameworks.hybrid.gluon.data.vision import transforms


def _lrs(schedule_fn, iterations=1500):
    # the tutorial's plot_schedule, without the plot: iteration count starting at 1
    return [schedule_fn(i + 1) for i in range(iterations)]


def test_plotted_schedules():
    schedule = mx.lr_scheduler.FactorScheduler(step=250, factor=0.5)
    schedule.base_lr = 1
    lrs = _lrs(schedule)
    assert lrs[0] == lrs[249] == 1 and lrs[250] == lrs[499] == 0.5 and lrs[500] == 0.25
    assert lrs[1499] == 0.5 ** 5

    schedule = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5)
    schedule.base_lr = 1
    lrs = _lrs(schedule)
    assert (lrs[249], lrs[250], lrs[749], lrs[750], lrs[899], lrs[900], lrs[1499]) == \
        (1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125)

    schedule = mx.lr_scheduler.PolyScheduler(max_update=1000, base_lr=1, pwr=2)
    lrs = _lrs(schedule)
    np.testing.assert_allclose(lrs[:1000], [(1 - (i + 1) / 1000) ** 2 for i in range(1000)], atol=1e-15)
    assert lrs[1499] == 0   # held at its last value past max_update

    class CosineAnnealingSchedule():
        def __init__(self, min_lr, max_lr, cycle_length):
            self.min_lr = min_lr
            self.max_lr = max_lr
            self.cycle_length = cycle_length

        def __call__(self, iteration):
            if iteration <= self.cycle_length:
                unit_cycle = (1 + math.cos(iteration * math.pi / self.cycle_length)) / 2
                adjusted_cycle = (unit_cycle * (self.max_lr - self.min_lr)) + self.min_lr
                return adjusted_cycle
            else:
                return self.min_lr

    schedule = CosineAnnealingSchedule(min_lr=0, max_lr=1, cycle_length=1000)
    np.testing.assert_allclose(_lrs(schedule)[:1000], _lrs(mx.lr_scheduler.CosineScheduler(1000, base_lr=1))[:1000],
                               atol=1e-15)
    # the built-in CosineScheduler with a linear warmup (learning_rate_schedules_advanced.md's pairing)
    warm = mx.lr_scheduler.CosineScheduler(max_update=1000, base_lr=1, final_lr=0.1, warmup_steps=100,
                                           warmup_begin_lr=0.5)
    assert warm(0) == 0.5 and warm(50) == pytest.approx(0.75) and warm(100) == 1
    assert warm(550) == pytest.approx(0.55) and warm(1000) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="Base lr has to be higher than warmup_begin_lr"):
        mx.lr_scheduler.CosineScheduler(max_update=10, base_lr=0.1, warmup_steps=2, warmup_begin_lr=1.0)


def test_training_with_a_multifactor_schedule(capsys):
    # Use GPU if one exists, else use CPU
    ctx = mx.gpu() if mx.context.num_gpus() else mx.cpu()
    # MNIST images are 28x28. Total pixels in input layer is 28x28 = 784
    num_inputs = 784
    # Clasify the images into one of the 10 digits
    num_outputs = 10
    batch_size = 16
    rs = np.random.RandomState(0)
    images = mx.nd.array(rs.randint(0, 256, size=(64, 28, 28, 1)), dtype='uint8')
    labels = mx.nd.array(rs.randint(0, num_outputs, size=64))
    train_dataset = mx.gluon.data.ArrayDataset(images, labels).transform_first(transforms.ToTensor())
    train_dataloader = mx.gluon.data.DataLoader(train_dataset, batch_size, shuffle=True, num_workers=0)

    # Build a simple convolutional network
    def build_cnn():
        net = nn.HybridSequential()
        with net.name_scope():
            # First convolution
            net.add(nn.Conv2D(channels=10, kernel_size=5, activation='relu'))
            net.add(nn.MaxPool2D(pool_size=2, strides=2))
            # Second convolution
            net.add(nn.Conv2D(channels=20, kernel_size=5, activation='relu'))
            net.add(nn.MaxPool2D(pool_size=2, strides=2))
            # Flatten the output before the fully connected layers
            net.add(nn.Flatten())
            # First fully connected layers with 512 neurons
            net.add(nn.Dense(512, activation="relu"))
            # Second fully connected layer with as many neurons as the number of classes
            net.add(nn.Dense(num_outputs))
            return net

    net = build_cnn()
    # Initialize the parameters with Xavier initializer
    net.collect_params().initialize(mx.init.Xavier(), ctx=ctx)
    # Use cross entropy loss
    softmax_cross_entropy = mx.gluon.loss.SoftmaxCrossEntropyLoss()

    steps_epochs = [4, 7, 9]
    # assuming we keep partial batches, see `last_batch` parameter of DataLoader
    iterations_per_epoch = math.ceil(len(train_dataset) / batch_size)
    # iterations just before starts of epochs (iterations are 1-indexed)
    steps_iterations = [s * iterations_per_epoch for s in steps_epochs]
    print("Learning rate drops after iterations: {}".format(steps_iterations))
    assert capsys.readouterr().out == "Learning rate drops after iterations: [16, 28, 36]\n"

    schedule = mx.lr_scheduler.MultiFactorScheduler(step=steps_iterations, factor=0.1)
    sgd_optimizer = mx.optimizer.SGD(learning_rate=0.03, lr_scheduler=schedule)
    # as MXNet's Optimizer, which prints (not warns) when learning_rate overrides the scheduler's base_lr
    assert capsys.readouterr().out == ("learning rate from ``lr_scheduler`` has been overwritten by "
                                       "``learning_rate`` in optimizer.\n")
    assert schedule.base_lr == 0.03
    trainer = mx.gluon.Trainer(params=net.collect_params(), optimizer=sgd_optimizer)

    num_epochs = 10
    # epoch and batch counts starting at 1
    for epoch in range(1, num_epochs + 1):
        # Iterate through the images and labels in the training data
        for batch_num, (data, label) in enumerate(train_dataloader, start=1):
            # get the images and labels
            data = data.as_in_context(ctx)
            label = label.as_in_context(ctx)
            # Ask autograd to record the forward pass
            with mx.autograd.record():
                # Run the forward pass
                output = net(data)
                # Compute the loss
                loss = softmax_cross_entropy(output, label)
            # Compute gradients
            loss.backward()
            # Update parameters
            trainer.step(data.shape[0])

            # Show loss and learning rate after first iteration of epoch
            if batch_num == 1:
                curr_loss = mx.nd.mean(loss).asscalar()
                curr_lr = trainer.learning_rate
                print("Epoch: %d; Batch %d; Loss %f; LR %f" % (epoch, batch_num, curr_loss, curr_lr))
    printed = capsys.readouterr().out.splitlines()
    assert [line.rsplit("LR ", 1)[1] for line in printed] == \
        ["0.030000"] * 4 + ["0.003000"] * 3 + ["0.000300"] * 2 + ["0.000030"]
    assert all(line.startswith("Epoch: %d; Batch 1; Loss " % (i + 1)) for i, line in enumerate(printed))

    net = build_cnn()
    net.collect_params().initialize(mx.init.Xavier(), ctx=ctx)

    schedule = mx.lr_scheduler.MultiFactorScheduler(step=steps_iterations, factor=0.1)
    schedule.base_lr = 0.03
    sgd_optimizer = mx.optimizer.SGD()
    trainer = mx.gluon.Trainer(params=net.collect_params(), optimizer=sgd_optimizer)

    iteration_idx = 1
    seen = []
    for epoch in range(1, 4):
        for batch_num, (data, label) in enumerate(train_dataloader, start=1):
            data = data.as_in_context(ctx)
            label = label.as_in_context(ctx)
            with mx.autograd.record():
                output = net(data)
                loss = softmax_cross_entropy(output, label)
            loss.backward()
            # Update the learning rate
            lr = schedule(iteration_idx)
            trainer.set_learning_rate(lr)
            # Update parameters
            trainer.step(data.shape[0])
            seen.append(trainer.learning_rate)
            iteration_idx += 1
    assert seen == [0.03] * 12
    assert np.isfinite(loss.asnumpy()).all()


def test_advanced_schedules_wrap_mxnet_schedulers():
    # learning_rate_schedules_advanced.md: warm-up and cool-down around a MultiFactorScheduler, each probing
    # a shallow copy of it ("calling mx.lr_scheduler.LRScheduler effects state, so calling a copy")
    import copy

    class LinearWarmUp():
        def __init__(self, schedule, start_lr, length):
            self.schedule = schedule
            self.start_lr = start_lr
            # calling mx.lr_scheduler.LRScheduler effects state, so calling a copy
            self.finish_lr = copy.copy(schedule)(0)
            self.length = length

        def __call__(self, iteration):
            if iteration <= self.length:
                return iteration * (self.finish_lr - self.start_lr) / (self.length) + self.start_lr
            else:
                return self.schedule(iteration - self.length)

    class LinearCoolDown():
        def __init__(self, schedule, finish_lr, start_idx, length):
            self.schedule = schedule
            # calling mx.lr_scheduler.LRScheduler effects state, so calling a copy
            self.start_lr = copy.copy(self.schedule)(start_idx)
            self.finish_lr = finish_lr
            self.start_idx = start_idx
            self.finish_idx = start_idx + length
            self.length = length

        def __call__(self, iteration):
            if iteration <= self.start_idx:
                return self.schedule(iteration)
            elif iteration <= self.finish_idx:
                return (iteration - self.start_idx) * (self.finish_lr - self.start_lr) / (self.length) + self.start_lr
            else:
                return self.finish_lr

    schedule = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5)
    schedule.base_lr = 1
    schedule = LinearWarmUp(schedule, start_lr=0, length=250)
    lrs = _lrs(schedule)
    assert lrs[124] == 0.5 and lrs[249] == 1 and lrs[250] == 1 and lrs[500] == 0.5 and lrs[1499] == 0.125

    schedule = mx.lr_scheduler.MultiFactorScheduler(step=[250, 750, 900], factor=0.5)
    schedule.base_lr = 1
    schedule = LinearCoolDown(schedule, finish_lr=0.001, start_idx=1000, length=500)
    assert schedule.start_lr == 0.125 and schedule.schedule.base_lr == 1   # the copy moved, not the original
    lrs = _lrs(schedule)
    assert lrs[0] == 1 and lrs[999] == 0.125 and lrs[1499] == pytest.approx(0.001)
    assert lrs[1249] == pytest.approx((0.125 + 0.001) / 2)
