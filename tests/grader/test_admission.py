"""How many runs grade at once: a run takes as many of `--jobs` as the processes it keeps busy."""

import shutil
import threading
import time
from pathlib import Path

import pytest

from docchat_lab.grading import grade as grade_module
from docchat_lab.grading.admission import Admission
from docchat_lab.grading.manifest import Exercise, find, graded_units
from docchat_lab.grading.results import ExerciseResult
from docchat_lab.grading.runner import not_graded
from docchat_lab.stages import package

ROOT = Path(__file__).resolve().parents[2]


def _started(target: object) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def test_a_run_costs_what_it_keeps_busy_within_the_whole_budget() -> None:
    admission = Admission(4)

    assert [admission.cost(n) for n in (0, 1, 3, 4, 11)] == [1, 1, 3, 4, 4]
    with pytest.raises(ValueError, match="at least 1"):
        Admission(0)


def test_runs_are_admitted_in_order_so_a_heavy_one_is_not_passed_over() -> None:
    admission = Admission(4)
    admission.acquire(3)  # a light run leaves 1 free
    order: list[str] = []
    heavy = _started(lambda: (admission.acquire(4), order.append("heavy")))
    _wait_for(lambda: len(admission._queue) == 1, "the heavy run did not queue")
    light = _started(lambda: (admission.acquire(1), order.append("light")))
    _wait_for(lambda: len(admission._queue) == 2, "the light run did not queue")

    time.sleep(0.05)
    assert order == []  # 1 unit is free, but the light run waits behind the heavy one
    admission.release(3)
    heavy.join(10)
    assert order == ["heavy"]  # the light one still waits: the heavy one holds everything
    admission.release(4)
    light.join(10)
    assert order == ["heavy", "light"]


def test_served_runs_take_more_than_one_job_and_plain_runs_one() -> None:
    busy = {unit.id: unit.busy() for unit in graded_units()}

    # stage 08: ten test processes (the last runs the whole folder, for the fixtures) and the
    # app, about half running at once, and the main one.
    assert busy["stage08"] == 7
    assert busy["ex08"] == 4  # seven test processes and the app; no main process
    assert {busy[u] for u in busy if u not in ("stage08", "ex08")} == {1}
    assert find("stage08").min_time_s >= 60


class _NoSandbox:
    """grade()'s sandbox, with nothing started: the runs below are stand-ins."""

    description, uid_base, mode, restarts = "none", 0, "none", 0

    def __init__(self, *_args: object, **_kwargs: object) -> None:
        pass

    def __enter__(self) -> "_NoSandbox":
        return self

    def __exit__(self, *_exc: object) -> None:
        return None


def test_grade_never_keeps_more_processes_busy_than_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs, in_flight, most = 8, [0], [0]
    lock = threading.Lock()

    def stand_in(_sandbox: object, _s: object, unit: Exercise, *_rest: object) -> ExerciseResult:
        with lock:
            in_flight[0] += unit.busy()
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.02)
        with lock:
            in_flight[0] -= unit.busy()
        return not_graded(unit, "grader", "a stand-in")

    monkeypatch.setattr(grade_module, "Sandbox", _NoSandbox)
    monkeypatch.setattr(grade_module, "_grade_one", stand_in)
    for n in range(6):
        learner = tmp_path / "class" / f"learner{n}"
        package.write_snapshot(package.LAST_STAGE, learner)
        shutil.copy(ROOT / "solutions" / "ex01_dependencies.py", learner)

    result = grade_module.grade(
        tmp_path / "class", tmp_path / "out", jobs=jobs, show_progress=False,
        only=["stage08", "ex08", "ex01"],
    )  # fmt: skip

    assert len(result.learners) == 6
    assert all(len(learner.exercises) == 3 for learner in result.learners)
    assert find("stage08").busy() <= most[0] <= jobs  # two stage 08 runs never overlap here
