"""Every reference answer passes its checks; every generated stub fails them, and only as
"not done yet"; exercises/ is what solutions/ generates; every exercise is linked and hinted."""

import re

import nbformat
import pytest

from docchat_lab.exercise_gen import out_of_date
from docchat_lab.grading.manifest import Exercise, exercises
from docchat_lab.grading.runner import run_exercise
from docchat_lab.grading.sandbox import Sandbox
from tests.checks.conftest import EXERCISES, ROOT, SOLUTIONS, ready_exercises
from tests.checks.wrong_answers import WRONG_ANSWERS, WrongAnswer

READY = ready_exercises()


def _run(sandbox: Sandbox, exercise: Exercise, folder):
    return run_exercise(sandbox, exercise, {exercise.file: (folder / exercise.file).read_bytes()})


def _failures(result) -> str:
    return "\n".join(f"{c.name}: [{c.kind}] {c.message}" for c in result.checks if not c.passed)


@pytest.mark.parametrize("exercise", READY, ids=lambda e: e.id)
def test_reference_answer_passes_every_check(sandbox: Sandbox, exercise: Exercise) -> None:
    result = _run(sandbox, exercise, SOLUTIONS)
    assert result.status == "ok", result.detail
    assert result.checks, "an exercise with no checks"
    assert result.passed == len(result.checks), _failures(result)
    assert result.score == exercise.points


@pytest.mark.parametrize("exercise", READY, ids=lambda e: e.id)
def test_generated_stub_fails_every_check_as_not_done(sandbox: Sandbox, exercise: Exercise) -> None:
    result = _run(sandbox, exercise, EXERCISES)
    assert result.status == "ok", result.detail
    assert result.passed == 0, [c.name for c in result.checks if c.passed]
    wrong_kind = [c for c in result.checks if c.kind != "not-implemented"]
    assert not wrong_kind, _failures(result)
    assert result.score == 0


def test_exercises_folder_is_generated_from_solutions() -> None:
    assert out_of_date(SOLUTIONS, EXERCISES) == []


def test_solutions_folder_holds_only_reference_answers() -> None:
    allowed = {e.file for e in exercises()} | {"README.exercises.md"}
    stray = sorted(
        p.name for p in SOLUTIONS.iterdir() if p.name not in allowed and p.name != "__pycache__"
    )
    assert stray == []


def test_every_exercise_has_solution_checks_and_hints() -> None:
    assert [e.id for e in READY] == [e.id for e in exercises()], (
        "exercises without checks or solution"
    )
    for exercise in exercises():
        assert exercise.hint.strip(), exercise.id
        assert "TODO" not in exercise.hint, exercise.id
        names = {name for name, _ in exercise.checks()}
        unknown = set(exercise.hints) - names
        assert not unknown, f"{exercise.id}: hints for checks that do not exist: {unknown}"


@pytest.mark.parametrize("exercise", list(exercises()), ids=lambda e: e.id)
def test_every_exercise_is_linked_from_its_notebook(exercise: Exercise) -> None:
    notebook = ROOT / "notebooks" / exercise.notebook
    assert notebook.is_file(), f"{exercise.notebook} does not exist"
    cells = nbformat.read(notebook, as_version=4).cells
    text = "\n".join(c.source for c in cells)
    assert f"exercises/{exercise.file}" in text, "the notebook does not say which file to open"
    assert re.search(rf'check\("{exercise.id}"\)', text), "the notebook has no check cell"


@pytest.mark.parametrize("answer", WRONG_ANSWERS, ids=lambda w: f"{w.exercise}-{w.mistake}")
def test_wrong_answer_fails_the_right_checks(sandbox: Sandbox, answer: WrongAnswer) -> None:
    exercise = next(e for e in exercises() if e.id == answer.exercise)
    source = (SOLUTIONS / exercise.file).read_text(encoding="utf-8")
    result = run_exercise(sandbox, exercise, {exercise.file: answer.apply(source).encode()})
    failed = {c.name for c in result.checks if not c.passed}
    assert failed == answer.fails, _failures(result)
    reported = [c for c in result.checks if not c.passed and c.kind != "not-checked"]
    assert reported, "the mistake itself is reported by at least one check"
    for check in result.checks:
        if check.passed:
            continue
        if check.kind == "not-checked":  # rests on a step an earlier check found failing
            assert check.message.startswith("not checked: "), check.message
            assert not check.hint, f"{check.name} hints at something it did not test"
            continue
        assert answer.says in check.message, check.message
        assert check.hint, f"{check.name} failed without a hint"


def test_testing_exercise_runs_tests_that_need_pytest_itself(sandbox: Sandbox) -> None:
    """Fixtures and marks of the learner's own go through pytest, and score the same."""
    exercise = next(e for e in exercises() if e.id == "ex08")
    source = (SOLUTIONS / exercise.file).read_text(encoding="utf-8")
    extra = """

import pytest


@pytest.fixture
def created(client):
    return client.post("/documents/", json={"title": "Mine", "content": "Some text."})


@pytest.mark.parametrize("limit", [1, 100])
def test_allowed_limits(client, limit):
    assert client.get(f"/documents/?limit={limit}").status_code == 200


def test_fixture_of_my_own(created):
    assert created.status_code == 202
"""
    result = run_exercise(sandbox, exercise, {exercise.file: (source + extra).encode()})
    assert result.score == exercise.points, _failures(result)


def test_testing_exercise_accepts_a_test_that_reads_the_422s_location(sandbox: Sandbox) -> None:
    """limit=101 is the 422 notebooks 01 and 09 teach: its detail names query.limit."""
    exercise = next(e for e in exercises() if e.id == "ex08")
    source = (SOLUTIONS / exercise.file).read_text(encoding="utf-8")
    extra = """

def test_limit_101_names_the_parameter(client):
    response = client.get("/documents/?limit=101")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]
"""
    result = run_exercise(sandbox, exercise, {exercise.file: (source + extra).encode()})
    assert result.score == exercise.points, _failures(result)
