"""mlp-l2: the two-layer ReLU net with a summed L2 loss and plain SGD."""
