"""Benchmarks and load tools: ``python -m bench.vote_burst`` (see the README)."""
