"""A test-only workload for the regression gate: a step of fixed length that one version makes slower."""
