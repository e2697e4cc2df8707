"""MXNet 1.x's example/rnn/bucketing/lstm_bucketing.py, verbatim but for the import, the data (a synthetic
corpus written where the program reads Sherlock Holmes) and small sizes on the command line: mx.rnn's
encode_sentences, BucketSentenceIter, SequentialRNNCell of LSTMCells unrolled per bucket by sym_gen,
BucketingModule.fit with Perplexity(invalid_label), Xavier(factor_type="in", magnitude=2.34), Speedometer."""
import argparse
import logging
import os
import random

import numpy as np

import frameworks.hybrid as mx


def _write_corpus(path, n, seed):
    # each sentence counts up from a random word, mod 12: the next word is learnable from the current one
    rs = np.random.RandomState(seed)
    with open(path, "w") as f:
        for _ in range(n):
            start, length = rs.randint(0, 12), rs.randint(4, 19)
            f.write(" ".join("w%d" % ((start + k) % 12) for k in range(length)) + "\n")


def _program(argv):
    parser = argparse.ArgumentParser(description="Train RNN on Sherlock Holmes",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--num-layers', type=int, default=2,
                        help='number of stacked RNN layers')
    parser.add_argument('--num-hidden', type=int, default=200,
                        help='hidden layer size')
    parser.add_argument('--num-embed', type=int, default=200,
                        help='embedding layer size')
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

    def tokenize_text(fname, vocab=None, invalid_label=-1, start_label=0):
        if not os.path.isfile(fname):
            raise IOError("Please use get_sherlockholmes_data.sh to download requied file (data/sherlockholmes.train.txt)")
        lines = open(fname).readlines()
        lines = [filter(None, i.split(' ')) for i in lines]
        sentences, vocab = mx.rnn.encode_sentences(lines, vocab=vocab, invalid_label=invalid_label,
                                                   start_label=start_label)
        return sentences, vocab

    head = '%(asctime)-15s %(message)s'
    logging.basicConfig(level=logging.DEBUG, format=head)

    args = parser.parse_args(argv)

    #buckets = []
    buckets = [10, 20, 30, 40, 50, 60]

    start_label = 1
    invalid_label = 0

    train_sent, vocab = tokenize_text("./data/sherlockholmes.train.txt", start_label=start_label,
                                      invalid_label=invalid_label)
    val_sent, _ = tokenize_text("./data/sherlockholmes.test.txt", vocab=vocab, start_label=start_label,
                                invalid_label=invalid_label)

    data_train  = mx.rnn.BucketSentenceIter(train_sent, args.batch_size, buckets=buckets,
                                            invalid_label=invalid_label)
    data_val    = mx.rnn.BucketSentenceIter(val_sent, args.batch_size, buckets=buckets,
                                            invalid_label=invalid_label)

    stack = mx.rnn.SequentialRNNCell()
    for i in range(args.num_layers):
        stack.add(mx.rnn.LSTMCell(num_hidden=args.num_hidden, prefix='lstm_l%d_'%i))

    def sym_gen(seq_len):
        data = mx.sym.Variable('data')
        label = mx.sym.Variable('softmax_label')
        embed = mx.sym.Embedding(data=data, input_dim=len(vocab),
                                 output_dim=args.num_embed, name='embed')

        stack.reset()
        outputs = stack.unroll(seq_len, inputs=embed, merge_outputs=True)[0]

        pred = mx.sym.Reshape(outputs, shape=(-1, args.num_hidden))
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

    model.fit(
        train_data          = data_train,
        eval_data           = data_val,
        eval_metric         = mx.metric.Perplexity(invalid_label),
        kvstore             = args.kv_store,
        optimizer           = args.optimizer,
        optimizer_params    = { 'learning_rate': args.lr,
                                'momentum': args.mom,
                                'wd': args.wd },
        initializer         = mx.init.Xavier(factor_type="in", magnitude=2.34),
        num_epoch           = args.num_epochs,
        batch_end_callback  = mx.callback.Speedometer(args.batch_size, args.disp_batches, auto_reset=False))
    return model, data_train, data_val, vocab


def test_lstm_bucketing_example_trains_every_bucket_on_one_set_of_weights(tmp_path, monkeypatch, caplog):
    (tmp_path / "data").mkdir()
    _write_corpus(tmp_path / "data" / "sherlockholmes.train.txt", 160, 0)
    _write_corpus(tmp_path / "data" / "sherlockholmes.test.txt", 48, 1)
    monkeypatch.chdir(tmp_path)
    mx.random.seed(0)
    np.random.seed(0)
    random.seed(0)   # BucketSentenceIter shuffles its batches with Python's random
    with caplog.at_level(logging.INFO):
        model, data_train, data_val, vocab = _program(
            ["--num-layers", "2", "--num-hidden", "24", "--num-embed", "16", "--num-epochs", "6", "--lr", "0.1",
             "--mom", "0.9", "--batch-size", "8", "--disp-batches", "10"])
    assert data_train.buckets == [10, 20] and data_train.default_bucket_key == 20
    assert sorted(model._buckets) == [10, 20]            # one Module per bucket seen
    w10 = model._buckets[10]._exec.arg_dict["lstm_l0_i2h_weight"]
    assert w10 is model._buckets[20]._exec.arg_dict["lstm_l0_i2h_weight"]   # shared, not copied
    val = [float(r.getMessage().split("=")[1]) for r in caplog.records if "Validation-perplexity" in r.getMessage()]
    assert len(val) == 6
    # 25 words: 12, the same 12 ending a line (split(' ') keeps the newline) and '\n'; the successor rule
    # learned brings the perplexity far below uniform guessing's 25
    assert len(vocab) == 25 and val[-1] < 4.0 and val[-1] < val[0]
