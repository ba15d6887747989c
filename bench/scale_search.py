"""Retrieval over 100,000 chunks: PostgreSQL's tsvector against SQLite's FTS5, and against
the Python scan that PostgreSQL fell back to before.

    python -m bench.scale_search
    python -m bench.scale_search --quick

One run builds the same corpus in a SQLite file and in a PostgreSQL 15 started for the run
(tests/servers/pg_ctl, a temporary folder, a free port), then times `search()` (the work of
`POST /chat/ask` before the answerer) for the same questions on each, interleaved, so that
the machine's load falls on all of them alike. The ratios are what counts.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, insert

from bench import scale_servers
from bench.corpus import Prose
from bench.report import Goal, Report, main_for
from docchat.core import schema
from docchat.core.db import build_engine, build_session_factory
from docchat.models import Chunk, Document, DocumentStatus
from docchat.services.search_index import search

GOAL_RATIO = 4.0  # issue 13: no ask on PostgreSQL over 4x its SQLite FTS5 time
CHUNKS_PER_DOCUMENT = 100
WHY = (
    "ts_rank_cd reads each candidate's tsvector from the table (up to 2,000 of them, "
    "search_postgres.CANDIDATES) and every ask is a round trip; FTS5's bm25 reads its own index "
    "in-process"
)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chunks", type=int, default=100_000, help="chunks (default: %(default)s)")
    p.add_argument("--questions", type=int, default=200, help="asks timed (default: %(default)s)")
    p.add_argument(
        "--scans", type=int, default=5, help="asks timed on the scan (default: %(default)s)"
    )


def _fill(engine: Engine, chunks: int, prose: Prose) -> None:
    with engine.begin() as connection:
        for start in range(0, chunks, CHUNKS_PER_DOCUMENT):
            document_id = connection.execute(
                insert(Document).values(
                    title=f"Document {start // CHUNKS_PER_DOCUMENT}",
                    content="(built by the benchmark)",
                    status=DocumentStatus.READY,
                    chunk_count=CHUNKS_PER_DOCUMENT,
                )
            ).inserted_primary_key[0]
            rows = [
                {"document_id": document_id, "position": n, "text": prose.text(400)}
                for n in range(min(CHUNKS_PER_DOCUMENT, chunks - start))
            ]
            connection.execute(insert(Chunk), rows)


def _timed(engine: Engine, question: str, use_fts: bool) -> float:
    sessions = build_session_factory(engine)
    begin = time.perf_counter()
    with sessions() as session:
        hits = search(session, question, 4, use_fts=use_fts)
    elapsed = time.perf_counter() - begin
    assert hits is not None
    return elapsed * 1000


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> Report:
    chunks = 2_000 if args.quick else args.chunks
    questions = 20 if args.quick else args.questions
    with (
        tempfile.TemporaryDirectory(prefix="bench-scale-search-") as folder,
        scale_servers.postgres(Path(folder)) as port,
    ):
        return _measure(port, Path(folder), chunks, questions, args.scans)


def _measure(port: int, folder: Path, chunks: int, questions: int, scans: int) -> Report:
    engines = {
        "sqlite": build_engine(f"sqlite:///{folder / 'bench.db'}"),
        "postgresql": build_engine(scale_servers.new_database(port, "search")),
    }
    built: dict[str, float] = {}
    for name, engine in engines.items():
        begin = time.perf_counter()
        schema.upgrade(engine)
        _fill(engine, chunks, Prose(seed=5))
        with engine.begin() as connection:  # the statistics autovacuum would gather in time
            connection.exec_driver_sql("ANALYZE")
        built[name] = time.perf_counter() - begin
    prose = Prose(seed=9)
    asked = [prose.question() for _ in range(questions)]
    runs: dict[str, Callable[[str], float]] = {
        "sqlite FTS5": lambda q: _timed(engines["sqlite"], q, True),
        "postgresql tsvector": lambda q: _timed(engines["postgresql"], q, True),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    for question in asked:  # interleaved: the same moment's load for each
        for name, timed in runs.items():
            times[name].append(timed(question))
    times["postgresql scan (before)"] = [
        _timed(engines["postgresql"], q, False) for q in asked[: max(1, scans)]
    ]
    for engine in engines.values():
        engine.dispose()
    return _report(times, built, chunks)


def _report(times: dict[str, list[float]], built: dict[str, float], chunks: int) -> Report:
    report = Report("scale_search", f"Retrieval over {chunks:,} chunks: PostgreSQL and SQLite")
    base = times["sqlite FTS5"]
    report.columns = ["search", "asks", "p50 ms", "p99 ms", "p50 ÷ FTS5", "p99 ÷ FTS5"]
    for name, values in times.items():
        p50, p99 = statistics.median(values), _percentile(values, 0.99)
        report.rows.append([
            name, str(len(values)), f"{p50:.1f}", f"{p99:.1f}",
            f"{p50 / statistics.median(base):.2f}", f"{p99 / _percentile(base, 0.99):.2f}",
        ])  # fmt: skip
    pg = times["postgresql tsvector"]
    worst = max(p / s for p, s in zip(pg, base, strict=False))
    report.goals = [
        Goal("PostgreSQL p50 ÷ SQLite FTS5 p50", statistics.median(pg) / statistics.median(base),
             GOAL_RATIO, "x", higher_is_better=False, reason=WHY),
        Goal("PostgreSQL p99 ÷ SQLite FTS5 p99", _percentile(pg, 0.99) / _percentile(base, 0.99),
             GOAL_RATIO, "x", higher_is_better=False, reason=WHY),
        Goal("scan p50 ÷ PostgreSQL p50", statistics.median(times["postgresql scan (before)"])
             / statistics.median(pg), 10.0, "x", higher_is_better=True),
    ]  # fmt: skip
    report.notes = [
        f"corpus built in {built['sqlite']:.0f} s (SQLite) and {built['postgresql']:.0f} s "
        "(PostgreSQL, the tsvector generated by the database on insert)",
        f"the worst single question, PostgreSQL ÷ SQLite: {worst:.1f} x",
        "each ask opens a session and runs `search()` with top_k 4, as `/chat/ask` does",
        "on paper, a larger machine: SQLite answers inside the web process (no network hop) "
        "but every web process reads one file on one machine; PostgreSQL costs a round trip "
        "and ranks every matching row (ts_rank_cd), and on a server of its own with the GIN "
        "index in memory it serves any number of web processes on other machines, with "
        "replicas for more reads",
    ]
    return report


if __name__ == "__main__":
    raise SystemExit(main_for(run, __doc__, configure))
