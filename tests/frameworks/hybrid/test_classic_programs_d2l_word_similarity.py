"""Dive into Deep Learning's nd edition (d2l-ai/d2l-en e2174f95), natural-language-processing/
similarity-analogy.md run as written but for the imports: text.embedding.create('glove', ...) read from
~/.mxnet/embeddings/glove/ (a small file written here, whose vectors make the book's analogies hold),
k-nearest neighbours by cosine with nd.topk, and word analogies; plus the embedding API it rests on."""
import collections

import numpy as np
import pytest

from frameworks.hybrid import nd
from frameworks.hybrid.base import MXNetError
from frameworks.hybrid.contrib import text

# four directions: gender, capital-of, superlative, past tense; words are sums of a base and a direction
_RS = np.random.RandomState(0)
_BASE = {w: _RS.standard_normal(50) for w in ('man', 'son', 'beijing', 'tokyo', 'bad', 'big', 'do', 'go',
                                               'chip', 'baby', 'beautiful')}
_DIR = {k: _RS.standard_normal(50) * 2 for k in ('gender', 'capital', 'most', 'past')}
_WORDS = dict(_BASE)
_WORDS.update({'woman': _BASE['man'] + _DIR['gender'], 'daughter': _BASE['son'] + _DIR['gender'],
               'china': _BASE['beijing'] + _DIR['capital'], 'japan': _BASE['tokyo'] + _DIR['capital'],
               'worst': _BASE['bad'] + _DIR['most'], 'biggest': _BASE['big'] + _DIR['most'],
               'did': _BASE['do'] + _DIR['past'], 'went': _BASE['go'] + _DIR['past'],
               'chips': _BASE['chip'] + 0.1 * _RS.standard_normal(50),
               'babies': _BASE['baby'] + 0.1 * _RS.standard_normal(50),
               'lovely': _BASE['beautiful'] + 0.1 * _RS.standard_normal(50)})


@pytest.fixture
def glove_home(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    d = tmp_path / '.mxnet' / 'embeddings' / 'glove'
    d.mkdir(parents=True)
    with open(d / 'glove.6B.50d.txt', 'w') as f:
        for w, v in _WORDS.items():
            f.write(w + ' ' + ' '.join('%.6f' % x for x in v) + '\n')
    return d


def test_similarity_and_analogy_chapter(glove_home, capsys):
    assert 'glove' in text.embedding.get_pretrained_file_names().keys()
    print(text.embedding.get_pretrained_file_names('glove'))
    assert 'glove.6B.50d.txt' in text.embedding.get_pretrained_file_names('glove')

    glove_6b50d = text.embedding.create(
        'glove', pretrained_file_name='glove.6B.50d.txt')
    assert len(glove_6b50d) == len(_WORDS) + 1   # and the unknown token at 0
    i = glove_6b50d.token_to_idx['beautiful']
    assert glove_6b50d.idx_to_token[i] == 'beautiful'

    def knn(W, x, k):
        # The added 1e-9 is for numerical stability
        cos = nd.dot(W, x.reshape((-1,))) / (
            (nd.sum(W * W, axis=1) + 1e-9).sqrt() * nd.sum(x * x).sqrt())
        topk = nd.topk(cos, k=k, ret_typ='indices').asnumpy().astype('int32')
        return topk, [cos[i].asscalar() for i in topk]

    def get_similar_tokens(query_token, k, embed):
        topk, cos = knn(embed.idx_to_vec,
                        embed.get_vecs_by_tokens([query_token]), k+1)
        for i, c in zip(topk[1:], cos[1:]):  # Remove input words
            print('cosine sim=%.3f: %s' % (c, (embed.idx_to_token[i])))

    capsys.readouterr()
    for query, near in (('chip', 'chips'), ('baby', 'babies'), ('beautiful', 'lovely')):
        get_similar_tokens(query, 3, glove_6b50d)
        first = capsys.readouterr().out.splitlines()[0]
        assert first.endswith(': ' + near) and float(first.split('=')[1].split(':')[0]) > 0.99

    def get_analogy(token_a, token_b, token_c, embed):
        vecs = embed.get_vecs_by_tokens([token_a, token_b, token_c])
        x = vecs[1] - vecs[0] + vecs[2]
        topk, cos = knn(embed.idx_to_vec, x, 1)
        return embed.idx_to_token[topk[0]]  # Remove unknown words

    assert get_analogy('man', 'woman', 'son', glove_6b50d) == 'daughter'
    assert get_analogy('beijing', 'china', 'tokyo', glove_6b50d) == 'japan'
    assert get_analogy('bad', 'worst', 'big', glove_6b50d) == 'biggest'
    assert get_analogy('do', 'did', 'go', glove_6b50d) == 'went'


def test_embedding_api(glove_home, tmp_path):
    glove = text.embedding.GloVe('glove.6B.50d.txt')
    assert glove.vec_len == 50 and glove.idx_to_vec.shape == (len(_WORDS) + 1, 50)
    np.testing.assert_allclose(glove.get_vecs_by_tokens('man').asnumpy(), _WORDS['man'], atol=1e-6)
    assert (glove.get_vecs_by_tokens(['nope']).asnumpy() == 0).all()           # unknown: init_unknown_vec zeros
    np.testing.assert_allclose(glove.get_vecs_by_tokens(['MAN'], lower_case_backup=True).asnumpy()[0],
                               _WORDS['man'], atol=1e-6)
    glove.update_token_vectors('man', nd.ones(50))
    assert (glove.get_vecs_by_tokens('man').asnumpy() == 1).all()
    with pytest.raises(ValueError, match="Token nope is unknown"):
        glove.update_token_vectors('nope', nd.ones(50))

    # indexed by a vocabulary: its tokens, in its order, with the file's vectors
    vocab = text.vocab.Vocabulary(collections.Counter(['son', 'son', 'zzz']), reserved_tokens=['<pad>'])
    by_vocab = text.embedding.create('glove', pretrained_file_name='glove.6B.50d.txt', vocabulary=vocab)
    assert by_vocab.idx_to_token == ['<unk>', '<pad>', 'son', 'zzz'] and by_vocab.idx_to_vec.shape == (4, 50)
    np.testing.assert_allclose(by_vocab.idx_to_vec[2].asnumpy(), _WORDS['son'], atol=1e-6)
    assert (by_vocab.idx_to_vec[3].asnumpy() == 0).all()

    custom = tmp_path / 'my.vec'
    custom.write_text('h,5\na,1,2\nb,3,4\na,9,9\n<unk>,7,7\n')   # a 1-d header line, a repeat
    with pytest.warns(UserWarning):
        emb = text.embedding.CustomEmbedding(str(custom), elem_delim=',')
    assert emb.idx_to_token == ['<unk>', 'a', 'b'] and emb.idx_to_vec.asnumpy().tolist() == [[7, 7], [1, 2], [3, 4]]

    with pytest.raises(MXNetError, match="glove.6B.100d.txt not found, and this engine downloads nothing"):
        text.embedding.create('glove', pretrained_file_name='glove.6B.100d.txt')
    with pytest.raises(KeyError, match="Cannot find `embedding_name` word2vec"):
        text.embedding.create('word2vec')
