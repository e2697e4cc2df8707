"""fc-adam: the 2-3-1 net of the TensorFlow introduction tutorials, trained with Adam (overhead-bound)."""
