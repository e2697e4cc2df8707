"""cnn: a small LeNet-style convnet (two conv3x3 + relu + maxpool blocks, a linear classifier)."""
