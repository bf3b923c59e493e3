"""Benchmarks: `make bench` runs them all and prints the tables in the README."""
