"""`docchat-lab watch ex03`: check a unit now, then again every time one of its files is saved.

Watches the folders that hold the unit's files (an editor that saves by writing a new file and
renaming it would lose a watch on the file itself) and reacts only to those files.
"""

import datetime as dt
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

CLEAR = "\x1b[2J\x1b[H"


def watch(
    files: list[Path],
    run: Callable[[], str],
    *,
    out: TextIO = sys.stdout,
    stop_after: int | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Print `run()` now and after every save of `files`; the number of runs when it stops.

    `stop_after` ends it after that many runs (for scripts and tests); Ctrl+C ends it too.
    """
    from watchfiles import watch as file_changes

    wanted = {f.resolve() for f in files}
    folders = sorted({f.parent for f in wanted if f.parent.is_dir()})
    names = ", ".join(sorted(f.name for f in wanted))

    def show(why: str) -> None:
        if out.isatty():
            out.write(CLEAR)
        out.write(f"{run()}\n\n{why}; watching {names} (Ctrl+C to stop)\n")
        out.flush()

    show("checked")
    runs = 1
    if stop_after is not None and runs >= stop_after:
        return runs
    try:
        for changes in file_changes(
            *folders,
            watch_filter=lambda _change, path: Path(path).resolve() in wanted,
            stop_event=stop,
            raise_interrupt=False,
        ):
            saved = ", ".join(sorted({Path(p).name for _, p in changes}))
            show(f"checked again at {dt.datetime.now():%H:%M:%S}, after {saved} changed")
            runs += 1
            if stop_after is not None and runs >= stop_after:
                break
    except KeyboardInterrupt:
        pass
    return runs
