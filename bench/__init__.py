"""Benchmarks of Makelaar's protocol core; run each as a module (``python -m bench.crypto_ops``)."""
