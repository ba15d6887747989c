"""Small gradebooks built by hand, for tests that need exact, stable numbers."""

from pathlib import Path

from docchat_lab.grading.cell import CellRecord
from docchat_lab.grading.grade import ClassResult, LearnerResult
from docchat_lab.grading.manifest import Exercise
from docchat_lab.grading.results import CheckResult, ExerciseResult

UNITS = [
    Exercise("ex01", "ex01_dependencies", "Pagination and API-key dependencies", "", 10.0, ""),
    Exercise("ex03", "ex03_routers", "A documents router and an app factory", "", 10.0, ""),
]
COURSE = """
[[learner]]
id = "ada"
name = "Ada Lovelace"
email = "ada@example.edu"
canvas_id = "1001"
sis_user_id = "S1001"
sis_login_id = "ada"
section = "A"
idnumber = "S1001"

[[learner]]
id = "grace"
name = "Grace Brewster Hopper"
email = "grace@example.edu"
canvas_id = "1005"
sis_user_id = "S1005"
sis_login_id = "grace"
section = "A"
idnumber = "S1005"

[[learner]]
id = "nemo"
name = "Nemo"
email = "nemo@example.edu"
canvas_id = "1009"

[course]
timezone = "Europe/Paris"

[due]
ex01 = 2026-03-02T23:59:00
ex03 = 2026-03-16T23:59:00

[[extension]]
learner = "ada"
unit = "ex03"
until = 2026-03-18T23:59:00

[late]
policy = "percent_per_day"
percent_per_day = 10
max_percent = 50

[lms.canvas]
assignments = { ex01 = 5001 }

[lms.moodle]
match = "email"
items = { ex03 = "Stage 3: routers" }
"""
OVERRIDES = """
[[override]]
learner = "grace"
unit = "ex01"
points = 1.5
reason = "Accepted in class | see the 3 March notes."
by = "M. Hamilton"
"""


def checks(passed: int, total: int, *, hidden: int = 0) -> list[CheckResult]:
    found = [
        CheckResult(
            f"test_public_{n}",
            n < passed,
            "" if n < passed else f"public check {n} failed",
            hint="" if n < passed else f"a hint for check {n}",
        )
        for n in range(total)
    ]
    found += [
        CheckResult(f"test_secret_{n}", False, "a hidden check failed", "assertion", hidden=True)
        for n in range(hidden)
    ]
    return found


def cell(
    unit: str, passed: int, total: int, submitted: str, *, run: int = 1, **kw: int
) -> ExerciseResult:
    return ExerciseResult(
        unit,
        f"{unit}_slug",
        10.0,
        checks=checks(passed, total, **kw),
        seconds=0.25,
        record=CellRecord(run, "2026-03-20T10:00:00+01:00", submitted, "zip file times"),
    )


def sample_book() -> ClassResult:
    """ada: on time, and within her extension; grace: a day late on ex03, one override;
    zed: graded but not on the roster; nemo: on the roster, never graded."""
    learners = [
        LearnerResult(
            "ada",
            [],
            [
                cell("ex01", 8, 8, "2026-03-02T20:00:00+01:00"),
                cell("ex03", 9, 10, "2026-03-18T10:00:00+01:00", hidden=1),
            ],
        ),
        LearnerResult(
            "grace",
            [],
            [
                cell("ex01", 6, 8, "2026-03-01T20:00:00+01:00"),
                cell("ex03", 10, 10, "2026-03-17T09:30:00+01:00"),
            ],
        ),
        LearnerResult(
            "zed",
            [],
            [
                cell("ex01", 4, 8, "2026-03-01T20:00:00+01:00"),
                cell("ex03", 0, 10, "2026-03-01T20:00:00+01:00"),
            ],
        ),
    ]
    return ClassResult(learners, list(UNITS), "none", [], 1.0, 2, runs=[{"run": 1}])


def course_files(folder: Path) -> Path:
    (folder / "overrides.toml").write_text(OVERRIDES, encoding="utf-8")
    path = folder / "course.toml"
    path.write_text(COURSE, encoding="utf-8")
    return path
