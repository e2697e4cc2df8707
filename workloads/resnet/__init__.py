"""resnet: a small CIFAR-shaped residual convnet with batch norm and dropout (two residual blocks)."""
