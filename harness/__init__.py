"""The harness: runs (engine, workload, size, device) cells in fresh processes, measures, reports."""
