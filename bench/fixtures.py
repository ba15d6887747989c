"""Databases for the benchmarks: real SQLite files, filled through DocChat's own services."""

from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.corpus import Prose
from docchat.core.config import Settings
from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.models import Chunk, Document, DocumentStatus
from docchat.services.processing import process_document


def database_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'docchat.db'}"


def settings_for(url: str) -> Settings:
    """DocChat's default settings, on this database (no `.env`, no environment)."""
    return Settings(_env_file=None, database_url=url, openai_api_key=None)


def server_env(url: str) -> dict[str, str]:
    """The environment a DocChat server needs to open this database with the defaults."""
    return {"DOCCHAT_DATABASE_URL": url, "DOCCHAT_OPENAI_API_KEY": ""}


def _engine(url: str) -> Engine:
    engine = build_engine(url)
    init_db(engine)
    return engine


def add_documents(url: str, texts: list[tuple[str, str]]) -> int:
    """Store and process each (title, content) as the background task would; return chunks added."""
    engine = _engine(url)
    sessions = build_session_factory(engine)
    settings = settings_for(url)
    try:
        ids = []
        with sessions() as session:
            for title, content in texts:
                document = Document(title=title, content=content)
                session.add(document)
                session.flush()
                ids.append(document.id)
            session.commit()
        for document_id in ids:
            status = process_document(document_id, sessions, settings)
            if status is not DocumentStatus.READY:
                raise RuntimeError(f"document {document_id} ended {status}")
        with sessions() as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(Chunk).where(Chunk.document_id.in_(ids))
                )
                or 0
            )
    finally:
        engine.dispose()


def small_documents(url: str, count: int, seed: int = 3) -> None:
    """`count` ready documents of about 2 KB each."""
    prose = Prose(seed=seed)
    add_documents(url, [(f"document {n}", prose.text(2000)) for n in range(count)])


def corpus_of_chunks(
    url: str, at_least: int, document_bytes: int, seed: int = 5
) -> tuple[int, int]:
    """Add documents of `document_bytes` until there are `at_least` chunks; (documents, chunks)."""
    prose = Prose(seed=seed)
    documents = chunks = 0
    while chunks < at_least:
        documents += 1
        chunks += add_documents(url, [(f"volume {documents}", prose.text(document_bytes))])
    return documents, chunks
