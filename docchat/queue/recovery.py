"""Unfinished documents are picked up again once per deployment, not once per web process.

A deployment's processes share a name (`DOCCHAT_DEPLOYMENT`, set by `docchat serve
--workers N`). The first process to claim the `recovery` row for that name recovers; the
others find it claimed, or locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the
conditional update is atomic under its one writer), and go straight on.
"""

import logging
import uuid
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, DateTime, column, insert, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.config import Settings
from docchat.models import UNFINISHED, Document
from docchat.queue.dispatch import Processor
from docchat.services.processing import recover_unfinished

log = logging.getLogger("docchat.queue")

# claimed_at typed as the migration makes it: SQLAlchemy then stores the datetime itself, where
# sqlite3's own datetime adapter is deprecated since Python 3.12 (a warning, an error here).
claims = table(
    "docchat_claims",
    column("name"),
    column("deployment"),
    column("claimed_at", DateTime(timezone=True)),
)
RECOVERY = "recovery"


def claim_once(sessions: sessionmaker[Session], name: str, deployment: str) -> bool:
    """True for exactly one caller per (name, deployment)."""
    now = datetime.now(UTC)
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            locked = session.execute(
                select(claims.c.deployment)
                .where(claims.c.name == name)
                .with_for_update(skip_locked=True)
            ).first()
            if locked is None and _exists(session, name):
                return False  # another process is claiming it right now
        result = session.execute(
            update(claims)
            .where(claims.c.name == name, claims.c.deployment != deployment)
            .values(deployment=deployment, claimed_at=now)
        )
        changed = cast(CursorResult[Any], result).rowcount
        if changed or _exists(session, name):
            session.commit()
            return bool(changed)
        try:
            session.execute(insert(claims).values(name=name, deployment=deployment, claimed_at=now))
            session.commit()
        except IntegrityError:  # another process inserted it first
            return False
        return True


def _exists(session: Session, name: str) -> bool:
    found = session.scalar(select(claims.c.name).where(claims.c.name == name))
    return found is not None


def recover_once(
    sessions: sessionmaker[Session], settings: Settings, processor: Processor
) -> list[int] | None:
    """Recover unfinished documents unless this deployment already has; None if skipped."""
    with sessions() as session:  # nothing to do: nothing to claim (nor write)
        unfinished = session.scalar(select(Document.id).where(Document.status.in_(UNFINISHED)))
    if unfinished is None:
        return []
    deployment = settings.deployment or f"process-{uuid.uuid4()}"
    if not claim_once(sessions, RECOVERY, deployment):
        log.info("unfinished documents already recovered for deployment %s", deployment)
        return None
    return recover_unfinished(sessions, settings, processor)
