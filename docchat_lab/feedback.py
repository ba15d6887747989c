"""Feedback on one exercise's result, as terminal text, Markdown or HTML."""

import html
from typing import Any

from docchat_lab.grading.cell import describe
from docchat_lab.grading.runner import CheckResult, ExerciseResult

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
    for check in result.checks:
        lines.append(f"  {PASS if check.passed else FAIL} {check_title(check)}")
        if not check.passed:
            lines.append(f"      {_message(check)}")
            if check.hint and not _anonymous(check):
                lines.append(f"      hint: {check.hint}")
    return "\n".join(lines)


def as_markdown(result: ExerciseResult, title: str, *, summary: str | None = None) -> str:
    lines = [f"### {summary or headline(result, title)}", ""]
    if status := _status_line(result):
        lines += [f"**{status}**", ""]
    lines += [f"- {note}" for note in _notes(result)] + ([""] if _notes(result) else [])
    lines += ["| | check | what happened | hint |", "|---|---|---|---|"]
    for check in result.checks:
        mark = PASS if check.passed else FAIL
        message = "" if check.passed else _cell(_message(check))
        hint = "" if check.passed or _anonymous(check) else _cell(check.hint)
        lines.append(f"| {mark} | {check_title(check)} | {message} | {hint} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_html(result: ExerciseResult, title: str, *, summary: str | None = None) -> str:
    rows = []
    for check in result.checks:
        colour = "#1a7f37" if check.passed else "#cf222e"
        mark = PASS if check.passed else FAIL
        message = "" if check.passed else html.escape(_message(check))
        hint = "" if check.passed or _anonymous(check) else html.escape(check.hint)
        rows.append(
            f'<tr><td style="color:{colour};font-weight:bold">{mark}</td>'
            f"<td>{html.escape(check_title(check))}</td><td>{message}</td>"
            f'<td style="color:#57606a">{hint}</td></tr>'
        )
    status = _status_line(result)
    banner = f'<p style="color:#cf222e"><b>{html.escape(status)}</b></p>' if status else ""
    banner += "".join(f'<p class="note">{html.escape(note)}</p>' for note in _notes(result))
    return (
        f"<div><p><b>{html.escape(summary or headline(result, title))}</b></p>{banner}"
        '<table><thead><tr><th></th><th style="text-align:left">check</th>'
        '<th style="text-align:left">what happened</th><th style="text-align:left">hint</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


class Feedback:
    """Displays as an HTML table in Jupyter and as text elsewhere (and under nbval)."""

    def __init__(self, result: ExerciseResult, title: str) -> None:
        self.result = result
        self.title = title

    @property
    def passed(self) -> bool:
        return self.result.status == "ok" and self.result.passed == len(self.result.checks)

    def _repr_html_(self) -> str:
        return as_html(self.result, self.title)

    def __repr__(self) -> str:
        return as_text(self.result, self.title)

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()
