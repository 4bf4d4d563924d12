"""Benchmarks: one command each, results printed as a table with the machine and a baseline."""
