"""Retrieval: query terms, FTS5 with bm25, and the portable scan that must rank the same way."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.models import Chunk, Document, DocumentStatus
from docchat.services.search_index import query_terms, search

CORPUS = {
    "Kettle": [
        "The kettle boils water quickly. Descale the kettle monthly.",
        "Limescale builds up inside a kettle when the water is hard.",
    ],
    "Teapot": [
        "Warm the teapot with hot water before adding loose leaves.",
        "Green leaves want cooler water than black leaves.",
    ],
    "Grinder": [
        "A burr grinder crushes coffee beans evenly.",
        "Clean the grinder burrs weekly to keep coffee fresh.",
    ],
    "Draft": ["The kettle draft was never finished."],
}


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = build_engine("sqlite://")
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    """The corpus stored as chunks; every document ready except the draft."""
    sessions = build_session_factory(engine)
    with sessions() as session:
        documents = {}
        for title, texts in CORPUS.items():
            status = DocumentStatus.PENDING if title == "Draft" else DocumentStatus.READY
            document = Document(title=title, content=" ".join(texts), status=status)
            document.chunks = [Chunk(position=n, text=t) for n, t in enumerate(texts)]
            session.add(document)
            documents[title] = document
        session.commit()
        return {title: document.id for title, document in documents.items()}


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with sessionmaker(bind=engine)() as session:
        yield session


def test_query_terms_are_lowercase_distinct_and_without_stopwords() -> None:
    assert query_terms("How do I descale THE Kettle, the kettle?") == ["descale", "kettle"]


def test_query_terms_drop_single_letters_and_keep_digits() -> None:
    assert query_terms("a b c 42 x9") == ["42", "x9"]


def test_query_terms_are_capped_at_32() -> None:
    assert len(query_terms(" ".join(f"word{n}" for n in range(50)))) == 32


@pytest.mark.parametrize("use_fts", [True, False], ids=["fts", "scan"])
def test_search_ranks_the_most_relevant_chunk_first(
    session: Session, ids: dict[str, int], use_fts: bool
) -> None:
    hits = search(session, "how do I descale my kettle", 3, use_fts=use_fts)

    assert hits[0].title == "Kettle"
    assert hits[0].position == 0
    assert "Descale" in hits[0].text
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert all(hit.score > 0 for hit in hits)


@pytest.mark.parametrize("use_fts", [True, False], ids=["fts", "scan"])
def test_search_skips_documents_that_are_not_ready(
    session: Session, ids: dict[str, int], use_fts: bool
) -> None:
    hits = search(session, "draft", 5, use_fts=use_fts)

    assert hits == []


@pytest.mark.parametrize("use_fts", [True, False], ids=["fts", "scan"])
def test_search_restricted_to_document_ids(
    session: Session, ids: dict[str, int], use_fts: bool
) -> None:
    hits = search(session, "water", 10, [ids["Teapot"]], use_fts=use_fts)

    assert {hit.document_id for hit in hits} == {ids["Teapot"]}
    assert len(hits) == 2


@pytest.mark.parametrize("use_fts", [True, False], ids=["fts", "scan"])
def test_search_returns_at_most_top_k(session: Session, ids: dict[str, int], use_fts: bool) -> None:
    assert len(search(session, "water leaves kettle coffee", 2, use_fts=use_fts)) == 2


@pytest.mark.parametrize("use_fts", [True, False], ids=["fts", "scan"])
def test_search_without_meaningful_words_finds_nothing(
    session: Session, ids: dict[str, int], use_fts: bool
) -> None:
    assert search(session, "what is the?", 5, use_fts=use_fts) == []


def test_search_on_empty_database_finds_nothing(session: Session) -> None:
    assert search(session, "kettle", 5, use_fts=False) == []
    assert search(session, "kettle", 5, use_fts=True) == []


def test_search_quotes_fts_syntax_in_questions(session: Session, ids: dict[str, int]) -> None:
    hits = search(session, 'coffee" OR grinder* NEAR(AND', 5, use_fts=True)

    assert {hit.title for hit in hits} == {"Grinder"}


@pytest.mark.parametrize(
    "question",
    [
        "descale kettle",
        "water leaves",
        "clean coffee grinder weekly",
        "hot water teapot",
        "limescale hard water",
        "green black leaves",
    ],
)
def test_scan_ranks_like_fts_on_a_small_corpus(
    session: Session, ids: dict[str, int], question: str
) -> None:
    # FTS5 stems words (porter) and the scan does not: the questions spell words as the corpus does.
    with_fts = search(session, question, 10, use_fts=True)
    with_scan = search(session, question, 10, use_fts=False)

    assert [hit.chunk_id for hit in with_scan] == [hit.chunk_id for hit in with_fts]


def test_search_picks_fts_on_sqlite_by_default(
    session: Session, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import docchat.services.search_index as search_index

    def no_scan(*_args: object) -> list[object]:
        raise AssertionError("the scan ran on SQLite")

    monkeypatch.setattr(search_index, "_search_scan", no_scan)

    assert search(session, "kettle", 1)[0].title == "Kettle"
