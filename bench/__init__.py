"""Benchmarks of what a user feels: ``python -m bench`` (``make bench``) writes BENCHMARKS.md."""
