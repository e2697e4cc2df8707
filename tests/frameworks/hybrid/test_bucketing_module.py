"""mx.mod.BucketingModule's API around the bucketing example: buckets bound on first use sharing the default
bucket's parameters and optimizer, save_checkpoint/load (one symbol file per bucket, the .buckets keys),
score, predict of an NDArray, and MXNet's errors for misnamed inputs."""
import random

import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import nd


def _sym_gen(seq_len):
    data = mx.sym.Variable('data')
    label = mx.sym.Variable('softmax_label')
    embed = mx.sym.Embedding(data=data, input_dim=10, output_dim=6, name='embed')
    cell = mx.rnn.GRUCell(8, prefix='gru_')
    outputs, _ = cell.unroll(seq_len, inputs=embed, merge_outputs=True)
    pred = mx.sym.FullyConnected(mx.sym.Reshape(outputs, shape=(-1, 8)), num_hidden=10, name='pred')
    return mx.sym.SoftmaxOutput(pred, mx.sym.Reshape(label, shape=(-1,)), name='softmax'), ('data',), ('softmax_label',)


def _iter(seed):
    rs = np.random.RandomState(seed)
    sentences = [list((rs.randint(1, 10) + np.arange(rs.randint(3, 9))) % 9 + 1) for _ in range(64)]
    return mx.rnn.BucketSentenceIter(sentences, 8, buckets=[4, 8], invalid_label=0)


def test_buckets_share_parameters_and_round_trip_a_checkpoint(tmp_path):
    train = _iter(0)
    mod = mx.mod.BucketingModule(_sym_gen, default_bucket_key=train.default_bucket_key)
    assert mod.data_names == ('data',) and mod.output_names == ['softmax_output']
    mx.random.seed(1)
    mod.fit(train, eval_metric=mx.metric.Perplexity(0), num_epoch=3, optimizer='adam',
            optimizer_params={'learning_rate': 0.02}, initializer=mx.init.Xavier())
    assert sorted(mod._buckets) == [4, 8]
    small, big = mod._buckets[4], mod._buckets[8]
    assert small._updater is big._updater                              # one optimizer, borrowed
    for name in ('gru_i2h_weight', 'embed_weight', 'pred_bias'):
        assert small._exec.arg_dict[name] is big._exec.arg_dict[name]
    # (reset() reshuffles each bucket in place, so a partial batch's sentences change: a fresh iterator
    # under the same seeds gives the same batches)
    random.seed(5), np.random.seed(5)
    score = dict(mod.score(_iter(0), mx.metric.Perplexity(0)))['perplexity']
    prefix = str(tmp_path / 'bucket')
    mod.save_checkpoint(prefix, 3)
    for key in (4, 8):
        assert (tmp_path / f'bucket-{key}-symbol.json').exists()
    loaded = mx.mod.BucketingModule.load(prefix, 3, sym_gen=_sym_gen, default_bucket_key=8)
    loaded.bind(train.provide_data, train.provide_label, for_training=False)
    random.seed(5), np.random.seed(5)
    assert dict(loaded.score(_iter(0), mx.metric.Perplexity(0)))['perplexity'] == pytest.approx(score, rel=1e-5)
    # a batch as an NDArray (a Module's predict; a BucketingModule's needs the batch's bucket_key)
    out = loaded._buckets[8].predict(nd.ones((8, 8)))
    assert out.shape == (64, 10)


def test_bucketing_module_checks_the_input_names():
    with pytest.raises(ValueError, match="data_names=\\['dat'\\]"):
        mx.mod.BucketingModule(lambda k: _sym_gen(k)[:1] + (('dat',), ('softmax_label',)), default_bucket_key=4)
    with pytest.raises(AssertionError):
        mx.mod.BucketingModule(_sym_gen)                                # no default_bucket_key
    with pytest.warns(UserWarning, match="label_names=\\['lbl'\\]"):
        mx.mod.BucketingModule(lambda k: _sym_gen(k)[:2] + (('lbl',),), default_bucket_key=4)


def test_feedforward_with_a_symbol_generator_trains_every_bucket():
    # example/rnn/old's way: FeedForward(symbol=sym_gen) with a Perplexity given to mx.metric.np
    def Perplexity(label, pred):
        label = label.reshape((-1,))
        loss = 0.
        for i in range(pred.shape[0]):
            loss += -np.log(max(1e-10, pred[i][int(label[i])]))
        return np.exp(loss / label.size)

    train = _iter(1)
    mx.random.seed(2)
    model = mx.model.FeedForward(symbol=lambda key: _sym_gen(key)[0], num_epoch=4, learning_rate=0.1,
                                 momentum=0.9, initializer=mx.init.Xavier())
    model.fit(X=train, eval_metric=mx.metric.np(Perplexity))
    assert sorted(model._module._buckets) == [4, 8] and model.symbol.list_outputs() == ['softmax_output']
    assert model.score(_iter(2), mx.metric.np(Perplexity)) < 3.0       # 10 words: uniform guessing is 10
