"""Feedback on one exercise's result, as terminal text, Markdown or HTML."""

import html
from dataclasses import dataclass
from typing import Any

from docchat_lab.grading.cell import describe
from docchat_lab.grading.results import CheckResult, ExerciseResult

PASS, FAIL = "✔", "✘"
HIDDEN_NOTE = (
    "Every check shown here passes. When your work is graded, hidden checks may run too, "
    "and they can still fail."
)


def check_title(check: CheckResult) -> str:
    """A check's name in words; hidden checks (and those declared never visible) stay anonymous."""
    if _anonymous(check):
        return "hidden check"
    return check.name.removeprefix("test_").replace("_", " ")


def _anonymous(check: CheckResult) -> bool:
    return check.hidden or check.visibility == "never"


def _message(check: CheckResult) -> str:
    return "a hidden check failed" if _anonymous(check) else check.message


def _notes(result: ExerciseResult) -> list[str]:
    """Late days and overrides; and, before grading, that hidden checks may still fail."""
    notes = describe(result.record)
    every_public_passes = (
        result.status == "ok"
        and result.checks
        and all(c.passed and not _anonymous(c) for c in result.checks)
    )
    if every_public_passes and result.record is None:
        notes.append(HIDDEN_NOTE)
    return notes


@dataclass
class Row:
    """One line of feedback: a check, or several in a row that failed for one reason."""

    passed: bool
    title: str
    message: str = ""
    hint: str = ""


def _row(check: CheckResult) -> Row:
    if check.passed:
        return Row(True, check_title(check))
    hint = "" if _anonymous(check) else check.hint
    return Row(False, check_title(check), _message(check), hint)


def rows(result: ExerciseResult) -> list[Row]:
    """The checks in order; a run of checks not run for one same reason is one row."""
    out: list[Row] = []
    run: list[CheckResult] = []

    def flush() -> None:
        if len(run) == 1:
            out.append(_row(run[0]))
        elif run:
            others = f"{len(run) - 1} more check{'s' if len(run) > 2 else ''}"
            out.append(Row(False, f"{check_title(run[0])}, and {others}", run[0].message))
        run.clear()

    for check in result.checks:
        # Not run, or not checked: the same message, and no hint of its own.
        same_reason = not check.passed and not check.hint and not _anonymous(check)
        if same_reason and run and run[0].message == check.message:
            run.append(check)
            continue
        flush()
        if same_reason:
            run.append(check)
        else:
            out.append(_row(check))
    flush()
    return out


def all_passed(result: ExerciseResult) -> bool:
    return result.status == "ok" and bool(result.checks) and result.passed == len(result.checks)


def headline(result: ExerciseResult, title: str) -> str:
    total = len(result.checks)
    points = f"{result.score:g}/{result.points:g} points"
    return f"{result.exercise} · {title}: {result.passed}/{total} checks passed, {points}"


def _status_line(result: ExerciseResult) -> str:
    return "" if result.status == "ok" else f"The whole exercise {result.detail}."


def as_text(result: ExerciseResult, title: str) -> str:
    lines = [headline(result, title)]
    if status := _status_line(result):
        lines.append("  " + status)
    lines += [f"  {note}" for note in _notes(result)]
    for row in rows(result):
        lines.append(f"  {PASS if row.passed else FAIL} {row.title}")
        if not row.passed:
            lines.append(f"      {row.message}")
            if row.hint:
                lines.append(f"      hint: {row.hint}")
    return "\n".join(lines)


def as_markdown(result: ExerciseResult, title: str, *, summary: str | None = None) -> str:
    md = markdown_inline
    lines = [f"### {md(summary or headline(result, title))}", ""]
    if status := _status_line(result):
        lines += [f"**{md(status)}**", ""]
    lines += [f"- {md(note)}" for note in _notes(result)] + ([""] if _notes(result) else [])
    lines += ["| | check | what happened | hint |", "|---|---|---|---|"]
    for row in rows(result):
        mark = PASS if row.passed else FAIL
        lines.append(f"| {mark} | {md(row.title)} | {md(row.message)} | {md(row.hint)} |")
    return "\n".join(lines) + "\n"


# Learner-made text (file names, exception messages) lands in Markdown that a forge or an LMS
# renders: kept to one line, with no HTML, link, image or table cell of its making.
_INLINE = str.maketrans(
    {"\r": " ", "\n": " ", "&": "&amp;", "<": "&lt;", ">": "&gt;"} | {c: "\\" + c for c in "\\[]`|"}
)


def markdown_inline(text: str) -> str:
    return str(text).translate(_INLINE)


def as_html(result: ExerciseResult, title: str, *, summary: str | None = None) -> str:
    cells = []
    for row in rows(result):
        colour = "#1a7f37" if row.passed else "#cf222e"
        cells.append(
            f'<tr><td style="color:{colour};font-weight:bold">{PASS if row.passed else FAIL}</td>'
            f"<td>{html.escape(row.title)}</td><td>{html.escape(row.message)}</td>"
            f'<td style="color:#57606a">{html.escape(row.hint)}</td></tr>'
        )
    status = _status_line(result)
    banner = f'<p style="color:#cf222e"><b>{html.escape(status)}</b></p>' if status else ""
    banner += "".join(f'<p class="note">{html.escape(note)}</p>' for note in _notes(result))
    return (
        f"<div><p><b>{html.escape(summary or headline(result, title))}</b></p>{banner}"
        '<table><thead><tr><th></th><th style="text-align:left">check</th>'
        '<th style="text-align:left">what happened</th><th style="text-align:left">hint</th>'
        f"</tr></thead><tbody>{''.join(cells)}</tbody></table></div>"
    )


class Feedback:
    """Displays as an HTML table in Jupyter and as text elsewhere (and under nbval)."""

    def __init__(self, result: ExerciseResult, title: str) -> None:
        self.result = result
        self.title = title

    @property
    def passed(self) -> bool:
        return all_passed(self.result)

    def _repr_html_(self) -> str:
        return as_html(self.result, self.title)

    def __repr__(self) -> str:
        return as_text(self.result, self.title)

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()
