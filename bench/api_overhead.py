"""API overhead: DocChat's `GET /documents/` against the full-stack template's way of serving it.

    python -m bench.api_overhead            # 5 rounds of 3 s per server
    python -m bench.api_overhead --quick    # proves it runs; measures nothing

The peer is the way the FastAPI full-stack template serves a list: `def get_db()` yielding a
Session, a `def` route, anyio's 40 threads and the engine's default pool, a page of Document
objects (with DocChat's old head start: the content deferred, the statement built once). It
reads the same database behind the same middleware; DocChat reads the page's columns as rows. The
other candidates for DocChat's data path are measured beside it, and a bare `return []`
endpoint stays as context. Every server runs under the same uvicorn settings in its own
process; the load comes from wrk (or the asyncio client) in another. The servers are
measured in turns, round after round, and each round's rate is divided by the peer's in the
same round, so a burst of other work on the machine hits them all alike.
"""

import argparse
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import fixtures, loadgen
from bench.report import Goal, Report, main_for
from bench.servers import ServerSpec, serving, uvicorn_settings

GOAL_PEER_RATIO = 2.0  # DocChat / the template's way
GOAL_MIDDLEWARE_RATIO = 0.7  # DocChat's middleware / bare
DOCUMENTS = 50  # in the database; a page is the default 20
PEER = "template"


@dataclass(frozen=True)
class Variant:
    name: str
    what: str
    factory: str
    path: str = "/documents/"
    env: tuple[tuple[str, str], ...] = ()


VARIANTS = (
    Variant("bare", "FastAPI, an async endpoint returning `[]`", "bench.apps:bare"),
    Variant(
        "docchat-middleware",
        "bare + DocChat's middleware (pure-ASGI timing, CORS)",
        "bench.apps:bare_with_docchat_middleware",
    ),
    Variant(
        "docchat-health",
        "DocChat `GET /health` (async, no database)",
        "docchat.main:create_app",
        "/health",
    ),
    Variant(
        PEER,
        "**the peer**: the full-stack template's way, `def get_db()` yielding a Session, "
        "a `def` route (4 threadpool hops), 40 threads, pool 5 + 10, Document objects",
        "bench.apps:template_peer",
    ),
    Variant(
        "template-function-scope",
        'the peer with `Depends(get_db, scope="function")` (a candidate, not adopted)',
        "bench.apps:template_function_scope",
    ),
    Variant(
        "template-async-teardown",
        "the peer with `async def get_db()` (a candidate, not adopted)",
        "bench.apps:template_async_teardown",
    ),
    Variant(
        "one-hop-threadpool",
        "an async route, the read and the response model in one anyio hop (a candidate)",
        "bench.apps:one_hop_threadpool",
    ),
    Variant(
        "docchat-four-readers",
        "DocChat with four threads for reads, as before (a candidate, not adopted)",
        "bench.apps:docchat_four_readers",
    ),
    Variant(
        "docchat-orm-page",
        "DocChat with its page read as before: ORM columns, rows validated by attribute",
        "bench.apps:docchat_orm_page",
    ),
    Variant(
        "docchat-read-on-loop",
        "DocChat with its page read on the event loop, no thread (a candidate, not adopted: "
        "every other request waits while it reads)",
        "bench.apps:docchat_read_on_loop",
    ),
    Variant(
        "docchat",
        "**DocChat**: async route, its unit of work in one hop on the database's own threads, "
        "the page read by a Core select, each row a dict, validated there",
        "docchat.main:create_app",
    ),
)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rounds", type=int, default=5, help="turns per server (default: %(default)s)")
    p.add_argument(
        "--seconds", type=float, default=3.0, help="length of one turn (default: %(default)s)"
    )
    p.add_argument(
        "--connections", type=int, default=32, help="concurrent connections (default: %(default)s)"
    )
    p.add_argument(
        "--tool", choices=["auto", "wrk", "python"], default="auto", help="load generator"
    )


# What the goal's note says of the candidates closest to DocChat, where they ran.
CANDIDATE_NOTES = (
    ("docchat-orm-page", "with its page read as before (ORM columns, rows by attribute)"),
    ("docchat-four-readers", "with four read threads as before"),
    (
        "docchat-read-on-loop",
        "with its read on the event loop instead (the hop to a database thread is most "
        "of what is left)",
    ),
)

# Quick mode runs only the ones the goal compares.
QUICK = ("bare", PEER, "docchat")


def run(args: argparse.Namespace) -> Report:
    variants = [v for v in VARIANTS if v.name in QUICK] if args.quick else list(VARIANTS)
    rounds = 1 if args.quick else args.rounds
    seconds = 0.3 if args.quick else args.seconds
    connections = 4 if args.quick else args.connections
    tool = "python" if args.quick and args.tool == "auto" else args.tool
    if tool == "wrk" and not loadgen.has_wrk():
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    wrk_used = tool == "wrk" or (tool == "auto" and loadgen.has_wrk())
    if wrk_used:
        seconds = max(1.0, seconds)

    with tempfile.TemporaryDirectory(prefix="docchat-bench-") as scratch:
        url = fixtures.database_url(Path(scratch))
        fixtures.small_documents(url, 3 if args.quick else DOCUMENTS)
        # Every server gets the same database file and the same environment.
        specs = [
            ServerSpec(v.name, v.factory, {**fixtures.server_env(url), **dict(v.env)})
            for v in variants
        ]
        rates: dict[str, list[float]] = {v.name: [] for v in variants}
        p50s: dict[str, list[float]] = {v.name: [] for v in variants}
        cpu_ms: dict[str, list[float]] = {v.name: [] for v in variants}
        errors: dict[str, int] = {v.name: 0 for v in variants}
        with serving(specs) as servers:
            for v in variants:  # warm-up: first requests compile, connect, fill caches
                loadgen.steady_load(
                    servers[v.name].url + v.path, connections, 1.0 if wrk_used else 0.2, tool
                )
            for _ in range(rounds):
                for v in variants:
                    server = servers[v.name]
                    cpu_before = server.cpu_seconds()
                    result = loadgen.steady_load(server.url + v.path, connections, seconds, tool)
                    cpu_after = server.cpu_seconds()
                    rates[v.name].append(result.per_second)
                    p50s[v.name].append(result.p50_ms)
                    errors[v.name] += result.errors
                    if cpu_before is not None and cpu_after is not None and result.requests:
                        cpu_ms[v.name].append((cpu_after - cpu_before) / result.requests * 1000)
                    tool_name = result.tool

    # Each round's rate against the peer's (and the bare one's) in the same round.
    def ratio_to(base: str) -> dict[str, float]:
        return {
            name: statistics.median(r / b for r, b in zip(values, rates[base], strict=True))
            for name, values in rates.items()
        }

    to_peer, to_bare = ratio_to(PEER), ratio_to("bare")
    report = Report("api_overhead", "API overhead: DocChat against the full-stack template's way")
    report.columns = [
        "server",
        "what it serves",
        "requests/s (median)",
        "each round",
        "p50 ms",
        "server CPU ms per request",
        "÷ peer (median of rounds)",
        "÷ bare",
        "errors",
    ]
    for v in variants:
        cpu = f"{statistics.median(cpu_ms[v.name]):.2f}" if cpu_ms[v.name] else "n/a"
        report.rows.append(
            [
                v.name,
                v.what,
                f"{statistics.median(rates[v.name]):,.0f}",
                " / ".join(f"{r:,.0f}" for r in rates[v.name]),
                f"{statistics.median(p50s[v.name]):.2f}",
                cpu,
                f"{to_peer[v.name]:.2f}",
                f"{to_bare[v.name]:.3f}",
                str(errors[v.name]),
            ]
        )
    failed = {name: count for name, count in errors.items() if count}
    cpu_median = {name: statistics.median(v) for name, v in cpu_ms.items() if v}
    cpu_ratio = (
        cpu_median[PEER] / cpu_median["docchat"]
        if PEER in cpu_median and "docchat" in cpu_median
        else 0.0
    )
    per_round = [r / b for r, b in zip(rates["docchat"], rates[PEER], strict=True)]
    report.goals.append(
        Goal(
            "DocChat `GET /documents/` ÷ the template's way, requests/s",
            to_peer["docchat"],
            GOAL_PEER_RATIO,
            "x",
            True,
            f"the rounds ranged from {min(per_round):.2f} to {max(per_round):.2f}; in server "
            f"CPU per request, which other work on the machine moves less, DocChat costs "
            f"{cpu_ratio:.2f} times less than the peer. What is left is FastAPI's own work "
            "per request (see `docchat-health`), SQLAlchemy's statement and session, and the "
            "GIL handed between the event loop and the database thread at every row SQLite "
            "steps through",
            note=f"÷ bare: DocChat {to_bare['docchat']:.3f}, the peer {to_bare[PEER]:.3f}"
            + "".join(
                f"; {what}, {to_peer[name]:.2f}x the peer"
                for name, what in CANDIDATE_NOTES
                if name in to_peer
            ),
            invalid=f"requests failed: {failed}" if failed else "",
        )
    )
    if "docchat-middleware" in to_bare:
        report.goals.append(
            Goal(
                "DocChat's middleware (timing, CORS) ÷ bare, requests/s",
                to_bare["docchat-middleware"],
                GOAL_MIDDLEWARE_RATIO,
                "x",
                True,
                "the timing middleware costs too much",
            )
        )
    report.notes += [
        f"Load: {tool_name}, {connections} connections, {rounds} round(s) of {seconds:g} s "
        "per server in turns, after a warm-up; each ratio is the median of the rounds' ratios.",
        f"Servers: {uvicorn_settings()}.",
        f"Database: a SQLite file with {3 if args.quick else DOCUMENTS} processed documents; "
        "DocChat on its default settings (DOCCHAT_THREADS=8).",
        "Server CPU per request: the server process's CPU time over the round, divided by the "
        "requests it served; unlike requests/s, other work on the machine barely moves it.",
        "The machine has 2 cores: the load generator takes one, the server the other.",
    ]
    return report


def main() -> int:
    return main_for(run, __doc__, configure)


if __name__ == "__main__":
    raise SystemExit(main())
