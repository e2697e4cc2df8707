"""gluon: Blocks, HybridBlocks (hybridize), Parameters, Trainer, losses, layers and data loading."""
from . import contrib, data, loss, model_zoo, nn, rnn, utils
from .block import Block, HybridBlock, SymbolBlock
from .parameter import Constant, DeferredInitializationError, Parameter, ParameterDict
from .trainer import Trainer

__all__ = ["Block", "HybridBlock", "SymbolBlock", "Parameter", "Constant", "ParameterDict", "DeferredInitializationError",
           "Trainer", "contrib", "model_zoo", "nn", "rnn", "loss", "data", "utils"]
