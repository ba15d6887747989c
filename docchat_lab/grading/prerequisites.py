"""Checks that rest on an earlier one: when that one failed, say "not checked", and why.

One mistake should be reported once, with its own hint. A check whose claim needs an earlier
step (a file that loads, a POST that answers 201) either declares it with `@after(...)` or
raises `NotCheckedError` from the shared step; the runner then reports "not checked: <cause>,
see the check above" instead of a failure with a hint about something that was never tested.
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from docchat_lab.grading.subject import CheckFailedError

F = TypeVar("F", bound=Callable[..., Any])
NOT_CHECKED = "not-checked"
LOAD_HINT = "No check can run until the file loads: fix that line first."


class _Done(Protocol):
    name: str
    passed: bool


class NotCheckedError(CheckFailedError):
    """Raised by a step that an earlier check (`after`) already tested and found failing.

    `message` is the full failure, used when that earlier check did not fail (or is the one
    running): the step then failed here on its own, and is reported as a plain failure.
    """

    def __init__(self, cause: str, *, after: str, message: str | None = None) -> None:
        super().__init__(message or cause)
        self.cause = cause
        self.after = after
        self.public = False  # may a hidden check show the cause? only the kit's own causes


def after(*checks: str) -> Callable[[F], F]:
    """Declare that a check's claim rests on earlier checks, by name (`test_...`)."""

    def mark(check: F) -> F:
        check.after = checks  # type: ignore[attr-defined]
        return check

    return mark


def blocker(
    unit: str, check: Any, load_failure: CheckFailedError | None, earlier: Sequence[_Done]
) -> CheckFailedError | None:
    """What stops `check` from running: the unit did not load, or a check it rests on failed.

    A load failure is reported once, by the first check; the others are not checked.
    """
    if load_failure is not None:
        if not earlier:
            load_failure.hint = load_failure.hint or LOAD_HINT
            return load_failure
        blocked = NotCheckedError(f"{unit} did not load", after=earlier[0].name)
        blocked.public = True
        return blocked
    failed = {r.name for r in earlier if not r.passed}
    for needed in getattr(check, "after", ()):
        if needed in failed:
            blocked = NotCheckedError(f"{_title(needed)} failed", after=needed)
            blocked.public = True
            return blocked
    return None


def explain(
    exc: NotCheckedError, earlier: Sequence[_Done], hint: str, hidden: bool
) -> tuple[str, str, str]:
    """(message, kind, hint) for a check that stopped at a step it rests on."""
    if not any(r.name == exc.after and not r.passed for r in earlier):
        # The step failed here first: a plain failure of this check, with this check's hint.
        return ("a hidden check failed" if hidden else exc.message), "assertion", exc.hint or hint
    if hidden and not exc.public:
        return "a hidden check failed", NOT_CHECKED, ""
    return f"not checked: {exc.cause}, see the check above", NOT_CHECKED, ""


def _title(check_name: str) -> str:
    return "“" + check_name.removeprefix("test_").replace("_", " ") + "”"
