"""Benchmark harness for enkrypt_middleware: run ``python -m bench`` (see bench/README.md)."""
