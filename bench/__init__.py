"""Benchmarks of the identity provider under gunicorn: `make bench` runs ``bench/run.py``."""
