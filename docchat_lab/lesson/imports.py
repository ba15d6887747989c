"""Pretend, for a moment, that a package is not installed; keep a logger's lines for a demo."""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def not_installed(*names: str) -> Iterator[None]:
    """While inside, `import name` fails for each of `names`, as if it were not installed."""
    saved = {name: sys.modules.get(name) for name in names}
    try:
        for name in names:
            sys.modules[name] = None  # type: ignore[assignment]
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


class _Keep(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def kept_log(name: str) -> Iterator[list[str]]:
    """What logger `name` says while inside, kept in a list instead of reaching stderr."""
    lines: list[str] = []
    logger, handler = logging.getLogger(name), _Keep(lines)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
