"""Benchmarks run by ``tablero bench`` and the browser helper they share with the tests."""
