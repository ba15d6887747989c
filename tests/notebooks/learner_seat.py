"""The learner's seat: every notebook, top to bottom, with only what the README's first command
installs (`pip install -e '.[lab]'`), in the lab's working directory.

    .venv-lab/bin/python -m tests.notebooks.learner_seat        # what .ci/run does

Each notebook runs as JupyterLab's Run All runs it (every cell queued at once, in a kernel of
this Python started in the notebook's folder, with the environment `docchat-lab lab` gives its
kernels). Any error or anything on stderr fails it. Not a pytest module: the `[lab]` environment
has none of the plugins the project's pytest configuration asks for, which is the point.
"""

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_one(notebook: Path) -> tuple[str, list[str], float]:
    from docchat_lab.lab_launcher import lab_environment
    from tests.notebooks.run_all import run_all_queued

    started = time.perf_counter()
    result = run_all_queued(notebook, times=1, env=lab_environment(ROOT))
    problems = [*result.errors, *result.stderr]
    if not result.statuses or set(result.statuses) != {"ok"}:
        problems.insert(0, f"cell statuses: {sorted(set(result.statuses))}")
    return notebook.stem, problems, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only notebooks whose name contains one of these")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks at once (default: 2)")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9A][0-9]_*.ipynb"))
    chosen = [nb for nb in notebooks if not args.names or any(n in nb.stem for n in args.names)]
    print(f"learner's seat: {len(chosen)} notebooks on Python {sys.version.split()[0]}", flush=True)
    failed = 0
    context = multiprocessing.get_context("spawn")  # a clean process per notebook run
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:
        for name, problems, seconds in pool.map(run_one, chosen):
            print(f"  {'ok  ' if not problems else 'FAIL'} {name} ({seconds:.0f} s)", flush=True)
            for problem in problems:
                print("       " + problem.rstrip().replace("\n", "\n       "))
            failed += bool(problems)
    print(f"learner's seat: {len(chosen) - failed} of {len(chosen)} notebooks ran clean")
    return 1 if failed or not chosen else 0


if __name__ == "__main__":
    raise SystemExit(main())
