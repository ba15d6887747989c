"""How many threads do blocking work, and how many database connections they need.

Everything comes from one setting, `threads`, so that the connection pool can never be
smaller than the number of threads that use it: no thread ever waits for a connection.
"""

from dataclasses import dataclass

from docchat.core.config import Settings


@dataclass(frozen=True, slots=True)
class Capacity:
    background_threads: int  # anyio's thread limiter: background tasks, start-up, file spooling
    read_threads: int  # the database executor's threads for requests that read
    write_threads: int  # ... and for requests that write (one: SQLite has one writer)

    @property
    def connections(self) -> int:
        """One connection for every thread that may hold one at the same moment."""
        return self.background_threads + self.read_threads + self.write_threads


def capacity_for(settings: Settings) -> Capacity:
    # A few threads for reads, not one: each row SQLite steps through hands the GIL back,
    # and a lone reader then waits for the busy event loop to return it (bench/RESULTS.md,
    # the `docchat-one-reader` row). Past four they only take turns.
    return Capacity(
        background_threads=settings.threads,
        read_threads=max(1, min(4, settings.threads // 2)),
        write_threads=1,
    )
