"""Telling a busy database from a broken one, and waiting for the busy one."""

import sqlite3
import time

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from docchat.core.busy import Backoff, is_busy, retry_while_busy


def _operational(message: str, code: int | None = None) -> OperationalError:
    orig = sqlite3.OperationalError(message)
    if code is not None:
        orig.sqlite_errorcode = code  # type: ignore[attr-defined]
    return OperationalError("INSERT ...", {}, orig)


@pytest.mark.parametrize(
    "error",
    [
        _operational("database is locked", 5),
        _operational("database is locked", 517),  # SQLITE_BUSY_SNAPSHOT
        _operational("database table is locked", 6),
        _operational("database is locked (the app's other writers held it for 10.0 s)"),
    ],
)
def test_busy_errors_are_busy(error: OperationalError) -> None:
    assert is_busy(error)


@pytest.mark.parametrize(
    "error",
    [
        _operational("disk I/O error", 10),
        _operational("attempt to write a readonly database", 8),
        _operational("no such table: documents", 1),
        IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("NOT NULL constraint failed")),
        RuntimeError("database is locked"),  # not a database error at all
    ],
)
def test_other_errors_are_not_busy(error: Exception) -> None:
    assert not is_busy(error)


def test_retry_while_busy_waits_until_the_lock_is_gone() -> None:
    attempts: list[int] = []
    waits: list[float] = []  # what it asked to sleep: the schedule, whatever the machine's load

    def attempt() -> str:
        attempts.append(1)
        if len(attempts) < 4:
            raise _operational("database is locked", 5)
        return "done"

    backoff = Backoff(budget_s=5, first_s=0.01)
    result = retry_while_busy(attempt, backoff, sleep=waits.append)

    assert result == "done"
    assert len(attempts) == 4
    # It backs off: each wait doubles, less up to half of it (the jitter that spreads writers).
    assert len(waits) == 3
    for n, wait in enumerate(waits):
        assert backoff.first_s * 2**n * 0.5 <= wait <= backoff.first_s * 2**n
    assert waits[-1] > waits[0]


def test_retry_while_busy_raises_other_errors_at_once() -> None:
    attempts = []

    def attempt() -> None:
        attempts.append(1)
        raise _operational("disk I/O error", 10)

    with pytest.raises(OperationalError, match="disk I/O"):
        retry_while_busy(attempt, Backoff(budget_s=5, first_s=0.01))
    assert len(attempts) == 1


def test_retry_while_busy_gives_up_when_the_budget_is_spent() -> None:
    start = time.monotonic()

    def attempt() -> None:
        raise _operational("database is locked", 5)

    with pytest.raises(OperationalError, match="locked"):
        retry_while_busy(attempt, Backoff(budget_s=0.3, first_s=0.02, most_s=0.05))
    assert 0.2 <= time.monotonic() - start < 2.0
