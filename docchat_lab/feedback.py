"""Feedback on one exercise's result, as terminal text, Markdown or HTML."""

import html
from typing import Any

from docchat_lab.grading.runner import CheckResult, ExerciseResult

PASS, FAIL = "✔", "✘"


def check_title(check: CheckResult) -> str:
    """A check's name in words; hidden checks stay anonymous."""
    if check.hidden:
        return "hidden check"
    return check.name.removeprefix("test_").replace("_", " ")


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
    for check in result.checks:
        lines.append(f"  {PASS if check.passed else FAIL} {check_title(check)}")
        if not check.passed:
            lines.append(f"      {check.message}")
            if check.hint:
                lines.append(f"      hint: {check.hint}")
    return "\n".join(lines)


def as_markdown(result: ExerciseResult, title: str) -> str:
    lines = [f"### {headline(result, title)}", ""]
    if status := _status_line(result):
        lines += [f"**{status}**", ""]
    lines += ["| | check | what happened | hint |", "|---|---|---|---|"]
    for check in result.checks:
        mark = PASS if check.passed else FAIL
        message = "" if check.passed else _cell(check.message)
        hint = "" if check.passed else _cell(check.hint)
        lines.append(f"| {mark} | {check_title(check)} | {message} | {hint} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_html(result: ExerciseResult, title: str) -> str:
    rows = []
    for check in result.checks:
        colour = "#1a7f37" if check.passed else "#cf222e"
        mark = PASS if check.passed else FAIL
        message = "" if check.passed else html.escape(check.message)
        hint = "" if check.passed else html.escape(check.hint)
        rows.append(
            f'<tr><td style="color:{colour};font-weight:bold">{mark}</td>'
            f"<td>{html.escape(check_title(check))}</td><td>{message}</td>"
            f'<td style="color:#57606a">{hint}</td></tr>'
        )
    status = _status_line(result)
    banner = f'<p style="color:#cf222e"><b>{html.escape(status)}</b></p>' if status else ""
    return (
        f"<div><p><b>{html.escape(headline(result, title))}</b></p>{banner}"
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
