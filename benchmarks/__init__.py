"""Benchmarks for pmsync: a synthetic postmortem corpus and the scan throughput check."""
