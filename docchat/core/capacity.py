"""How many threads do blocking work, and how many database connections they need.

Everything comes from one setting, `threads`, so that the connection pool can never be
smaller than the number of threads that use it: no thread ever waits for a connection.
"""

from dataclasses import dataclass

from sqlalchemy.engine import make_url

from docchat.core.config import Settings

# Threads for requests' reads, at most. SQLite reads in this process, holding the GIL but
# for each row it steps through: past two threads they only take turns, handing the GIL
# about at every row (bench/RESULTS.md, API overhead: `docchat-four-readers`). A database
# across a network leaves a thread waiting on each query, so more of them overlap.
MOST_READERS_SQLITE = 2
MOST_READERS = 4


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
    sqlite = make_url(settings.database_url).get_backend_name() == "sqlite"
    most = MOST_READERS_SQLITE if sqlite else MOST_READERS
    return Capacity(
        background_threads=settings.threads,
        read_threads=max(1, min(most, settings.threads // 2)),
        write_threads=1,
    )
