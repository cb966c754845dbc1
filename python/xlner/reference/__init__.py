"""Deliberately simple pure-Python reference implementations, written from the definitions; used by tests and benches."""
