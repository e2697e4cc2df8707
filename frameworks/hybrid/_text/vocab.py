"""mx.contrib.text.vocab: Vocabulary, the index of text tokens."""
import collections

UNKNOWN_IDX = 0   # the unknown token is always index 0


class Vocabulary:
    """Indices for the unknown token (0), then the reserved tokens in order, then the keys of `counter` by
    descending frequency (ties in sorted order), keeping at most `most_freq_count` of them and only those
    seen at least `min_freq` times."""

    def __init__(self, counter=None, most_freq_count=None, min_freq=1, unknown_token='<unk>',
                 reserved_tokens=None):
        # MXNet's own checks are asserts, so their failures are AssertionErrors with its wording
        assert min_freq > 0, '`min_freq` must be set to a positive value.'
        if reserved_tokens is not None:
            reserved = set(reserved_tokens)
            assert unknown_token not in reserved, '`reserved_token` cannot contain `unknown_token`.'
            assert len(reserved) == len(reserved_tokens), \
                '`reserved_tokens` cannot contain duplicate reserved tokens.'
        self._unknown_token = unknown_token
        self._idx_to_token = [unknown_token]
        self._reserved_tokens = None if reserved_tokens is None else reserved_tokens[:]
        if reserved_tokens is not None:
            self._idx_to_token.extend(reserved_tokens)
        self._token_to_idx = {token: idx for idx, token in enumerate(self._idx_to_token)}
        if counter is not None:
            self._index_counter_keys(counter, most_freq_count, min_freq)

    def _index_counter_keys(self, counter, most_freq_count, min_freq):
        assert isinstance(counter, collections.Counter), \
            '`counter` must be an instance of collections.Counter.'
        special = set(self._idx_to_token)
        token_freqs = sorted(counter.items(), key=lambda x: x[0])
        token_freqs.sort(key=lambda x: x[1], reverse=True)   # stable: equal counts stay in sorted order
        token_cap = len(special) + (len(counter) if most_freq_count is None else most_freq_count)
        for token, freq in token_freqs:
            if freq < min_freq or len(self._idx_to_token) == token_cap:
                break
            if token not in special:
                self._idx_to_token.append(token)
                self._token_to_idx[token] = len(self._idx_to_token) - 1

    def __len__(self):
        return len(self._idx_to_token)

    @property
    def token_to_idx(self):
        """dict: each token's index."""
        return self._token_to_idx

    @property
    def idx_to_token(self):
        """list: the tokens in index order."""
        return self._idx_to_token

    @property
    def unknown_token(self):
        return self._unknown_token

    @property
    def reserved_tokens(self):
        return self._reserved_tokens

    def to_indices(self, tokens):
        """A token's index (UNKNOWN_IDX if not indexed), or a list of them for a list of tokens."""
        one = not isinstance(tokens, list)
        indices = [self._token_to_idx.get(token, UNKNOWN_IDX) for token in ([tokens] if one else tokens)]
        return indices[0] if one else indices

    def to_tokens(self, indices):
        """The token at an index, or a list of them for a list of indices; ValueError for an index that is
        not an int or is past the end."""
        one = not isinstance(indices, list)
        max_idx = len(self._idx_to_token) - 1
        tokens = []
        for idx in [indices] if one else indices:
            if not isinstance(idx, int) or idx > max_idx:
                raise ValueError(f'Token index {idx} in the provided `indices` is invalid.')
            tokens.append(self._idx_to_token[idx])
        return tokens[0] if one else tokens
