# %% [markdown]
# # 03 · Routers, SQLAlchemy 2.0 style, and the app factory
#
# One `main.py` with forty routes stops being readable long before it stops working. FastAPI's
# `APIRouter` lets each area of the API (documents, chat, health) live in its own module with
# its own URL prefix and OpenAPI tags, and an **app factory**, `create_app(settings)`,
# assembles them into an app: a fresh, independent one on every call. This notebook takes
# routers apart on tiny apps, fixes the mistakes the lesson's "mini-build" makes when you
# actually run it (a doubled prefix, a title that lands in the query string, SQLAlchemy 1.x
# idioms that answer `200 null` or `{}`, a test suite that cannot import the app), and then
# you write DocChat's documents routes yourself, served by your own `create_app`.
#
# **After this notebook you can:**
# - split routes into `APIRouter`s with a prefix and tags, and predict the final paths (and the
#   307 slash redirect);
# - accept a JSON body with a Pydantic model and answer `202 Accepted`; accept a file upload;
# - tell `include_router` from `app.mount`;
# - write SQLAlchemy 2.0 models and queries (`DeclarativeBase`, `Mapped`, `session.get`,
#   `select`), and return ORM objects safely;
# - say why an app factory, and configure pytest to import the app;
# - write `create_document`, `list_documents`, `read_document` and `delete_document` in
#   `my_docchat/api/routes/documents.py`, DocChat's stage 03.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup(stage=3)

# %% [markdown]
# ## `APIRouter`: a group of routes with a shared prefix and tags
#
# An `APIRouter` collects routes exactly like an app does (`@router.get(...)`), but it cannot
# serve anything on its own. The router's `prefix` is put in front of every path, and its
# `tags` group the routes in the OpenAPI schema and in `/docs`:

# %%
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

documents_router = APIRouter(prefix="/documents", tags=["documents"])


@documents_router.get("/")
def list_documents() -> list[dict]:
    """Every document (none yet)."""
    return []


@documents_router.get("/{document_id}")
def read_document(document_id: int) -> dict:
    """One document."""
    return {"id": document_id}


health_router = APIRouter(prefix="/health", tags=["health"])


@health_router.get("")
def liveness() -> dict:
    return {"status": "ok"}


# %% [markdown]
# `app.include_router(router)` adds a router's routes to the app. Then ask the app for its
# paths: `app.openapi()["paths"]`, or `app.url_path_for(name)` for one route.

# %%
app = FastAPI()
app.include_router(documents_router)
app.include_router(health_router)

paths = app.openapi()["paths"]
with TestClient(app) as client:
    answers = [client.get(path).json() for path in ("/documents/", "/documents/7", "/health")]

assert sorted(paths) == ["/documents/", "/documents/{document_id}", "/health"]
assert paths["/documents/{document_id}"]["get"]["tags"] == ["documents"]
assert app.url_path_for("read_document", document_id=7) == "/documents/7"
assert answers == [[], {"id": 7}, {"status": "ok"}]
for path, operations in sorted(paths.items()):
    print(f"{path:<26} tags={operations['get']['tags']}")

# %% [markdown]
# Older snippets loop over `app.routes` to list the paths; on the FastAPI this kit runs, that
# list holds one entry per included router rather than every route, so those loops miss them:

# %%
direct_paths = {getattr(route, "path", None) for route in app.routes}
assert "/documents/{document_id}" not in direct_paths
assert {"/openapi.json", "/docs"} <= direct_paths
print(
    "'/documents/{document_id}' listed directly in app.routes:",
    "/documents/{document_id}" in direct_paths,
)

# %% [markdown]
# > **PHP bridge.** A router with a prefix is Laravel's
# > `Route::prefix('documents')->group(function () { ... })`, or a Symfony controller class with
# > `#[Route('/documents')]` on it: the prefix is written once, not on every route.
#
# ## Trap: the prefix written twice
#
# The prefix is already `/documents`, so the route's own path is what comes **after** it. Write
# `@router.post("/documents")` on that router and the endpoint is served at
# `/documents/documents`, while a client posting to `/documents/` gets a 405 (the path exists, but
# only for `GET`).

# %%
# erratum 12: under prefix="/documents", @router.post("/documents") serves /documents/documents
doubled = APIRouter(prefix="/documents", tags=["documents"])


@doubled.get("/")
def list_all() -> list[dict]:
    return []


@doubled.post("/documents")
def create_doubled() -> dict:
    return {"created": True}


doubled_app = FastAPI()
doubled_app.include_router(doubled)

with TestClient(doubled_app) as client:
    where_you_meant = client.post("/documents/")
    where_it_is = client.post("/documents/documents")

assert doubled_app.url_path_for("create_doubled") == "/documents/documents"
assert "/documents/documents" in doubled_app.openapi()["paths"]
assert where_you_meant.status_code == 405
assert where_it_is.status_code == 200
print("create_doubled is served at:", doubled_app.url_path_for("create_doubled"))
print("POST /documents/ ->", where_you_meant.status_code, where_you_meant.json())

# %% [markdown]
# The fix is `@router.post("/")`: the route is the router's root. That raises the next question:
# what about a client that calls `/documents`, without the slash? Starlette answers with a
# **307 Temporary Redirect** to `/documents/`. A 307 (unlike a 301 or 302) tells the client to
# repeat the *same* method with the *same* body, so a POST is re-sent as a POST. It works, at the
# cost of an extra round trip for every such call; `TestClient` follows redirects by default, so
# we turn that off to see it.

# %%
from pydantic import BaseModel


class NewDocument(BaseModel):
    title: str


slashed = APIRouter(prefix="/documents", tags=["documents"])


@slashed.post("/", status_code=202)
def create_slashed(body: NewDocument) -> dict:
    return {"title": body.title, "status": "pending"}


slashed_app = FastAPI()
slashed_app.include_router(slashed)


# %%
# erratum 12: /documents redirects with a 307 to /documents/; a 307 keeps the method and body
with TestClient(slashed_app) as client:
    redirect = client.post("/documents", json={"title": "Kettle"}, follow_redirects=False)
    followed = client.post("/documents", json={"title": "Kettle"})

assert redirect.status_code == 307
assert redirect.headers["location"] == "http://testserver/documents/"
assert followed.status_code == 202
assert followed.json() == {"title": "Kettle", "status": "pending"}
assert [r.status_code for r in followed.history] == [307]
print("POST /documents  ->", redirect.status_code, "Location:", redirect.headers["location"])
print("followed         ->", followed.status_code, followed.json())

# %% [markdown]
# ## Trap: a scalar parameter on a POST is a query parameter
#
# FastAPI decides where each parameter comes from by its type: a plain `str` or `int` that is not
# in the path is read from the **query string**, even on a POST. So an upload endpoint declared
# as `upload(title: str, tasks: BackgroundTasks)` ignores a JSON body entirely: a browser's
# `fetch(..., {body: JSON.stringify({title})})` gets a 422 saying `title` is missing **from the
# query**.

# %%
# erratum 11: upload(title: str, ...) makes title a query parameter, so a JSON POST gets a 422
from fastapi import BackgroundTasks

as_written = FastAPI()


@as_written.post("/documents/")
def upload(title: str, tasks: BackgroundTasks) -> dict:
    return {"title": title, "status": "processing"}


with TestClient(as_written) as client:
    json_post = client.post("/documents/", json={"title": "Kettle"})
    query_post = client.post("/documents/", params={"title": "Kettle"})

operation = as_written.openapi()["paths"]["/documents/"]["post"]
assert json_post.status_code == 422
assert json_post.json()["detail"][0]["loc"] == ["query", "title"]
assert json_post.json()["detail"][0]["type"] == "missing"
assert query_post.status_code == 200, "it only works with ?title=... in the URL"
assert [(p["name"], p["in"]) for p in operation["parameters"]] == [("title", "query")]
assert "requestBody" not in operation
print("JSON body     ->", json_post.status_code, json_post.json()["detail"][0])
print("?title=Kettle ->", query_post.status_code, query_post.json())

# %% [markdown]
# The fix: describe the body with a Pydantic model. A parameter whose type is a `BaseModel` is
# read from the JSON body, validated (a missing or empty field is a 422 that points into the body)
# and documented. And since the work happens later, in a background task, the honest status is
# **202 Accepted**, not 200.

# %%
# erratum 11: the fix is a Pydantic body model and a 202 Accepted
from pydantic import Field


class DocumentIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1)


fixed = FastAPI()


@fixed.post("/documents/", status_code=202)
def accept_document(body: DocumentIn, tasks: BackgroundTasks) -> dict:
    return {"title": body.title, "status": "pending"}


with TestClient(fixed) as client:
    accepted = client.post("/documents/", json={"title": "Kettle", "content": "Boils water."})
    no_content = client.post("/documents/", json={"title": "Kettle"})

assert accepted.status_code == 202
assert accepted.json() == {"title": "Kettle", "status": "pending"}
assert no_content.status_code == 422
assert no_content.json()["detail"][0]["loc"] == ["body", "content"]
assert "requestBody" in fixed.openapi()["paths"]["/documents/"]["post"]
print("JSON body        ->", accepted.status_code, accepted.json())
print("missing content  ->", no_content.status_code, no_content.json()["detail"][0]["loc"])

# %% [markdown]
# A real **file** upload is a different kind of request: `multipart/form-data`, not JSON.
# Declare the parameter as `UploadFile` (and text fields beside it with `Form()`). Parsing
# multipart bodies needs the `python-multipart` package; FastAPI checks for it as soon as you
# declare such a route. First the route, then what happens when the package is missing (the
# helper `not_installed` hides it from `import` for a moment; `kept_log` keeps FastAPI's log
# line off the screen):

# %%
from typing import Annotated

from fastapi import Form, UploadFile


def declare_upload_route(target: FastAPI) -> None:
    @target.post("/documents/upload", status_code=202)
    async def upload_file(file: UploadFile, title: Annotated[str | None, Form()] = None) -> dict:
        text = (await file.read()).decode("utf-8")
        return {"title": title or file.filename, "characters": len(text)}


# %%
# erratum 11: a real file upload needs UploadFile and python-multipart
from docchat_lab.lesson.imports import kept_log, not_installed

with kept_log("fastapi") as fastapi_log, not_installed("python_multipart", "multipart"):
    try:
        declare_upload_route(FastAPI())
        missing_package_error = ""
    except RuntimeError as exc:
        missing_package_error = str(exc)

uploads = FastAPI()
declare_upload_route(uploads)
with TestClient(uploads) as client:
    file = ("kettle.md", b"# Kettle\nBoils water.", "text/markdown")
    uploaded = client.post("/documents/upload", files={"file": file})

assert missing_package_error.startswith('Form data requires "python-multipart" to be installed.')
assert len(fastapi_log) == 1
assert (uploaded.status_code, uploaded.json()) == (202, {"title": "kettle.md", "characters": 21})
print("without python-multipart:", missing_package_error.splitlines()[0].strip())
print("with it, multipart upload ->", uploaded.status_code, uploaded.json())

# %% [markdown]
# ## `include_router` is not `mount`
#
# `app.include_router(router)` merges the router's routes into **this** app: one OpenAPI
# schema, one `/docs`, one set of exception handlers and dependency overrides.
# `app.mount("/sub", other)` hands every request under `/sub` to **another complete ASGI app**,
# with its own `/docs` and schema; the parent's exception handlers and `dependency_overrides`
# do not reach it. Mount is for embedding a separate app (static files, an admin app); routers
# organise one API. The same router, included in a parent and mounted under `/sub`:

# %%
from fastapi import Depends, Request
from fastapi.responses import JSONResponse


class QuotaExceededError(Exception):
    pass


def who_is_calling() -> str:
    return "real user"


def build_router() -> APIRouter:
    router = APIRouter(prefix="/items", tags=["items"])

    @router.get("/")
    def items(caller: Annotated[str, Depends(who_is_calling)]) -> dict:
        return {"caller": caller}

    @router.get("/quota")
    def quota() -> dict:
        raise QuotaExceededError()

    return router


# %%
# erratum 13: include_router merges routes into one app; app.mount attaches a separate app
parent, sub_app = FastAPI(title="parent"), FastAPI(title="mounted")
parent.include_router(build_router())
sub_app.include_router(build_router())
parent.mount("/sub", sub_app)


@parent.exception_handler(QuotaExceededError)
async def quota_handler(request: Request, exc: QuotaExceededError) -> JSONResponse:
    return JSONResponse({"detail": "quota exceeded"}, status_code=429)


parent.dependency_overrides[who_is_calling] = lambda: "test user"
with TestClient(parent, raise_server_exceptions=False) as client:
    callers = [client.get(p).json()["caller"] for p in ("/items/", "/sub/items/")]
    quotas = [client.get(p).status_code for p in ("/items/quota", "/sub/items/quota")]
    schemas = [client.get(p).json() for p in ("/openapi.json", "/sub/openapi.json")]

assert sorted(schemas[0]["paths"]) == ["/items/", "/items/quota"], "no /sub/... in the parent's"
assert (schemas[1]["info"]["title"], sorted(schemas[1]["paths"])) == (
    "mounted",
    ["/items/", "/items/quota"],
)
assert callers == ["test user", "real user"], "the parent's override does not reach the mount"
assert quotas == [429, 500], "nor does the parent's exception handler"
print("override  included:", callers[0], "| mounted:", callers[1])
print("handler   included:", quotas[0], "| mounted:", quotas[1])

# %% [markdown]
# > **Interview probe.** *"What is the difference between `include_router` and `mount`?"*
# > `include_router` adds routes to the same app: one schema, shared handlers and overrides.
# > `mount` delegates a path prefix to a separate ASGI app with its own docs, handlers and
# > dependency overrides.
#
# ## SQLAlchemy 2.0 style
#
# The lesson's database code is SQLAlchemy 1.x style: `db.query(Document).get(id)`.
# SQLAlchemy 2 keeps the `Query` API as "legacy" and has a simpler core: models declared with
# `DeclarativeBase` and typed `Mapped[...]` columns, `session.get(Model, id)` for one row by
# primary key, and `session.scalars(select(Model))` for lists. A small model in that style:

# %%
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="pending")


# %% [markdown]
# On a SQLite file, with a `get_db` as in notebook 02; `statements` records every SQL
# statement the engine runs (we count them further down):

# %%
from sqlalchemy import event, select
from sqlalchemy.orm import sessionmaker

from docchat_lab.lesson.pools import unpooled_engine
from docchat_lab.notebook import scratch_dir

engine = unpooled_engine(scratch_dir() / "sa2.db")
Base.metadata.create_all(engine)
SessionLocal = sessionmaker(bind=engine)  # expire_on_commit=True, the default
statements: list[str] = []
event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))


def get_db():
    with SessionLocal() as db:
        yield db


SessionDep = Annotated[Session, Depends(get_db)]

with SessionLocal() as db:
    db.add_all([Document(title="Kettle"), Document(title="Teapot")])
    db.commit()
    titles = db.scalars(select(Document.title).order_by(Document.id)).all()
assert titles == ["Kettle", "Teapot"]
print("stored:", titles)

# %% [markdown]
# Now the lesson's read endpoint, `return db.query(Document).get(doc_id)`. Two things go wrong.
# `Query.get()` emits a `LegacyAPIWarning`, which is an error wherever warnings are errors (here,
# and in a test suite with `filterwarnings = ["error"]`). And where the warning is merely shown,
# an unknown id returns `None`, which FastAPI happily serialises: **`200 null`**, a success
# status for a document that does not exist.

# %%
from sqlalchemy.exc import LegacyAPIWarning

legacy = FastAPI()


@legacy.get("/documents/{document_id}")
def read_legacy(document_id: int, db: SessionDep):
    return db.query(Document).get(document_id)


# %%
# erratum 7: db.query(...).get() is legacy: it warns, and a missing id gives 200 null
with TestClient(legacy) as client:
    try:
        client.get("/documents/1")
        raised = None
    except LegacyAPIWarning as exc:  # warnings are errors: the request itself fails
        raised = exc

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LegacyAPIWarning)  # only shown, as in a default setup
        missing = client.get("/documents/999")

assert isinstance(raised, LegacyAPIWarning)
assert "Session.get()" in str(raised)
assert [w.category for w in caught] == [LegacyAPIWarning]
assert missing.status_code == 200
assert missing.text == "null"
print("warnings as errors ->", type(raised).__name__, "| the message points to Session.get()")
print("warnings shown     ->", missing.status_code, missing.text)

# %% [markdown]
# The 2.0 way: `db.get(Document, id)`, and an explicit 404 when it returns `None`. For lists,
# `db.scalars(select(Document)).all()`. A response model with `from_attributes=True` reads the
# ORM object's attributes:

# %%
from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    status: str


modern = FastAPI()


@modern.get("/documents/", response_model=list[DocumentOut])
def list_modern(db: SessionDep) -> list[Document]:
    return list(db.scalars(select(Document).order_by(Document.id)).all())


@modern.get("/documents/{document_id}", response_model=DocumentOut)
def read_modern(document_id: int, db: SessionDep) -> Document:
    document = db.get(Document, document_id)
    if document is None:
        raise HTTPException(status_code=404, detail=f"document {document_id} not found")
    return document


# %%
# erratum 7: use db.get(Model, id) with a 404, and db.scalars(select(...)).all() for lists
with TestClient(modern) as client:
    found = client.get("/documents/1")
    not_found = client.get("/documents/999")
    everything = client.get("/documents/")

assert found.json() == {"id": 1, "title": "Kettle", "status": "pending"}
assert (not_found.status_code, not_found.json()) == (404, {"detail": "document 999 not found"})
assert [d["title"] for d in everything.json()] == ["Kettle", "Teapot"]
print("GET /documents/1   ->", found.status_code, found.json())
print("GET /documents/999 ->", not_found.status_code, not_found.json())
print("GET /documents/    ->", [d["title"] for d in everything.json()])

# %% [markdown]
# ## Trap: returning an ORM object right after `commit()`
#
# By default a session **expires** every object when it commits: it forgets their loaded values
# so the next access reads fresh data from the database. An endpoint with no `response_model`
# (and no return annotation) hands its return value to FastAPI's `jsonable_encoder`, which turns
# an arbitrary object into a dict through its `__dict__`. For an expired ORM object, that
# `__dict__` holds only SQLAlchemy's private bookkeeping (`_sa_instance_state`, which the encoder
# drops) and none of the columns. The client gets `{}`.

# %%
from fastapi.encoders import jsonable_encoder

no_model = FastAPI()


@no_model.post("/documents/")
def create_without_model(body: NewDocument, db: SessionDep):
    document = Document(title=body.title)
    db.add(document)
    db.commit()
    return document


# %%
# erratum 8: an ORM object returned right after commit() (no response_model) serialises as {}
with TestClient(no_model) as client:
    created = client.post("/documents/", json={"title": "Mug"})

with SessionLocal() as db:
    document = Document(title="Saucer")
    db.add(document)
    db.commit()
    after_commit = (sorted(vars(document)), jsonable_encoder(document))
    _ = document.title  # touching an attribute reloads the expired values
    after_access = jsonable_encoder(document)

assert created.status_code == 200
assert created.json() == {}
assert after_commit == (["_sa_instance_state"], {})
assert after_access == {"id": document.id, "title": "Saucer", "status": "pending"}
print("POST /documents/ ->", created.status_code, created.json())
print("after commit: __dict__ keys", after_commit[0], "-> encoded as", after_commit[1])
print("after touching .title ->", sorted(after_access))

# %% [markdown]
# Three fixes, each measured below by counting the SQL statements the request runs:
#
# 1. **A `response_model` with `from_attributes=True`** (here `DocumentOut`). Pydantic reads each
#    attribute with `getattr`, and each read of an expired attribute makes SQLAlchemy reload the
#    row: correct output, at the price of one extra `SELECT`. It works because FastAPI serialises
#    the response before any dependency teardown closes the session.
# 2. **`db.refresh(document)`** after the commit: the same reload, done on purpose. It is required
#    when the object must outlive its session, because a detached object cannot reload itself.
# 3. **`expire_on_commit=False`** on the session factory: nothing is expired, nothing is
#    reloaded, and even the plain path works. DocChat does this, together with response models.

# %% [markdown]
# The fixes, as four routes: a response model on the request's session; the same, on a session
# closed before FastAPI serialises (with and without `refresh()`); and a plain return from a
# session factory with `expire_on_commit=False`.


# %%
def store(db: Session, title: str, *, refresh: bool = False) -> Document:
    document = Document(title=title)
    db.add(document)
    db.commit()
    if refresh:
        db.refresh(document)
    return document


fixes = FastAPI()


@fixes.post("/model/", response_model=DocumentOut)
def with_response_model(body: NewDocument, db: SessionDep) -> Document:
    return store(db, body.title)


@fixes.post("/detached/", response_model=DocumentOut)
def detached_without_refresh(body: NewDocument) -> Document:
    with SessionLocal() as db:  # the session closes before FastAPI serialises
        return store(db, body.title)


@fixes.post("/detached-refreshed/", response_model=DocumentOut)
def detached_with_refresh(body: NewDocument) -> Document:
    with SessionLocal() as db:
        return store(db, body.title, refresh=True)


# %%
NoExpireSession = sessionmaker(bind=engine, expire_on_commit=False)


@fixes.post("/no-expire/")
def plain_no_expire(body: NewDocument):
    with NoExpireSession() as db:
        return store(db, body.title)


def post(client: TestClient, path: str) -> tuple[int, list[str] | str, int]:
    """Status, the keys of the answer, and how many SELECTs the request ran."""
    statements.clear()
    response = client.post(path, json={"title": "Cup"})
    selects = sum(s.lstrip().upper().startswith("SELECT") for s in statements)
    body = sorted(response.json()) if response.status_code == 200 else response.text
    return response.status_code, body, selects


# %%
# erratum 8: the fix: response_model (from_attributes) + refresh, or expire_on_commit=False
with TestClient(fixes, raise_server_exceptions=False) as client:
    outcomes = {
        path: post(client, path)
        for path in ("/model/", "/detached/", "/detached-refreshed/", "/no-expire/")
    }

fields = ["id", "status", "title"]
assert outcomes["/model/"] == (200, fields, 1), "the expired row was reloaded once"
assert outcomes["/detached/"][0] == 500, "a detached, expired object cannot be reloaded"
assert outcomes["/detached-refreshed/"][:2] == (200, fields)
assert outcomes["/no-expire/"] == (200, fields, 0), "nothing expired, nothing reloaded"
with TestClient(fixes) as client:  # raise_server_exceptions=True: what the server saw
    try:
        client.post("/detached/", json={"title": "Cup"})
        detached_error = ("", False)
    except Exception as exc:
        detached_error = (type(exc).__name__, "DetachedInstanceError" in str(exc))
assert detached_error == ("ResponseValidationError", True), "reading the detached object failed"
for path, (status, body, selects) in outcomes.items():
    shown = (
        f"{body} | SELECTs: {selects}"
        if status == 200
        else f"({detached_error[0]}: DetachedInstanceError)"
    )
    print(f"{path:<21} -> {status} {shown}")
engine.dispose()

# %% [markdown]
# > **PHP bridge.** Eloquent has no such surprise: `$doc->save()` leaves the model's attributes
# > in memory. SQLAlchemy's default favours freshness (after a commit, other transactions may have
# > changed the row), so it expires objects; set `expire_on_commit=False` when you serialise
# > right after committing, as web APIs usually do.

# %% [markdown]
# ## The lesson's mini-build, run for real
#
# The lesson ends with a mini-build: an `app/` package (a documents router, a `create_app()`
# factory) and one pytest test. Run as written, it fails twice before it passes. The cell below
# writes a small project with the same shape into a scratch folder, in three versions, and runs
# plain `pytest` on each (in subprocesses, in parallel):
#
# 1. **as written**: pytest cannot even import `app`. Plain `pytest` puts the *test file's*
#    folder (`tests/`) on `sys.path`, not the project folder, so `from app.main import create_app`
#    fails during collection.
# 2. **with `pythonpath = ["."]`** under `[tool.pytest.ini_options]` in `pyproject.toml`: the
#    test is collected, and now fails with a `NameError`, because the router module uses
#    `Document` without importing it. Python only looks the name up when the route runs.
# 3. **with the import added**: green.

# %% [markdown]
# The router module as the lesson writes it:

# %%
from docchat_lab.lesson.mini_build import shown

print(shown("app/routers/documents.py"))

# %% [markdown]
# `write_project` writes the whole project into a scratch folder, `run_pytest` runs pytest in
# each version at once, each in its own process. A fourth version runs `python -m pytest` on
# the project as written:

# %%
# erratum 10: the mini-build fails: no pythonpath, pytest cannot import app; Document never imported
from docchat_lab.lesson.mini_build import run_pytest, write_project

versions = {
    "as written": (False, False, False),
    "+ pythonpath": (True, False, False),
    "+ the import": (True, True, False),
    "python -m": (False, False, True),
}
roots = {
    label: (
        write_project(scratch_dir("mini-build-"), pythonpath=path, import_fixed=fixed),
        as_module,
    )
    for label, (path, fixed, as_module) in versions.items()
}
(code_1, out_1), (code_2, out_2), (code_3, out_3), (code_m, out_m) = run_pytest(roots).values()

assert code_1 == 2, "2 = interrupted: an error while collecting tests"
assert "ModuleNotFoundError: No module named 'app'" in out_1
assert code_2 == 1, "1 = tests ran, and one failed"
assert "NameError: name 'Document' is not defined" in out_2
assert (code_3, "1 passed" in out_3) == (0, True)
print(f"as written:                exit {code_1}  ModuleNotFoundError: No module named 'app'")
print(f"+ pythonpath = [\".\"]:      exit {code_2}  NameError: name 'Document' is not defined")
print(f"+ from app.models import:  exit {code_3}  1 passed")

# %% [markdown]
# The fourth run, `python -m pytest` on the project as written without the `pythonpath` line,
# got past the import (and stopped at the `NameError`), because `python -m` puts the current
# folder on `sys.path`. Don't rely on that: a teammate, an IDE or CI running plain `pytest`
# will not. The config line makes it work the same for everyone, and DocChat's
# `pyproject.toml` has it:

# %%
import tomllib

from docchat_lab.project import project_root

kit_config = tomllib.loads((project_root() / "pyproject.toml").read_text(encoding="utf-8"))
assert code_m == 1
assert "ModuleNotFoundError" not in out_m
assert "NameError: name 'Document' is not defined" in out_m
assert kit_config["tool"]["pytest"]["ini_options"]["pythonpath"] == ["."]
print(f"python -m pytest, as written: exit {code_m}  (imported app; NameError at request time)")
print(
    "[tool.pytest.ini_options] pythonpath =",
    kit_config["tool"]["pytest"]["ini_options"]["pythonpath"],
)

# %% [markdown]
# ## The app factory: a fresh app on every call
#
# `app = FastAPI()` at module level, with its settings and engine beside it, builds everything
# the moment the module is imported: tests then share one app, one database and one set of
# overrides. A factory, `create_app(settings)`, builds the app inside a function: each call
# gets its own settings, engine and session factory (kept on `app.state`, where notebook 02's
# `get_session_factory` finds them), its own **processor** (a function of a document id that
# processes it, on `app.state` too) and its own `dependency_overrides`.
#
# Your `my_docchat/main.py` already has DocChat's `create_app`; this stage's routes are served
# by it. Two apps from it, side by side:

# %%
import inspect

from docchat_lab.notebook import your_module

config, main = your_module("core.config"), your_module("main")
first_app = main.create_app(config.Settings(database_url="sqlite://"))
second_app = main.create_app(config.Settings(database_url="sqlite://"))
first_app.dependency_overrides[your_module("api.deps").pagination] = lambda: None

assert first_app.state.engine is not second_app.state.engine, "a database each"
assert first_app.state.processor is not second_app.state.processor, "a processor each"
assert list(inspect.signature(first_app.state.processor).parameters) == ["document_id"]
assert first_app.state.sessions.kw["expire_on_commit"] is False, "erratum 8's third fix"
assert second_app.dependency_overrides == {}, "overrides stay with their app"
assert first_app.url_path_for("read_document", document_id=1) == "/documents/1"
assert "/documents/documents" not in first_app.openapi()["paths"]
print(
    "two apps, two engines; documents routes:",
    sorted(p for p in first_app.openapi()["paths"] if p.startswith("/documents")),
)
first_app.state.engine.dispose()
second_app.state.engine.dispose()

# %% [markdown]
# > **Interview probe.** *"Why an app factory?"* Construction in one place, from explicit
# > settings; each test gets a fresh app (own database, own overrides) instead of sharing a
# > module-level singleton; and the same code builds the production app from the environment
# > (`docchat serve` and `uvicorn --factory docchat.main:create_app` call the factory;
# > importing the module builds nothing).
#
# ## Build step: your documents routes
#
# The router in `my_docchat/api/routes/documents.py` is declared once, with its prefix and tag;
# its routes are `"/"` and `"/{document_id:digits}"`, never `"/documents"` again.
#
# Why `digits`, and not Starlette's own `{document_id:int}`? A path convertor runs while the
# router *matches* the path, before any handler or validation. `int` converts right there with
# `int()`, and Python refuses to turn a string of more than 4300 digits into a number: that
# `ValueError` is a plain-text 500. The module registers a `digits` convertor instead
# (Starlette's `register_url_convertor`): it matches digits only, like `int`, but hands the text
# on unchanged, and the route's own `DocumentIdPath` validates it like any parameter, so an id
# too large is a 422 naming `document_id`. `1.0` still matches no route: a 404.

# %%
from docchat_lab.notebook import stage_source

stage_source("api/routes/documents.py", "_DigitsConvertor", 3)

# %%
long_id = "1" * 4301  # one digit more than int() converts from a string
your_module("api.routes.documents")  # importing it registers the `digits` convertor
DocumentIdPath = your_module("api.deps").DocumentIdPath
paths = FastAPI()


@paths.get("/int/{document_id:int}")  # Starlette's own convertor
@paths.get("/digits/{document_id:digits}")
def echo_id(document_id: DocumentIdPath) -> int:
    return document_id


with TestClient(paths, raise_server_exceptions=False) as client:
    with_int, with_digits = [client.get(f"/{kind}/{long_id}") for kind in ("int", "digits")]
    not_digits = client.get("/digits/1.0")

assert (with_int.status_code, with_int.text) == (500, "Internal Server Error")
assert with_digits.status_code == 422
assert with_digits.json()["detail"][0]["loc"] == ["path", "document_id"]
assert not_digits.status_code == 404
print(f"{len(long_id)} digits: :int {with_int.status_code}, :digits {with_digits.status_code}")
print("1.0 on the :digits route:", not_digits.status_code)

# %% [markdown]
# The decorators (status codes, response models) are given; you write the four bodies. The
# module gives you the database work as plain functions of a session, for example:

# %%
stage_source("api/routes/documents.py", "_store", 3)

# %%
stage_source("api/routes/documents.py", "page_of_documents", 3)

# %% [markdown]
# Routes hand such a function to `db_write` (or `db_read`), which runs it on the database's own
# thread: `document = await db_write(_store, session, title, content)`. Notebook 04 says why.
# Write the four routes in the next cell (edit it, then run it) or in the file itself. Their
# docstrings are the specification:
#
# - `create_document` refuses content over `settings.max_upload_bytes` **in UTF-8 bytes**
#   (413), stores the document, hands its **id** to the app's processor as a background task,
#   `tasks.add_task(processor, document.id)`, and returns it: the decorator makes that a 202
#   with status `pending`. The processor is a dependency (`processor: ProcessorDep`) that
#   `create_app` built; it opens a session of its own when it runs, so the route never lends
#   it the request's session or the ORM object (notebook 02's trap 3). What it does with the
#   id is stage 06;
# - `list_documents` returns a page (`PageDep`, your stage 01), in id order;
# - `read_document` returns the document `DocumentDep` (your `get_document`) found;
# - `delete_document` deletes it and answers 204 with no body.
#
# Writing a document first:

# %% build="api/routes/documents.py:create_document"

# %% [markdown]
# Then reading and deleting:

# %% build="api/routes/documents.py:list_documents,read_document,delete_document"

# %% [markdown]
# Then check them. The checks build two apps with your `create_app`, one empty and one holding
# documents with fresh titles, and call your routes as a client would.

# %%
from docchat_lab.notebook import check

check("03")

# %% [markdown]
# And try yours: a document in, the list, one read, a delete, and the 404 after it.

# %%
from docchat_lab.notebook import try_yours

try_yours(3)

# %% [markdown]
# ## Your turn
#
# Make every check above pass. In a terminal (File → New → Terminal): `docchat-lab watch 03`
# checks again each time you save, `docchat-lab progress` shows which stages pass, and
# `docchat-lab reset 03` puts stage 03 back to its stubs (your version is kept in
# `.docchat-lab/history/`).
#
# **Extra practice** (optional, not part of your DocChat): `exercises/ex03_routers.py` has you
# write a router's decorators and a `create_app` of your own, on an in-memory store. Check it
# with `check("ex03")` in a cell, or `docchat-lab check ex03` in a terminal.
#
# ## Recap
#
# - `APIRouter(prefix=..., tags=[...])` groups routes; the route path comes **after** the
#   prefix: `@router.post("/")`, not `"/documents"` (that serves `/documents/documents`).
# - `/documents` redirects to `/documents/` with a 307, which repeats the method and body.
# - Ask the app for its paths (`app.openapi()["paths"]`, `app.url_path_for`), not `app.routes`.
# - A scalar parameter on a POST is a **query** parameter: use a Pydantic body model, and 202
#   for work that continues in the background. Files need `UploadFile` and `python-multipart`.
# - `include_router` merges routes into one app; `mount` attaches a separate app with its own
#   docs, handlers and overrides.
# - SQLAlchemy 2: `DeclarativeBase` + `Mapped[...]`, `db.get(Model, id)` + 404,
#   `db.scalars(select(Model)).all()`. `Query.get()` warns and gives `200 null`.
# - An ORM object returned after `commit()` without a response model is `{}`: use a
#   `response_model` with `from_attributes=True` (and `refresh()` if the session closes
#   first), or `expire_on_commit=False`.
# - The mini-build needs `from app.models import Document` and
#   `[tool.pytest.ini_options] pythonpath = ["."]`.
# - `create_app(settings)` builds a fresh, independent app on every call.
#
# ## Further reading
#
# - FastAPI: [Bigger applications, multiple files](https://fastapi.tiangolo.com/tutorial/bigger-applications/),
#   [Request body](https://fastapi.tiangolo.com/tutorial/body/),
#   [Request files](https://fastapi.tiangolo.com/tutorial/request-files/),
#   [Response model](https://fastapi.tiangolo.com/tutorial/response-model/),
#   [Sub applications, mounts](https://fastapi.tiangolo.com/advanced/sub-applications/),
#   [SQL (relational) databases](https://fastapi.tiangolo.com/tutorial/sql-databases/).
# - Starlette: [Routing: mounting](https://www.starlette.io/routing/#submounting-routes),
#   [redirect_slashes](https://www.starlette.io/routing/).
# - SQLAlchemy: [ORM quick start](https://docs.sqlalchemy.org/en/20/orm/quickstart.html),
#   [Session.get](https://docs.sqlalchemy.org/en/20/orm/session_api.html#sqlalchemy.orm.Session.get),
#   [expire_on_commit](https://docs.sqlalchemy.org/en/20/orm/session_api.html#sqlalchemy.orm.Session.params.expire_on_commit).
# - pytest: [pythonpath](https://docs.pytest.org/en/stable/reference/reference.html#confval-pythonpath).
