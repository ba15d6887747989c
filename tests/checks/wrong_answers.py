"""Realistic wrong answers (the mistakes the lesson warns about), as edits of the reference
answers. Each must fail exactly the listed checks, with a message that says what went wrong."""

from dataclasses import dataclass


@dataclass(frozen=True)
class WrongAnswer:
    exercise: str
    mistake: str
    old: str  # text of the reference answer ...
    new: str  # ... replaced by this
    fails: frozenset[str]
    says: str  # every failing check's message contains this

    def apply(self, solution: str) -> str:
        assert self.old in solution, f"{self.exercise}: {self.old!r} is no longer in the solution"
        return solution.replace(self.old, self.new)


def wrong(exercise: str, mistake: str, old: str, new: str, fails: set[str], says: str) -> WrongAnswer:
    return WrongAnswer(exercise, mistake, old, new, frozenset(fails), says)


WRONG_ANSWERS = [
    wrong(
        "ex01", "no bounds on limit",
        "limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT",
        "limit: int = DEFAULT_LIMIT",
        {"test_pagination_limit_bounds"}, "expected 422",
    ),
    wrong(
        "ex01", "a hard-coded key instead of the overridable dependency",
        "if x_api_key not in keys:", 'if x_api_key != "dev-key":',
        {"test_api_key_comes_from_the_overridable_dependency", "test_annotated_aliases_work_in_a_route"},
        "answered 403",
    ),
    wrong(
        "ex01", "403 for a missing key",
        'raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key")',
        'raise HTTPException(status.HTTP_403_FORBIDDEN, "missing API key")',
        {"test_api_key_missing_is_401", "test_annotated_aliases_work_in_a_route"},
        "answered 403",
    ),
]
