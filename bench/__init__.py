"""Benchmarks. Each prints one JSON object on its last line; none of them is a test."""
