"""How many threads do blocking work, and how many database connections they need.

Everything comes from one setting, `threads`, so that the connection pool can never be
smaller than the number of threads that use it: no thread ever waits for a connection.
"""

from dataclasses import dataclass

from sqlalchemy.engine import make_url

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
    # SQLite answers from this process, holding the GIL: a second thread for reads would
    # only take turns with the first, and add the cost of trading the GIL. A database
    # across a network leaves threads waiting: there, a quarter of `threads` (1 to 4).
    sqlite = make_url(settings.database_url).get_backend_name() == "sqlite"
    return Capacity(
        background_threads=settings.threads,
        read_threads=1 if sqlite else max(1, min(4, settings.threads // 4)),
        write_threads=1,
    )
