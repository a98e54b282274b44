"""Benchmarks run as modules, e.g. ``python -m benchmarks.solomon``; not part of the installed package."""
