"""What grading writes: grades.csv, grades.json, feedback per learner, and report.html."""

import html
import json
import statistics
from pathlib import Path
from typing import Any

from docchat_lab.feedback import as_html, as_markdown, check_title, markdown_inline
from docchat_lab.grading.cell import describe
from docchat_lab.grading.exports import write_csv
from docchat_lab.grading.grade import ClassResult, LearnerResult
from docchat_lab.grading.report_charts import bar_chart, histogram
from docchat_lab.grading.term_report import sections as term_sections

TROUBLE = ("timeout", "memory", "crashed", "grader", "unreadable")


def write_all(result: ClassResult, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [_csv(result, out_dir / "grades.csv"), _json(result, out_dir / "grades.json")]
    feedback = out_dir / "feedback"
    feedback.mkdir(exist_ok=True)
    titles = {e.id: e.title for e in result.exercises}
    for learner in result.learners:
        try:
            written += _feedback(learner, result, titles, feedback)
        except OSError as exc:  # one learner's page must not cost the class its report
            result.notes.append(f"no feedback written for {learner.learner}: {exc.strerror}")
    written.append(_report(result, out_dir / "report.html"))
    return written


def _csv(result: ClassResult, path: Path) -> Path:
    ids = [e.id for e in result.exercises]
    rows = [["learner", "source", *ids, "total", "out_of", "problems", "adjustments"]]
    for learner in result.learners:
        scores = [f"{r.score:g}" for r in learner.exercises]
        problems = "; ".join(
            f"{r.exercise} {r.status}" for r in learner.exercises if r.status != "ok"
        )
        if learner.unreadable:
            problems = f"unreadable submission: {learner.unreadable}"
        # Late days and overrides, so the CSV says why a score is not what the checks gave.
        adjustments = "; ".join(
            f"{r.exercise}: {line}" for r in learner.exercises for line in describe(r.record)
        )
        total, out_of = f"{learner.total:g}", f"{result.max_total:g}"
        rows.append(
            [learner.learner, learner.source, *scores, total, out_of, problems, adjustments]
        )
    return write_csv(rows, path)


def _json(result: ClassResult, path: Path) -> Path:
    data: dict[str, Any] = {
        "isolation": result.isolation,
        "exercises": [{"id": e.id, "title": e.title, "points": e.points} for e in result.exercises],
        "notes": result.notes,
        "learners": [
            {
                "learner": lr.learner,
                "source": lr.source,
                "unreadable": lr.unreadable,
                "total": lr.total,
                "notes": lr.notes,
                "exercises": [r.to_dict() for r in lr.exercises],
            }
            for lr in result.learners
        ],
        "runs": result.runs,
    }
    # The gradebook lasts across runs: write it whole or not at all.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def _feedback(
    learner: LearnerResult, result: ClassResult, titles: dict[str, str], folder: Path
) -> list[Path]:
    total = f"**{learner.total:g} / {result.max_total:g}** points"
    head = f"# Feedback for {learner.learner}\n\nTotal: {total}.\n"
    every_note = [*learner.notes, *([learner.unreadable] if learner.unreadable else [])]
    notes = "".join(f"- {markdown_inline(n)}\n" for n in every_note)
    markdown = head + (f"\nAbout your submission:\n\n{notes}" if notes else "") + "\n"
    markdown += "\n".join(as_markdown(r, titles[r.exercise]) for r in learner.exercises)
    md_path = folder / f"{learner.learner}.md"
    md_path.write_text(markdown, encoding="utf-8")
    body = "".join(as_html(r, titles[r.exercise]) for r in learner.exercises)
    note_items = "".join(f"<li>{html.escape(n)}</li>" for n in every_note)
    page = _page(
        f"Feedback for {learner.learner}",
        f"<p>Total: <b>{learner.total:g} / {result.max_total:g}</b> points.</p>"
        + (f"<ul>{note_items}</ul>" if note_items else "")
        + body,
    )
    html_path = folder / f"{learner.learner}.html"
    html_path.write_text(page, encoding="utf-8")
    return [md_path, html_path]


def _rates(result: ClassResult) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    by_exercise, by_check = [], []
    for index, exercise in enumerate(result.exercises):
        runs = [lr.exercises[index] for lr in result.learners if len(lr.exercises) > index]
        full = [r.score == r.points for r in runs]
        by_exercise.append(
            (f"{exercise.id} {exercise.title}", sum(full) / len(full) if full else 0.0)
        )
        for position, check in enumerate(runs[0].checks if runs else []):
            passed = [r.checks[position].passed for r in runs if len(r.checks) > position]
            by_check.append(
                (
                    f"{exercise.id} · {check_title(check)}",
                    sum(passed) / len(passed) if passed else 0.0,
                )
            )
    return by_exercise, by_check


def _report(result: ClassResult, path: Path) -> Path:
    totals = [lr.total for lr in result.learners]
    by_exercise, by_check = _rates(result)
    trouble = [
        (lr.learner, r) for lr in result.learners for r in lr.exercises if r.status in TROUBLE
    ]
    rows = "".join(
        f"<tr><td>{html.escape(lr.learner)}</td>"
        + "".join(f"<td>{r.score:g}</td>" for r in lr.exercises)
        + f"<td><b>{lr.total:g}</b></td></tr>"
        for lr in sorted(result.learners, key=lambda lr: lr.learner)
    )
    header = "".join(f"<th>{e.id}</th>" for e in result.exercises)
    stats = "no submissions"
    if totals:
        stats = (
            f"{len(totals)} learners · mean {statistics.mean(totals):.1f} · median "
            f"{statistics.median(totals):g} · out of {result.max_total:g}"
        )
    trouble_items = (
        "".join(
            f"<li>{html.escape(name)}: {r.exercise} {html.escape(r.detail)}</li>"
            for name, r in trouble
        )
        or "<li>none</li>"
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.notes)
    body = (
        f"<p>{stats}</p><p><b>Isolation:</b> {html.escape(result.isolation)}</p>"
        "<h2>Score distribution</h2>"
        + histogram(totals, result.max_total)
        + "<h2>Full marks per exercise</h2>"
        + bar_chart(by_exercise)
        + "<h2>Pass rate per check</h2>"
        + bar_chart(by_check)
        + f"<h2>Timed out, crashed or out of memory</h2><ul>{trouble_items}</ul>"
        + (f"<h2>Skipped entries and other notes</h2><ul>{notes}</ul>" if notes else "")
        + f"<h2>Grades</h2><table><tr><th>learner</th>{header}<th>total</th></tr>{rows}</table>"
        + term_sections(result, path.parent)
    )
    path.write_text(_page("Class report", body), encoding="utf-8")
    return path


def _page(title: str, body: str) -> str:
    style = (
        "body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#1f2328}"
        "table{border-collapse:collapse}"
        "td,th{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top}"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>\n"
    )


def summary(result: ClassResult) -> str:
    totals = [lr.total for lr in result.learners]
    per = result.seconds / len(totals) if totals else 0.0
    trouble = sum(1 for lr in result.learners for r in lr.exercises if r.status in TROUBLE)
    lines = [
        f"graded {len(totals)} submissions x {len(result.exercises)} exercises in "
        f"{result.seconds:.1f} s ({per:.3f} s per submission, {result.jobs} jobs)",
        f"isolation: {result.isolation}",
    ]
    if totals:
        lines.append(
            f"mean {statistics.mean(totals):.1f}, median {statistics.median(totals):g} "
            f"out of {result.max_total:g}; "
            f"{trouble} exercise runs timed out, crashed or ran out of memory"
        )
    return "\n".join(lines)
