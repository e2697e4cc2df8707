"""MXNet 1.x's example/rnn/word_lm (data.py, model.py, module.py, train.py), verbatim but for the import,
the CPU for train.py's mx.gpu(), argparse given small sizes, and a synthetic corpus written where it reads
Sherlock Holmes: FusedRNNCell layers with get_next_state and begin states as shaped variables, a
make_loss of log_softmax/pick, and the example's CustomStatefulModule (states carried between batches
through Module.set_states/get_outputs(merge_multi_context=False), gradients clipped by global norm over
_exec_group.grad_arrays), sgd whose lr the loop lowers."""
import argparse
import logging
import math
import os

import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid.model import BatchEndParam


# ---------------------------------------------------------------- data.py

class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []
        self.word_count = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
            self.word_count.append(0)
        index = self.word2idx[word]
        self.word_count[index] += 1
        return index

    def __len__(self):
        return len(self.idx2word)

class Corpus(object):
    def __init__(self, path):
        self.dictionary = Dictionary()
        self.train = self.tokenize(path + 'train.txt')
        self.valid = self.tokenize(path + 'valid.txt')
        self.test = self.tokenize(path + 'test.txt')

    def tokenize(self, path):
        """Tokenizes a text file."""
        assert os.path.exists(path)
        # Add words to the dictionary
        with open(path, 'r') as f:
            tokens = 0
            for line in f:
                words = line.split() + ['<eos>']
                tokens += len(words)
                for word in words:
                    self.dictionary.add_word(word)

        # Tokenize file content
        with open(path, 'r') as f:
            ids = np.zeros((tokens,), dtype='int32')
            token = 0
            for line in f:
                words = line.split() + ['<eos>']
                for word in words:
                    ids[token] = self.dictionary.word2idx[word]
                    token += 1

        return mx.nd.array(ids, dtype='int32')

def batchify(data, batch_size):
    """Reshape data into (num_example, batch_size)"""
    nbatch = data.shape[0] // batch_size
    data = data[:nbatch * batch_size]
    data = data.reshape((batch_size, nbatch)).T
    return data

class CorpusIter(mx.io.DataIter):
    "An iterator that returns the a batch of sequence each time"
    def __init__(self, source, batch_size, bptt):
        super(CorpusIter, self).__init__()
        self.batch_size = batch_size
        self.provide_data = [('data', (bptt, batch_size), np.int32)]
        self.provide_label = [('label', (bptt, batch_size))]
        self._index = 0
        self._bptt = bptt
        self._source = batchify(source, batch_size)

    def iter_next(self):
        i = self._index
        if i+self._bptt > self._source.shape[0] - 1:
            return False
        self._next_data = self._source[i:i+self._bptt]
        self._next_label = self._source[i+1:i+1+self._bptt].astype(np.float32)
        self._index += self._bptt
        return True

    def next(self):
        if self.iter_next():
            return mx.io.DataBatch(data=self.getdata(), label=self.getlabel())
        else:
            raise StopIteration

    def reset(self):
        self._index = 0
        self._next_data = None
        self._next_label = None

    def getdata(self):
        return [self._next_data]

    def getlabel(self):
        return [self._next_label]


# ---------------------------------------------------------------- model.py

def rnn(bptt, vocab_size, num_embed, nhid,
        num_layers, dropout, batch_size, tied):
    # encoder
    data = mx.sym.Variable('data')
    weight = mx.sym.var("encoder_weight", init=mx.init.Uniform(0.1))
    embed = mx.sym.Embedding(data=data, weight=weight, input_dim=vocab_size,
                             output_dim=num_embed, name='embed')

    # stacked rnn layers
    states = []
    state_names = []
    outputs = mx.sym.Dropout(embed, p=dropout)
    for i in range(num_layers):
        prefix = 'lstm_l%d_' % i
        cell = mx.rnn.FusedRNNCell(num_hidden=nhid, prefix=prefix, get_next_state=True,
                                   forget_bias=0.0, dropout=dropout)
        state_shape = (1, batch_size, nhid)
        begin_cell_state_name = prefix + 'cell'
        begin_hidden_state_name = prefix + 'hidden'
        begin_cell_state = mx.sym.var(begin_cell_state_name, shape=state_shape)
        begin_hidden_state = mx.sym.var(begin_hidden_state_name, shape=state_shape)
        state_names += [begin_cell_state_name, begin_hidden_state_name]
        outputs, next_states = cell.unroll(bptt, inputs=outputs,
                                           begin_state=[begin_cell_state, begin_hidden_state],
                                           merge_outputs=True, layout='TNC')
        outputs = mx.sym.Dropout(outputs, p=dropout)
        states += next_states

    # decoder
    pred = mx.sym.Reshape(outputs, shape=(-1, nhid))
    if tied:
        assert(nhid == num_embed), \
               "the number of hidden units and the embedding size must batch for weight tying"
        pred = mx.sym.FullyConnected(data=pred, weight=weight,
                                     num_hidden=vocab_size, name='pred')
    else:
        pred = mx.sym.FullyConnected(data=pred, num_hidden=vocab_size, name='pred')
    pred = mx.sym.Reshape(pred, shape=(-1, vocab_size))
    return pred, [mx.sym.stop_gradient(s) for s in states], state_names

def softmax_ce_loss(pred):
    # softmax cross-entropy loss
    label = mx.sym.Variable('label')
    label = mx.sym.Reshape(label, shape=(-1,))
    logits = mx.sym.log_softmax(pred, axis=-1)
    loss = -mx.sym.pick(logits, label, axis=-1, keepdims=True)
    loss = mx.sym.mean(loss, axis=0, exclude=True)
    return mx.sym.make_loss(loss, name='nll')


# ---------------------------------------------------------------- module.py

class CustomStatefulModule():
    """CustomStatefulModule is a module that takes a custom loss symbol and state symbols.
    The custom loss is typically composed by `mx.sym.make_loss` or `mx.sym.MakeLoss`.
    The states listed in `state_names` will be carried between iterations.
    """
    def __init__(self, loss, states, state_names, data_names=('data',), label_names=('label',),
                 context=mx.cpu(), initial_states=0.0, **kwargs):
        if isinstance(states, mx.symbol.Symbol):
            states = [states]
        self._net = mx.sym.Group(states + [loss])
        self._next_states = initial_states
        self._module = mx.module.Module(self._net, data_names=data_names, label_names=label_names,
                                        context=context, state_names=state_names, **kwargs)

    def backward(self, out_grads=None):
        """Backward computation.
        """
        self._module.backward(out_grads=out_grads)

    def init_params(self, initializer=mx.init.Uniform(0.01), **kwargs):
        """Initializes the parameters and auxiliary states.
        """
        self._module.init_params(initializer=initializer, **kwargs)

    def init_optimizer(self, **kwargs):
        """Installs and initializes optimizers, as well as initialize kvstore for
           distributed training.
        """
        self._module.init_optimizer(**kwargs)

    def bind(self, data_shapes, **kwargs):
        """Binds the symbols to construct executors. This is necessary before one
        can perform computation with the module.
        """
        self._module.bind(data_shapes, **kwargs)

    def forward(self, data_batch, is_train=None, carry_state=True):
        """Forward computation. States from previous forward computation are carried
        to the current iteration if `carry_state` is set to `True`.
        """
        # propagate states from the previous iteration
        if carry_state:
            if isinstance(self._next_states, (int, float)):
                self._module.set_states(value=self._next_states)
            else:
                self._module.set_states(states=self._next_states)
        self._module.forward(data_batch, is_train=is_train)
        outputs = self._module.get_outputs(merge_multi_context=False)
        self._next_states = outputs[:-1]

    def update(self, max_norm=None):
        """Updates parameters according to the installed optimizer and the gradients computed
        in the previous forward-backward batch. Gradients are clipped by their global norm
        if `max_norm` is set.
        """
        if max_norm is not None:
            self._clip_by_global_norm(max_norm)
        self._module.update()

    def _clip_by_global_norm(self, max_norm):
        """Clips gradient norm.
        """
        assert self._module.binded and self._module.params_initialized \
               and self._module.optimizer_initialized
        grad_array = []
        for grad in self._module._exec_group.grad_arrays:
            grad_array += grad
        return mx.gluon.utils.clip_global_norm(grad_array, max_norm)

    def get_loss(self):
        """Gets the output loss of the previous forward computation.
        """
        return self._module.get_outputs(merge_multi_context=False)[-1]


# ---------------------------------------------------------------- train.py

def _train(argv):
    parser = argparse.ArgumentParser(description='Sherlock Holmes LSTM Language Model')
    parser.add_argument('--data', type=str, default='./data/sherlockholmes.',
                        help='location of the data corpus')
    parser.add_argument('--emsize', type=int, default=650,
                        help='size of word embeddings')
    parser.add_argument('--nhid', type=int, default=650,
                        help='number of hidden units per layer')
    parser.add_argument('--nlayers', type=int, default=2,
                        help='number of layers')
    parser.add_argument('--lr', type=float, default=1.0,
                        help='initial learning rate')
    parser.add_argument('--clip', type=float, default=0.2,
                        help='gradient clipping by global norm')
    parser.add_argument('--epochs', type=int, default=40,
                        help='upper epoch limit')
    parser.add_argument('--batch_size', type=int, default=32,
                        help='batch size')
    parser.add_argument('--dropout', type=float, default=0.5,
                        help='dropout applied to layers (0 = no dropout)')
    parser.add_argument('--tied', action='store_true',
                        help='tie the word embedding and softmax weights')
    parser.add_argument('--bptt', type=int, default=35,
                        help='sequence length')
    parser.add_argument('--log-interval', type=int, default=200,
                        help='report interval')
    parser.add_argument('--seed', type=int, default=3,
                        help='random seed')

    best_loss = 9999

    def evaluate(valid_module, data_iter, epoch, mode, bptt, batch_size):
        total_loss = 0.0
        nbatch = 0
        for batch in data_iter:
            valid_module.forward(batch, is_train=False)
            outputs = valid_module.get_loss()
            total_loss += mx.nd.sum(outputs[0]).asscalar()
            nbatch += 1
        data_iter.reset()
        loss = total_loss / bptt / batch_size / nbatch
        logging.info('Iter[%d] %s loss:\t%.7f, Perplexity: %.7f' % \
                     (epoch, mode, loss, math.exp(loss)))
        return loss

    # args
    head = '%(asctime)-15s %(message)s'
    logging.basicConfig(level=logging.DEBUG, format=head)
    args = parser.parse_args(argv)
    logging.info(args)
    ctx = mx.cpu()
    batch_size = args.batch_size
    bptt = args.bptt
    mx.random.seed(args.seed)

    # data
    corpus = Corpus(args.data)
    ntokens = len(corpus.dictionary)
    train_data = CorpusIter(corpus.train, batch_size, bptt)
    valid_data = CorpusIter(corpus.valid, batch_size, bptt)
    test_data = CorpusIter(corpus.test, batch_size, bptt)

    # model
    pred, states, state_names = rnn(bptt, ntokens, args.emsize, args.nhid,
                                    args.nlayers, args.dropout, batch_size, args.tied)
    loss = softmax_ce_loss(pred)

    # module
    module = CustomStatefulModule(loss, states, state_names=state_names, context=ctx)
    module.bind(data_shapes=train_data.provide_data, label_shapes=train_data.provide_label)
    module.init_params(initializer=mx.init.Xavier())
    optimizer = mx.optimizer.create('sgd', learning_rate=args.lr, rescale_grad=1.0/batch_size)
    module.init_optimizer(optimizer=optimizer)

    # metric
    speedometer = mx.callback.Speedometer(batch_size, args.log_interval)

    # train
    logging.info("Training started ... ")
    valid_losses = []
    for epoch in range(args.epochs):
        # train
        total_loss = 0.0
        nbatch = 0
        for batch in train_data:
            module.forward(batch)
            module.backward()
            module.update(max_norm=args.clip * bptt * batch_size)
            # update metric
            outputs = module.get_loss()
            total_loss += mx.nd.sum(outputs[0]).asscalar()
            speedometer_param = BatchEndParam(epoch=epoch, nbatch=nbatch,
                                              eval_metric=None, locals=locals())
            speedometer(speedometer_param)
            if nbatch % args.log_interval == 0 and nbatch > 0:
                cur_loss = total_loss / bptt / batch_size / args.log_interval
                logging.info('Iter[%d] Batch [%d]\tLoss:  %.7f,\tPerplexity:\t%.7f' % \
                             (epoch, nbatch, cur_loss, math.exp(cur_loss)))
                total_loss = 0.0
            nbatch += 1
        # validation
        valid_loss = evaluate(module, valid_data, epoch, 'Valid', bptt, batch_size)
        valid_losses.append(valid_loss)
        if valid_loss < best_loss:
            best_loss = valid_loss
            # test
            test_loss = evaluate(module, test_data, epoch, 'Test', bptt, batch_size)
        else:
            optimizer.lr *= 0.25
        train_data.reset()
    logging.info("Training completed. ")
    return module, valid_losses, ntokens


def _write_corpus(path, n, seed):
    # sentences counting up from a random word, mod 10: each word predicts the next
    rs = np.random.RandomState(seed)
    with open(path, "w") as f:
        for _ in range(n):
            start = rs.randint(0, 10)
            f.write(" ".join("w%d" % ((start + k) % 10) for k in range(rs.randint(5, 12))) + "\n")


def test_word_language_model_example(tmp_path, monkeypatch, caplog):
    (tmp_path / "data").mkdir()
    for name, n, seed in (("train", 120, 0), ("valid", 30, 1), ("test", 30, 2)):
        _write_corpus(tmp_path / "data" / f"sherlockholmes.{name}.txt", n, seed)
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO):
        module, valid_losses, ntokens = _train(
            ["--emsize", "16", "--nhid", "16", "--nlayers", "2", "--epochs", "5", "--batch_size", "8",
             "--bptt", "10", "--dropout", "0.1", "--tied", "--log-interval", "5", "--lr", "1.0"])
    assert ntokens == 11                                       # w0..w9 and <eos>
    arg_names = module._module._param_names
    assert sorted(arg_names) == ["encoder_weight", "lstm_l0_parameters", "lstm_l1_parameters", "pred_bias"]
    # the carried states are the last step's: (1, batch, nhid) per layer and kind
    assert [s[0].shape for s in module._next_states] == [(1, 8, 16)] * 4
    assert "Valid loss" in caplog.text and "Test loss" in caplog.text
    # uniform guessing is log(11) = 2.40 a word; the successor rule learned brings it well under
    assert valid_losses[-1] < 1.5 and valid_losses[-1] < valid_losses[0], valid_losses
