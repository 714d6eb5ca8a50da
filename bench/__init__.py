"""Benchmarks: scale data and timings, run by hand (never part of the test suite)."""
