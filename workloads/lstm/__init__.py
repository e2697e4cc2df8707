"""lstm: a one-layer LSTM language-model step using the fused sequence LSTM."""
