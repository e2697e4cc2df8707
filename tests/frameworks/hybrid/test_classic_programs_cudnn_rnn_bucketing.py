"""MXNet 1.x's example/rnn/bucketing/cudnn_rnn_bucketing.py, verbatim but for the import and its AMP import
(mxnet.contrib.amp, used only by --dtype float16's test path, which is not run here), on a synthetic corpus
written where it reads Sherlock Holmes, small sizes on the command line: train() fits FusedRNNCell layers
(lstm bidirectional; gru with dropout between layers) in a BucketingModule on time-major batches, saving
RNN checkpoints (the fused weights unpacked); test() loads them into the unfused cells (the fused cell's
unfuse(), or the stack of LSTMCell/GRUCell the program builds) on batch-major batches and scores them."""
import logging
import random

import pytest


import numpy as np
import frameworks.hybrid as mx
import argparse

parser = argparse.ArgumentParser(description="Train RNN on Sherlock Holmes",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument('--test', default=False, action='store_true',
                    help='whether to do testing instead of training')
parser.add_argument('--model-prefix', type=str, default=None,
                    help='path to save/load model')
parser.add_argument('--load-epoch', type=int, default=0,
                    help='load from epoch')
parser.add_argument('--num-layers', type=int, default=2,
                    help='number of stacked RNN layers')
parser.add_argument('--num-hidden', type=int, default=200,
                    help='hidden layer size')
parser.add_argument('--num-embed', type=int, default=200,
                    help='embedding layer size')
parser.add_argument('--bidirectional', action='store_true',
                    help='uses bidirectional layers if specified')
parser.add_argument('--gpus', type=str,
                    help='list of gpus to run, e.g. 0 or 0,2,5. empty means using cpu. ' \
                         'Increase batch size when using multiple gpus for best performance.')
parser.add_argument('--kv-store', type=str, default='device',
                    help='key-value store type')
parser.add_argument('--num-epochs', type=int, default=25,
                    help='max num of epochs')
parser.add_argument('--lr', type=float, default=0.01,
                    help='initial learning rate')
parser.add_argument('--optimizer', type=str, default='sgd',
                    help='the optimizer type')
parser.add_argument('--mom', type=float, default=0.0,
                    help='momentum for sgd')
parser.add_argument('--wd', type=float, default=0.00001,
                    help='weight decay for sgd')
parser.add_argument('--batch-size', type=int, default=32,
                    help='the batch size.')
parser.add_argument('--disp-batches', type=int, default=50,
                    help='show progress for every n batches')
# When training a deep, complex model *on multiple GPUs* it's recommended to
# stack fused RNN cells (one layer per cell) together instead of one with all
# layers. The reason is that fused RNN cells don't set gradients to be ready
# until the computation for the entire layer is completed. Breaking a
# multi-layer fused RNN cell into several one-layer ones allows gradients to be
# processed ealier. This reduces communication overhead, especially with
# multiple GPUs.
parser.add_argument('--stack-rnn', default=False,
                    help='stack fused RNN cells to reduce communication overhead')
parser.add_argument('--dropout', type=float, default='0.0',
                    help='dropout probability (1.0 - keep probability)')
parser.add_argument('--rnntype', type=str, default='lstm',
                    help='rnn type: gru, lstm, rnn_tanh and rnn_relu are supported')
parser.add_argument('--dtype', type=str, default='float32',
                    help='if float16 is provided AMP convert model'
                         'is used to convert model to mixed precision model'
                         'before running inference')

#buckets = [32]
buckets = [10, 20, 30, 40, 50, 60]

start_label = 1
invalid_label = 0

def tokenize_text(fname, vocab=None, invalid_label=-1, start_label=0):
    lines = open(fname).readlines()
    lines = [filter(None, i.split(' ')) for i in lines]
    sentences, vocab = mx.rnn.encode_sentences(lines, vocab=vocab, invalid_label=invalid_label, start_label=start_label)
    return sentences, vocab

def get_data(layout):
    train_sent, vocab = tokenize_text("./data/sherlockholmes.train.txt", start_label=start_label,
                                      invalid_label=invalid_label)
    val_sent, _ = tokenize_text("./data/sherlockholmes.test.txt", vocab=vocab, start_label=start_label,
                                invalid_label=invalid_label)

    data_train  = mx.rnn.BucketSentenceIter(train_sent, args.batch_size, buckets=buckets,
                                            invalid_label=invalid_label, layout=layout)
    data_val    = mx.rnn.BucketSentenceIter(val_sent, args.batch_size, buckets=buckets,
                                            invalid_label=invalid_label, layout=layout)
    return data_train, data_val, vocab


def train(args):
    data_train, data_val, vocab = get_data('TN')
    if args.stack_rnn:
        cell = mx.rnn.SequentialRNNCell()
        for i in range(args.num_layers):
            cell.add(mx.rnn.FusedRNNCell(args.num_hidden, num_layers=1,
                                         mode=args.rnntype, prefix='%s_l%d'%(args.rnntype,i),
                                         bidirectional=args.bidirectional))
            if args.dropout > 0 and i < args.num_layers - 1 and args.rnntype == 'lstm':
                cell.add(mx.rnn.DropoutCell(args.dropout, prefix='%s_d%d'%(args.rnntype,i)))
    else:
        cell = mx.rnn.FusedRNNCell(args.num_hidden, num_layers=args.num_layers, dropout=args.dropout,
                                   mode=args.rnntype, bidirectional=args.bidirectional)

    def sym_gen(seq_len):
        data = mx.sym.Variable('data')
        label = mx.sym.Variable('softmax_label')
        embed = mx.sym.Embedding(data=data, input_dim=len(vocab), output_dim=args.num_embed,name='embed')

        output, _ = cell.unroll(seq_len, inputs=embed, merge_outputs=True, layout='TNC')

        pred = mx.sym.Reshape(output,
                shape=(-1, args.num_hidden*(1+args.bidirectional)))
        pred = mx.sym.FullyConnected(data=pred, num_hidden=len(vocab), name='pred')

        label = mx.sym.Reshape(label, shape=(-1,))
        pred = mx.sym.SoftmaxOutput(data=pred, label=label, name='softmax')

        return pred, ('data',), ('softmax_label',)

    if args.gpus:
        contexts = [mx.gpu(int(i)) for i in args.gpus.split(',')]
    else:
        contexts = mx.cpu(0)

    model = mx.mod.BucketingModule(
        sym_gen             = sym_gen,
        default_bucket_key  = data_train.default_bucket_key,
        context             = contexts)

    if args.load_epoch:
        _, arg_params, aux_params = mx.rnn.load_rnn_checkpoint(
            cell, args.model_prefix, args.load_epoch)
    else:
        arg_params = None
        aux_params = None

    opt_params = {
      'learning_rate': args.lr,
      'wd': args.wd
    }

    if args.optimizer not in ['adadelta', 'adagrad', 'adam', 'rmsprop']:
        opt_params['momentum'] = args.mom

    model.fit(
        train_data          = data_train,
        eval_data           = data_val,
        eval_metric         = mx.metric.Perplexity(invalid_label),
        kvstore             = args.kv_store,
        optimizer           = args.optimizer,
        optimizer_params    = opt_params,
        initializer         = mx.init.Xavier(factor_type="in", magnitude=2.34),
        arg_params          = arg_params,
        aux_params          = aux_params,
        begin_epoch         = args.load_epoch,
        num_epoch           = args.num_epochs,
        batch_end_callback  = mx.callback.Speedometer(args.batch_size, args.disp_batches, auto_reset=False),
        epoch_end_callback  = mx.rnn.do_rnn_checkpoint(cell, args.model_prefix, 1)
                              if args.model_prefix else None)

def test(args):
    assert args.model_prefix, "Must specifiy path to load from"
    _, data_val, vocab = get_data('NT')

    if not args.stack_rnn:
        stack = mx.rnn.FusedRNNCell(args.num_hidden, num_layers=args.num_layers,
                mode=args.rnntype, bidirectional=args.bidirectional).unfuse()
    else:
        stack = mx.rnn.SequentialRNNCell()
        for i in range(args.num_layers):
            if args.rnntype == 'lstm':
                cell = mx.rnn.LSTMCell(num_hidden=args.num_hidden, prefix='%s_%dl0_'%(args.rnntype,i))
                if args.bidirectional:
                    cell = mx.rnn.BidirectionalCell(
                            cell,
                            mx.rnn.LSTMCell(num_hidden=args.num_hidden, prefix='%s_%dr0_'%(args.rnntype,i)),
                            output_prefix='bi_%s_%d'%(args.rnntype,i))
            elif args.rnntype == 'gru':
                cell = mx.rnn.GRUCell(num_hidden=args.num_hidden, prefix='%s_%dl0_'%(args.rnntype,i))
                if args.bidirectional:
                    cell = mx.rnn.BidirectionalCell(
                            cell,
                            mx.rnn.GRUCell(num_hidden=args.num_hidden, prefix='%s_%dr0_'%(args.rnntype,i)),
                            output_prefix='bi_%s_%d'%(args.rnntype,i))
            elif args.rnntype == 'rnn_tanh':
                cell = mx.rnn.RNNCell(num_hidden=args.num_hidden, activation='tanh', prefix='%s_%dl0_'%(args.rnntype,i))
                if args.bidirectional:
                    cell = mx.rnn.BidirectionalCell(
                            cell,
                            mx.rnn.RNNCell(num_hidden=args.num_hidden, activation='tanh', prefix='%s_%dr0_'%(args.rnntype,i)),
                            output_prefix='bi_%s_%d'%(args.rnntype,i))
            elif args.rnntype == 'rnn_relu':
                cell = mx.rnn.RNNCell(num_hidden=args.num_hidden, activation='relu', prefix='%s_%dl0_'%(args.rnntype,i))
                if args.bidirectional:
                    cell = mx.rnn.BidirectionalCell(
                            cell,
                            mx.rnn.RNNCell(num_hidden=args.num_hidden, activation='relu', prefix='%s_%dr0_'%(args.rnntype,i)),
                            output_prefix='bi_%s_%d'%(args.rnntype,i))

            stack.add(cell)

    def sym_gen(seq_len):
        data = mx.sym.Variable('data')
        label = mx.sym.Variable('softmax_label')
        embed = mx.sym.Embedding(data=data, input_dim=len(vocab),
                                 output_dim=args.num_embed, name='embed')

        stack.reset()
        outputs, states = stack.unroll(seq_len, inputs=embed, merge_outputs=True)

        pred = mx.sym.Reshape(outputs,
                shape=(-1, args.num_hidden*(1+args.bidirectional)))
        pred = mx.sym.FullyConnected(data=pred, num_hidden=len(vocab), name='pred')

        label = mx.sym.Reshape(label, shape=(-1,))
        pred = mx.sym.SoftmaxOutput(data=pred, label=label, name='softmax')

        return pred, ('data',), ('softmax_label',)

    if args.gpus:
        contexts = [mx.gpu(int(i)) for i in args.gpus.split(',')]
    else:
        contexts = mx.cpu(0)

    model = mx.mod.BucketingModule(
        sym_gen             = sym_gen,
        default_bucket_key  = data_val.default_bucket_key,
        context             = contexts)
    model.bind(data_val.provide_data, data_val.provide_label, for_training=False)

    _, arg_params, aux_params = mx.rnn.load_rnn_checkpoint(stack, args.model_prefix, args.load_epoch)
    model.set_params(arg_params, aux_params)

    if args.dtype == "float32":
        model.set_params(arg_params, aux_params)
        model.score(data_val, mx.metric.Perplexity(invalid_label),
                    batch_end_callback=mx.callback.Speedometer(args.batch_size, 5))
    else:
        assert args.dtype == "float16", "Only float32 and float16 are supported currently"
        model = amp.convert_bucketing_module(model, target_dtype="float16")
        model.bind(data_val.provide_data, data_val.provide_label,
                   for_training=False)
        model.score(data_val, mx.metric.Perplexity(invalid_label),
                    batch_end_callback=mx.callback.Speedometer(args.batch_size, 5))




test.__test__ = False   # the program's own test(args), not a pytest test


def _write_corpus(path, n, seed):
    rs = np.random.RandomState(seed)
    with open(path, "w") as f:
        for _ in range(n):
            start, length = rs.randint(0, 8), rs.randint(4, 19)
            f.write(" ".join("w%d" % ((start + k) % 8) for k in range(length)) + "\n")


@pytest.mark.parametrize("argv", [
    ["--rnntype", "lstm", "--bidirectional"],
    ["--rnntype", "gru", "--dropout", "0.2"],
])
def test_cudnn_rnn_bucketing_trains_fused_and_scores_unfused(argv, tmp_path, monkeypatch, caplog):
    global args
    (tmp_path / "data").mkdir()
    _write_corpus(tmp_path / "data" / "sherlockholmes.train.txt", 96, 0)
    _write_corpus(tmp_path / "data" / "sherlockholmes.test.txt", 96, 1)
    monkeypatch.chdir(tmp_path)
    mx.random.seed(0)
    np.random.seed(0)
    random.seed(0)
    common = ["--num-layers", "2", "--num-hidden", "8", "--num-embed", "8", "--batch-size", "8",
              "--num-epochs", "5", "--lr", "0.1", "--mom", "0.9", "--disp-batches", "20",
              "--model-prefix", str(tmp_path / "rnn")] + argv
    with caplog.at_level(logging.INFO):
        args = parser.parse_args(common)
        train(args)
        train_val = [float(r.getMessage().split("=")[1]) for r in caplog.records
                     if "Validation-perplexity" in r.getMessage()]
        args = parser.parse_args(common + ["--test", "--load-epoch", "5"])
        caplog.clear()
        test(args)
    assert len(train_val) == 5 and train_val[-1] < train_val[0]
    # the unfused cells, loaded from the fused checkpoint, score the same sentences as the fused ones did
    # (batch-major and reshuffled, so by batches: close, not equal)
    speed = [float(r.getMessage().split("perplexity=")[1]) for r in caplog.records if "perplexity=" in r.getMessage()]
    assert speed and all(abs(p / train_val[-1] - 1) < 0.15 for p in speed), (speed, train_val)
