"""A test-only workload shaped like the seed table's vqa: sizes small and large, three engines, one unsupported."""
