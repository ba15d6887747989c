"""`python -m bench`: every benchmark, one after another, then bench/RESULTS.md.

    python -m bench                 # all of them (about 15 minutes on 2 cores)
    python -m bench --quick         # proves they all run; writes nothing
    python -m bench --only async_chat ingest_retrieval

Each benchmark also runs alone: `python -m bench.api_overhead`,
`python -m bench.many_connections`, `python -m bench.contention`, `python -m bench.async_chat`,
`python -m bench.ingest_retrieval`, `python -m bench.notebook_suite`, `python -m bench.grading`
and `python -m bench.nbgrader_compare` (which installs nbgrader in bench/.work/ on its first run,
and reports a TODO instead when it cannot); `--help` on each lists its options.
"""

import importlib
import sys

from bench import report

BENCHMARKS = (
    "api_overhead",
    "many_connections",
    "contention",
    "async_chat",
    "ingest_retrieval",
    "scale_search",
    "scale_queue",
    "notebook_suite",
    "grading",
    "nbgrader_compare",
)


def main(argv: list[str] | None = None) -> int:
    p = report.parser(__doc__)
    p.add_argument(
        "--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS), metavar="NAME"
    )
    args = p.parse_args(argv)
    common = ["--quick"] if args.quick else []
    reports = []
    for name in args.only:
        module = importlib.import_module(f"bench.{name}")
        own = report.parser(module.__doc__)
        module.configure(own)
        print(f"-- running bench.{name}", file=sys.stderr, flush=True)
        result = report.run_one(module.run, own.parse_args(common))
        result.alone = f"python -m bench.{name}"
        reports.append(result)
    return report.finish(reports, args)


if __name__ == "__main__":
    raise SystemExit(main())
