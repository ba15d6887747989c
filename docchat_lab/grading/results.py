"""What grading found: a check's result, an exercise's result and score, kept short."""

from dataclasses import asdict, dataclass, field
from typing import Any

from docchat_lab.grading.cell import CellRecord, final_score

# Whatever a submission makes the judge say is stored and shown at most this long.
MESSAGE_LIMIT = 2000
TRUNCATED = " [truncated]"


def capped(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text`, cut to `limit` characters with a visible mark when it was longer, and always
    encodable: a lone surrogate (JSON lets a worker send one) made every report write fail."""
    text = str(text)
    text = text if len(text) <= limit else text[: limit - len(TRUNCATED)] + TRUNCATED
    return text.encode("utf-8", "replace").decode("utf-8")


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str = ""
    kind: str = ""
    hint: str = ""
    hidden: bool = False
    # Declared on the check with @weight / @visibility (docchat_lab/grading/expect.py).
    weight: float = 1.0
    visibility: str = "always"

    def __post_init__(self) -> None:
        self.message, self.hint = capped(self.message), capped(self.hint)


@dataclass
class ExerciseResult:
    exercise: str
    slug: str
    points: float
    status: str = "ok"  # ok | timeout | memory | crashed | grader | unreadable
    detail: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    # The gradebook's part: when it was submitted and graded, late days, overrides (cell.py).
    record: CellRecord | None = None

    def __post_init__(self) -> None:
        self.detail = capped(self.detail)

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def raw_score(self) -> float:
        """What the checks earned, each weighing its declared weight."""
        total = sum(c.weight for c in self.checks)
        if self.status != "ok" or not total:
            return 0.0
        return round(self.points * sum(c.weight for c in self.checks if c.passed) / total, 2)

    @property
    def score(self) -> float:
        return final_score(self.raw_score, self.points, self.record)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = self.score
        data["raw_score"] = self.raw_score
        return data
