"""Slow pure-Python reference implementations, written from the definitions, for tests and benches."""
