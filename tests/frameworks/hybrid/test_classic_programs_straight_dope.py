"""The Straight Dope (zackchase/mxnet-the-straight-dope @249cb44, the MXNet Gluon book), eleven notebooks' code
cells as written but for the imports (mxnet -> frameworks.hybrid) and the notebook-only lines (%-magics, a
`from __future__` that Python allows only at a file's top): autograd (head gradients), plumbing (Block
internals, collect_params), serialization (nd.save/load of lists and dicts, save_parameters and
load_parameters into a second net), hybridize (F as nd then sym, export), softmax regression from scratch,
MLP with dropout in gluon, the gluon CNN and the GAN introduction (1-D Gaussian data, matplotlib on Agg),
and gd-sgd/momentum/adam through gluon.Trainer on the linear-regression data.
gluon.data.vision.MNIST reads its default root ~/.mxnet/datasets/mnist: HOME is tmp_path, holding 1000 +
200 synthetic digits as MNIST's .gz idx files; each notebook runs in tmp_path, in its own namespace."""
import re

import numpy as np
import pytest

import frameworks.hybrid as mx
from tests.frameworks.hybrid.test_classic_programs_adversary import _write_gz_idx

NOTEBOOKS = {}
NOTEBOOKS['autograd'] = ('chapter01_crashcourse/autograd.ipynb', r'''import frameworks.hybrid as mx
from frameworks.hybrid import nd, autograd
mx.random.seed(1)
# ----
x = nd.array([[1, 2], [3, 4]])
# ----
x.attach_grad()
# ----
with autograd.record():
    y = x * 2
    z = y * x
# ----
z.backward()
# ----
print(x.grad)
# ----
with autograd.record():
    y = x * 2
    z = y * x

head_gradient = nd.array([[10, 1.], [.1, .01]])
z.backward(head_gradient)
print(x.grad)
# ----
a = nd.random_normal(shape=3)
a.attach_grad()

with autograd.record():
    b = a * 2
    while (nd.norm(b) < 1000).asscalar():
        b = b * 2

    if (mx.nd.sum(b) > 0).asscalar():
        c = b
    else:
        c = 100 * b
# ----
head_gradient = nd.array([0.01, 1.0, .1])
c.backward(head_gradient)
# ----
print(a.grad)
# ----

''')

NOTEBOOKS['plumbing'] = ('chapter03_deep-neural-networks/plumbing.ipynb', r'''import frameworks.hybrid as mx
import numpy as np
from frameworks.hybrid import nd, autograd, gluon
from frameworks.hybrid.gluon import nn, Block

###########################
#  Specify the context we'll be using
###########################
ctx = mx.gpu() if mx.test_utils.list_gpus() else mx.cpu()

###########################
#  Load up our dataset
###########################
batch_size = 64
def transform(data, label):
    return data.astype(np.float32)/255, label.astype(np.float32)
train_data = mx.gluon.data.DataLoader(mx.gluon.data.vision.MNIST(train=True, transform=transform),
                                      batch_size, shuffle=True)
test_data = mx.gluon.data.DataLoader(mx.gluon.data.vision.MNIST(train=False, transform=transform),
                                     batch_size, shuffle=False)
# ----
net1 = gluon.nn.Sequential()
with net1.name_scope():
    net1.add(gluon.nn.Dense(128, activation="relu"))
    net1.add(gluon.nn.Dense(64, activation="relu"))
    net1.add(gluon.nn.Dense(10))
# ----
class MLP(Block):
    def __init__(self, **kwargs):
        super(MLP, self).__init__(**kwargs)
        with self.name_scope():
            self.dense0 = nn.Dense(128)
            self.dense1 = nn.Dense(64)
            self.dense2 = nn.Dense(10)
        
    def forward(self, x):
        x = nd.relu(self.dense0(x))
        x = nd.relu(self.dense1(x))
        return self.dense2(x)
# ----
net2 = MLP()
# ----
net2.initialize(ctx=ctx)
# ----
for data, _ in train_data:
    data = data.as_in_context(ctx)
    break
net2(data[0:1])
# ----
net1 = gluon.nn.Sequential()
with net1.name_scope():
    net1.add(gluon.nn.Dense(128, activation="relu"))
    net1.add(gluon.nn.Dense(64, activation="relu"))
    net1.add(gluon.nn.Dense(10))
# ----
print(net1.collect_params())
# ----
net1.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)
# ----
net1(data)
print(net1.collect_params())
# ----
net2 = gluon.nn.Sequential()
with net2.name_scope():
    net2.add(gluon.nn.Dense(128, in_units=784, activation="relu"))
    net2.add(gluon.nn.Dense(64, in_units=128, activation="relu"))
    net2.add(gluon.nn.Dense(10, in_units=64))
# ----
net2.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)
print(net2.collect_params())
''')

NOTEBOOKS['serialization'] = ('chapter03_deep-neural-networks/serialization.ipynb', r'''import frameworks.hybrid as mx
from frameworks.hybrid import nd, autograd
from frameworks.hybrid import gluon
ctx = mx.gpu() if mx.test_utils.list_gpus() else mx.cpu()
# ----
X = nd.ones((100, 100))
Y = nd.zeros((100, 100))
import os

dir_name = 'checkpoints'
if not os.path.exists(dir_name):
    os.makedirs(dir_name)

filename = os.path.join(dir_name, "test1.params")
nd.save(filename, [X, Y])
# ----
A, B = nd.load(filename)
print(A)
print(B)
# ----
mydict = {"X": X, "Y": Y}
filename = os.path.join(dir_name, "test2.params")
nd.save(filename, mydict)
# ----
C = nd.load(filename)
print(C)
# ----
num_hidden = 256
num_outputs = 1
net = gluon.nn.Sequential()
with net.name_scope():
    net.add(gluon.nn.Dense(num_hidden, activation="relu"))
    net.add(gluon.nn.Dense(num_hidden, activation="relu"))
    net.add(gluon.nn.Dense(num_outputs))
# ----
net.collect_params().initialize(mx.init.Normal(sigma=1.), ctx=ctx)
net(nd.ones((1, 100), ctx=ctx))
# ----
filename = os.path.join(dir_name, "testnet.params")
net.save_parameters(filename)
net2 = gluon.nn.Sequential()
with net2.name_scope():
    net2.add(gluon.nn.Dense(num_hidden, activation="relu"))
    net2.add(gluon.nn.Dense(num_hidden, activation="relu"))
    net2.add(gluon.nn.Dense(num_outputs))
net2.load_parameters(filename, ctx=ctx)
net2(nd.ones((1, 100), ctx=ctx))
''')

NOTEBOOKS['hybridize'] = ('chapter07_distributed-learning/hybridize.ipynb', r'''import frameworks.hybrid as mx
from frameworks.hybrid.gluon import nn
from frameworks.hybrid import nd

def get_net():
    # construct a MLP
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(256, activation="relu"))
        net.add(nn.Dense(128, activation="relu"))
        net.add(nn.Dense(2))
    # initialize the parameters
    net.collect_params().initialize()
    return net

# forward
x = nd.random_normal(shape=(1, 512))
net = get_net()
print('=== net(x) ==={}'.format(net(x)))
# ----
net.hybridize()
print('=== net(x) ==={}'.format(net(x)))
# ----
from time import time
def bench(net, x):
    mx.nd.waitall()
    start = time()
    for i in range(1000):
        y = net(x)
    mx.nd.waitall()
    return time() - start
        
net = get_net()
print('Before hybridizing: %.4f sec'%(bench(net, x)))
net.hybridize()
print('After hybridizing: %.4f sec'%(bench(net, x)))
# ----
from frameworks.hybrid import sym
x = sym.var('data')
print('=== input data holder ===')
print(x)

y = net(x)
print('\n=== the symbolic program of net===')
print(y)

y_json = y.tojson()
print('\n=== the according json definition===')
print(y_json)
# ----
net.export('my_model', epoch=0)
# ----
from frameworks.hybrid import gluon

class Net(gluon.HybridBlock):
    def __init__(self, **kwargs):
        super(Net, self).__init__(**kwargs)
        with self.name_scope():
            self.fc1 = nn.Dense(256)
            self.fc2 = nn.Dense(128)
            self.fc3 = nn.Dense(2)

    def hybrid_forward(self, F, x):
        # F is a function space that depends on the type of x
        # If x's type is NDArray, then F will be mxnet.nd
        # If x's type is Symbol, then F will be mxnet.sym
        print('type(x): {}, F: {}'.format(
                type(x).__name__, F.__name__))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
# ----
net = Net()
net.collect_params().initialize()
x = nd.random_normal(shape=(1, 512))
print('=== 1st forward ===')
y = net(x)
print('=== 2nd forward ===')
y = net(x)
# ----
net.hybridize()
print('=== 1st forward ===')
y = net(x)
print('=== 2nd forward ===')
y = net(x)
''')

NOTEBOOKS['softmax-regression-scratch'] = ('chapter02_supervised-learning/softmax-regression-scratch.ipynb', r'''import numpy as np
import frameworks.hybrid as mx
from frameworks.hybrid import nd, autograd, gluon
mx.random.seed(1)
# ----
data_ctx = mx.cpu()
model_ctx = mx.cpu()
# model_ctx = mx.gpu()
# ----
def transform(data, label):
    return data.astype(np.float32)/255, label.astype(np.float32)
mnist_train = gluon.data.vision.MNIST(train=True, transform=transform)
mnist_test = gluon.data.vision.MNIST(train=False, transform=transform)
# ----
image, label = mnist_train[0]
print(image.shape, label)
# ----
num_inputs = 784
num_outputs = 10
num_examples = 60000
# ----
im = mx.nd.tile(image, (1,1,3))
print(im.shape)
# ----
import matplotlib.pyplot as plt
plt.imshow(im.asnumpy())
plt.show()
# ----
batch_size = 64
train_data = mx.gluon.data.DataLoader(mnist_train, batch_size, shuffle=True)
# ----
test_data = mx.gluon.data.DataLoader(mnist_test, batch_size, shuffle=False)
# ----
W = nd.random_normal(shape=(num_inputs, num_outputs),ctx=model_ctx)
b = nd.random_normal(shape=num_outputs,ctx=model_ctx)

params = [W, b]
# ----
for param in params:
    param.attach_grad()
# ----
def softmax(y_linear):
    exp = nd.exp(y_linear-nd.max(y_linear, axis=1).reshape((-1,1)))
    norms = nd.sum(exp, axis=1).reshape((-1,1))
    return exp / norms
# ----
sample_y_linear = nd.random_normal(shape=(2,10))
sample_yhat = softmax(sample_y_linear)
print(sample_yhat)
# ----
print(nd.sum(sample_yhat, axis=1))
# ----
def net(X):
    y_linear = nd.dot(X, W) + b
    yhat = softmax(y_linear)
    return yhat
# ----
def cross_entropy(yhat, y):
    return - nd.sum(y * nd.log(yhat+1e-6))
# ----
def SGD(params, lr):    
    for param in params:
        param[:] = param - lr * param.grad
# ----
def evaluate_accuracy(data_iterator, net):
    numerator = 0.
    denominator = 0.
    for i, (data, label) in enumerate(data_iterator):
        data = data.as_in_context(model_ctx).reshape((-1,784))
        label = label.as_in_context(model_ctx)
        label_one_hot = nd.one_hot(label, 10)
        output = net(data)
        predictions = nd.argmax(output, axis=1)
        numerator += nd.sum(predictions == label)
        denominator += data.shape[0]
    return (numerator / denominator).asscalar()
# ----
evaluate_accuracy(test_data, net)
# ----
epochs = 5
learning_rate = .005

for e in range(epochs):
    cumulative_loss = 0
    for i, (data, label) in enumerate(train_data):
        data = data.as_in_context(model_ctx).reshape((-1,784))
        label = label.as_in_context(model_ctx)
        label_one_hot = nd.one_hot(label, 10)
        with autograd.record():
            output = net(data)
            loss = cross_entropy(output, label_one_hot)
        loss.backward()
        SGD(params, learning_rate)
        cumulative_loss += nd.sum(loss).asscalar()

            
    test_accuracy = evaluate_accuracy(test_data, net)
    train_accuracy = evaluate_accuracy(train_data, net)
    print("Epoch %s. Loss: %s, Train_acc %s, Test_acc %s" % (e, cumulative_loss/num_examples, train_accuracy, test_accuracy))       
# ----
# Define the function to do prediction
def model_predict(net,data):
    output = net(data)
    return nd.argmax(output, axis=1)

# let's sample 10 random data points from the test set
sample_data = mx.gluon.data.DataLoader(mnist_test, 10, shuffle=True)
for i, (data, label) in enumerate(sample_data):
    data = data.as_in_context(model_ctx)
    print(data.shape)
    im = nd.transpose(data,(1,0,2,3))
    im = nd.reshape(im,(28,10*28,1))
    imtiles = nd.tile(im, (1,1,3))
    
    plt.imshow(imtiles.asnumpy())
    plt.show()
    pred=model_predict(net,data.reshape((-1,784)))
    print('model predictions are:', pred)
    break
''')

NOTEBOOKS['mlp-dropout-gluon'] = ('chapter03_deep-neural-networks/mlp-dropout-gluon.ipynb', r'''import frameworks.hybrid as mx
import numpy as np
from frameworks.hybrid import nd, autograd, gluon
ctx = mx.gpu() if mx.test_utils.list_gpus() else mx.cpu()
# ----
batch_size = 64
num_inputs = 784
num_outputs = 10
def transform(data, label):
    return data.astype(np.float32)/255, label.astype(np.float32)
train_data = mx.gluon.data.DataLoader(mx.gluon.data.vision.MNIST(train=True, transform=transform),
                                      batch_size, shuffle=True)
test_data = mx.gluon.data.DataLoader(mx.gluon.data.vision.MNIST(train=False, transform=transform),
                                     batch_size, shuffle=False)
# ----
num_hidden = 256
net = gluon.nn.Sequential()
with net.name_scope():
    ###########################
    # Adding first hidden layer
    ###########################
    net.add(gluon.nn.Dense(num_hidden, activation="relu"))
    ###########################
    # Adding dropout with rate .5 to the first hidden layer
    ###########################
    net.add(gluon.nn.Dropout(.5))
    
    ###########################
    # Adding second hidden layer
    ###########################
    net.add(gluon.nn.Dense(num_hidden, activation="relu")) 
    ###########################
    # Adding dropout with rate .5 to the second hidden layer
    ###########################
    net.add(gluon.nn.Dropout(.5))
    
    ###########################
    # Adding the output layer
    ###########################
    net.add(gluon.nn.Dense(num_outputs))
# ----
net.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)
# ----
for x, _ in train_data:
    x = x.as_in_context(ctx)
    break
print(net(x[0:1]))
print(net(x[0:1]))
# ----
with autograd.predict_mode():
    print(net(x[0:1]))
    print(net(x[0:1]))
# ----
with autograd.train_mode():
    print(net(x[0:1]))
    print(net(x[0:1]))
# ----
with autograd.predict_mode():
    print(autograd.is_training())
    
with autograd.train_mode():
    print(autograd.is_training())
# ----
##########################
#  Writing this every time could get cumbersome
##########################
with autograd.record():
    with autograd.train_mode():
        yhat = net(x)
# ----
softmax_cross_entropy = gluon.loss.SoftmaxCrossEntropyLoss()
# ----
trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': .1})
# ----
def evaluate_accuracy(data_iterator, net):
    acc = mx.metric.Accuracy()
    for i, (data, label) in enumerate(data_iterator):
        data = data.as_in_context(ctx).reshape((-1, 784))
        label = label.as_in_context(ctx)
        output = net(data)
        predictions = nd.argmax(output, axis=1)
        acc.update(preds=predictions, labels=label)
    return acc.get()[1]
# ----
epochs = 10
smoothing_constant = .01

for e in range(epochs):
    for i, (data, label) in enumerate(train_data):
        data = data.as_in_context(ctx).reshape((-1, 784))
        label = label.as_in_context(ctx)
        with autograd.record():
            output = net(data)
            loss = softmax_cross_entropy(output, label)
            loss.backward()
        trainer.step(data.shape[0])

        ##########################
        #  Keep a moving average of the losses
        ##########################
        curr_loss = nd.mean(loss).asscalar()
        moving_loss = (curr_loss if ((i == 0) and (e == 0)) 
                       else (1 - smoothing_constant) * moving_loss + (smoothing_constant) * curr_loss)

    test_accuracy = evaluate_accuracy(test_data, net)
    train_accuracy = evaluate_accuracy(train_data, net)
    print("Epoch %s. Loss: %s, Train_acc %s, Test_acc %s" %
          (e, moving_loss, train_accuracy, test_accuracy))
''')

NOTEBOOKS['cnn-gluon'] = ('chapter04_convolutional-neural-networks/cnn-gluon.ipynb', r'''import numpy as np
import frameworks.hybrid as mx
from frameworks.hybrid import nd, autograd, gluon
mx.random.seed(1)
# ----
# ctx = mx.gpu()
ctx = mx.cpu()
# ----
batch_size = 64
num_inputs = 784
num_outputs = 10
def transform(data, label):
    return nd.transpose(data.astype(np.float32), (2,0,1))/255, label.astype(np.float32)
train_data = gluon.data.DataLoader(gluon.data.vision.MNIST(train=True, transform=transform),
                                      batch_size, shuffle=True)
test_data = gluon.data.DataLoader(gluon.data.vision.MNIST(train=False, transform=transform),
                                     batch_size, shuffle=False)
# ----
num_fc = 512
net = gluon.nn.Sequential()
with net.name_scope():
    net.add(gluon.nn.Conv2D(channels=20, kernel_size=5, activation='relu'))
    net.add(gluon.nn.MaxPool2D(pool_size=2, strides=2))            
    net.add(gluon.nn.Conv2D(channels=50, kernel_size=5, activation='relu'))
    net.add(gluon.nn.MaxPool2D(pool_size=2, strides=2))
    # The Flatten layer collapses all axis, except the first one, into one axis.
    net.add(gluon.nn.Flatten())
    net.add(gluon.nn.Dense(num_fc, activation="relu"))
    net.add(gluon.nn.Dense(num_outputs))
# ----
net.collect_params().initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)
# ----
softmax_cross_entropy = gluon.loss.SoftmaxCrossEntropyLoss()
# ----
trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': .1})
# ----
def evaluate_accuracy(data_iterator, net):
    acc = mx.metric.Accuracy()
    for i, (data, label) in enumerate(data_iterator):
        data = data.as_in_context(ctx)
        label = label.as_in_context(ctx)
        output = net(data)
        predictions = nd.argmax(output, axis=1)
        acc.update(preds=predictions, labels=label)
    return acc.get()[1]
# ----
epochs = 1
smoothing_constant = .01

for e in range(epochs):
    for i, (data, label) in enumerate(train_data):
        data = data.as_in_context(ctx)
        label = label.as_in_context(ctx)
        with autograd.record():
            output = net(data)
            loss = softmax_cross_entropy(output, label)
        loss.backward()
        trainer.step(data.shape[0])
        
        ##########################
        #  Keep a moving average of the losses
        ##########################
        curr_loss = nd.mean(loss).asscalar()
        moving_loss = (curr_loss if ((i == 0) and (e == 0)) 
                       else (1 - smoothing_constant) * moving_loss + smoothing_constant * curr_loss)
        
    test_accuracy = evaluate_accuracy(test_data, net)
    train_accuracy = evaluate_accuracy(train_data, net)
    print("Epoch %s. Loss: %s, Train_acc %s, Test_acc %s" % (e, moving_loss, train_accuracy, test_accuracy))    
''')

NOTEBOOKS['gan-intro'] = ('chapter14_generative-adversarial-networks/gan-intro.ipynb', r'''import matplotlib as mpl
from matplotlib import pyplot as plt
import frameworks.hybrid as mx
from frameworks.hybrid import gluon, autograd, nd
from frameworks.hybrid.gluon import nn
import numpy as np

ctx = mx.cpu()
# ----
X = nd.random_normal(shape=(1000, 2))
A = nd.array([[1, 2], [-0.1, 0.5]])
b = nd.array([1, 2])
X = nd.dot(X, A) + b
Y = nd.ones(shape=(1000, 1))

# and stick them into an iterator
batch_size = 4
train_data = mx.io.NDArrayIter(X, Y, batch_size, shuffle=True)
# ----
plt.scatter(X[:,0].asnumpy(), X[:,1].asnumpy())
plt.show()
print("The covariance matrix is")
print(nd.dot(A.T, A))
# ----
# build the generator
netG = nn.Sequential()
with netG.name_scope():
    netG.add(nn.Dense(2))

# build the discriminator (with 5 and 3 hidden units respectively)
netD = nn.Sequential()
with netD.name_scope():
    netD.add(nn.Dense(5, activation='tanh'))
    netD.add(nn.Dense(3, activation='tanh'))
    netD.add(nn.Dense(2))

# loss
loss = gluon.loss.SoftmaxCrossEntropyLoss()

# initialize the generator and the discriminator
netG.initialize(mx.init.Normal(0.02), ctx=ctx)
netD.initialize(mx.init.Normal(0.02), ctx=ctx)

# trainer for the generator and the discriminator
trainerG = gluon.Trainer(netG.collect_params(), 'adam', {'learning_rate': 0.01})
trainerD = gluon.Trainer(netD.collect_params(), 'adam', {'learning_rate': 0.05})
# ----
real_label = mx.nd.ones((batch_size,), ctx=ctx)
fake_label = mx.nd.zeros((batch_size,), ctx=ctx)
metric = mx.metric.Accuracy()

# set up logging
from datetime import datetime
import os
import time
# ----
stamp =  datetime.now().strftime('%Y_%m_%d-%H_%M')
for epoch in range(10):
    tic = time.time()
    train_data.reset()
    for i, batch in enumerate(train_data):
        ############################
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        ###########################
        # train with real_t
        data = batch.data[0].as_in_context(ctx)
        noise = nd.random_normal(shape=(batch_size, 2), ctx=ctx)

        with autograd.record():
            real_output = netD(data)
            errD_real = loss(real_output, real_label)
            
            fake = netG(noise)
            fake_output = netD(fake.detach())
            errD_fake = loss(fake_output, fake_label)
            errD = errD_real + errD_fake
            errD.backward()

        trainerD.step(batch_size)
        metric.update([real_label,], [real_output,])
        metric.update([fake_label,], [fake_output,])

        ############################
        # (2) Update G network: maximize log(D(G(z)))
        ###########################
        with autograd.record():
            output = netD(fake)
            errG = loss(output, real_label)
            errG.backward()

        trainerG.step(batch_size)

    name, acc = metric.get()
    metric.reset()
    print('\nbinary training acc at epoch %d: %s=%f' % (epoch, name, acc))
    print('time: %f' % (time.time() - tic))
    noise = nd.random_normal(shape=(100, 2), ctx=ctx)
    fake = netG(noise)
    plt.scatter(X[:,0].asnumpy(), X[:,1].asnumpy())
    plt.scatter(fake[:,0].asnumpy(), fake[:,1].asnumpy())
    plt.show()
# ----
noise = mx.nd.random_normal(shape=(100, 2), ctx=ctx)
fake = netG(noise)

plt.scatter(X[:,0].asnumpy(), X[:,1].asnumpy())
plt.scatter(fake[:,0].asnumpy(), fake[:,1].asnumpy())
plt.show()
''')

NOTEBOOKS['gd-sgd-gluon'] = ('chapter06_optimization/gd-sgd-gluon.ipynb', r'''import frameworks.hybrid as mx
from frameworks.hybrid import autograd
from frameworks.hybrid import gluon
from frameworks.hybrid import ndarray as nd
import numpy as np
import random

mx.random.seed(1)
random.seed(1)

# Generate data.
num_inputs = 2
num_examples = 1000
true_w = [2, -3.4]
true_b = 4.2
X = nd.random_normal(scale=1, shape=(num_examples, num_inputs))
y = true_w[0] * X[:, 0] + true_w[1] * X[:, 1] + true_b
y += .01 * nd.random_normal(scale=1, shape=y.shape)
dataset = gluon.data.ArrayDataset(X, y)

net = gluon.nn.Sequential()
net.add(gluon.nn.Dense(1))
square_loss = gluon.loss.L2Loss()
# ----
import matplotlib as mpl
mpl.rcParams['figure.dpi']= 120
import matplotlib.pyplot as plt

def train(batch_size, lr, epochs, period):
    assert period >= batch_size and period % batch_size == 0
    net.collect_params().initialize(mx.init.Normal(sigma=1), force_reinit=True)
    # SGD.
    trainer = gluon.Trainer(net.collect_params(), 'sgd',
                            {'learning_rate': lr})
    data_iter = gluon.data.DataLoader(dataset, batch_size, shuffle=True)
    total_loss = [np.mean(square_loss(net(X), y).asnumpy())]
    for epoch in range(1, epochs + 1):
        # Decay learning rate.
        if epoch > 2:
            trainer.set_learning_rate(trainer.learning_rate * 0.1)
        for batch_i, (data, label) in enumerate(data_iter):
            with autograd.record():
                output = net(data)
                loss = square_loss(output, label)
            loss.backward()
            trainer.step(batch_size)
            if batch_i * batch_size % period == 0:
                total_loss.append(np.mean(square_loss(net(X), y).asnumpy()))
        print("Batch size %d, Learning rate %f, Epoch %d, loss %.4e" % 
              (batch_size, trainer.learning_rate, epoch, total_loss[-1]))

    print('w:', np.reshape(net[0].weight.data().asnumpy(), (1, -1)), 
          'b:', net[0].bias.data().asnumpy()[0], '\n')
    x_axis = np.linspace(0, epochs, len(total_loss), endpoint=True)
    plt.semilogy(x_axis, total_loss)
    plt.xlabel('epoch')
    plt.ylabel('loss')
    plt.show()
# ----
train(batch_size=1, lr=0.2, epochs=3, period=10)
# ----
train(batch_size=1000, lr=0.999, epochs=3, period=1000)
# ----
train(batch_size=10, lr=0.2, epochs=3, period=10)
# ----
train(batch_size=10, lr=5, epochs=3, period=10)
# ----
train(batch_size=10, lr=0.002, epochs=3, period=10)
''')

NOTEBOOKS['momentum-gluon'] = ('chapter06_optimization/momentum-gluon.ipynb', r'''import frameworks.hybrid as mx
from frameworks.hybrid import autograd
from frameworks.hybrid import gluon
from frameworks.hybrid import ndarray as nd
import numpy as np
import random

mx.random.seed(1)
random.seed(1)

# Generate data.
num_inputs = 2
num_examples = 1000
true_w = [2, -3.4]
true_b = 4.2
X = nd.random_normal(scale=1, shape=(num_examples, num_inputs))
y = true_w[0] * X[:, 0] + true_w[1] * X[:, 1] + true_b
y += .01 * nd.random_normal(scale=1, shape=y.shape)
dataset = gluon.data.ArrayDataset(X, y)

net = gluon.nn.Sequential()
net.add(gluon.nn.Dense(1))
square_loss = gluon.loss.L2Loss()
# ----
import matplotlib as mpl
mpl.rcParams['figure.dpi']= 120
import matplotlib.pyplot as plt

def train(batch_size, lr, mom, epochs, period):
    assert period >= batch_size and period % batch_size == 0
    net.collect_params().initialize(mx.init.Normal(sigma=1), force_reinit=True)
    # SGD with momentum.
    trainer = gluon.Trainer(net.collect_params(), 'sgd',
                            {'learning_rate': lr, 'momentum': mom})
    data_iter = gluon.data.DataLoader(dataset, batch_size, shuffle=True)
    total_loss = [np.mean(square_loss(net(X), y).asnumpy())]
    
    for epoch in range(1, epochs + 1):
        # Decay learning rate.
        if epoch > 2:
            trainer.set_learning_rate(trainer.learning_rate * 0.1)
        for batch_i, (data, label) in enumerate(data_iter):
            with autograd.record():
                output = net(data)
                loss = square_loss(output, label)
            loss.backward()
            trainer.step(batch_size)

            if batch_i * batch_size % period == 0:
                total_loss.append(np.mean(square_loss(net(X), y).asnumpy()))
        print("Batch size %d, Learning rate %f, Epoch %d, loss %.4e" % 
              (batch_size, trainer.learning_rate, epoch, total_loss[-1]))

    print('w:', np.reshape(net[0].weight.data().asnumpy(), (1, -1)), 
          'b:', net[0].bias.data().asnumpy()[0], '\n')
    x_axis = np.linspace(0, epochs, len(total_loss), endpoint=True)
    plt.semilogy(x_axis, total_loss)
    plt.xlabel('epoch')
    plt.ylabel('loss')
    plt.show()
# ----
train(batch_size=10, lr=0.2, mom=0.9, epochs=3, period=10)
''')

NOTEBOOKS['adam-gluon'] = ('chapter06_optimization/adam-gluon.ipynb', r'''import frameworks.hybrid as mx
from frameworks.hybrid import autograd
from frameworks.hybrid import gluon
from frameworks.hybrid import ndarray as nd
import numpy as np
import random

mx.random.seed(1)
random.seed(1)

# Generate data.
num_inputs = 2
num_examples = 1000
true_w = [2, -3.4]
true_b = 4.2
X = nd.random_normal(scale=1, shape=(num_examples, num_inputs))
y = true_w[0] * X[:, 0] + true_w[1] * X[:, 1] + true_b
y += .01 * nd.random_normal(scale=1, shape=y.shape)
dataset = gluon.data.ArrayDataset(X, y)

net = gluon.nn.Sequential()
net.add(gluon.nn.Dense(1))
square_loss = gluon.loss.L2Loss()
# ----
import matplotlib as mpl
mpl.rcParams['figure.dpi']= 120
import matplotlib.pyplot as plt

def train(batch_size, lr, epochs, period):
    assert period >= batch_size and period % batch_size == 0
    net.collect_params().initialize(mx.init.Normal(sigma=1), force_reinit=True)
    # Adam.
    trainer = gluon.Trainer(net.collect_params(), 'adam',
                            {'learning_rate': lr})
    data_iter = gluon.data.DataLoader(dataset, batch_size, shuffle=True)
    total_loss = [np.mean(square_loss(net(X), y).asnumpy())]
    
    for epoch in range(1, epochs + 1):
        for batch_i, (data, label) in enumerate(data_iter):
            with autograd.record():
                output = net(data)
                loss = square_loss(output, label)
            loss.backward()
            trainer.step(batch_size)

            if batch_i * batch_size % period == 0:
                total_loss.append(np.mean(square_loss(net(X), y).asnumpy()))
        print("Batch size %d, Learning rate %f, Epoch %d, loss %.4e" % 
              (batch_size, trainer.learning_rate, epoch, total_loss[-1]))

    print('w:', np.reshape(net[0].weight.data().asnumpy(), (1, -1)), 
          'b:', net[0].bias.data().asnumpy()[0], '\n')
    x_axis = np.linspace(0, epochs, len(total_loss), endpoint=True)
    plt.semilogy(x_axis, total_loss)
    plt.xlabel('epoch')
    plt.ylabel('loss')
    plt.show()
# ----
train(batch_size=10, lr=0.1, epochs=3, period=10)
''')


# what each notebook shows, read from its namespace and its printed output
CHECKS = {
    "autograd": lambda g, out: g["a"].grad.shape == (3,) and out.count("NDArray") >= 3,
    "plumbing": lambda g, out: re.search(r"sequential\d+_dense2_weight \(shape=\(10, 64\)", out) is not None,
    "serialization": lambda g, out: (g["net2"](mx.nd.ones((1, 100))) == g["net"](mx.nd.ones((1, 100)))).min() == 1
    and sorted(g["C"]) == sorted(g["mydict"]),
    "hybridize": lambda g, out: "type(x): Symbol, F: frameworks.hybrid.symbol" in out
    and out.count("type(x): NDArray") >= 1,
    "softmax-regression-scratch": lambda g, out: "model predictions are:" in out and g["test_accuracy"] > 0.5,
    "mlp-dropout-gluon": lambda g, out: "Epoch 9." in out and g["train_accuracy"] > 0.9,
    "cnn-gluon": lambda g, out: "Epoch 0." in out and g["test_accuracy"] > 0.5,   # one epoch of 16 batches (chance: 0.1)
    "gan-intro": lambda g, out: "binary training acc at epoch 9" in out,
    # the notebook's five runs: three converge to w = [2, -3.4], b = 4.2; lr=5 diverges to nan, as its output
    "gd-sgd-gluon": lambda g, out: [_wb(line)[2] for line in out.splitlines() if line.startswith("w:")][:4]
    == [4.2, 4.2, 4.2, "nan"],
    "momentum-gluon": lambda g, out: any(_wb(line)[2] == 4.2 for line in out.splitlines() if line.startswith("w:")),
    "adam-gluon": lambda g, out: any(_wb(line)[2] == 4.2 for line in out.splitlines() if line.startswith("w:")),
}


def _wb(line):
    """('w', 'b', b rounded to 1 decimal or 'nan') of a 'w: [[..]] b: 4.19..' line the notebooks print."""
    b = line.split("b:")[1].strip() if "b:" in line else ""
    return "w", "b", ("nan" if "nan" in line else round(float(b), 1) if b else None)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_straight_dope_notebook(name, tmp_path, monkeypatch, capsys):
    root = tmp_path / ".mxnet" / "datasets" / "mnist"
    root.mkdir(parents=True)
    _write_gz_idx(root, "train", 1000, 0)
    _write_gz_idx(root, "t10k", 200, 1)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    np.random.seed(0)   # (DataLoader's shuffle draws from NumPy's generator, as MXNet's does)
    mx.random.seed(0)
    path, code = NOTEBOOKS[name]
    g = {"__name__": "__main__"}
    with np.errstate(over="ignore", invalid="ignore"):   # (gd-sgd's lr=5 run overflows to nan on purpose)
        exec(compile(code, path, "exec"), g)
    assert CHECKS[name](g, capsys.readouterr().out)
