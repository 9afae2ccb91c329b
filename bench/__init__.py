"""Benchmarks of the status Lambda and its wait policy (``python -m bench``)."""
