"""layers.Conv2DTranspose as Keras 2's: output sizes (deconv_length), kernel layout (kh, kw, filters, in),
values against the shared kernel's NumPy definition, and a DCGAN-style generator that trains."""
import numpy as np
import pytest

from frameworks import kernels
from frameworks.keras import layers
from frameworks.keras.models import Sequential

R = np.random.RandomState(2)


@pytest.mark.parametrize("padding,output_padding,out", [("valid", None, (9, 11)), ("same", None, (8, 10)),
                                                        ("same", 1, (8, 10)), ("valid", (1, 0), (10, 11))])
def test_output_size_and_values(padding, output_padding, out):
    model = Sequential([layers.Conv2DTranspose(3, 3, strides=2, padding=padding, output_padding=output_padding,
                                               input_shape=(4, 5, 2))])
    assert model.output_shape == (None, *out, 3)
    kernel, bias = model.layers[0].get_weights()
    assert kernel.shape == (3, 3, 3, 2)
    bias = R.standard_normal(3).astype(np.float32)
    model.layers[0].set_weights([kernel, bias])
    x = R.standard_normal((2, 4, 5, 2)).astype(np.float32)
    got = model.predict(x)
    # the full transposed convolution, then Keras/TF's crop: pad_before = total // 2 of what is cut
    full, _ = kernels.conv_transpose2d.forward(np, x.transpose(0, 3, 1, 2).astype(np.float64),
                                               kernel.transpose(3, 2, 0, 1).astype(np.float64), stride=2,
                                               output_padding=1)
    cut = [max(full.shape[2 + d] - 1 - out[d], 0) for d in range(2)]   # rows past the output_padding one
    before = [c // 2 for c in cut]
    want = full[:, :, before[0]:before[0] + out[0], before[1]:before[1] + out[1]].transpose(0, 2, 3, 1) + bias
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_output_padding_must_be_smaller_than_the_stride():
    with pytest.raises(ValueError, match="must be greater than output padding"):
        layers.Conv2DTranspose(3, 3, strides=2, output_padding=2)


def test_dcgan_style_generator_trains():
    g = Sequential([
        layers.Dense(4 * 4 * 8, input_shape=(10,), activation="relu"),
        layers.Reshape((4, 4, 8)),
        layers.Conv2DTranspose(4, 4, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
    ])
    g.compile(optimizer="adam", loss="mse")
    z, target = R.standard_normal((8, 10)), R.uniform(-0.5, 0.5, (8, 16, 16, 1))
    assert g.predict(z).shape == (8, 16, 16, 1)
    first = g.train_on_batch(z, target)
    for _ in range(5):
        last = g.train_on_batch(z, target)
    assert np.isfinite(last) and last < first
