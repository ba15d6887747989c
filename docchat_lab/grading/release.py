"""Feedback ready to hand back: a folder per learner, with what that learner may see.

A unit whose due date (the learner's own, extension included) has passed is released whole:
its score, late days and overrides, and every check but the hidden ones, which show only as
"hidden check". A unit not yet due is released early, if at all: only the checks declared
visible "always", no score, and a note that hidden checks may still fail. The instructor's
copy in grades/feedback/ is never handed out as it is.
"""

import html
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from docchat_lab.feedback import as_html, as_markdown
from docchat_lab.grading.cell import shown_time
from docchat_lab.grading.course import Course
from docchat_lab.grading.grade import ClassResult, LearnerResult
from docchat_lab.grading.gradebook import UNGRADED
from docchat_lab.grading.learner_ids import learner_id
from docchat_lab.grading.outputs import OutputError, files
from docchat_lab.grading.results import ExerciseResult

# Beside the learners' folders: a name no learner id can take (ids never start with '_',
# learner_ids.py). `released.json`, its old name, was a learner's for `released.json.zip`.
MANIFEST = "_released.json"
OLD_MANIFEST = "released.json"
PAGES = ("feedback.md", "feedback.html")


def release(
    book: ClassResult, course: Course | None, target: Path, now: datetime, *, early: bool = False
) -> dict[str, Any]:
    """Write `target/<learner>/feedback.md` and `.html`; return what was released to whom.

    Every path is checked first (OutputError): a bad one writes nothing."""
    ids = [learner.learner for learner in book.learners]
    # Only a hand-edited gradebook has another id: it could name the manifest, or `../x`.
    for name in ids:
        if learner_id(name) != name:
            raise OutputError(f"{name!r} in the gradebook is not a learner id grading gives")
    old = target / OLD_MANIFEST
    stale = _is_manifest(old)
    names = [f"{i}/{page}" for i in ids if not (stale and i == OLD_MANIFEST) for page in PAGES]
    files(target, [*names, MANIFEST], "--to")
    if stale:  # the last release's, under the old name: superseded, and it may take a learner's
        old.unlink()
    titles = {u.id: u.title for u in book.exercises}
    released: dict[str, Any] = {"at": now.isoformat(timespec="seconds"), "learners": {}}
    for learner in book.learners:
        units = _units(learner, course, now, early)
        folder = target / learner.learner
        folder.mkdir(parents=True, exist_ok=True)
        markdown, page = _render(learner, units, titles)
        for name, text in zip(PAGES, (markdown, page), strict=True):
            (folder / name).write_text(text, encoding="utf-8")
        released["learners"][learner.learner] = {
            unit.exercise: state for unit, state, _due in units
        }
    partial = target / (MANIFEST + ".partial")
    partial.write_text(json.dumps(released, indent=2) + "\n", encoding="utf-8")
    partial.replace(target / MANIFEST)
    return released


def _is_manifest(path: Path) -> bool:
    """Whether `path` is a manifest this kit wrote (never a learner's folder or anyone's file)."""
    if not path.is_file() or path.is_symlink():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and set(data) == {"at", "learners"}


def _units(
    learner: LearnerResult, course: Course | None, now: datetime, early: bool
) -> list[tuple[ExerciseResult, str, datetime | None]]:
    """Each graded unit with its state: "released", "early" or "held" (not due yet)."""
    units = []
    for cell in learner.exercises:
        if cell.status == UNGRADED:
            continue
        due = course.due_for(learner.learner, cell.exercise)[0] if course else None
        if due is None or now >= due:
            units.append((full_view(cell), "released", due))
        else:
            units.append((early_view(cell), "early" if early else "held", due))
    return units


def full_view(cell: ExerciseResult) -> ExerciseResult:
    """Every check but hidden ones in full: those only say whether they passed."""
    checks = [
        replace(c, hidden=True, message="", hint="")
        if c.hidden or c.visibility == "never"
        else replace(c, visibility="always")
        for c in cell.checks
    ]
    return replace(cell, checks=checks)


def early_view(cell: ExerciseResult) -> ExerciseResult:
    """Before the due date: only the checks declared visible always, and no record."""
    checks = [c for c in cell.checks if c.visibility == "always" and not c.hidden]
    return replace(cell, checks=checks, record=None)


def _render(
    learner: LearnerResult,
    units: list[tuple[ExerciseResult, str, datetime | None]],
    titles: dict[str, str],
) -> tuple[str, str]:
    released = [cell for cell, state, _due in units if state == "released"]
    total = sum(cell.score for cell in released)
    out_of = sum(cell.points for cell in released)
    head = f"Feedback for {learner.learner}"
    summary = f"Released units: {total:g} / {out_of:g} points."
    markdown = [f"# {head}", "", summary, ""]
    body = [f"<p>{html.escape(summary)}</p>"]
    for cell, state, due in units:
        title = titles.get(cell.exercise, cell.exercise)
        if state == "released":
            markdown.append(as_markdown(cell, title))
            body.append(as_html(cell, title))
            continue
        when = shown_time(due.isoformat(timespec="seconds")) if due else ""
        if state == "held":
            line = f"{cell.exercise} · {title}: feedback comes after the due date, {when}."
            markdown += [f"### {line}", ""]
            body.append(f"<p><b>{html.escape(line)}</b></p>")
            continue
        shown = len(cell.checks)
        summary_line = (
            f"{cell.exercise} · {title}: early feedback on {shown} checks; your score, and the "
            f"other checks, come after the due date, {when}."
        )
        markdown.append(as_markdown(cell, title, summary=summary_line))
        body.append(as_html(cell, title, summary=summary_line))
    style = "body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto}"
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(head)}</title><style>{style}</style></head><body>"
        f"<h1>{html.escape(head)}</h1>{''.join(body)}</body></html>\n"
    )
    return "\n".join(markdown) + "\n", page
