"""The term's sections of report.html: late work, overrides, similar code side by side, and
the history of grading runs. Learner code is escaped; nothing in the page runs scripts."""

import html
import json
from pathlib import Path
from typing import Any

from docchat_lab.grading.cell import shown_time as _shown
from docchat_lab.grading.grade import ClassResult

SIMILARITY = "similarity.json"
CONTEXT = 2  # lines shown around a shared passage


STYLE = (
    "<style>.side-by-side{width:100%;table-layout:fixed}"
    ".side-by-side pre{white-space:pre-wrap;font-size:12px;margin:0}"
    "mark{background:#fff3b0}</style>"
)


def sections(result: ClassResult, out_dir: Path) -> str:
    return STYLE + _late(result) + _overrides(result) + _similarity(out_dir) + _runs(result)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _late(result: ClassResult) -> str:
    rows = []
    for learner in result.learners:
        for cell in learner.exercises:
            record = cell.record
            if record is None or record.late is None:
                continue
            late = record.late
            if not late.days and not late.extended:
                continue
            rows.append(
                [
                    html.escape(learner.learner),
                    cell.exercise,
                    f"{html.escape(_shown(record.submitted_at))} "
                    f"<small>({html.escape(record.time_source)})</small>",
                    html.escape(_shown(late.due)) + (" <b>extended</b>" if late.extended else ""),
                    f'<span class="late-days">{late.days}</span>',
                    f"{late.percent:g}%",
                ]
            )
    headers = ["learner", "unit", "submitted", "due", "days late", "taken off"]
    table = _table(headers, rows) if rows else "<p>No late work, and no extension used.</p>"
    unknown = [
        f"{html.escape(learner.learner)} {cell.exercise}"
        for learner in result.learners
        for cell in learner.exercises
        if cell.record and cell.record.late and cell.record.submitted_at is None
    ]
    if unknown:  # counted as on time: say so, so that a missing time is not mistaken for one
        table += (
            "<p>No submission time known, so counted as on time: "
            f"{', '.join(unknown)}. Give one with --submitted-at or --submission-times.</p>"
        )
    return f'<section id="late"><h2>Late work and extensions</h2>{table}</section>'


def _overrides(result: ClassResult) -> str:
    rows = [
        [
            html.escape(learner.learner),
            cell.exercise,
            f"score set to {o.score:g}" if o.score is not None else f"{o.points:+g} points",
            html.escape(o.reason),
            html.escape(o.by),
            f"{cell.raw_score:g} → <b>{cell.score:g}</b>",
        ]
        for learner in result.learners
        for cell in learner.exercises
        for o in (cell.record.overrides if cell.record else [])
    ]
    headers = ["learner", "unit", "change", "reason", "by", "score"]
    table = _table(headers, rows) if rows else "<p>No overrides.</p>"
    return f'<section id="overrides"><h2>Overrides</h2>{table}</section>'


def _similarity(out_dir: Path) -> str:
    path = out_dir / SIMILARITY
    if not path.is_file():
        return (
            '<section id="similarity"><h2>Similar code</h2>'
            "<p>Not checked yet: <code>docchat-lab similarity</code>.</p></section>"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    flagged = [p for p in data["pairs"] if p["flagged"]]
    settings = data["settings"]
    intro = (
        f"<p>{len(data['learners'])} submissions compared with copydetect; "
        f"a pair is flagged when one side shares at least {settings['threshold']:.0%} of its "
        f"own code with the other (starting code and code most of the class shares left out). "
        f"Median pair: {data['median']:.0%}. Checked {html.escape(_shown(data.get('at')))}.</p>"
    )
    rows = [
        [
            f'<span class="pair">{html.escape(p["a"])} · {html.escape(p["b"])}</span>',
            f"{p['similarity_a']:.0%} / {p['similarity_b']:.0%}",
            str(p["shared"]),
            "<b>flagged</b>" if p["flagged"] else "",
        ]
        for p in data["pairs"][: max(len(flagged), 10)]
    ]
    table = _table(["pair", "shared (of each side)", "shared length", ""], rows)
    passages = "".join(_side_by_side(p) for p in flagged)
    return (
        f'<section id="similarity"><h2>Similar code</h2>{intro}{table}'
        f"{passages or '<p>No pair stands out.</p>'}</section>"
    )


def _side_by_side(pair: dict[str, Any]) -> str:
    a, b = html.escape(pair["a"]), html.escape(pair["b"])
    parts = [f'<div class="flagged-pair"><h3>{a} and {b}</h3>']
    for item in pair["files"]:
        left = _marked(item["a_text"], item["a_spans"])
        right = _marked(item["b_text"], item["b_spans"])
        parts.append(
            f"<p><code>{html.escape(item['path'])}</code></p>"
            '<table class="side-by-side"><tr>'
            f"<th>{a}</th><th>{b}</th></tr><tr>"
            f"<td><pre>{left}</pre></td><td><pre>{right}</pre></td></tr></table>"
        )
    return "".join(parts) + "</div>"


def _marked(text: str, spans: list[list[int]]) -> str:
    """The text escaped, shared passages in <mark>, far-away lines folded into '…'."""
    out, position = [], 0
    for start, end in spans:
        out.append(html.escape(text[position:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    out.append(html.escape(text[position:]))
    lines = "".join(out).split("\n")
    keep: set[int] = set()
    depth = 0  # marks open at the start of the line (a passage can span lines)
    for i, line in enumerate(lines):
        if depth or "<mark>" in line:
            keep.update(range(i - CONTEXT, i + CONTEXT + 1))
        depth += line.count("<mark>") - line.count("</mark>")
    shown, skipped = [], False
    for i, line in enumerate(lines):
        if i in keep:
            shown.append(line)
            skipped = False
        elif not skipped:
            shown.append("…")
            skipped = True
    return "\n".join(shown)


def _runs(result: ClassResult) -> str:
    rows = [
        [
            str(run.get("run", "")),
            html.escape(_shown(run.get("at"))),
            html.escape(str(run.get("kit_version", ""))),
            html.escape(str(run.get("isolation", ""))),
            ", ".join(run.get("units", [])),
            html.escape(", ".join(run.get("learners", []))),
            html.escape(_hidden(run)),
        ]
        for run in result.runs
    ]
    headers = ["run", "when", "kit", "isolation", "units", "learners", "hidden checks"]
    return f'<section id="runs"><h2>Grading runs</h2>{_table(headers, rows)}</section>'


def _hidden(run: dict[str, Any]) -> str:
    checks = run.get("hidden_checks") or {}
    named = [f"{unit}: {', '.join(names)}" for unit, names in checks.items() if names]
    return "; ".join(named) or "none"
