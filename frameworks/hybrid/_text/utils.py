"""mx.contrib.text.utils: counting the tokens of a string."""
import collections
import re


def count_tokens_from_str(source_str, token_delim=' ', seq_delim='\n', to_lower=False, counter_to_update=None):
    """A collections.Counter of the tokens in `source_str` (split on token_delim or seq_delim, as regular
    expressions, empty tokens dropped); `counter_to_update` is updated and returned when given."""
    tokens = filter(None, re.split(token_delim + '|' + seq_delim, source_str))
    if to_lower:
        tokens = [t.lower() for t in tokens]
    if counter_to_update is None:
        return collections.Counter(tokens)
    counter_to_update.update(tokens)
    return counter_to_update
