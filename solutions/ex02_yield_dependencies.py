"""Exercise 2 · A get_db that always closes, and a transaction that commits before the response.

Every DocChat route that touches the database gets its session from one dependency. Write it
once, with `yield`, so that the session is closed after every request, whether the endpoint
returned, raised an HTTPException or crashed. A session that is never closed keeps its pooled
connection, and after a few requests the pool is empty: every later request fails.

Then write a second dependency for routes that only add or change objects: it commits for them
*before* the response is sent, so that a commit that fails still reaches the client as an
error, not as a cheerful 201.

The engine below has a deliberately tiny pool (2 connections, no overflow, a short wait), so a
leak shows up after two requests instead of after two hundred. The checks serve routes that
list, create and read `Tag`s through your dependencies, and count the connections left in use.

Background: notebooks/02_yield_dependencies.ipynb. Check your work: `check("ex02")` in the
notebook, or `docchat-lab check ex02` in a terminal.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, status
from sqlalchemy import String, create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

DATABASE_URL = "sqlite:///ex02_tags.db"

engine = create_engine(
    DATABASE_URL,
    pool_size=2,  # two connections in the pool...
    max_overflow=0,  # ...and not one more
    pool_timeout=0.5,  # a request waits this long for a free connection, then fails
    connect_args={"check_same_thread": False},  # sync endpoints run in worker threads
)
SessionLocal = sessionmaker(bind=engine)


class Base(DeclarativeBase):
    pass


class Tag(Base):
    """A label for documents. Names are unique: adding a name twice fails on commit."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


def get_db() -> Iterator[Session]:
    """Yield one new session from `SessionLocal` per request, and always close it.

    - Open the session with `SessionLocal()` each time: never share one session between requests.
    - Close it after the request in every case: the endpoint returned, raised an HTTPException
      (a 404 must stay a 404) or crashed (a 500).
    - Never swallow an exception that comes back through `yield`. If you write an `except`, end
      it with `raise`; if you only need cleanup, `finally` or `with` is enough.
    - Do not commit here: the routes that use get_db commit themselves, where a failure can
      still become the response.
    """
    ### BEGIN SOLUTION
    # `with` closes the session whatever happens, and lets every exception through untouched.
    with SessionLocal() as db:
        yield db
    ### END SOLUTION


def get_db_transaction() -> Iterator[Session]:
    """Yield one new session from `SessionLocal`, and commit it for the endpoint: a unit of work.

    Routes that use it only add or change objects; this dependency ends the transaction:
    - the endpoint returned normally: commit. If the commit fails with an IntegrityError (a
      duplicate tag name, say), roll back and raise HTTPException 409 Conflict with a detail
      that says what happened;
    - the endpoint raised (an HTTPException, or a crash): roll back, nothing it wrote is kept,
      and re-raise the exception unchanged;
    - in every case, close the session.
    The commit runs after `yield`. With the default scope that is after the response has been
    sent, too late to tell the client. So routes use it through TransactionDep (below), whose
    scope makes the code after `yield` run before the response.
    """
    ### BEGIN SOLUTION
    with SessionLocal() as db:
        try:
            yield db
        except Exception:
            db.rollback()
            raise  # a 404 stays a 404, a crash stays a crash
        try:
            db.commit()
        except IntegrityError as exc:
            db.rollback()
            raise HTTPException(status.HTTP_409_CONFLICT, f"conflict: {exc.orig}") from None
    ### END SOLUTION


# The aliases routes use: `def list_tags(db: SessionDep)`, `def create_tag(db: TransactionDep)`.
### BEGIN SOLUTION
SessionDep = Annotated[Session, Depends(get_db)]
TransactionDep = Annotated[Session, Depends(get_db_transaction, scope="function")]
### END SOLUTION
### BEGIN STUB
# SessionDep = Session  # TODO: an Annotated alias that depends on get_db
# TransactionDep = Session  # TODO: on get_db_transaction, with its teardown before the response
### END STUB
