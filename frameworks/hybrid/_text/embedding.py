"""mx.contrib.text.embedding: token embeddings read from a pre-trained vector file (GloVe, fastText, or any
file of `token v1 v2 ...` lines), indexed as a Vocabulary: the unknown token at 0, then the file's tokens
(or, given `vocabulary`, that vocabulary's tokens with their vectors looked up). This engine downloads
nothing: GloVe and FastText read <embedding_root>/<glove|fasttext>/<pretrained_file_name> where MXNet would
have downloaded it, and say so when it is missing."""
import io
import os
import warnings

from ..base import MXNetError
from . import vocab

UNKNOWN_IDX = vocab.UNKNOWN_IDX
_REGISTRY = {}


def register(embedding_cls):
    """Files an embedding class under its lowercased name for create()."""
    _REGISTRY[embedding_cls.__name__.lower()] = embedding_cls
    return embedding_cls


def create(embedding_name, **kwargs):
    """An instance of the registered embedding `embedding_name` ('glove', 'fasttext'), built with kwargs."""
    if embedding_name.lower() not in _REGISTRY:
        raise KeyError('Cannot find `embedding_name` %s. Use `get_pretrained_file_names(embedding_name=None)'
                       '.keys()` to get all the valid embedding names.' % embedding_name)
    return _REGISTRY[embedding_name.lower()](**kwargs)


def get_pretrained_file_names(embedding_name=None):
    """The pre-trained file names each embedding knows (a list for one name, a dict for all)."""
    if embedding_name is not None:
        if embedding_name not in _REGISTRY:
            raise KeyError('Cannot find `embedding_name` %s. Use `get_pretrained_file_names(embedding_name=None)'
                           '.keys()` to get all the valid embedding names.' % embedding_name)
        return list(_REGISTRY[embedding_name].pretrained_file_names)
    return {name: list(cls.pretrained_file_names) for name, cls in _REGISTRY.items()}


def _zeros(shape):
    from .. import ndarray
    return ndarray.zeros(shape)


class _TokenEmbedding(vocab.Vocabulary):
    """A Vocabulary whose every index has a vector: idx_to_vec (len(self), vec_len)."""
    pretrained_file_names = ()

    def _load_embedding(self, pretrained_file_path, elem_delim, init_unknown_vec, encoding='utf8'):
        """Tokens and vectors of the file, in file order after the unknown token; the first vector of a
        repeated token wins; a 1-element line is a header and skipped; the unknown token's vector is the
        file's when it has one, else init_unknown_vec."""
        from .. import ndarray
        pretrained_file_path = os.path.expanduser(pretrained_file_path)
        if not os.path.isfile(pretrained_file_path):
            raise ValueError('`pretrained_file_path` must be a valid path to the pre-trained token embedding '
                             'file.')
        vec_len, rows, seen, unknown_vec = None, [], set(), None
        with io.open(pretrained_file_path, 'r', encoding=encoding) as f:
            for line_num, line in enumerate(f, 1):
                elems = line.rstrip().split(elem_delim)
                assert len(elems) > 1, 'At line %d of the pre-trained text embedding file: the data format of ' \
                    'the pre-trained token embedding file %s is unexpected.' % (line_num, pretrained_file_path)
                token, values = elems[0], [float(v) for v in elems[1:]]
                if token == self.unknown_token and unknown_vec is None:
                    unknown_vec = values
                    seen.add(token)
                elif token in seen:
                    warnings.warn('At line %d of the pre-trained token embedding file: the embedding vector for '
                                  'token %s has been loaded and a duplicate embedding for the  same token is '
                                  'seen and skipped.' % (line_num, token))
                elif len(values) == 1:
                    warnings.warn('At line %d of the pre-trained text embedding file: token %s with '
                                  '1-dimensional vector %s is likely a header and is skipped.'
                                  % (line_num, token, values))
                else:
                    if vec_len is None:
                        vec_len = len(values)
                    assert len(values) == vec_len, 'At line %d of the pre-trained token embedding file: the ' \
                        'dimension of token %s is %d but the dimension of previous tokens is %d. Dimensions ' \
                        'of all the tokens must be the same.' % (line_num, token, len(values), vec_len)
                    rows.append(values)
                    self._idx_to_token.append(token)
                    self._token_to_idx[token] = len(self._idx_to_token) - 1
                    seen.add(token)
        self._vec_len = vec_len
        self._idx_to_vec = ndarray.array([[0.0] * vec_len] + rows)
        self._idx_to_vec[UNKNOWN_IDX] = (init_unknown_vec(shape=vec_len) if unknown_vec is None
                                         else ndarray.array(unknown_vec))

    def _build_embedding_for_vocabulary(self, vocabulary):
        """Re-index by `vocabulary`: its tokens, each with this embedding's vector (the unknown one's if absent)."""
        if vocabulary is None:
            return
        assert isinstance(vocabulary, vocab.Vocabulary), \
            'The argument `vocabulary` must be an instance of mxnet.contrib.text.vocab.Vocabulary.'
        from .. import ndarray
        vecs = self.get_vecs_by_tokens(vocabulary.idx_to_token[1:]) if len(vocabulary) > 1 else None
        first = self._idx_to_vec[UNKNOWN_IDX].reshape((1, -1))
        self._idx_to_vec = first if vecs is None else ndarray.concat(first, vecs, dim=0)
        self._token_to_idx = vocabulary.token_to_idx.copy()
        self._idx_to_token = vocabulary.idx_to_token[:]
        self._unknown_token = vocabulary.unknown_token
        self._reserved_tokens = None if vocabulary.reserved_tokens is None else vocabulary.reserved_tokens[:]

    @property
    def vec_len(self):
        return self._vec_len

    @property
    def idx_to_vec(self):
        return self._idx_to_vec

    def get_vecs_by_tokens(self, tokens, lower_case_backup=False):
        """The vector of a token (1-d), or of each token in a list (2-d); an unknown token gets index 0's;
        with lower_case_backup a token not found is looked up again in lower case."""
        from .. import ndarray
        one = not isinstance(tokens, list)
        tokens = [tokens] if one else tokens
        if lower_case_backup:
            indices = [self._token_to_idx[t] if t in self._token_to_idx
                       else self._token_to_idx.get(t.lower(), UNKNOWN_IDX) for t in tokens]
        else:
            indices = [self._token_to_idx.get(t, UNKNOWN_IDX) for t in tokens]
        vecs = ndarray.Embedding(ndarray.array(indices), self._idx_to_vec, self._idx_to_vec.shape[0],
                                 self._idx_to_vec.shape[1])
        return vecs[0] if one else vecs

    def update_token_vectors(self, tokens, new_vectors):
        """Overwrite the vectors of known tokens (an unknown one is a ValueError)."""
        if not isinstance(tokens, list):
            tokens = [tokens]
        if len(new_vectors.shape) == 1:
            new_vectors = new_vectors.expand_dims(0)
        assert new_vectors.shape == (len(tokens), self.vec_len), \
            'The length of new_vectors must be equal to the number of tokens and the width of' \
            'new_vectors must be equal to the dimension of embeddings of the glossary.'
        for token, row in zip(tokens, range(len(tokens))):
            if token not in self._token_to_idx:
                raise ValueError('Token %s is unknown. To update the embedding vector for an unknown token, '
                                 'please specify it explicitly as the `unknown_token` %s in `tokens`. This is '
                                 'to avoid unintended updates.' % (token, self._idx_to_token[UNKNOWN_IDX]))
            self._idx_to_vec[self._token_to_idx[token]] = new_vectors[row]


class _Pretrained(_TokenEmbedding):
    """GloVe and FastText: the named file under embedding_root/<class name lowercased>/."""
    default_file = None

    def __init__(self, pretrained_file_name=None, embedding_root=os.path.join('~', '.mxnet', 'embeddings'),
                 init_unknown_vec=_zeros, vocabulary=None, **kwargs):
        pretrained_file_name = pretrained_file_name or self.default_file
        super().__init__(**kwargs)
        path = os.path.join(os.path.expanduser(embedding_root), type(self).__name__.lower(), pretrained_file_name)
        if not os.path.isfile(path):
            raise MXNetError(f"{type(self).__name__}: {path} not found, and this engine downloads nothing; put "
                             f"the pre-trained file there (or load any file with CustomEmbedding)")
        self._load_embedding(path, ' ', init_unknown_vec)
        self._build_embedding_for_vocabulary(vocabulary)


@register
class GloVe(_Pretrained):
    """GloVe vectors (Pennington et al.), from glove.*.txt."""
    default_file = 'glove.840B.300d.txt'
    pretrained_file_names = ('glove.42B.300d.txt', 'glove.6B.50d.txt', 'glove.6B.100d.txt', 'glove.6B.200d.txt',
                             'glove.6B.300d.txt', 'glove.840B.300d.txt', 'glove.twitter.27B.25d.txt',
                             'glove.twitter.27B.50d.txt', 'glove.twitter.27B.100d.txt',
                             'glove.twitter.27B.200d.txt')


@register
class FastText(_Pretrained):
    """fastText vectors (Bojanowski et al.), from *.vec files (their 'count dim' header line is skipped); the
    names listed are the common ones (MXNet's list has every wiki.<language>.vec), any local file is read."""
    default_file = 'wiki.simple.vec'
    pretrained_file_names = ('wiki.simple.vec', 'wiki.en.vec', 'crawl-300d-2M.vec')


class CustomEmbedding(_TokenEmbedding):
    """Vectors from any file of `token<elem_delim>v1<elem_delim>v2 ...` lines."""

    def __init__(self, pretrained_file_path, elem_delim=' ', encoding='utf8', init_unknown_vec=_zeros,
                 vocabulary=None, **kwargs):
        super().__init__(**kwargs)
        self._load_embedding(pretrained_file_path, elem_delim, init_unknown_vec, encoding)
        self._build_embedding_for_vocabulary(vocabulary)
