"""MXNet 1.x's example/gluon/lstm_crf/lstm_crf.py (a bidirectional LSTM + CRF tagger written op by op on
NDArrays: element indexing, nd.concat of single scores, nd.split(squeeze_axis), a parameter used through
.data()) verbatim but for the import and the epoch count; and the bidirectional fused LSTM it needs, against
its definition (a forward layer and a layer over the reversed sequence, outputs concatenated)."""
import numpy as np
import pytest

import frameworks.hybrid as mx
from frameworks.hybrid import autograd as ag, ndarray as nd, gluon
from frameworks.hybrid.gluon import Block, nn, rnn

START_TAG = "<START>"
STOP_TAG = "<STOP>"


# ---------------------------------------------------------------- example/gluon/lstm_crf/lstm_crf.py

# Helper functions to make the code more readable.
def to_scalar(x):
    return int(x.asscalar())


def argmax(vec):
    # return the argmax as a python int
    idx = nd.argmax(vec, axis=1)
    return to_scalar(idx)


def prepare_sequence(seq, word2Idx):
    return nd.array([word2Idx[w] for w in seq])


# Compute log sum exp is numerically more stable than multiplying probabilities
def log_sum_exp(vec):
    max_score = nd.max(vec).asscalar()
    return nd.log(nd.sum(nd.exp(vec - max_score))) + max_score


# Model
class BiLSTM_CRF(Block):
    """Get BiLSTM_CRF model"""
    def __init__(self, vocab_size, tag2Idx, embedding_dim, hidden_dim):
        super(BiLSTM_CRF, self).__init__()
        with self.name_scope():
            self.embedding_dim = embedding_dim
            self.hidden_dim = hidden_dim
            self.vocab_size = vocab_size
            self.tag2idx = tag2Idx
            self.tagset_size = len(tag2Idx)
            self.word_embeds = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = rnn.LSTM(hidden_dim // 2, num_layers=1, bidirectional=True)

            # Maps the output of the LSTM into tag space.
            self.hidden2tag = nn.Dense(self.tagset_size)

            # Matrix of transition parameters.  Entry i,j is the score of
            # transitioning *to* i *from* j.
            self.transitions = self.params.get("crf_transition_matrix", shape=(self.tagset_size, self.tagset_size))
            self.hidden = self.init_hidden()

    def init_hidden(self):
        return [nd.random.normal(shape=(2, 1, self.hidden_dim // 2)),
                nd.random.normal(shape=(2, 1, self.hidden_dim // 2))]

    def _forward_alg(self, feats):
        # Do the forward algorithm to compute the partition function
        alphas = [[-10000.] * self.tagset_size]
        alphas[0][self.tag2idx[START_TAG]] = 0.
        alphas = nd.array(alphas)

        # Iterate through the sentence
        for feat in feats:
            alphas_t = []  # The forward variables at this timestep
            for next_tag in range(self.tagset_size):
                # broadcast the emission score: it is the same regardless of
                # the previous tag
                emit_score = feat[next_tag].reshape((1, -1))
                # the ith entry of trans_score is the score of transitioning to
                # next_tag from i
                trans_score = self.transitions.data()[next_tag].reshape((1, -1))
                # The ith entry of next_tag_var is the value for the
                # edge (i -> next_tag) before we do log-sum-exp
                next_tag_var = alphas + trans_score + emit_score
                # The forward variable for this tag is log-sum-exp of all the
                # scores.
                alphas_t.append(log_sum_exp(next_tag_var))
            alphas = nd.concat(*alphas_t, dim=0).reshape((1, -1))
        terminal_var = alphas + self.transitions.data()[self.tag2idx[STOP_TAG]]
        alpha = log_sum_exp(terminal_var)
        return alpha

    def _get_lstm_features(self, sentences):
        self.hidden = self.init_hidden()
        length = sentences.shape[0]
        embeds = self.word_embeds(sentences).reshape((length, 1, -1))
        lstm_out, self.hidden = self.lstm(embeds, self.hidden)
        lstm_out = lstm_out.reshape((length, self.hidden_dim))
        lstm_feats = self.hidden2tag(lstm_out)
        return nd.split(lstm_feats, num_outputs=length, axis=0, squeeze_axis=True)

    def _score_sentence(self, feats, tags_array):
        # Gives the score of a provided tag sequence
        score = nd.array([0])
        tags_array = nd.concat(nd.array([self.tag2idx[START_TAG]]), *tags_array, dim=0)
        for idx, feat in enumerate(feats):
            score = score + \
                    self.transitions.data()[to_scalar(tags_array[idx+1]),
                                            to_scalar(tags_array[idx])] + feat[to_scalar(tags_array[idx+1])]
        score = score + self.transitions.data()[self.tag2idx[STOP_TAG],
                                                to_scalar(tags_array[int(tags_array.shape[0]-1)])]
        return score

    def _viterbi_decode(self, feats):
        backpointers = []

        # Initialize the viterbi variables in log space
        vvars = nd.full((1, self.tagset_size), -10000.)
        vvars[0, self.tag2idx[START_TAG]] = 0

        for feat in feats:
            bptrs_t = []  # holds the backpointers for this step
            viterbivars_t = []  # holds the viterbi variables for this step

            for next_tag in range(self.tagset_size):
                # next_tag_var[i] holds the viterbi variable for tag i at the
                # previous step, plus the score of transitioning
                # from tag i to next_tag.
                # We don't include the emission scores here because the max
                # does not depend on them (we add them in below)
                next_tag_var = vvars + self.transitions.data()[next_tag]
                best_tag_id = argmax(next_tag_var)
                bptrs_t.append(best_tag_id)
                viterbivars_t.append(next_tag_var[0, best_tag_id])
            # Now add in the emission scores, and assign vvars to the set
            # of viterbi variables we just computed
            vvars = (nd.concat(*viterbivars_t, dim=0) + feat).reshape((1, -1))
            backpointers.append(bptrs_t)

        # Transition to STOP_TAG
        terminal_var = vvars + self.transitions.data()[self.tag2idx[STOP_TAG]]
        best_tag_id = argmax(terminal_var)
        path_score = terminal_var[0, best_tag_id]

        # Follow the back pointers to decode the best path.
        best_path = [best_tag_id]
        for bptrs_t in reversed(backpointers):
            best_tag_id = bptrs_t[best_tag_id]
            best_path.append(best_tag_id)
        # Pop off the start tag (we dont want to return that to the caller)
        start = best_path.pop()
        assert start == self.tag2idx[START_TAG]  # Sanity check
        best_path.reverse()
        return path_score, best_path

    def neg_log_likelihood(self, sentences, tags_list):
        feats = self._get_lstm_features(sentences)
        forward_score = self._forward_alg(feats)
        gold_score = self._score_sentence(feats, tags_list)
        return forward_score - gold_score

    def forward(self, sentences):  # dont confuse this with _forward_alg above.
        # Get the emission scores from the BiLSTM
        lstm_feats = self._get_lstm_features(sentences)

        # Find the best path, given the features.
        score, tag_seq = self._viterbi_decode(lstm_feats)
        return score, tag_seq


def test_lstm_crf_example_trains_and_decodes():
    mx.random.seed(1)
    EMBEDDING_DIM = 5
    HIDDEN_DIM = 4

    # Make up some training data
    training_data = [(
        "the wall street journal reported today that apple corporation made money".split(),
        "B I I I O O O B I O O".split()
    ), (
        "georgia tech is a university in georgia".split(),
        "B I O O O O B".split()
    )]

    word2idx = {}
    for sentence, tags in training_data:
        for word in sentence:
            if word not in word2idx:
                word2idx[word] = len(word2idx)

    tag2idx = {"B": 0, "I": 1, "O": 2, START_TAG: 3, STOP_TAG: 4}

    model = BiLSTM_CRF(len(word2idx), tag2idx, EMBEDDING_DIM, HIDDEN_DIM)
    model.initialize(mx.init.Xavier(magnitude=2.24), ctx=mx.cpu())
    optimizer = gluon.Trainer(model.collect_params(), 'sgd', {'learning_rate': 0.01, 'wd': 1e-4})

    # Check predictions before training
    precheck_sent = prepare_sequence(training_data[0][0], word2idx)
    score, path = model(precheck_sent)
    assert score.shape == (1,) and len(path) == len(training_data[0][0])
    assert set(path) <= {0, 1, 2, 3, 4}

    history = []
    for epoch in range(6):
        neg_log_likelihood_acc = 0.
        iter = 0
        for i, (sentence, tags) in enumerate(training_data):
            with ag.record():
                sentence_in = prepare_sequence(sentence, word2idx)
                targets = nd.array([tag2idx[t] for t in tags])
                neg_log_likelihood = model.neg_log_likelihood(sentence_in, targets)
                neg_log_likelihood.backward()
            optimizer.step(1)
            neg_log_likelihood_acc += neg_log_likelihood.mean()
            iter = i
        history.append(neg_log_likelihood_acc.asscalar() / (iter + 1))
    assert np.all(np.isfinite(history)) and history[-1] < history[0]
    assert float(np.abs(model.transitions.grad().asnumpy()).sum()) > 0   # the CRF's own parameter learns
    assert {n.rsplit("lstm0_", 1)[1] for n in model.lstm.collect_params()} >= {"l0_i2h_weight", "r0_i2h_weight",
                                                                        "l0_h2h_bias", "r0_h2h_bias"}


def _lstm_direct(x, wi, wh, bi, bh, h, c):
    """One LSTM direction by its definition (gates i, f, g, o), x (T, N, C)."""
    out = []
    for t in range(x.shape[0]):
        g = x[t] @ wi.T + bi + h @ wh.T + bh
        i, f, gg, o = np.split(g, 4, axis=1)
        sig = lambda v: 1 / (1 + np.exp(-v))   # noqa: E731
        c = sig(f) * c + sig(i) * np.tanh(gg)
        h = sig(o) * np.tanh(c)
        out.append(h)
    return np.stack(out), h, c


@pytest.mark.parametrize("hybridize", [False, True])
def test_bidirectional_lstm_is_a_forward_and_a_reversed_layer(hybridize):
    T, N, C, H = 4, 2, 3, 5
    layer = rnn.LSTM(H, num_layers=2, bidirectional=True, input_size=C)
    layer.initialize(mx.init.Uniform(0.5))
    if hybridize:
        layer.hybridize()
    x = np.random.RandomState(0).standard_normal((T, N, C)).astype(np.float32)
    states = layer.begin_state(batch_size=N)
    assert [s.shape for s in states] == [(4, N, H), (4, N, H)]   # (num_layers * 2, N, H), as MXNet
    out, (hT, cT) = layer(nd.array(x), states)
    assert out.shape == (T, N, 2 * H) and hT.shape == (4, N, H)
    p = {k.split("_", 1)[1]: v.data().asnumpy() for k, v in layer.collect_params().items()}
    assert p["l1_i2h_weight"].shape == (4 * H, 2 * H)
    seq, hs, cs = x, [], []
    for i in range(2):
        zero = np.zeros((N, H), np.float32)
        w = lambda d: [p[f"{d}{i}_{n}"] for n in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")]  # noqa: E731
        fwd, hf, cf = _lstm_direct(seq, *w("l"), zero, zero)
        bwd, hb, cb = _lstm_direct(seq[::-1], *w("r"), zero, zero)
        seq = np.concatenate([fwd, bwd[::-1]], axis=2)
        hs += [hf, hb]
        cs += [cf, cb]
    np.testing.assert_allclose(out.asnumpy(), seq, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(hT.asnumpy(), np.stack(hs), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(cT.asnumpy(), np.stack(cs), rtol=1e-4, atol=1e-5)
    with ag.record():
        loss = layer(nd.array(x)).sum()
    loss.backward()
    assert float(np.abs(layer.r1_h2h_weight.grad().asnumpy()).sum()) > 0


def test_ndarray_indexing_as_mxnet_1x():
    x = nd.array([[1, 2, 3], [4, 5, 6]])
    assert x[1, 2].shape == (1,) and x[1, 2].asscalar() == 6   # no 0-d arrays in MXNet 1.x
    assert nd.array([7, 8])[1].shape == (1,)
    assert [v.asscalar() for v in nd.array([1, 2, 3])] == [1, 2, 3]   # iteration stops on IndexError
    with pytest.raises(IndexError, match="index 2 is out of bounds for axis 0 with size 2"):
        x[2]
    acc = 0.
    acc += nd.array([1.0, 3.0]).mean()
    acc += nd.array([2.0]).mean()
    assert acc.asscalar() == 4.0
    assert nd.concat(nd.array([1, 2]).sum(), nd.array([3]).sum(), dim=0).shape == (2,)
