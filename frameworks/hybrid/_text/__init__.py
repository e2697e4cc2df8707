"""mx.contrib.text: the token indexing of MXNet 1.x's contrib text API (vocab.Vocabulary,
utils.count_tokens_from_str), which d2l's machine translation and sentiment chapters build their
vocabularies with. Its pretrained `embedding` module downloads GloVe / fastText files and is not here."""
from . import utils, vocab

__all__ = ["utils", "vocab"]
