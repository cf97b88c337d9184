"""Benchmarks: every figure is a ratio of two things measured alternately in one run."""
