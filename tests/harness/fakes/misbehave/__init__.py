"""A test-only workload whose sizes each misbehave in one way (crash, hang, raise, NaN, allocate, sleep)."""
