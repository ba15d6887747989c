"""Each benchmark, in its tiny `--quick` mode: the code runs end to end and reports.

Structure only, never speed: the speed targets live in bench/ and bench/RESULTS.md. The
three benchmarks that start servers run at the same time, to keep this file short.
"""

import argparse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest

from bench import __main__ as run_all
from bench import (
    api_overhead,
    async_chat,
    contention,
    grading,
    ingest_retrieval,
    many_connections,
    notebook_suite,
    report,
)
from bench.corpus import Prose

MEASURED = (api_overhead, async_chat, ingest_retrieval, many_connections, contention)


def _quick_args(module: ModuleType, results: Path) -> argparse.Namespace:
    p = report.parser(module.__doc__)
    module.configure(p)
    return p.parse_args(["--quick", "--results", str(results)])


@pytest.fixture(scope="module")
def quick_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, report.Report]:
    results = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    with ThreadPoolExecutor(len(MEASURED)) as pool:
        futures = {
            m.__name__: pool.submit(report.run_one, m.run, _quick_args(m, results))
            for m in MEASURED
        }
        return {name: future.result() for name, future in futures.items()}


def test_api_overhead_compares_docchat_with_the_template_peer(
    quick_reports: dict[str, report.Report],
) -> None:
    result = quick_reports["bench.api_overhead"]
    servers = [row[0] for row in result.rows]
    assert servers == ["bare", "template", "docchat"]
    errors = [row[result.columns.index("errors")] for row in result.rows]
    assert errors == ["0", "0", "0"]
    assert "python asyncio" in result.notes[0]  # quick mode always exercises the fallback
    (goal,) = result.goals
    assert goal.higher_is_better
    assert goal.target == api_overhead.GOAL_PEER_RATIO
    assert goal.measured > 0
    assert "÷ bare" in goal.note  # the old comparison, kept as context


def test_many_connections_loads_both_endpoints_or_says_why_not(
    quick_reports: dict[str, report.Report],
) -> None:
    result = quick_reports["bench.many_connections"]
    if result.todo:
        assert "wrk is not installed" in result.todo
        return
    endpoints = {(row[0], row[1], row[2]) for row in result.rows}
    assert {e[1] for e in endpoints} == {"GET /documents/", "POST /chat/ask"}
    assert len(result.goals) == 4
    assert all(goal.measured >= 0 for goal in result.goals)


def test_contention_settles_every_upload(quick_reports: dict[str, report.Report]) -> None:
    result = quick_reports["bench.contention"]
    (ready,) = result.goals
    assert ready.invalid == "", ready.invalid
    assert ready.measured == ready.target  # all ready: none pending, none failed
    assert [row[0] for row in result.rows][:2] == ["ask p50, ms", "ask p99, ms"]


def test_async_chat_runs_both_llm_clients(quick_reports: dict[str, report.Report]) -> None:
    result = quick_reports["bench.async_chat"]
    statuses = [row[-1] for row in result.rows[:2]]
    assert statuses == ["5 x 200", "2 x 200"]
    wall, blocking = result.goals
    assert wall.target == async_chat.GOAL_WALL_S
    assert wall.measured > 0
    assert blocking.measured > wall.measured  # the blocking client serialises even 2 asks


def test_ingest_retrieval_processes_and_answers(quick_reports: dict[str, report.Report]) -> None:
    result = quick_reports["bench.ingest_retrieval"]
    ingest, ask = result.goals
    assert ingest.target == ingest_retrieval.GOAL_INGEST_S
    assert ingest.measured > 0
    assert ask.target == ingest_retrieval.GOAL_ASK_P50_MS
    assert ask.measured > 0
    assert "failed" not in ingest.reason + ask.reason
    assert "4.0 sources per answer" in " ".join(result.notes)


def test_each_report_writes_its_own_section(
    quick_reports: dict[str, report.Report], tmp_path: Path
) -> None:
    path = tmp_path / "RESULTS.md"
    args = argparse.Namespace(quick=True, results=path, no_write=False)
    report.finish(list(quick_reports.values()), args, command="python -m bench --quick")
    text = path.read_text()
    assert "## Machine of the latest run" in text
    for result in quick_reports.values():
        assert f"<!-- bench:{result.key}:start -->" in text
        assert result.load_at_start is not None
        assert result.seconds is not None
    assert text.count("`python -m bench --quick`") == len(quick_reports)
    assert text.count("(quick mode: tiny sizes, not a measurement)") == len(quick_reports)


def test_quick_mode_writes_no_results_unless_asked(tmp_path: Path) -> None:
    args = argparse.Namespace(quick=True, results=None, no_write=False)
    before = report.RESULTS.read_text() if report.RESULTS.exists() else None
    report.finish([report.Report("grading", "nothing")], args, command="x")
    after = report.RESULTS.read_text() if report.RESULTS.exists() else None
    assert before == after


def test_writing_one_section_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    first = report.Report("async_chat", "first")
    first.goals.append(report.Goal("wall", 0.3, 0.4, "s", higher_is_better=False))
    second = report.Report("api_overhead", "second")
    second.goals.append(report.Goal("ratio", 0.5, 0.7, "x", higher_is_better=True, reason="slow"))
    report.write_results([first], path)
    report.write_results([second], path)
    text = path.read_text()
    assert text.index("## second") < text.index("## first")  # the fixed order, not run order
    assert "| wall | 0.30 s | <= 0.40 s | met |" in text
    assert "| ratio | 0.50 x | >= 0.70 x | **MISSED**: slow |" in text


def test_notebook_suite_quick_times_one_notebook() -> None:
    result = notebook_suite.run(argparse.Namespace(quick=True, workers="1"))
    assert [row[0] for row in result.rows] == ["00_start_here"]
    assert result.goals[0].invalid == "", result.goals[0].invalid
    assert result.goals[0].measured > 0


def test_grading_quick_grades_a_small_class_to_full_marks() -> None:
    args = argparse.Namespace(quick=True, submissions=4, jobs=None, fresh_samples=2)
    result = grading.run(args)
    assert result.goals[0].invalid == "", result.goals[0].invalid
    rows = {row[0]: row[-1] for row in result.rows}  # the last column: this checkout's grader
    assert rows["submissions x exercises"] == "4 x 8"


def test_corpus_is_the_same_on_every_run() -> None:
    first, second = Prose(seed=4), Prose(seed=4)
    text = first.text(5000)
    assert text == second.text(5000)
    assert 4900 < len(text.encode()) <= 5000
    assert first.question() == second.question()


def test_run_all_knows_every_benchmark() -> None:
    # A benchmark is a module of bench/ with configure() and run(); `python -m bench` runs each.
    folder = Path(run_all.__file__).parent
    benchmarks = {
        path.stem
        for path in folder.glob("*.py")
        if all(d in path.read_text(encoding="utf-8") for d in ("\ndef configure(", "\ndef run("))
    }
    assert set(run_all.BENCHMARKS) == benchmarks
    assert len(run_all.BENCHMARKS) == len(set(run_all.BENCHMARKS))
