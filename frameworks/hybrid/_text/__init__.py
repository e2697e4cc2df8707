"""mx.contrib.text: MXNet 1.x's contrib text API: vocab.Vocabulary, utils.count_tokens_from_str and
embedding (GloVe, FastText, CustomEmbedding read from local files), which d2l's machine translation,
sentiment and word-similarity chapters use."""
from . import embedding, utils, vocab

__all__ = ["embedding", "utils", "vocab"]
