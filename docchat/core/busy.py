"""A busy database is waited for, with backoff; it is never a reason to give up on the work.

`is_busy` tells "someone else holds the lock, try again" apart from "the database is
broken". Only SQLite's codes are known here; another database adds its own (for
PostgreSQL: serialization failures and lock timeouts) in `is_busy`.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import OperationalError

log = logging.getLogger("docchat.db")
T = TypeVar("T")

_SQLITE_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (and their extended codes)
_SQLITE_BUSY_WORDS = ("database is locked", "database table is locked", "database is busy")


def is_busy(exc: BaseException) -> bool:
    """True when the database refused only because another writer holds its lock."""
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_BUSY_CODES:
        return True
    return any(words in str(exc.orig).lower() for words in _SQLITE_BUSY_WORDS)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retry for up to `budget_s` of wall time, waiting `first_s`, doubling up to `most_s`."""

    budget_s: float
    first_s: float = 0.05
    most_s: float = 2.0


# A request gives up after this long in all, and answers 429 with Retry-After.
REQUEST_BACKOFF = Backoff(budget_s=10.0)
# Background processing has no client waiting: it can be patient.
BACKGROUND_BACKOFF = Backoff(budget_s=120.0)
RETRY_AFTER_S = 5


def retry_while_busy(
    attempt: Callable[[], T], backoff: Backoff, *, sleep: Callable[[float], None] = time.sleep
) -> T:
    """`attempt()`, again after each busy failure, until it succeeds or the budget is spent.

    Each attempt must clean up after itself (close its session). When the budget is spent
    the last busy error is raised; any other error is raised at once.
    """
    deadline = time.monotonic() + backoff.budget_s
    delay = backoff.first_s
    while True:
        try:
            return attempt()
        except OperationalError as exc:
            if not is_busy(exc) or time.monotonic() + delay > deadline:
                raise
            log.info("database busy; trying again in %.2f s", delay)
            sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, backoff.most_s)
