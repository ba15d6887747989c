"""Small databases for the notebooks' demos: a pool that runs dry quickly, a fresh file."""

from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool, QueuePool


def small_pool_engine(path: Path, size: int = 2, timeout: float = 0.2) -> Engine:
    """A SQLite file behind a pool of exactly `size` connections, no overflow."""
    return create_engine(
        f"sqlite:///{path}",
        poolclass=QueuePool,
        pool_size=size,
        max_overflow=0,
        pool_timeout=timeout,
        connect_args={"check_same_thread": False},  # sync endpoints run in worker threads
    )


def unpooled_engine(path: Path) -> Engine:
    """A SQLite file whose connections close with their session (NullPool): none is left for
    the garbage collector, which since Python 3.13 warns about every unclosed one."""
    return create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False}, poolclass=NullPool
    )
