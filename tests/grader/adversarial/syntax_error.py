"""Threat: not even Python. Deserves: 0, with a message naming the line."""

def pagination(skip: int = 0 limit: int = 20):
    return {}
