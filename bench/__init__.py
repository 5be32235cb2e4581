"""Benchmarks: `python -m bench` (or `make bench`) prints a table of measured figures."""
