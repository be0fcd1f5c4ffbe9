"""Benchmarks of the dashboard: ``python -m bench`` (``make bench``) writes BENCHMARKS.md.

Modules: ``datagen`` (deterministic synthetic data, no Django), ``worker`` (measurements run inside
Django, one process per task), ``national`` (PostgreSQL national scale), ``load`` (gunicorn + wrk),
``report`` (BENCHMARKS.md), ``runner`` (scratch databases, subprocesses, machine facts).
"""
