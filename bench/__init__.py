"""Benchmarks of warn: figures printed as a table, not timed tests (`python -m bench`)."""
