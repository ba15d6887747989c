"""Benchmarks a user can run: `python -m bench` for all, `python -m bench.NAME` for one.

Each prints its measurements side by side and writes its section of bench/RESULTS.md,
with the command, the time and the machine. Speed targets live here, never in tests/.
"""
