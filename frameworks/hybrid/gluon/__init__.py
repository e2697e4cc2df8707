"""gluon: Blocks, HybridBlocks (hybridize), Parameters, Trainer, losses, layers and data loading."""
from . import contrib, data, loss, nn, rnn, utils
from .block import Block, HybridBlock, SymbolBlock
from .parameter import DeferredInitializationError, Parameter, ParameterDict
from .trainer import Trainer

__all__ = ["Block", "HybridBlock", "SymbolBlock", "Parameter", "ParameterDict", "DeferredInitializationError",
           "Trainer", "contrib", "nn", "rnn", "loss", "data", "utils"]
