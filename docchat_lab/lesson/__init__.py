"""Machinery the lesson notebooks call, so that their cells read as examples, not as harnesses."""
