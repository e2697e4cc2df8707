"""The seedlike fake declares layer_config unsupported (the row must say so, not crash)."""
UNSUPPORTED = "the fake has no prototxt (a test of the unsupported row)"
