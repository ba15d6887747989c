"""Ingest and retrieval at scale: a 1 MB document processed, then `ask` over 10,000 chunks.

    python -m bench.ingest_retrieval
    python -m bench.ingest_retrieval --quick

Both run on DocChat's default settings (chunks of 800 characters, 100 of overlap) and a
SQLite file. Ingest is timed twice: through the API under uvicorn (`POST /documents/` with
1,000,000 bytes of text, then polling its status until `ready`), and as the background task
alone (`process_document`, in this process). Retrieval: the corpus is built with the same
service, then `POST /chat/ask` is sent one after another on one keep-alive connection, with
the default offline answerer; each question has 2-5 words of mixed frequency.
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from bench import fixtures, loadgen
from bench.corpus import Prose
from bench.report import Goal, Report, main_for
from bench.servers import ServerSpec, serving, uvicorn_settings
from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.models import Document
from docchat.services.processing import process_document

GOAL_INGEST_S = 1.0
GOAL_ASK_P50_MS = 50.0
DOCUMENT_BYTES = 1_000_000  # DocChat's default upload limit
CHUNKS = 10_000


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--documents", type=int, default=3, help="1 MB documents timed (default: %(default)s)"
    )
    p.add_argument("--questions", type=int, default=200, help="asks timed (default: %(default)s)")


def _service_seconds(url: str, content: str, count: int) -> list[float]:
    """`process_document` alone, each on a freshly stored document."""
    engine = build_engine(url)
    init_db(engine)
    sessions = build_session_factory(engine)
    settings = fixtures.settings_for(url)
    times = []
    try:
        for n in range(count):
            with sessions() as session:
                document = Document(title=f"service {n}", content=content)
                session.add(document)
                session.commit()
                document_id = document.id
            start = time.perf_counter()
            process_document(document_id, sessions, settings)
            times.append(time.perf_counter() - start)
    finally:
        engine.dispose()
    return times


def _api_seconds(base: str, content: str, count: int) -> list[float]:
    """From sending `POST /documents/` to seeing `ready`, polling every 5 ms."""
    times = []
    for n in range(count):
        body = json.dumps({"title": f"api {n}", "content": content}).encode()
        start = time.perf_counter()
        (created,) = loadgen.one_by_one(base, [loadgen.Request("POST", "/documents/", body)])
        if created.status != 202:
            raise RuntimeError(
                f"POST /documents/ answered {created.status}: {created.body[:200]!r}"
            )
        document_id = json.loads(created.body)["id"]
        status = json.loads(created.body)["status"]
        while status not in ("ready", "failed"):
            time.sleep(0.005)
            (reply,) = loadgen.one_by_one(
                base, [loadgen.Request("GET", f"/documents/{document_id}")]
            )
            status = json.loads(reply.body)["status"]
        if status != "ready":
            raise RuntimeError(f"document {document_id} ended {status}")
        times.append(time.perf_counter() - start)
    return times


def run(args: argparse.Namespace) -> Report:
    doc_bytes = 20_000 if args.quick else DOCUMENT_BYTES
    chunk_target = 200 if args.quick else CHUNKS
    documents = 1 if args.quick else args.documents
    questions = 10 if args.quick else args.questions
    content = Prose(seed=11).text(doc_bytes)
    size = len(content.encode())

    with tempfile.TemporaryDirectory(prefix="docchat-bench-") as scratch:
        ingest_url = fixtures.database_url(Path(scratch) / "ingest")
        (Path(scratch) / "ingest").mkdir()
        corpus_url = fixtures.database_url(Path(scratch) / "corpus")
        (Path(scratch) / "corpus").mkdir()
        service = _service_seconds(ingest_url, content, documents)
        build_start = time.perf_counter()
        volumes, chunks = fixtures.corpus_of_chunks(corpus_url, chunk_target, doc_bytes, seed=5)
        build_seconds = time.perf_counter() - build_start
        prose = Prose(seed=5)
        asks = [
            loadgen.Request(
                "POST", "/chat/ask", json.dumps({"question": prose.question()}).encode()
            )
            for _ in range(questions + 20)
        ]
        worst = [
            loadgen.Request(
                "POST", "/chat/ask", json.dumps({"question": prose.common_question()}).encode()
            )
            for _ in range(max(5, questions // 4))
        ]
        specs = [
            ServerSpec("ingest", "docchat.main:create_app", fixtures.server_env(ingest_url)),
            ServerSpec("corpus", "docchat.main:create_app", fixtures.server_env(corpus_url)),
        ]
        with serving(specs) as servers:
            api = _api_seconds(servers["ingest"].url, content, documents)
            replies = loadgen.one_by_one(servers["corpus"].url, asks)[20:]  # 20 to warm up
            worst_replies = loadgen.one_by_one(servers["corpus"].url, worst)

    bad = [reply.status for reply in replies if reply.status != 200]
    latencies = sorted(reply.seconds * 1000 for reply in replies)
    p50 = statistics.median(latencies)
    p95 = _p95(latencies)
    worst_ms = sorted(reply.seconds * 1000 for reply in worst_replies)
    bad += [reply.status for reply in worst_replies if reply.status != 200]
    found = statistics.mean(len(json.loads(r.body)["sources"]) for r in replies if r.status == 200)

    report = Report("ingest_retrieval", "Ingest and retrieval at scale")
    report.columns = ["measure", "each run", "median"]
    report.rows += [
        [
            f"{size:,} bytes: `POST /documents/` to `ready`, under uvicorn, s",
            _each(api),
            f"{statistics.median(api):.3f}",
        ],
        [
            f"{size:,} bytes: `process_document` alone, s",
            _each(service),
            f"{statistics.median(service):.3f}",
        ],
        [
            f"`POST /chat/ask` over {chunks:,} chunks ({volumes} documents), ms",
            f"p95 {p95:.1f}, max {latencies[-1]:.1f}",
            f"{p50:.1f}",
        ],
        [
            "the same, questions of the 20 most frequent words only (worst case), ms",
            f"p95 {_p95(worst_ms):.1f}, max {worst_ms[-1]:.1f}",
            f"{statistics.median(worst_ms):.1f}",
        ],
    ]
    ingest = statistics.median(api)
    report.goals.append(
        Goal(
            f"{size:,}-byte document processed (through the API)",
            ingest,
            GOAL_INGEST_S,
            "s",
            False,
            "" if ingest < GOAL_INGEST_S else "chunking and indexing take longer than the goal",
        )
    )
    reason = "" if p50 < GOAL_ASK_P50_MS else "full-text search over this many chunks is slower"
    invalid = f"{len(bad)} asks failed: {sorted(set(bad))}" if bad else ""
    report.goals.append(
        Goal(
            f"`ask` p50 over {chunks:,} chunks",
            p50,
            GOAL_ASK_P50_MS,
            "ms",
            False,
            reason,
            invalid=invalid,
        )
    )
    report.notes += [
        f"{questions} questions of 2-5 words (frequency ranks 50-3,000 of 6,000) timed one after "
        f"another, after 20 to warm up; then {len(worst)} of the most frequent words; "
        f"{found:.1f} sources per answer on average (top_k 4).",
        f"The corpus took {build_seconds:.1f} s to build through `process_document`.",
        f"Servers: {uvicorn_settings()}. Databases: SQLite files, default settings.",
    ]
    return report


def _p95(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _each(values: list[float]) -> str:
    return " / ".join(f"{v:.3f}" for v in values)


def main() -> int:
    return main_for(run, __doc__, configure)


if __name__ == "__main__":
    raise SystemExit(main())
