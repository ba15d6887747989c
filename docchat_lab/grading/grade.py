"""Grade a whole class: every exercise of every submission, in parallel, each in its own sandbox."""

import os
import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from docchat_lab.grading.admission import Admission
from docchat_lab.grading.isolation import MAX_SLOTS, Limits
from docchat_lab.grading.manifest import CheckFunction, Exercise, find, graded_units, hidden_checks
from docchat_lab.grading.results import ExerciseResult
from docchat_lab.grading.runner import not_graded, run_exercise
from docchat_lab.grading.sandbox import Sandbox
from docchat_lab.grading.submissions import Submission, Wanted, collect


@dataclass
class LearnerResult:
    learner: str
    notes: list[str]
    exercises: list[ExerciseResult] = field(default_factory=list)
    source: str = ""
    unreadable: str = ""

    @property
    def total(self) -> float:
        return round(sum(r.score for r in self.exercises), 2)


@dataclass
class ClassResult:
    learners: list[LearnerResult]
    exercises: list[Exercise]
    isolation: str
    notes: list[str]
    seconds: float
    jobs: int
    uid_base: int = 0
    # The gradebook's history: one record per grading run (docchat_lab/grading/gradebook.py).
    runs: list[dict[str, Any]] = field(default_factory=list)
    mode: str = ""
    server_restarts: int = 0

    @property
    def max_total(self) -> float:
        return sum(e.points for e in self.exercises)


class Progress:
    """A one-line progress bar on a terminal; silent otherwise (CI logs stay readable)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.enabled = stream.isatty()
        self.lock = threading.Lock()
        self.started = time.monotonic()

    def step(self) -> None:
        with self.lock:
            self.done += 1
            if self.enabled:
                width = 30
                filled = int(width * self.done / max(self.total, 1))
                rate = self.done / max(time.monotonic() - self.started, 1e-9)
                bar = "#" * filled + "-" * (width - filled)
                self.stream.write(f"\rgrading [{bar}] {self.done}/{self.total} runs, {rate:.1f}/s")
                self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def _hidden(
    folder: Path | None, chosen: list[Exercise]
) -> dict[str, list[tuple[str, CheckFunction]]]:
    if folder is None:
        return {}
    return {e.id: hidden_checks(folder, e) for e in chosen}


def grade(
    submissions_root: Path,
    out_dir: Path,
    *,
    hidden: Path | None = None,
    jobs: int | None = None,
    limits: Limits | None = None,
    mode: str = "auto",
    show_progress: bool = True,
    only: list[str] | None = None,
    learners: list[str] | None = None,
) -> ClassResult:
    chosen = [find(name) for name in only] if only else list(graded_units())
    started = time.monotonic()
    try:
        submissions, notes = collect(
            submissions_root,
            Wanted(
                files=frozenset(e.file for e in chosen if e.package is None),
                packages=frozenset(e.package for e in chosen if e.package is not None),
            ),
        )
    except OSError as exc:  # the folder itself: nothing to grade, but still a report
        submissions, notes = [], [f"could not read {submissions_root}: {exc.strerror}"]
    if learners:  # regrading some learners: the others' cells stay as they are
        submissions = [s for s in submissions if s.learner in learners]
    # Many runs wait (timing checks sleep): eight busy processes per core keep the cores busy.
    # A run that keeps several busy at once takes as many of them (grading/admission.py).
    jobs = max(1, min(jobs or 8 * (os.cpu_count() or 1), MAX_SLOTS))
    admission = Admission(jobs)
    costs = {e.id: admission.cost(e.busy()) for e in chosen}
    extra = _hidden(hidden, chosen)
    results = {
        s.learner: LearnerResult(s.learner, s.notes, source=s.shown_source, unreadable=s.unreadable)
        for s in submissions
    }
    for s in (s for s in submissions if s.unreadable):
        results[s.learner].exercises = [not_graded(e, "unreadable", s.unreadable) for e in chosen]
    # Learner by learner: a heavy run (stage 08) comes once in every learner's units, with
    # light ones between, never all the class's at once.
    runs = [(s, e) for s in submissions if not s.unreadable for e in chosen]
    progress = Progress(len(runs)) if show_progress else None
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)
    with Sandbox([e.slug for e in chosen], mode=mode, limits=limits) as sandbox:

        def one(submission: Submission, exercise: Exercise) -> tuple[str, ExerciseResult]:
            admission.acquire(costs[exercise.id])
            slot = slots.get()
            try:
                return submission.learner, _grade_one(sandbox, submission, exercise, slot, extra)
            finally:
                slots.put(slot)
                admission.release(costs[exercise.id])
                if progress:
                    progress.step()

        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade") as pool:
            futures = [pool.submit(one, s, e) for s, e in runs]
            for future in as_completed(futures):
                learner, result = future.result()
                results[learner].exercises.append(result)
        isolation, uid_base = sandbox.description, sandbox.uid_base
        mode, restarts = sandbox.mode, sandbox.restarts
    if restarts:
        notes.append(
            f"the fork server stopped {restarts} time(s) and was started again; only the runs it "
            "had in flight were lost (they show as crashed)"
        )
    if progress:
        progress.finish()
    order = {e.id: i for i, e in enumerate(chosen)}
    for learner_result in results.values():
        learner_result.exercises.sort(key=lambda r: order[r.exercise])
    elapsed = time.monotonic() - started
    return ClassResult(
        list(results.values()),
        chosen,
        isolation,
        notes,
        elapsed,
        jobs,
        uid_base,
        mode=mode,
        server_restarts=restarts,
    )


def _grade_one(
    sandbox: Sandbox,
    submission: Submission,
    exercise: Exercise,
    slot: int,
    extra: dict[str, list[tuple[str, CheckFunction]]],
) -> ExerciseResult:
    # A drill gets its one file; a stage gets the whole package (`my_docchat/...`).
    wanted = exercise.file
    files = {
        name: data
        for name, data in submission.files.items()
        if (name.startswith(wanted) if exercise.package else name == wanted)
    }
    try:
        return run_exercise(sandbox, exercise, files, slot=slot, hidden=extra.get(exercise.id))
    except Exception as exc:  # a bug of the grader's: this run only, never the class
        return not_graded(exercise, "grader", f"{type(exc).__name__}: {exc}")
