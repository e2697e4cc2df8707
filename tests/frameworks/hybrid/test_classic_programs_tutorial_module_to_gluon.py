"""MXNet 1.x's docs/tutorials/python/module_to_gluon.md (v1.5.1), its code as written but for the import:
the same MLP as a Module over NDArrayIter (fit with force_init/force_rebind) and as a HybridSequential over
a DataLoader, saved both ways (save_checkpoint; save_parameters; export), then loaded back for inference:
load_checkpoint into a Module bound with label_shapes=mod._label_shapes (None: the module has no labels,
as MXNet keeps it), load_parameters and SymbolBlock.imports."""
from collections import namedtuple
import logging
import random
import numpy as np
import frameworks.hybrid as mx
from frameworks.hybrid.gluon.data import ArrayDataset, DataLoader
from frameworks.hybrid.gluon import nn
from frameworks.hybrid import gluon


def test_module_to_gluon_tutorial(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    logging.basicConfig(level=logging.INFO)


    # parameters
    batch_size = 5
    dataset_length = 50

    # random seeds
    random.seed(1)
    np.random.seed(1)
    mx.random.seed(1)

    train_data = np.random.rand(dataset_length, 28,28).astype('float32')
    train_label = np.random.randint(0, 10, (dataset_length,)).astype('float32')
    data_iter = mx.io.NDArrayIter(data=train_data, label=train_label, batch_size=batch_size, shuffle=False, data_name='data', label_name='softmax_label')
    for batch in data_iter:
        print(batch.data[0].shape, batch.label[0])
        break
    dataset = ArrayDataset(train_data, train_label)
    dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0)
    for data, label in dataloader:
        print(data.shape, label)
        break

    # context
    ctx = mx.cpu()

    def get_module_network():
        data = mx.sym.var('data')
        data = mx.sym.flatten(data=data)
        fc1  = mx.sym.FullyConnected(data=data, num_hidden=128)
        act1 = mx.sym.Activation(data=fc1, act_type="relu")
        fc2  = mx.sym.FullyConnected(data=act1, num_hidden = 64)
        act2 = mx.sym.Activation(data=fc2, act_type="relu")
        fc3  = mx.sym.FullyConnected(data=act2, num_hidden=10)
        mlp  = mx.sym.SoftmaxOutput(data=fc3, name='softmax')
        return mlp

    mlp = get_module_network()
    # Bind model to Module
    mlp_model = mx.mod.Module(symbol=mlp, context=ctx, data_names=['data'], label_names=['softmax_label'])
    def get_gluon_network():
        net = nn.HybridSequential()
        with net.name_scope():
            net.add(
                nn.Flatten(),
                nn.Dense(units=128, activation="relu"),
                nn.Dense(units=64, activation="relu"),
                nn.Dense(units=10)
            )
        return net

    net = get_gluon_network()
    # Softmax with cross entropy loss, directly part of the network
    out = mx.sym.SoftmaxOutput(data=mlp, name='softmax')
    # We simply create a loss function we will use in our training loop
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    mlp_model.fit(data_iter,  # train data
                  eval_data=data_iter,  # validation data
                  optimizer='sgd',  # use SGD to train
                  force_init=True,
                  force_rebind=True,
                  optimizer_params={'learning_rate':0.1},  # use fixed learning rate
                  eval_metric='acc',  # report accuracy during training
                  num_epoch=5)  # train for 5 full dataset passes
    net.initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx) # Initialize network and trainer
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})

    metric = mx.metric.Accuracy() # Pick a metric

    for e in range(5): # start of epoch

        for data, label in dataloader: # start of mini-batch
            data = data.as_in_context(ctx)
            label = label.as_in_context(ctx)

            with mx.autograd.record():
                output = net(data) # forward pass
                loss = loss_fn(output, label) # get loss

            loss.backward() # compute gradients
            trainer.step(data.shape[0]) # update weights with SGD
            metric.update(label, output) # update the metrics # end of mini-batch

        name, acc = metric.get()
        print('training metrics at epoch %d: %s=%f'%(e, name, acc))
        metric.reset() # end of epoch
    mlp_model.save_checkpoint('module-model', epoch=5)
    # module-model-0005.params module-model-symbol.json
    # save only the parameters
    net.save_parameters('gluon-model.params')
    # gluon-model.params
    # save the parameters and the symbolic representation
    net.hybridize()
    net(mx.nd.ones((1,1,28,28), ctx))

    net.export('gluon-model-hybrid', epoch=5)
    # gluon-model-hybrid-symbol.json gluon-model-hybrid-0005.params
    # Load the symbol and parameters
    sym, arg_params, aux_params = mx.model.load_checkpoint('module-model', 5)

    # Bind them in a module
    mod = mx.mod.Module(symbol=sym, context=ctx, label_names=None)
    mod.bind(for_training=False, data_shapes=[('data', (1,1,28,28))], 
             label_shapes=mod._label_shapes)

    # Set the parameters
    mod.set_params(arg_params, aux_params, allow_missing=True)

    # Run the inference
    Batch = namedtuple('Batch', ['data'])
    mod.forward(Batch([mx.nd.ones((1,28,28))]))
    prob = mod.get_outputs()[0].asnumpy()
    print("Output probabilities: {}".format(prob))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = gluon.SymbolBlock.imports('module-model-symbol.json', ['data', 'softmax_label'], 'module-model-0005.params')
    prob = net(mx.nd.ones((1,1,28,28)), mx.nd.ones(1)) # note the second argument here to account for the softmax_label symbol
    print("Output probabilities: {}".format(prob.asnumpy()))
    net = get_gluon_network()
    net.load_parameters('gluon-model.params')
    prob = net(mx.nd.ones((1,1,28,28))).softmax()
    print("Output probabilities: {}".format(prob.asnumpy()))

    out = capsys.readouterr().out
    assert out.count("training metrics at epoch") == 5 and out.count("Output probabilities") >= 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gluon-model-hybrid-0005.params", "gluon-model-hybrid-symbol.json", "gluon-model.params",
        "module-model-0005.params", "module-model-symbol.json"]
