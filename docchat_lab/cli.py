"""`docchat-lab`: the kit's command line (notebooks, exercises, checks, grading)."""

import argparse
import sys
from collections.abc import Sequence

from docchat_lab import project


def _notebooks(args: argparse.Namespace) -> int:
    from docchat_lab.notebook_build import build, notebook_pairs

    pairs = notebook_pairs(project.notebooks_dir())
    chosen = [(s, t) for s, t in pairs if not args.names or any(n in s.stem for n in args.names)]
    if not chosen:
        print(f"docchat-lab: no notebook matches {args.names}", file=sys.stderr)
        return 2
    for source, target in chosen:
        print(f"building {target.name}", file=sys.stderr)
        build(source, target, run=not args.no_run)
    return 0


def _errata_map(args: argparse.Namespace) -> int:
    from docchat_lab.errata_map import find_demonstrations, missing_points, render_map

    demonstrations = find_demonstrations(project.notebooks_dir())
    target = project.project_root() / "docs" / "errata-map.md"
    target.parent.mkdir(exist_ok=True)
    target.write_text(render_map(demonstrations), encoding="utf-8")
    missing = missing_points(demonstrations)
    if missing:
        print(f"docchat-lab: no asserting cell yet for points {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docchat-lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    nb = commands.add_parser("notebooks", help="build notebooks/*.ipynb from notebooks/src/*.py")
    nb.add_argument("names", nargs="*", help="only notebooks whose name contains one of these")
    nb.add_argument("--no-run", action="store_true", help="write the cells without running them")
    nb.set_defaults(handler=_notebooks)

    errata = commands.add_parser("errata-map", help="regenerate docs/errata-map.md")
    errata.set_defaults(handler=_errata_map)

    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result
