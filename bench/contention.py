"""Contention: 200 uploads of 200 KB at once, with questions asked all the while.

    python -m bench.contention                  # 200 uploads, asks from 8 connections
    python -m bench.contention --uploads 50
    python -m bench.contention --quick          # proves it runs; measures nothing

One DocChat server on its default settings (SQLite). First the asks alone, for a while:
their latency without uploads. Then, on the same server, every upload at once, each on its
own connection, and the same asks until every document has settled. Reported: how many
ended `ready` (the goal: all of them, none `pending`, none `failed`), the time from the
first upload to the last `ready`, and the asks' p50 and p99 under the load as ratios to
the same asks without it, measured side by side in one run.
"""

import argparse
import asyncio
import json
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from pathlib import Path

from bench import fixtures, loadgen
from bench.corpus import Prose
from bench.report import Goal, Report, main_for
from bench.servers import ServerSpec, serving, uvicorn_settings

DOCUMENT_BYTES = 200_000
ASKERS = 8
GUARD_S = 600.0


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--uploads", type=int, default=200, help="documents (default: %(default)s)")
    p.add_argument(
        "--baseline-seconds", type=float, default=10.0, help="asks alone (default: %(default)s)"
    )


def _settled(database: Path, first_id: int) -> dict[str, int]:
    # closing(): a sqlite3 connection's own `with` commits but never closes.
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM documents WHERE id >= ? GROUP BY status", (first_id,)
        ).fetchall()
    return dict(rows)


async def _ask_until(url: str, stop: asyncio.Event, seconds: float | None) -> list[float]:
    prose = Prose(seed=3)
    asks = [
        loadgen.Request("POST", "/chat/ask", json.dumps({"question": prose.question()}).encode())
        for _ in range(50)
    ]
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds if seconds is not None else None

    async def asker(n: int) -> None:
        connection = await loadgen.Connection(url).open()
        try:
            for i in range(1_000_000):
                if stop.is_set() or (deadline is not None and time.perf_counter() > deadline):
                    return
                reply = await connection.send(asks[(n + i) % len(asks)])
                if reply.status != 200:
                    raise RuntimeError(f"an ask answered {reply.status}: {reply.body[:200]!r}")
                latencies.append(reply.seconds)
        finally:
            await connection.close()

    await asyncio.gather(*(asker(n) for n in range(ASKERS)))
    return latencies


async def _under_load(
    url: str, database: Path, uploads: list[loadgen.Request], first_id: int
) -> tuple[list[float], list[int], float, dict[str, int]]:
    stop = asyncio.Event()
    asking = asyncio.create_task(_ask_until(url, stop, None))
    start = time.perf_counter()
    replies = (await loadgen.burst_async(url, uploads)).replies
    # Wait for the accepted ones: an upload refused with 429 (busy, retry later) stores nothing.
    accepted = sum(reply.status == 202 for reply in replies)
    while True:
        counts = await asyncio.to_thread(_settled, database, first_id)
        if sum(counts.get(s, 0) for s in ("ready", "failed")) >= accepted:
            break
        if time.perf_counter() - start > GUARD_S:
            break
        await asyncio.sleep(0.1)
    all_ready_s = time.perf_counter() - start
    stop.set()
    return await asking, [r.status for r in replies], all_ready_s, counts


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def run(args: argparse.Namespace) -> Report:
    count = 10 if args.quick else args.uploads
    size = 20_000 if args.quick else DOCUMENT_BYTES
    baseline_s = 1.0 if args.quick else args.baseline_seconds
    prose = Prose(seed=17)
    bodies = [{"title": f"upload {n}", "content": prose.text(size)} for n in range(count)]
    uploads = [loadgen.Request("POST", "/documents/", json.dumps(b).encode()) for b in bodies]
    with tempfile.TemporaryDirectory(prefix="docchat-bench-") as scratch:
        database = Path(scratch) / "docchat.db"
        url = fixtures.database_url(Path(scratch))
        fixtures.small_documents(url, 20)
        spec = ServerSpec("docchat", "docchat.main:create_app", fixtures.server_env(url))
        with serving([spec]) as servers:
            server = servers["docchat"]
            asyncio.run(_ask_until(server.url, asyncio.Event(), 1.0))  # warm-up
            alone = asyncio.run(_ask_until(server.url, asyncio.Event(), baseline_s))
            loaded, statuses, all_ready_s, counts = asyncio.run(
                _under_load(server.url, database, uploads, first_id=21)
            )

    ready = counts.get("ready", 0)
    p50 = (statistics.median(alone) * 1000, statistics.median(loaded) * 1000)
    p99 = (_percentile(alone, 0.99), _percentile(loaded, 0.99))
    report = Report("contention", f"Contention: {count} uploads of {size // 1000} KB at once")
    accepted = statuses.count(202)
    report.goals = [
        Goal(
            "documents `ready` (none pending, none failed)",
            ready,
            count,
            "",
            True,
            f"ended {counts}",
            invalid="" if accepted == count else f"uploads answered {sorted(set(statuses))}",
        )
    ]
    report.columns = ["measure", "without uploads", f"with {count} uploads", "ratio"]
    report.rows = [
        ["ask p50, ms", f"{p50[0]:.1f}", f"{p50[1]:.1f}", f"{p50[1] / p50[0]:.1f}x"],
        ["ask p99, ms", f"{p99[0]:.1f}", f"{p99[1]:.1f}", f"{p99[1] / p99[0]:.1f}x"],
        ["asks answered", str(len(alone)), str(len(loaded)), ""],
        ["uploads answered 202", "", f"{accepted} of {count}", ""],
        ["first upload to last `ready`, s", "", f"{all_ready_s:.1f}", ""],
    ]
    report.notes += [
        f"Asks: {ASKERS} connections, each asking again as soon as answered (offline answerer); "
        f"{baseline_s:g} s alone, then for as long as the uploads took.",
        f"Uploads: all {count} sent at once, each on its own connection, JSON bodies of "
        f"{size:,} bytes of prose.",
        f"Server: DocChat on its default settings (SQLite, DOCCHAT_THREADS=8); "
        f"{uvicorn_settings()}.",
    ]
    return report


def main() -> int:
    return main_for(run, __doc__, configure)


if __name__ == "__main__":
    raise SystemExit(main())
