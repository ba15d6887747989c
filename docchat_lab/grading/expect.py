"""Assertions for checks, with messages a learner can act on: what was called, what came back,
what was expected."""

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from docchat_lab.grading.subject import CheckFailedError, Response

F = TypeVar("F", bound=Callable[..., Any])
# Who sees a check's name, message and hint: the learner always, once the unit's due date has
# passed, or never (it still counts, like a hidden check).
VISIBILITIES = ("always", "after_due", "never")


def about(*names: str) -> Callable[[F], F]:
    """Name what a check is about; a failure message then starts with it: `pagination(): ...`."""

    def mark(check: F) -> F:
        check.about = ", ".join(names)  # type: ignore[attr-defined]
        return check

    return mark


def weight(value: float) -> Callable[[F], F]:
    """Make a check count `value` times as much as a plain one (the default weight is 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"a check's weight must be a number above 0, not {value!r}")

    def mark(check: F) -> F:
        check.weight = float(value)  # type: ignore[attr-defined]
        return check

    return mark


def visibility(when: str) -> Callable[[F], F]:
    """When a learner may see this check's details: "always", "after_due" or "never"."""
    if when not in VISIBILITIES:
        raise ValueError(f"a check's visibility is one of {', '.join(VISIBILITIES)}, not {when!r}")

    def mark(check: F) -> F:
        check.visibility = when  # type: ignore[attr-defined]
        return check

    return mark


def declared(check: Callable[..., Any]) -> tuple[float, str]:
    """A check's weight and visibility, as its decorators set them (1 and "always" otherwise)."""
    value, when = getattr(check, "weight", 1.0), getattr(check, "visibility", "always")
    valid = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return (float(value) if valid else 1.0), (when if when in VISIBILITIES else "always")


def expect(condition: bool, message: str, *, hint: str | None = None) -> None:
    if not condition:
        raise CheckFailedError(message, hint=hint)


def expect_status(
    response: Response, expected: int | Collection[int], *, why: str = "", hint: str | None = None
) -> None:
    response.raise_for_learner_error()
    wanted = {expected} if isinstance(expected, int) else set(expected)
    if response.status_code not in wanted:
        shown = " or ".join(str(s) for s in sorted(wanted))
        reason = f" ({why})" if why else ""
        raise CheckFailedError(
            f"{response.request} answered {response.summary()}; expected {shown}{reason}", hint=hint
        )


def expect_equal(actual: Any, expected: Any, what: str, *, hint: str | None = None) -> None:
    # `actual` is plain data decoded from JSON in the judge: its == cannot be overridden.
    if type(actual) is not type(expected) or actual != expected:
        raise CheckFailedError(f"{what} gave {actual!r}; expected {expected!r}", hint=hint)


def expect_header(response: Response, name: str, expected: str | None, *, why: str = "") -> None:
    response.raise_for_learner_error()
    actual = response.headers.get(name)
    if actual != expected:
        shown = "no such header" if actual is None else repr(actual)
        want = "no such header" if expected is None else repr(expected)
        reason = f" ({why})" if why else ""
        raise CheckFailedError(
            f"{response.request}: header {name} is {shown}; expected {want}{reason}"
        )
