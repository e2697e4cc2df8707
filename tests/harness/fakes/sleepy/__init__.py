"""A test-only workload whose step sleeps for $STYLEBENCH_FAKE_SLEEP_S seconds (a deliberate slowdown)."""
