"""MXNet 1.x's example/autoencoder/variational_autoencoder: VAE_example.ipynb's code cells and VAE.py, verbatim
but for the import (mxnet -> frameworks.hybrid), the plotting cells left out and MNIST smaller: get_mnist()
reads the four .gz idx files where MXNet's download() leaves them (the current directory, tmp_path here),
written with 600 + 100 synthetic digits, so the notebook's reshape constants 60000 and 10000 read N and
N_test; 2 epochs where it trains 100 and 200. The Symbol-API VAE (random_normal inside the graph,
MakeLoss(sum(loss)), a Module fit with the 'Loss' metric and a batch_end_callback reading eval_metric),
y.bind on the learned parameters to reconstruct test images, model.score, then VAE.py's class with its
NumPy encoder/sampler/decoder."""
import logging
import sys

import numpy as np

import frameworks.hybrid as mx
from tests.frameworks.hybrid.test_classic_programs_adversary import _write_gz_idx

VAE_PY = r'''# Licensed to the Apache Software Foundation (ASF) under one
# or more contributor license agreements.  See the NOTICE file
# distributed with this work for additional information
# regarding copyright ownership.  The ASF licenses this file
# to you under the Apache License, Version 2.0 (the
# "License"); you may not use this file except in compliance
# with the License.  You may obtain a copy of the License at
#
#   http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing,
# software distributed under the License is distributed on an
# "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY
# KIND, either express or implied.  See the License for the
# specific language governing permissions and limitations
# under the License.

# pylint: skip-file
import frameworks.hybrid as mx
import numpy as np
import os
import logging

class VAE:
    """This class implements the Variational Auto Encoder"""
    
    def Bernoulli(x_hat,loss_label):
        return(-mx.symbol.sum(mx.symbol.broadcast_mul(loss_label,mx.symbol.log(x_hat))
                              + mx.symbol.broadcast_mul(1-loss_label,mx.symbol.log(1-x_hat)), axis=1))

    def __init__(self, n_latent=5, num_hidden_ecoder=400, num_hidden_decoder=400, x_train=None, x_valid=None,
                 batch_size=100, learning_rate=0.001, weight_decay=0.01, num_epoch=100, optimizer='sgd',
                 model_prefix=None, initializer=mx.init.Normal(0.01), likelihood=Bernoulli):
        self.n_latent = n_latent                      # dimension of the latent space Z
        self.num_hidden_ecoder = num_hidden_ecoder    # number of hidden units in the encoder
        self.num_hidden_decoder = num_hidden_decoder  # number of hidden units in the decoder
        self.batch_size = batch_size                  # mini batch size
        self.learning_rate = learning_rate            # learning rate during training
        self.weight_decay = weight_decay              # weight decay during training, for regularization of parameters
        self.num_epoch = num_epoch                    # total number of training epoch
        self.optimizer = optimizer                    # 'sgd' optimizer by default

        # train the model
        self.model, self.training_loss = VAE.train_vae(x_train, x_valid, batch_size, n_latent, num_hidden_ecoder,
                                                       num_hidden_decoder, learning_rate, weight_decay,
                                                       num_epoch,optimizer, model_prefix, likelihood, initializer)

        # save model parameters (i.e. weights and biases)
        self.arg_params = self.model.get_params()[0]

        # save loss(ELBO) for the training set
        nd_iter = mx.io.NDArrayIter(data={'data':x_train}, label={'loss_label':x_train}, batch_size=batch_size)

        # if saved parameters, can access them at specific iteration e.g. last epoch using
        #   sym, arg_params, aux_params = mx.model.load_checkpoint(model_prefix, self.num_epoch)
        #   assert sym.tojson() == output.tojson()
        #   self.arg_params = arg_params

    @staticmethod
    def train_vae(x_train, x_valid, batch_size, n_latent, num_hidden_ecoder, num_hidden_decoder, learning_rate,
                  weight_decay, num_epoch, optimizer, model_prefix, likelihood, initializer):
        [N,features] = np.shape(x_train)          # number of examples and features

        # create data iterator to feed into NN
        nd_iter = mx.io.NDArrayIter(data={'data':x_train}, label={'loss_label':x_train}, batch_size=batch_size)

        if x_valid is not None:
            nd_iter_val = mx.io.NDArrayIter(data={'data':x_valid}, label={'loss_label':x_valid}, batch_size=batch_size)
        else:
            nd_iter_val = None

        data = mx.sym.var('data')
        loss_label = mx.sym.var('loss_label')

        # build network architecture
        encoder_h = mx.sym.FullyConnected(data=data, name="encoder_h", num_hidden=num_hidden_ecoder)
        act_h = mx.sym.Activation(data=encoder_h, act_type="tanh", name="activation_h")

        mu = mx.sym.FullyConnected(data=act_h, name="mu", num_hidden=n_latent)
        logvar = mx.sym.FullyConnected(data=act_h, name="logvar", num_hidden=n_latent)

        # latent manifold
        z = mu + mx.symbol.broadcast_mul(mx.symbol.exp(0.5*logvar),
                                         mx.symbol.random_normal(loc=0, scale=1, shape=(batch_size, n_latent)))
        decoder_z = mx.sym.FullyConnected(data=z, name="decoder_z", num_hidden=num_hidden_decoder)
        act_z = mx.sym.Activation(data=decoder_z, act_type="tanh", name="actication_z")

        decoder_x = mx.sym.FullyConnected(data=act_z, name="decoder_x", num_hidden=features)
        act_x = mx.sym.Activation(data=decoder_x, act_type="sigmoid", name='activation_x')

        KL = -0.5 * mx.symbol.sum(1+logvar-pow(mu,2)-mx.symbol.exp(logvar), axis=1)

        # compute minus ELBO to minimize
        loss = likelihood(act_x, loss_label)+KL
        output = mx.symbol.MakeLoss(sum(loss), name='loss')

        # train the model
        nd_iter.reset()
        logging.getLogger().setLevel(logging.DEBUG)  # logging to stdout

        model = mx.mod.Module(
            symbol=output ,
            data_names=['data'],
            label_names=['loss_label'])

        training_loss = list()

        def log_to_list(period, lst):
                def _callback(param):
                        """The checkpoint function."""
                        if param.nbatch % period == 0:
                                name, value = param.eval_metric.get()
                                lst.append(value)
                return _callback

        model.fit(nd_iter,  # train data
                  initializer=initializer, # initialize the weights and bias
                  eval_data=nd_iter_val,
                  optimizer=optimizer,  # use SGD to train
                  optimizer_params={'learning_rate':learning_rate, 'wd':weight_decay},
                  # save parameters for each epoch if model_prefix is supplied
                  epoch_end_callback=None if model_prefix==None else mx.callback.do_checkpoint(model_prefix, 1),
                  batch_end_callback=log_to_list(int(N/batch_size), training_loss),  # this can save the training loss
                  num_epoch=num_epoch,
                  eval_metric='Loss')

        return model,training_loss

    @staticmethod
    def encoder(model, x):
        params = model.arg_params
        encoder_n = np.shape(params['encoder_h_bias'].asnumpy())[0]
        encoder_h = np.dot(params['encoder_h_weight'].asnumpy(), np.transpose(x)) \
                    + np.reshape(params['encoder_h_bias'].asnumpy(), (encoder_n,1))
        act_h = np.tanh(encoder_h)
        mu = np.transpose(np.dot(params['mu_weight'].asnumpy(),act_h)) + params['mu_bias'].asnumpy()
        logvar = np.transpose(np.dot(params['logvar_weight'].asnumpy(),act_h)) + params['logvar_bias'].asnumpy()
        return mu,logvar

    @staticmethod
    def sampler(mu, logvar):
        z = mu + np.multiply(np.exp(0.5*logvar), np.random.normal(loc=0, scale=1,size=np.shape(logvar)))
        return z

    @staticmethod
    def decoder(model, z):
        params = model.arg_params
        decoder_n = np.shape(params['decoder_z_bias'].asnumpy())[0]
        decoder_z = np.dot(params['decoder_z_weight'].asnumpy(),np.transpose(z)) \
                    + np.reshape(params['decoder_z_bias'].asnumpy(),(decoder_n,1))
        act_z = np.tanh(decoder_z)
        decoder_x = np.transpose(np.dot(params['decoder_x_weight'].asnumpy(),act_z)) + params['decoder_x_bias'].asnumpy()
        reconstructed_x = 1/(1+np.exp(-decoder_x))
        return reconstructed_x
'''


def test_vae_notebook_and_vae_py(tmp_path, monkeypatch, caplog):
    _write_gz_idx(tmp_path, "train", 600, 0)
    _write_gz_idx(tmp_path, "t10k", 100, 1)
    (tmp_path / "VAE.py").write_text(VAE_PY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "VAE", raising=False)
    mx.random.seed(0)
    np.random.seed(0)
    caplog.set_level(logging.INFO)

    mnist = mx.test_utils.get_mnist()
    N_train, N_test = len(mnist['train_data']), len(mnist['test_data'])   # (the notebook: 60000, 10000)
    image = np.reshape(mnist['train_data'],(N_train,28*28))
    label = image
    image_test = np.reshape(mnist['test_data'],(N_test,28*28))
    label_test = image_test
    [N,features] = np.shape(image)          #number of examples and features
    print(N,features)

    model_prefix = None

    batch_size = 100
    latent_dim = 5
    nd_iter = mx.io.NDArrayIter(data={'data':image},label={'loss_label':label},
                                batch_size = batch_size)
    nd_iter_test = mx.io.NDArrayIter(data={'data':image_test},label={'loss_label':label_test},
                                batch_size = batch_size)

    ## define data and loss labels as symbols
    data = mx.sym.var('data')
    loss_label = mx.sym.var('loss_label')

    ## define fully connected and activation layers for the encoder, where we used tanh activation function.
    encoder_h  = mx.sym.FullyConnected(data=data, name="encoder_h",num_hidden=400)
    act_h = mx.sym.Activation(data=encoder_h, act_type="tanh",name="activation_h")

    ## define mu and log variance which are the fully connected layers of the previous activation layer
    mu  = mx.sym.FullyConnected(data=act_h, name="mu",num_hidden = latent_dim)
    logvar  = mx.sym.FullyConnected(data=act_h, name="logvar",num_hidden = latent_dim)

    ## sample the latent variables z according to Normal(mu,var)
    z = mu + mx.symbol.broadcast_mul(mx.symbol.exp(0.5 * logvar),
                                     mx.symbol.random_normal(loc=0, scale=1, shape=(batch_size, latent_dim)),
                                     name="z")

    # define fully connected and tanh activation layers for the decoder
    decoder_z = mx.sym.FullyConnected(data=z, name="decoder_z",num_hidden=400)
    act_z = mx.sym.Activation(data=decoder_z, act_type="tanh",name="activation_z")

    # define the output layer with sigmoid activation function, where the dimension is equal to the input dimension
    decoder_x = mx.sym.FullyConnected(data=act_z, name="decoder_x",num_hidden=features)
    y = mx.sym.Activation(data=decoder_x, act_type="sigmoid",name='activation_x')

    # define the objective loss function that needs to be minimized
    KL = 0.5*mx.symbol.sum(1+logvar-pow( mu,2)-mx.symbol.exp(logvar),axis=1)
    loss = -mx.symbol.sum(mx.symbol.broadcast_mul(loss_label,mx.symbol.log(y))
                          + mx.symbol.broadcast_mul(1-loss_label,mx.symbol.log(1-y)),axis=1)-KL
    output = mx.symbol.MakeLoss(sum(loss),name='loss')

    # set up the log
    nd_iter.reset()
    logging.getLogger().setLevel(logging.DEBUG)

    # define function to trave back training loss
    def log_to_list(period, lst):
        def _callback(param):
            """The checkpoint function."""
            if param.nbatch % period == 0:
                name, value = param.eval_metric.get()
                lst.append(value)
        return _callback

    # define the model
    model = mx.mod.Module(
        symbol = output ,
        data_names=['data'],
        label_names = ['loss_label'])

    # training the model, save training loss as a list.
    training_loss=list()

    # initilize the parameters for training using Normal.
    init = mx.init.Normal(0.01)
    model.fit(nd_iter,  # train data
              initializer=init,
              # if eval_data is supplied, test loss will also be reported
              # eval_data = nd_iter_test,
              optimizer='sgd',  # use SGD to train
              optimizer_params={'learning_rate':1e-3,'wd':1e-2},
              # save parameters for each epoch if model_prefix is supplied
              epoch_end_callback = None if model_prefix==None else mx.callback.do_checkpoint(model_prefix, 1),
              batch_end_callback = log_to_list(N/batch_size,training_loss),
              num_epoch=2,
              eval_metric = 'Loss')

    ELBO = [-training_loss[i] for i in range(len(training_loss))]

    arg_params = model.get_params()[0]
    nd_iter_test.reset()
    test_batch = nd_iter_test.next()

    e = y.bind(mx.cpu(), {'data': test_batch.data[0],
                         'encoder_h_weight': arg_params['encoder_h_weight'],
                         'encoder_h_bias': arg_params['encoder_h_bias'],
                         'mu_weight': arg_params['mu_weight'],
                         'mu_bias': arg_params['mu_bias'],
                         'logvar_weight':arg_params['logvar_weight'],
                         'logvar_bias':arg_params['logvar_bias'],
                         'decoder_z_weight':arg_params['decoder_z_weight'],
                         'decoder_z_bias':arg_params['decoder_z_bias'],
                         'decoder_x_weight':arg_params['decoder_x_weight'],
                         'decoder_x_bias':arg_params['decoder_x_bias'],
                         'loss_label':label})

    x_fit = e.forward()
    x_construction = x_fit[0].asnumpy()

    # calculate the ELBO which is minus the loss for test set
    metric = mx.metric.Loss()
    model.score(nd_iter_test, metric)

    from VAE import VAE

    # call the VAE, output model contains the learned model and training loss
    out = VAE(n_latent=2, x_train=image, x_valid=None, num_epoch=2)

    # encode test images to obtain mu and logvar which are used for sampling
    [mu,logvar] = VAE.encoder(out,image_test)
    # sample in the latent space
    z = VAE.sampler(mu,logvar)
    # decode from the latent space to obtain reconstructed images
    x_construction2 = VAE.decoder(out,z)

    # what the notebook shows: the curve is sampled once an epoch, the images reconstructed in [0, 1]
    assert mnist['train_data'].shape == (600, 1, 28, 28) and mnist['train_label'].dtype == np.int8
    assert len(ELBO) == 2 and all(np.isfinite(ELBO)) and ELBO[-1] > ELBO[0]
    assert x_construction.shape == (100, 784) and 0 < x_construction.min() and x_construction.max() < 1
    assert metric.get()[0] == 'loss' and np.isfinite(metric.get()[1])
    assert mu.shape == (100, 2) and z.shape == (100, 2) and x_construction2.shape == (100, 784)
    assert len(out.training_loss) == 2 and sorted(out.arg_params)[0] == 'decoder_x_bias'
    assert any("exists, skipping download" in r.getMessage() for r in caplog.records)
