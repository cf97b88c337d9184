"""Real TensorBoard and headless Chromium, for the tests and the benchmarks alike.

Not part of the installed package: tests/ and bench/ import it from the
repository root (both run from there).
"""
