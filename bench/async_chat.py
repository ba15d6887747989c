"""Async done right: 100 concurrent `POST /chat/ask` against an LLM client that takes 200 ms.

    python -m bench.async_chat              # 100 awaiting, 10 blocking (extrapolated)
    python -m bench.async_chat --blocking-requests 100   # the blocking variant in full (~20 s)
    python -m bench.async_chat --quick

Two DocChat servers, the same but for the language model client swapped in through
`dependency_overrides[get_llm]`: one awaits `asyncio.sleep(0.2)`, the other calls
`time.sleep(0.2)` inside `async def`, which blocks the event loop. The client opens one
connection per request first, then sends them all at once, and times until the last reply;
a `GET /health` sent with them shows what the other users of the server wait.
"""

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from bench import fixtures, loadgen
from bench.corpus import Prose
from bench.report import Goal, Report, main_for
from bench.servers import ServerSpec, serving, uvicorn_settings

GOAL_WALL_S = 0.4
DELAY_S = 0.2


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--requests", type=int, default=100, help="concurrent asks (default: %(default)s)"
    )
    p.add_argument(
        "--blocking-requests",
        type=int,
        default=10,
        help="asks sent to the blocking server; the total is extrapolated (default: %(default)s)",
    )
    p.add_argument("--rounds", type=int, default=3, help="bursts against the async server")


def _asks(count: int) -> list[loadgen.Request]:
    prose = Prose(seed=3)  # the words of fixtures.small_documents, so passages are found
    return [
        loadgen.Request("POST", "/chat/ask", json.dumps({"question": prose.question()}).encode())
        for _ in range(count)
    ]


HEALTH = loadgen.Request("GET", "/health")


def _burst_with_health(url: str, count: int) -> tuple[loadgen.BurstResult, loadgen.Reply]:
    result = loadgen.burst(url, [*_asks(count), HEALTH])
    health = result.replies.pop()
    return result, health


def run(args: argparse.Namespace) -> Report:
    count = 5 if args.quick else args.requests
    blocking_count = min(2 if args.quick else args.blocking_requests, count)
    rounds = 1 if args.quick else args.rounds
    delay = 0.05 if args.quick else DELAY_S
    with tempfile.TemporaryDirectory(prefix="docchat-bench-") as scratch:
        url = fixtures.database_url(Path(scratch))
        fixtures.small_documents(url, 5 if args.quick else 20)
        env = {**fixtures.server_env(url), "BENCH_LLM_DELAY_S": str(delay)}
        specs = [
            ServerSpec(
                "async", "bench.apps:docchat_with_sleeping_llm", {**env, "BENCH_LLM_BLOCKING": "0"}
            ),
            ServerSpec(
                "blocking",
                "bench.apps:docchat_with_sleeping_llm",
                {**env, "BENCH_LLM_BLOCKING": "1"},
            ),
        ]
        with serving(specs) as servers:
            loadgen.burst(servers["async"].url, _asks(min(count, 10)))  # warm-up
            loadgen.burst(servers["blocking"].url, _asks(1))
            async_runs = [_burst_with_health(servers["async"].url, count) for _ in range(rounds)]
            blocking, blocking_health = _burst_with_health(servers["blocking"].url, blocking_count)

    walls = [result.wall_seconds for result, _ in async_runs]
    wall = statistics.median(walls)
    median_run, health = async_runs[walls.index(wall)] if wall in walls else async_runs[0]
    extrapolated = blocking.wall_seconds * count / blocking_count
    statuses = sum((result.statuses for result, _ in async_runs), start=blocking.statuses)
    failures = {status: n for status, n in statuses.items() if status != 200}

    report = Report(
        "async_chat",
        f"Async done right: {count} concurrent `POST /chat/ask`, LLM takes {delay * 1000:.0f} ms",
    )
    report.columns = [
        "LLM client",
        "asks",
        "wall s",
        "median reply s",
        "`GET /health` sent with them, s",
        "statuses",
    ]
    report.rows.append(
        [
            "`await asyncio.sleep(...)`",
            str(count),
            " / ".join(f"{w:.3f}" for w in walls),
            f"{median_run.median_seconds:.3f}",
            f"{health.seconds:.3f}",
            _statuses(median_run.statuses),
        ]
    )
    report.rows.append(
        [
            "`time.sleep(...)` in `async def`",
            str(blocking_count),
            f"{blocking.wall_seconds:.3f}",
            f"{blocking.median_seconds:.3f}",
            f"{blocking_health.seconds:.3f}",
            _statuses(blocking.statuses),
        ]
    )
    if blocking_count < count:
        report.rows.append(
            [
                "`time.sleep(...)`, extrapolated",
                str(count),
                f"~{extrapolated:.1f}",
                "",
                "",
                f"({blocking.wall_seconds:.2f} s x {count}/{blocking_count})",
            ]
        )
    reason = "" if wall <= GOAL_WALL_S else _reason(median_run, delay)
    invalid = f"some asks failed: {failures}" if failures else ""
    report.goals.append(
        Goal(
            f"{count} concurrent asks, wall time",
            wall,
            GOAL_WALL_S,
            "s",
            False,
            reason,
            invalid=invalid,
        )
    )
    report.goals.append(
        Goal(
            f"the blocking variant, wall time for {count} (the lesson's ~{count * delay:g} s)",
            extrapolated,
            0.9 * count * delay,
            "s",
            True,
            reason="the blocking client did not hold the asks in line",
            note="each blocking ask holds the event loop for the whole delay: one by one",
        )
    )
    report.notes += [
        f"Wall time: from the first byte sent to the last reply, on {count + 1} connections opened "
        f"beforehand; {rounds} burst(s) against the async server, the median counts.",
        "The blocking server got "
        + (
            f"only {blocking_count} asks; its total for {count} is extrapolated linearly, since "
            "each ask holds the event loop for the whole delay, one after the other."
            if blocking_count < count
            else f"all {count} asks."
        ),
        f"Servers: {uvicorn_settings()}. Database: a SQLite file, default settings.",
    ]
    return report


def _statuses(statuses: dict[int, int]) -> str:
    return ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items()))


def _reason(result: loadgen.BurstResult, delay: float) -> str:
    fastest = min(reply.seconds for reply in result.replies)
    return (
        f"the waits overlap (the fastest reply took {fastest:.2f} s), but the server's own work "
        f"for {len(result.replies)} asks, on one core, adds {result.wall_seconds - delay:.2f} s "
        f"to the {delay:g} s wait"
    )


def main() -> int:
    return main_for(run, __doc__, configure)


if __name__ == "__main__":
    raise SystemExit(main())
