"""Hosts stage 04: the learner's chat router and their OpenAIChatClient, on apps of ours.

- "main" serves the learner's `POST /chat/ask` over our database of ready, indexed documents,
  with our language model (it answers with the run's salt and the chunk ids it was given, in
  order). Kit routes: `POST /_hold` holds the next search query until `GET /_ping` arrives;
  `GET /_events` says how that went; `GET /_llm` lists what our model was asked.
- "llm" serves `POST /_answer`: the learner's OpenAIChatClient.answer against a fake upstream
  on an httpx2 MockTransport, in the mode the judge asks for; it reports what came back or
  what was raised, and every request the upstream saw.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

from fastapi import FastAPI

from docchat_lab.harness.stage04_kit import Hold, KitAnswerer, answer_with_upstream
from docchat_lab.harness.stage_support import (
    PACKAGE,
    app_closing,
    learner,
    run_database,
    sessions_for_checks,
)
from docchat_lab.harness.support import warm_fastapi

MODULES = ("models", "core.db", "api.deps", "api.errors", "services.llm", "api.routes.chat")
REQUIRED = (
    "api.routes.chat:router",
    "api.routes.chat:ask",
    "services.llm:OpenAIChatClient",
    "services.llm:LLMError",
    "services.llm:LLMTimeoutError",
)
__all__ = ["PACKAGE", "apps", "warm_up"]


def warm_up() -> None:
    warm_fastapi()


def seed_ready_documents(
    package: ModuleType, sessions: Any, documents: list[dict[str, Any]]
) -> None:
    """Store the judge's documents as processed: ready, each one chunk, so search finds them."""
    models = learner(package, "models")
    with sessions() as session:
        for document in documents:
            row = models.Document(
                title=document["title"],
                content=document["content"],
                status=models.DocumentStatus.READY,
                chunk_count=1,
            )
            row.chunks = [models.Chunk(position=0, text=document["content"])]
            session.add(row)
        session.commit()


def _main(package: ModuleType, params: dict[str, Any]) -> FastAPI:
    deps, chat = learner(package, "api.deps"), learner(package, "api.routes.chat")
    errors = learner(package, "api.errors")
    engine, sessions = run_database(package, params, "stage04")
    seed_ready_documents(package, sessions, params["documents"])
    hold = Hold(engine)
    app = app_closing(engine)
    errors.install_error_handlers(app)
    app.include_router(chat.router)
    app.state.llm = KitAnswerer(params["salt"], hold)
    app.dependency_overrides[deps.get_db] = sessions_for_checks(sessions)

    @app.post("/_hold", include_in_schema=False)
    async def arm() -> dict[str, bool]:
        hold.arm()
        return {"armed": True}

    @app.get("/_ping", include_in_schema=False)
    async def ping() -> dict[str, bool]:
        return {"released": await hold.release_when_held()}

    @app.get("/_events", include_in_schema=False)
    async def events() -> list[str]:
        return list(hold.events)

    @app.get("/_llm", include_in_schema=False)
    async def asked() -> list[dict[str, Any]]:
        return list(app.state.llm.calls)

    return app


def _llm(package: ModuleType, params: dict[str, Any]) -> FastAPI:
    llm = learner(package, "services.llm")
    search_index = learner(package, "services.search_index")
    app = FastAPI()

    @app.post("/_answer", include_in_schema=False)
    async def answer(body: dict[str, Any]) -> dict[str, Any]:
        return await answer_with_upstream(llm, search_index.Hit, params["upstream"], body)

    return app


def apps(package: ModuleType, params: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    return {"main": lambda: _main(package, params), "llm": lambda: _llm(package, params)}


PROBES: dict[str, Callable[..., Any]] = {}

# What `try_yours(4)` shows the learner in the notebook: a question about two documents.
TOUR_PARAMS = {
    "salt": "kit-model",
    "documents": [
        {"title": "Kettle manual", "content": "Descale the kettle monthly with vinegar."},
        {"title": "Toaster manual", "content": "Empty the crumb tray of the toaster weekly."},
    ],
    "upstream": {},
}
TOUR: list[tuple[str, str] | tuple[str, str, Any]] = [
    ("POST", "/chat/ask", {"question": "How often do I descale the kettle?"}),
    ("POST", "/chat/ask", {"question": "kettle or toaster?", "top_k": 1}),
    ("POST", "/chat/ask", {"question": "kettle", "document_ids": [1, 99]}),
]
