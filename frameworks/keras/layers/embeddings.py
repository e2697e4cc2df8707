"""keras.layers.Embedding: integer ids -> rows of the embeddings matrix (the shared embedding kernel)."""
from .. import backend as K, initializers
from ..engine import Layer
from .core import _init_config


class Embedding(Layer):
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
                 **kwargs):
        if "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,) if input_length else (None,)
        super().__init__(**kwargs)
        if mask_zero:
            raise ValueError(f"Embedding {self.name}: mask_zero=True (masking) is not supported by this "
                             "Keras; pad and train on the padded sequences instead")
        if any(r is not None for r in (embeddings_regularizer, activity_regularizer, embeddings_constraint)):
            raise ValueError(f"Embedding {self.name}: regularizers and constraints are not supported")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.mask_zero = mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer)
        self.built = True

    def call(self, inputs):
        if not inputs.dtype.is_integer:
            inputs = K.cast(inputs, "int64")
        return K.gather(self.embeddings, inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = {"input_dim": self.input_dim, "output_dim": self.output_dim,
                  "embeddings_initializer": _init_config(self.embeddings_initializer),
                  "mask_zero": self.mask_zero, "input_length": self.input_length}
        base = super().get_config()
        base.pop("batch_input_shape", None)
        return dict(base, **config)
