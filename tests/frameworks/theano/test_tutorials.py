"""The DeepLearningTutorials (logistic_sgd, mlp, convolutional_mlp, rnnslu, lstm) and the scan tutorial,
written as they are with only the import changed, on synthetic data at tiny sizes."""
from collections import OrderedDict

import numpy
import pytest

import frameworks.theano as theano
import frameworks.theano.runtime
import frameworks.theano.tensor as T
from frameworks.theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams
from frameworks.theano.tensor.nnet import conv2d
from frameworks.theano.tensor.signal import pool


# ---------------------------------------------------------------- logistic_sgd.py, mlp.py, convolutional_mlp.py

class LogisticRegression(object):
    def __init__(self, input, n_in, n_out):
        self.W = theano.shared(value=numpy.zeros((n_in, n_out), dtype=theano.config.floatX), name='W',
                               borrow=True)
        self.b = theano.shared(value=numpy.zeros((n_out,), dtype=theano.config.floatX), name='b', borrow=True)
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)
        self.params = [self.W, self.b]
        self.input = input

    def negative_log_likelihood(self, y):
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        if y.ndim != self.y_pred.ndim:
            raise TypeError('y should have the same shape as self.y_pred', ('y', y.type, 'y_pred', self.y_pred.type))
        if y.dtype.startswith('int'):
            return T.mean(T.neq(self.y_pred, y))
        else:
            raise NotImplementedError()


class HiddenLayer(object):
    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=T.tanh):
        self.input = input
        if W is None:
            W_values = numpy.asarray(rng.uniform(low=-numpy.sqrt(6. / (n_in + n_out)),
                                                 high=numpy.sqrt(6. / (n_in + n_out)), size=(n_in, n_out)),
                                     dtype=theano.config.floatX)
            if activation == theano.tensor.nnet.sigmoid:
                W_values *= 4
            W = theano.shared(value=W_values, name='W', borrow=True)
        if b is None:
            b_values = numpy.zeros((n_out,), dtype=theano.config.floatX)
            b = theano.shared(value=b_values, name='b', borrow=True)
        self.W = W
        self.b = b
        lin_output = T.dot(input, self.W) + self.b
        self.output = (lin_output if activation is None else activation(lin_output))
        self.params = [self.W, self.b]


class MLP(object):
    def __init__(self, rng, input, n_in, n_hidden, n_out):
        self.hiddenLayer = HiddenLayer(rng=rng, input=input, n_in=n_in, n_out=n_hidden, activation=T.tanh)
        self.logRegressionLayer = LogisticRegression(input=self.hiddenLayer.output, n_in=n_hidden, n_out=n_out)
        self.L1 = (abs(self.hiddenLayer.W).sum() + abs(self.logRegressionLayer.W).sum())
        self.L2_sqr = ((self.hiddenLayer.W ** 2).sum() + (self.logRegressionLayer.W ** 2).sum())
        self.negative_log_likelihood = (self.logRegressionLayer.negative_log_likelihood)
        self.errors = self.logRegressionLayer.errors
        self.params = self.hiddenLayer.params + self.logRegressionLayer.params
        self.input = input


class LeNetConvPoolLayer(object):
    def __init__(self, rng, input, filter_shape, image_shape, poolsize=(2, 2)):
        assert image_shape[1] == filter_shape[1]
        self.input = input
        fan_in = numpy.prod(filter_shape[1:])
        fan_out = (filter_shape[0] * numpy.prod(filter_shape[2:]) // numpy.prod(poolsize))
        W_bound = numpy.sqrt(6. / (fan_in + fan_out))
        self.W = theano.shared(numpy.asarray(rng.uniform(low=-W_bound, high=W_bound, size=filter_shape),
                                             dtype=theano.config.floatX), borrow=True)
        b_values = numpy.zeros((filter_shape[0],), dtype=theano.config.floatX)
        self.b = theano.shared(value=b_values, borrow=True)
        conv_out = conv2d(input=input, filters=self.W, filter_shape=filter_shape, input_shape=image_shape)
        pooled_out = pool.pool_2d(input=conv_out, ws=poolsize, ignore_border=True)
        self.output = T.tanh(pooled_out + self.b.dimshuffle('x', 0, 'x', 'x'))
        self.params = [self.W, self.b]
        self.input = input


def shared_dataset(data_xy, borrow=True):
    data_x, data_y = data_xy
    shared_x = theano.shared(numpy.asarray(data_x, dtype=theano.config.floatX), borrow=borrow)
    shared_y = theano.shared(numpy.asarray(data_y, dtype=theano.config.floatX), borrow=borrow)
    return shared_x, T.cast(shared_y, 'int32')


def synthetic_mnist(n, seed=0, side=28):
    """Separable synthetic digits: each class lights its own block of pixels, plus noise."""
    rng = numpy.random.RandomState(seed)
    labels = rng.randint(0, 10, size=n)
    x = rng.uniform(0, 0.3, size=(n, side * side))
    for i, k in enumerate(labels):
        x[i, k * (side * side // 10):(k + 1) * (side * side // 10)] += 0.7
    return x, labels


def test_logistic_sgd():
    learning_rate, batch_size = 0.13, 10
    train_set_x, train_set_y = shared_dataset(synthetic_mnist(60, seed=1))
    test_set_x, test_set_y = shared_dataset(synthetic_mnist(30, seed=2))
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_test_batches = test_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()
    x = T.matrix('x')
    y = T.ivector('y')
    classifier = LogisticRegression(input=x, n_in=28 * 28, n_out=10)
    cost = classifier.negative_log_likelihood(y)
    test_model = theano.function(
        inputs=[index], outputs=classifier.errors(y),
        givens={x: test_set_x[index * batch_size: (index + 1) * batch_size],
                y: test_set_y[index * batch_size: (index + 1) * batch_size]})
    g_W = T.grad(cost=cost, wrt=classifier.W)
    g_b = T.grad(cost=cost, wrt=classifier.b)
    updates = [(classifier.W, classifier.W - learning_rate * g_W),
               (classifier.b, classifier.b - learning_rate * g_b)]
    train_model = theano.function(
        inputs=[index], outputs=cost, updates=updates,
        givens={x: train_set_x[index * batch_size: (index + 1) * batch_size],
                y: train_set_y[index * batch_size: (index + 1) * batch_size]})

    before = numpy.mean([test_model(i) for i in range(n_test_batches)])
    first = float(train_model(0))
    graph = frameworks.theano.runtime.runtime().graph
    ops = len(graph.get_operations())
    costs = [train_model(i) for _ in range(15) for i in range(n_train_batches)]
    assert len(graph.get_operations()) == ops   # one compiled function serves every minibatch index
    after = numpy.mean([test_model(i) for i in range(n_test_batches)])
    assert first == pytest.approx(numpy.log(10), rel=1e-5)   # zero weights: uniform over 10 classes
    assert costs[-1] < 0.5 * first
    assert before > 0.5 and after < 0.2
    assert classifier.W.get_value().dtype == numpy.float32

    # the cost against NumPy on the first batch after training
    X = train_set_x.get_value()[:batch_size]
    Y = numpy.asarray(train_set_y.eval(), dtype=int)[:batch_size]
    z = X @ classifier.W.get_value() + classifier.b.get_value()
    p = numpy.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    nll = -numpy.mean(numpy.log(p[numpy.arange(batch_size), Y]))
    cost_model = theano.function([index], cost, givens={x: train_set_x[index * batch_size: (index + 1) * batch_size],
                                                       y: train_set_y[index * batch_size: (index + 1) * batch_size]})
    assert float(cost_model(0)) == pytest.approx(nll, rel=1e-4)


def test_mlp():
    learning_rate, L1_reg, L2_reg, batch_size, n_hidden = 0.05, 0.00, 0.0001, 10, 20
    train_set_x, train_set_y = shared_dataset(synthetic_mnist(40, seed=3))
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    index = T.lscalar()
    x = T.matrix('x')
    y = T.ivector('y')
    rng = numpy.random.RandomState(1234)
    classifier = MLP(rng=rng, input=x, n_in=28 * 28, n_hidden=n_hidden, n_out=10)
    cost = (classifier.negative_log_likelihood(y) + L1_reg * classifier.L1 + L2_reg * classifier.L2_sqr)
    gparams = [T.grad(cost, param) for param in classifier.params]
    updates = [(param, param - learning_rate * gparam) for param, gparam in zip(classifier.params, gparams)]
    train_model = theano.function(
        inputs=[index], outputs=cost, updates=updates,
        givens={x: train_set_x[index * batch_size: (index + 1) * batch_size],
                y: train_set_y[index * batch_size: (index + 1) * batch_size]})
    validate_model = theano.function(
        inputs=[index], outputs=classifier.errors(y),
        givens={x: train_set_x[index * batch_size:(index + 1) * batch_size],
                y: train_set_y[index * batch_size:(index + 1) * batch_size]})
    costs = [float(train_model(i)) for _ in range(20) for i in range(n_train_batches)]
    assert costs[-1] < 0.5 * costs[0]
    assert numpy.mean([validate_model(i) for i in range(n_train_batches)]) < 0.2


def test_convolutional_mlp_lenet():
    learning_rate, nkerns, batch_size = 0.1, [2, 3], 5
    rng = numpy.random.RandomState(23455)
    train_set_x, train_set_y = shared_dataset(synthetic_mnist(20, seed=4))
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    index = T.lscalar()
    x = T.matrix('x')
    y = T.ivector('y')
    layer0_input = x.reshape((batch_size, 1, 28, 28))
    layer0 = LeNetConvPoolLayer(rng, input=layer0_input, image_shape=(batch_size, 1, 28, 28),
                                filter_shape=(nkerns[0], 1, 5, 5), poolsize=(2, 2))
    layer1 = LeNetConvPoolLayer(rng, input=layer0.output, image_shape=(batch_size, nkerns[0], 12, 12),
                                filter_shape=(nkerns[1], nkerns[0], 5, 5), poolsize=(2, 2))
    layer2_input = layer1.output.flatten(2)
    layer2 = HiddenLayer(rng, input=layer2_input, n_in=nkerns[1] * 4 * 4, n_out=20, activation=T.tanh)
    layer3 = LogisticRegression(input=layer2.output, n_in=20, n_out=10)
    cost = layer3.negative_log_likelihood(y)
    params = layer3.params + layer2.params + layer1.params + layer0.params
    grads = T.grad(cost, params)
    updates = [(param_i, param_i - learning_rate * grad_i) for param_i, grad_i in zip(params, grads)]
    train_model = theano.function(
        [index], cost, updates=updates,
        givens={x: train_set_x[index * batch_size: (index + 1) * batch_size],
                y: train_set_y[index * batch_size: (index + 1) * batch_size]})
    costs = [float(train_model(i)) for _ in range(10) for i in range(n_train_batches)]
    assert numpy.all(numpy.isfinite(costs)) and costs[-1] < costs[0]

    # layer0's output against a NumPy true convolution (flipped filters), pooling and tanh
    out0 = theano.function([index], layer0.output,
                           givens={x: train_set_x[index * batch_size: (index + 1) * batch_size]})(0)
    imgs = train_set_x.get_value()[:batch_size].reshape(batch_size, 1, 28, 28)
    W, b = layer0.W.get_value(), layer0.b.get_value()
    conv = numpy.zeros((batch_size, nkerns[0], 24, 24))
    for o in range(nkerns[0]):
        k = W[o, 0, ::-1, ::-1]
        for i in range(5):
            for j in range(5):
                conv[:, o] += k[i, j] * imgs[:, 0, i:i + 24, j:j + 24]
    pooled = conv.reshape(batch_size, nkerns[0], 12, 2, 12, 2).max(axis=(3, 5))
    numpy.testing.assert_allclose(out0, numpy.tanh(pooled + b[None, :, None, None]), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- the scan tutorial

def test_scan_power_of_a_vector():
    k = T.iscalar("k")
    A = T.vector("A")
    result, updates = theano.scan(fn=lambda prior_result, A: prior_result * A, outputs_info=T.ones_like(A),
                                  non_sequences=A, n_steps=k)
    final_result = result[-1]
    power = theano.function(inputs=[A, k], outputs=final_result, updates=updates)
    numpy.testing.assert_allclose(power(range(10), 2), numpy.arange(10.0) ** 2)
    numpy.testing.assert_allclose(power(range(10), 4), numpy.arange(10.0) ** 4)


def test_scan_polynomial():
    coefficients = theano.tensor.vector("coefficients")
    x = T.scalar("x")
    max_coefficients_supported = 10000
    components, updates = theano.scan(fn=lambda coefficient, power, free_variable: coefficient * (free_variable ** power),
                                      outputs_info=None,
                                      sequences=[coefficients, theano.tensor.arange(max_coefficients_supported)],
                                      non_sequences=x)
    polynomial = components.sum()
    calculate_polynomial = theano.function(inputs=[coefficients, x], outputs=polynomial)
    test_coefficients = numpy.asarray([1, 0, 2], dtype=numpy.float32)
    test_value = 3
    assert float(calculate_polynomial(test_coefficients, test_value)) == pytest.approx(19.0)


def test_scan_recurrence_with_sequences_and_reversed_input():
    X = T.vector("X")
    W = T.matrix("W")
    U = T.matrix("U")
    Y = T.matrix("Y")
    V = T.matrix("V")
    P = T.matrix("P")
    results, updates = theano.scan(lambda y, p, x_tm1: T.tanh(T.dot(x_tm1, W) + T.dot(y, U) + T.dot(p, V)),
                                   sequences=[Y, P[::-1]], outputs_info=[X])
    compute_seq = theano.function(inputs=[X, W, Y, U, P, V], outputs=results)
    x = numpy.zeros((2), dtype=theano.config.floatX)
    x[1] = 1
    w = numpy.ones((2, 2), dtype=theano.config.floatX)
    y = numpy.ones((5, 2), dtype=theano.config.floatX)
    y[0, :] = -3
    u = numpy.ones((2, 2), dtype=theano.config.floatX)
    p = numpy.ones((5, 2), dtype=theano.config.floatX)
    p[0, :] = 3
    v = numpy.ones((2, 2), dtype=theano.config.floatX)
    x_res = numpy.zeros((5, 2), dtype=theano.config.floatX)
    x_res[0] = numpy.tanh(x.dot(w) + y[0].dot(u) + p[4].dot(v))
    for i in range(1, 5):
        x_res[i] = numpy.tanh(x_res[i - 1].dot(w) + y[i].dot(u) + p[4 - i].dot(v))
    numpy.testing.assert_allclose(compute_seq(x, w, y, u, p, v), x_res, rtol=1e-5)


def test_scan_fibonacci_taps_and_row_norms():
    a0 = T.vector("a0")
    fib, _ = theano.scan(lambda a_tm2, a_tm1: a_tm2 + a_tm1, outputs_info=dict(initial=a0, taps=[-2, -1]),
                         n_steps=6)
    f = theano.function([a0], fib)
    numpy.testing.assert_allclose(f(numpy.asarray([1, 1], dtype="float32")), [2, 3, 5, 8, 13, 21])
    X = T.matrix("X")
    results, updates = theano.scan(lambda x_i: T.sqrt((x_i ** 2).sum()), sequences=[X])
    compute_norm_lines = theano.function(inputs=[X], outputs=results)
    x = numpy.diag(numpy.arange(1, 6, dtype=theano.config.floatX), 1)
    numpy.testing.assert_allclose(compute_norm_lines(x), [1, 2, 3, 4, 5, 0])


# ---------------------------------------------------------------- rnnslu.py (Elman RNN)

class RNNSLU(object):
    def __init__(self, nh, nc, ne, de, cs):
        rng = numpy.random.RandomState(3)
        self.emb = theano.shared(name='embeddings', value=0.2 * rng.uniform(-1.0, 1.0, (ne + 1, de))
                                 .astype(theano.config.floatX))
        self.wx = theano.shared(name='wx', value=0.2 * rng.uniform(-1.0, 1.0, (de * cs, nh)).astype(theano.config.floatX))
        self.wh = theano.shared(name='wh', value=0.2 * rng.uniform(-1.0, 1.0, (nh, nh)).astype(theano.config.floatX))
        self.w = theano.shared(name='w', value=0.2 * rng.uniform(-1.0, 1.0, (nh, nc)).astype(theano.config.floatX))
        self.bh = theano.shared(name='bh', value=numpy.zeros(nh, dtype=theano.config.floatX))
        self.b = theano.shared(name='b', value=numpy.zeros(nc, dtype=theano.config.floatX))
        self.h0 = theano.shared(name='h0', value=numpy.zeros(nh, dtype=theano.config.floatX))
        self.params = [self.emb, self.wx, self.wh, self.w, self.bh, self.b, self.h0]
        idxs = T.imatrix()
        x = self.emb[idxs].reshape((idxs.shape[0], de * cs))
        y_sentence = T.ivector('y_sentence')

        def recurrence(x_t, h_tm1):
            h_t = T.nnet.sigmoid(T.dot(x_t, self.wx) + T.dot(h_tm1, self.wh) + self.bh)
            s_t = T.nnet.softmax(T.dot(h_t, self.w) + self.b)
            return [h_t, s_t]

        [h, s], _ = theano.scan(fn=recurrence, sequences=x, outputs_info=[self.h0, None], n_steps=x.shape[0])
        p_y_given_x_sentence = s[:, 0, :]
        y_pred = T.argmax(p_y_given_x_sentence, axis=1)
        lr = T.scalar('lr')
        sentence_nll = -T.mean(T.log(p_y_given_x_sentence)[T.arange(x.shape[0]), y_sentence])
        sentence_gradients = T.grad(sentence_nll, self.params)
        sentence_updates = OrderedDict((p, p - lr * g) for p, g in zip(self.params, sentence_gradients))
        self.classify = theano.function(inputs=[idxs], outputs=y_pred)
        self.sentence_train = theano.function(inputs=[idxs, y_sentence, lr], outputs=sentence_nll,
                                              updates=sentence_updates)
        self.normalize = theano.function(inputs=[], updates={
            self.emb: self.emb / T.sqrt((self.emb ** 2).sum(axis=1)).dimshuffle(0, 'x')})


def contextwin(l, win):
    lpadded = win // 2 * [-1] + l + win // 2 * [-1]
    out = [lpadded[i:(i + win)] for i in range(len(l))]
    return out


def test_rnnslu_elman_trains_on_sentences_of_different_lengths():
    rnn = RNNSLU(nh=8, nc=3, ne=12, de=4, cs=3)
    rng = numpy.random.RandomState(0)
    sentences = [list(rng.randint(0, 12, size=n)) for n in (5, 7, 5, 4)]
    labels = [numpy.asarray([w % 3 for w in s], dtype="int32") for s in sentences]
    first = last = None
    for epoch in range(30):
        nlls = []
        for s, y in zip(sentences, labels):
            words = numpy.asarray(contextwin(s, 3)).astype('int32')
            nlls.append(float(rnn.sentence_train(words, y, 0.5)))
            rnn.normalize()
        first = first if first is not None else numpy.mean(nlls)
        last = numpy.mean(nlls)
    assert last < 0.5 * first
    norms = numpy.sqrt((rnn.emb.get_value() ** 2).sum(axis=1))
    numpy.testing.assert_allclose(norms, 1.0, rtol=1e-5)
    pred = rnn.classify(numpy.asarray(contextwin(sentences[1], 3)).astype('int32'))
    assert pred.shape == (7,) and numpy.mean(pred == labels[1]) > 0.7


# ---------------------------------------------------------------- lstm.py (IMDB sentiment LSTM, masked scan)

SEED = 123
config = theano.config


def numpy_floatX(data):
    return numpy.asarray(data, dtype=config.floatX)


def _p(pp, name):
    return '%s_%s' % (pp, name)


def ortho_weight(ndim):
    W = numpy.random.randn(ndim, ndim)
    u, s, v = numpy.linalg.svd(W)
    return u.astype(config.floatX)


def init_params(options):
    params = OrderedDict()
    randn = numpy.random.rand(options['n_words'], options['dim_proj'])
    params['Wemb'] = (0.01 * randn).astype(config.floatX)
    W = numpy.concatenate([ortho_weight(options['dim_proj']) for _ in range(4)], axis=1)
    params[_p('lstm', 'W')] = W
    U = numpy.concatenate([ortho_weight(options['dim_proj']) for _ in range(4)], axis=1)
    params[_p('lstm', 'U')] = U
    params[_p('lstm', 'b')] = numpy.zeros((4 * options['dim_proj'],)).astype(config.floatX)
    params['U'] = 0.01 * numpy.random.randn(options['dim_proj'], options['ydim']).astype(config.floatX)
    params['b'] = numpy.zeros((options['ydim'],)).astype(config.floatX)
    return params


def init_tparams(params):
    tparams = OrderedDict()
    for kk, pp in params.items():
        tparams[kk] = theano.shared(params[kk], name=kk)
    return tparams


def dropout_layer(state_before, use_noise, trng):
    proj = T.switch(use_noise, (state_before * trng.binomial(state_before.shape, p=0.5, n=1,
                                                             dtype=state_before.dtype)), state_before * 0.5)
    return proj


def lstm_layer(tparams, state_below, options, prefix='lstm', mask=None):
    nsteps = state_below.shape[0]
    if state_below.ndim == 3:
        n_samples = state_below.shape[1]
    else:
        n_samples = 1
    assert mask is not None

    def _slice(_x, n, dim):
        if _x.ndim == 3:
            return _x[:, :, n * dim:(n + 1) * dim]
        return _x[:, n * dim:(n + 1) * dim]

    def _step(m_, x_, h_, c_):
        preact = T.dot(h_, tparams[_p(prefix, 'U')])
        preact += x_
        i = T.nnet.sigmoid(_slice(preact, 0, options['dim_proj']))
        f = T.nnet.sigmoid(_slice(preact, 1, options['dim_proj']))
        o = T.nnet.sigmoid(_slice(preact, 2, options['dim_proj']))
        c = T.tanh(_slice(preact, 3, options['dim_proj']))
        c = f * c_ + i * c
        c = m_[:, None] * c + (1. - m_)[:, None] * c_
        h = o * T.tanh(c)
        h = m_[:, None] * h + (1. - m_)[:, None] * h_
        return h, c

    state_below = (T.dot(state_below, tparams[_p(prefix, 'W')]) + tparams[_p(prefix, 'b')])
    dim_proj = options['dim_proj']
    rval, updates = theano.scan(_step, sequences=[mask, state_below],
                                outputs_info=[T.alloc(numpy_floatX(0.), n_samples, dim_proj),
                                              T.alloc(numpy_floatX(0.), n_samples, dim_proj)],
                                name=_p(prefix, '_layers'), n_steps=nsteps)
    return rval[0]


def build_model(tparams, options):
    trng = RandomStreams(SEED)
    use_noise = theano.shared(numpy_floatX(0.))
    x = T.matrix('x', dtype='int64')
    mask = T.matrix('mask', dtype=config.floatX)
    y = T.vector('y', dtype='int64')
    n_timesteps = x.shape[0]
    n_samples = x.shape[1]
    emb = tparams['Wemb'][x.flatten()].reshape([n_timesteps, n_samples, options['dim_proj']])
    proj = lstm_layer(tparams, emb, options, prefix='lstm', mask=mask)
    proj = (proj * mask[:, :, None]).sum(axis=0)
    proj = proj / mask.sum(axis=0)[:, None]
    if options['use_dropout']:
        proj = dropout_layer(proj, use_noise, trng)
    pred = T.nnet.softmax(T.dot(proj, tparams['U']) + tparams['b'])
    f_pred_prob = theano.function([x, mask], pred, name='f_pred_prob')
    f_pred = theano.function([x, mask], pred.argmax(axis=1), name='f_pred')
    off = 1e-8
    cost = -T.log(pred[T.arange(n_samples), y] + off).mean()
    return use_noise, x, mask, y, f_pred_prob, f_pred, cost


def adadelta(lr, tparams, grads, x, mask, y, cost):
    zipped_grads = [theano.shared(p.get_value() * numpy_floatX(0.), name='%s_grad' % k) for k, p in tparams.items()]
    running_up2 = [theano.shared(p.get_value() * numpy_floatX(0.), name='%s_rup2' % k) for k, p in tparams.items()]
    running_grads2 = [theano.shared(p.get_value() * numpy_floatX(0.), name='%s_rgrad2' % k)
                      for k, p in tparams.items()]
    zgup = [(zg, g) for zg, g in zip(zipped_grads, grads)]
    rg2up = [(rg2, 0.95 * rg2 + 0.05 * (g ** 2)) for rg2, g in zip(running_grads2, grads)]
    f_grad_shared = theano.function([x, mask, y], cost, updates=zgup + rg2up, name='adadelta_f_grad_shared')
    updir = [-T.sqrt(ru2 + 1e-6) / T.sqrt(rg2 + 1e-6) * zg
             for zg, ru2, rg2 in zip(zipped_grads, running_up2, running_grads2)]
    ru2up = [(ru2, 0.95 * ru2 + 0.05 * (ud ** 2)) for ru2, ud in zip(running_up2, updir)]
    param_up = [(p, p + ud) for p, ud in zip(tparams.values(), updir)]
    f_update = theano.function([lr], [], updates=ru2up + param_up, on_unused_input='ignore',
                               name='adadelta_f_update')
    return f_grad_shared, f_update


def prepare_data(seqs, labels, maxlen=None):
    lengths = [len(s) for s in seqs]
    n_samples = len(seqs)
    maxlen = numpy.max(lengths)
    x = numpy.zeros((maxlen, n_samples)).astype('int64')
    x_mask = numpy.zeros((maxlen, n_samples)).astype(theano.config.floatX)
    for idx, s in enumerate(seqs):
        x[:lengths[idx], idx] = s
        x_mask[:lengths[idx], idx] = 1.
    return x, x_mask, labels


def test_lstm_imdb_masked_scan_with_adadelta():
    numpy.random.seed(SEED)
    model_options = dict(n_words=30, dim_proj=8, ydim=2, use_dropout=True)
    params = init_params(model_options)
    tparams = init_tparams(params)
    (use_noise, x, mask, y, f_pred_prob, f_pred, cost) = build_model(tparams, model_options)
    grads = T.grad(cost, wrt=list(tparams.values()))
    lr = T.scalar(name='lr')
    f_grad_shared, f_update = adadelta(lr, tparams, grads, x, mask, y, cost)
    rng = numpy.random.RandomState(1)
    # sentiment = whether word 1 occurs; sequences of different lengths, padded and masked
    seqs = [list(rng.randint(2, 30, size=n)) for n in (3, 6, 4, 5, 2, 6)]
    for s in seqs[::2]:
        s[rng.randint(len(s))] = 1
    labels = [int(1 in s) for s in seqs]
    xb, mb, yb = prepare_data(seqs, labels)
    use_noise.set_value(1.)
    costs = []
    for _ in range(100):
        costs.append(float(f_grad_shared(xb, mb, yb)))
        f_update(0.0001)
    use_noise.set_value(0.)
    assert numpy.mean(costs[-10:]) < numpy.mean(costs[:10]) - 0.002   # adadelta starts with steps of ~1e-3
    # the prediction against a NumPy forward of the same masked LSTM (no noise: the projection halved)
    p = {k: v.get_value().astype("float64") for k, v in tparams.items()}
    d = model_options['dim_proj']
    sig = lambda z: 1 / (1 + numpy.exp(-z))  # noqa: E731
    h = c = numpy.zeros((len(seqs), d))
    hs = []
    for t in range(xb.shape[0]):
        pre = h @ p['lstm_U'] + p['Wemb'][xb[t]] @ p['lstm_W'] + p['lstm_b']
        i, f, o, g = sig(pre[:, :d]), sig(pre[:, d:2 * d]), sig(pre[:, 2 * d:3 * d]), numpy.tanh(pre[:, 3 * d:])
        m = mb[t][:, None]
        c = m * (f * c + i * g) + (1 - m) * c
        h = m * (o * numpy.tanh(c)) + (1 - m) * h
        hs.append(h)
    proj = (numpy.stack(hs) * mb[:, :, None]).sum(0) / mb.sum(0)[:, None] * 0.5
    z = proj @ p['U'] + p['b']
    probs = numpy.exp(z - z.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    numpy.testing.assert_allclose(f_pred_prob(xb, mb), probs, rtol=1e-4, atol=1e-6)
    assert list(f_pred(xb, mb)) == list(probs.argmax(1))
    # padding is masked: a sequence alone gives the same probabilities as inside the padded batch
    alone_x, alone_m, _ = prepare_data([seqs[0]], [labels[0]])
    numpy.testing.assert_allclose(f_pred_prob(alone_x, alone_m)[0], f_pred_prob(xb, mb)[0], rtol=1e-5)
