# %% [markdown]
# # 03 · Routers, SQLAlchemy 2.0 style, and the app factory
#
# One `main.py` with forty routes stops being readable long before it stops working. FastAPI's
# `APIRouter` lets each area of the API (documents, chat, health) live in its own module with its
# own URL prefix and OpenAPI tags, and an **app factory**, `create_app(settings)`, assembles them
# into an app: a fresh, independent one on every call. This notebook builds that structure, and
# along the way fixes the mistakes that the lesson's "mini-build" makes when you actually run it:
# a double URL prefix, a title that lands in the query string, a missing import, a test suite that
# cannot import the app, and SQLAlchemy 1.x idioms that answer `200 null` or `{}`.
#
# **After this notebook you can:**
# - split routes into `APIRouter`s with a prefix and tags, and predict the final paths (and the
#   307 slash redirect);
# - accept a JSON body with a Pydantic model and answer `202 Accepted`; accept a file upload;
# - tell `include_router` from `app.mount`;
# - write SQLAlchemy 2.0 models and queries (`DeclarativeBase`, `Mapped`, `session.get`,
#   `select`), and return ORM objects safely;
# - build apps with a factory, one fresh app per test, and configure pytest to import them.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup()

# %% [markdown]
# ## `APIRouter`: a group of routes with a shared prefix and tags
#
# An `APIRouter` collects routes exactly like an app does (`@router.get(...)`), but it cannot
# serve anything on its own. `app.include_router(router)` adds its routes to the app. The
# router's `prefix` is put in front of every path, and its `tags` group the routes in the OpenAPI
# schema and in `/docs`.

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


app = FastAPI()
app.include_router(documents_router)
app.include_router(health_router)

paths = app.openapi()["paths"]
with TestClient(app) as client:
    listed = client.get("/documents/")
    one = client.get("/documents/7")
    alive = client.get("/health")

assert sorted(paths) == ["/documents/", "/documents/{document_id}", "/health"]
assert paths["/documents/{document_id}"]["get"]["tags"] == ["documents"]
assert app.url_path_for("read_document", document_id=7) == "/documents/7"
assert (listed.status_code, one.json(), alive.json()) == (200, {"id": 7}, {"status": "ok"})
for path, operations in sorted(paths.items()):
    print(f"{path:<26} tags={operations['get']['tags']}")

# %% [markdown]
# To see the final paths, ask the app: `app.openapi()["paths"]`, or `app.url_path_for(name)` for
# one route. Older snippets loop over `app.routes` instead; on the FastAPI this kit runs, that
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
# erratum 12: /documents redirects with a 307 to /documents/; a 307 keeps the method and body
from pydantic import BaseModel


class NewDocument(BaseModel):
    title: str


slashed = APIRouter(prefix="/documents", tags=["documents"])


@slashed.post("/", status_code=202)
def create_slashed(body: NewDocument) -> dict:
    return {"title": body.title, "status": "pending"}


slashed_app = FastAPI()
slashed_app.include_router(slashed)

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
# A real **file** upload is a different kind of request: `multipart/form-data`, not JSON. Declare
# the parameter as `UploadFile` (and any text fields beside it with `Form()`). Parsing multipart
# bodies needs the `python-multipart` package; FastAPI checks for it as soon as you declare such a
# route, and refuses to register the route without it. The cell pretends the package is missing
# (by hiding it from `import` for a moment) to show the error you would get, then uploads a file
# for real.

# %%
# erratum 11: a real file upload needs UploadFile and python-multipart
import logging
import sys
from typing import Annotated

from fastapi import Form, UploadFile


def declare_upload_route(target: FastAPI) -> None:
    @target.post("/documents/upload", status_code=202)
    async def upload_file(file: UploadFile, title: Annotated[str | None, Form()] = None) -> dict:
        text = (await file.read()).decode("utf-8")
        return {"title": title or file.filename, "characters": len(text)}


hidden = {name: sys.modules.get(name) for name in ("python_multipart", "multipart")}


class KeepMessages(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        logged.append(record.getMessage())


fastapi_log = logging.getLogger("fastapi")  # FastAPI also logs the error: keep it off stderr
logged: list[str] = []
capture = KeepMessages()
fastapi_log.addHandler(capture)
fastapi_log.propagate = False
try:
    for name in hidden:
        sys.modules[name] = None  # "import python_multipart" now fails, as if not installed
    declare_upload_route(FastAPI())
    missing_package_error = None
except RuntimeError as exc:
    missing_package_error = str(exc)
finally:
    for name, module in hidden.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module
    fastapi_log.removeHandler(capture)
    fastapi_log.propagate = True

uploads = FastAPI()
declare_upload_route(uploads)
with TestClient(uploads) as client:
    uploaded = client.post(
        "/documents/upload",
        files={"file": ("kettle.md", b"# Kettle\nBoils water.", "text/markdown")},
    )

assert missing_package_error is not None
assert missing_package_error.startswith('Form data requires "python-multipart" to be installed.')
assert len(logged) == 1
assert uploaded.status_code == 202
assert uploaded.json() == {"title": "kettle.md", "characters": 21}
print("without python-multipart:", missing_package_error.splitlines()[0].strip())
print("with it, multipart upload ->", uploaded.status_code, uploaded.json())

# %% [markdown]
# ## `include_router` is not `mount`
#
# `app.include_router(router)` merges the router's routes into **this** app: one OpenAPI schema,
# one `/docs`, one set of exception handlers and dependency overrides. `app.mount("/sub", other)`
# is something else: it hands every request under `/sub` to **another complete ASGI app**. A
# mounted FastAPI app has its own `/docs` and `/openapi.json`, its routes are missing from the
# parent's schema, and the parent's exception handlers and `dependency_overrides` do not reach
# it. Only middleware added to the parent still wraps it, since middleware wraps everything the
# parent serves. Mount is for embedding a separate app (static files, an admin app, a legacy
# WSGI app); routers are for organising one API.

# %%
# erratum 13: include_router merges routes into one app; app.mount attaches a separate app
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


parent = FastAPI(title="parent")
parent.include_router(build_router())
sub_app = FastAPI(title="mounted")
sub_app.include_router(build_router())
parent.mount("/sub", sub_app)


@parent.exception_handler(QuotaExceededError)
async def quota_handler(request: Request, exc: QuotaExceededError) -> JSONResponse:
    return JSONResponse({"detail": "quota exceeded"}, status_code=429)


@parent.middleware("http")
async def stamp(request: Request, call_next):
    response = await call_next(request)
    response.headers["X-Served-By"] = "parent"
    return response


parent.dependency_overrides[who_is_calling] = lambda: "test user"

with TestClient(parent, raise_server_exceptions=False) as client:
    included = client.get("/items/")
    mounted = client.get("/sub/items/")
    included_quota = client.get("/items/quota")
    mounted_quota = client.get("/sub/items/quota")
    parent_schema = client.get("/openapi.json").json()
    sub_schema = client.get("/sub/openapi.json").json()
    sub_docs = client.get("/sub/docs")

assert sorted(parent_schema["paths"]) == ["/items/", "/items/quota"]
assert sorted(sub_schema["paths"]) == ["/items/", "/items/quota"]
assert sub_schema["info"]["title"] == "mounted"
assert sub_docs.status_code == 200
assert included.json() == {"caller": "test user"}
assert mounted.json() == {"caller": "real user"}, "the parent's override does not reach it"
assert included_quota.status_code == 429
assert mounted_quota.status_code == 500, "the parent's exception handler does not reach it"
assert included.headers["X-Served-By"] == mounted.headers["X-Served-By"] == "parent"
print("parent /openapi.json paths:", sorted(parent_schema["paths"]), "(no /sub/...)")
print("mounted app has its own schema:", sub_schema["info"]["title"], sorted(sub_schema["paths"]))
print("override     included:", included.json()["caller"], "| mounted:", mounted.json()["caller"])
print("handler      included:", included_quota.status_code, "| mounted:", mounted_quota.status_code)
print(
    "middleware   included:",
    included.headers["X-Served-By"],
    "| mounted:",
    mounted.headers["X-Served-By"],
)

# %% [markdown]
# > **Interview probe.** *"What is the difference between `include_router` and `mount`?"*
# > `include_router` adds routes to the same app: one schema, shared handlers and overrides.
# > `mount` delegates a path prefix to a separate ASGI app with its own docs, handlers and
# > dependency overrides; only the outer middleware still applies.
#
# ## SQLAlchemy 2.0 style
#
# The lesson's database code is SQLAlchemy 1.x style: `db.query(Document).get(id)`. SQLAlchemy 2
# keeps the `Query` API as "legacy" and has a simpler core: models declared with
# `DeclarativeBase` and typed `Mapped[...]` columns, `session.get(Model, id)` for one row by
# primary key, and `session.scalars(select(Model))` for lists. Here is a small model in that
# style, on a SQLite file:

# %%
from sqlalchemy import String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from docchat_lab.notebook import scratch_dir


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="pending")


engine = create_engine(
    f"sqlite:///{scratch_dir() / 'sa2.db'}", connect_args={"check_same_thread": False}
)
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
# erratum 7: db.query(...).get() is legacy: it warns, and a missing id gives 200 null
from sqlalchemy.exc import LegacyAPIWarning

legacy = FastAPI()


@legacy.get("/documents/{document_id}")
def read_legacy(document_id: int, db: SessionDep):
    return db.query(Document).get(document_id)


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
# `db.scalars(select(Document)).all()`.

# %%
# erratum 7: use db.get(Model, id) with a 404, and db.scalars(select(...)).all() for lists
from fastapi import HTTPException
from pydantic import ConfigDict


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


with TestClient(modern) as client:
    found = client.get("/documents/1")
    not_found = client.get("/documents/999")
    everything = client.get("/documents/")

assert found.json() == {"id": 1, "title": "Kettle", "status": "pending"}
assert not_found.status_code == 404
assert not_found.json() == {"detail": "document 999 not found"}
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
# erratum 8: an ORM object returned right after commit() (no response_model) serialises as {}
from fastapi.encoders import jsonable_encoder

no_model = FastAPI()


@no_model.post("/documents/")
def create_without_model(body: NewDocument, db: SessionDep):
    document = Document(title=body.title)
    db.add(document)
    db.commit()
    return document


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

# %%
# erratum 8: the fix: response_model (from_attributes) + refresh, or expire_on_commit=False
NoExpireSession = sessionmaker(bind=engine, expire_on_commit=False)


def get_db_no_expire():
    with NoExpireSession() as db:
        yield db


fixes = FastAPI()


@fixes.post("/model/", response_model=DocumentOut)
def with_response_model(body: NewDocument, db: SessionDep) -> Document:
    document = Document(title=body.title)
    db.add(document)
    db.commit()
    return document


@fixes.post("/detached/", response_model=DocumentOut)
def detached_without_refresh(body: NewDocument) -> Document:
    with SessionLocal() as db:  # the session closes before FastAPI serialises
        document = Document(title=body.title)
        db.add(document)
        db.commit()
    return document


@fixes.post("/detached-refreshed/", response_model=DocumentOut)
def detached_with_refresh(body: NewDocument) -> Document:
    with SessionLocal() as db:
        document = Document(title=body.title)
        db.add(document)
        db.commit()
        db.refresh(document)
    return document


@fixes.post("/no-expire/")
def plain_no_expire(body: NewDocument, db: Annotated[Session, Depends(get_db_no_expire)]):
    document = Document(title=body.title)
    db.add(document)
    db.commit()
    return document


def post(client: TestClient, path: str) -> tuple[int, dict | str, int]:
    statements.clear()
    response = client.post(path, json={"title": "Cup"})
    selects = sum(s.lstrip().upper().startswith("SELECT") for s in statements)
    body = response.json() if response.status_code == 200 else response.text
    return response.status_code, body, selects


with TestClient(fixes, raise_server_exceptions=False) as client:
    model_status, model_body, model_selects = post(client, "/model/")
    detached_status, _, _ = post(client, "/detached/")
    refreshed_status, refreshed_body, _ = post(client, "/detached-refreshed/")
    plain_status, plain_body, plain_selects = post(client, "/no-expire/")

assert model_status == 200
assert set(model_body) == {"id", "title", "status"}
assert model_selects == 1, "the expired row was reloaded once"
assert detached_status == 500, "a detached, expired object cannot be reloaded"
assert refreshed_status == 200
assert refreshed_body["title"] == "Cup"
assert plain_status == 200
assert set(plain_body) == {"id", "title", "status"}
assert plain_selects == 0
print(
    "response_model after commit      ->",
    model_status,
    sorted(model_body),
    "| extra SELECTs:",
    model_selects,
)
print("session closed, no refresh       ->", detached_status, "(DetachedInstanceError)")
print("session closed, refresh() first  ->", refreshed_status, sorted(refreshed_body))
print(
    "expire_on_commit=False, no model ->",
    plain_status,
    sorted(plain_body),
    "| extra SELECTs:",
    plain_selects,
)
engine.dispose()

# %% [markdown]
# > **PHP bridge.** Eloquent has no such surprise: `$doc->save()` leaves the model's attributes
# > in memory. SQLAlchemy's default favours freshness (after a commit, other transactions may have
# > changed the row), so it expires objects; set `expire_on_commit=False` when you serialise
# > right after committing, as web APIs usually do.
#
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

# %%
# erratum 10: the mini-build fails: no pythonpath, pytest cannot import app; Document never imported
import os
import subprocess
import textwrap
from pathlib import Path

PYPROJECT = '[project]\nname = "mini-docchat"\nversion = "0.1.0"\n'
PYTEST_PATH = '\n[tool.pytest.ini_options]\npythonpath = ["."]\n'

MINI_PROJECT = {
    "app/__init__.py": "",
    "app/models.py": """
        from sqlalchemy import String
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


        class Base(DeclarativeBase):
            pass


        class Document(Base):
            __tablename__ = "documents"
            id: Mapped[int] = mapped_column(primary_key=True)
            title: Mapped[str] = mapped_column(String(200))
        """,
    "app/db.py": """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        from app.models import Base

        engine = create_engine("sqlite:///./mini.db")
        Base.metadata.create_all(engine)
        SessionLocal = sessionmaker(bind=engine)


        def get_db():
            with SessionLocal() as db:
                yield db
        """,
    "app/routers/__init__.py": "",
    "app/routers/documents.py": """
        from typing import Annotated

        from fastapi import APIRouter, Depends
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from app.db import get_db

        router = APIRouter(prefix="/documents", tags=["documents"])


        @router.get("/")
        def list_documents(db: Annotated[Session, Depends(get_db)]) -> list[str]:
            return list(db.scalars(select(Document.title)))
        """,
    "app/main.py": """
        from fastapi import FastAPI

        from app.routers import documents


        def create_app() -> FastAPI:
            app = FastAPI(title="mini DocChat")
            app.include_router(documents.router)
            return app
        """,
    "tests/test_documents.py": """
        from fastapi.testclient import TestClient

        from app.main import create_app


        def test_list_documents_returns_an_empty_list():
            with TestClient(create_app()) as client:
                response = client.get("/documents/")
            assert response.status_code == 200
            assert response.json() == []
        """,
}
FIXED_IMPORT = "from app.db import get_db\nfrom app.models import Document\n"


def write_project(*, pythonpath: bool, import_fixed: bool) -> Path:
    root = scratch_dir("mini-build-")
    files = dict(MINI_PROJECT)
    files["pyproject.toml"] = PYPROJECT + (PYTEST_PATH if pythonpath else "")
    if import_fixed:
        router = textwrap.dedent(files["app/routers/documents.py"])
        files["app/routers/documents.py"] = router.replace(
            "from app.db import get_db\n", FIXED_IMPORT
        )
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


# Plain `pytest`, as a learner types it: the console script next to this kernel's Python.
# No PYTHONPATH from outside, and no plugins auto-loaded (faster, and isolated from the kit's).
pytest_command = [str(Path(sys.executable).with_name("pytest")), "-q", "-p", "no:cacheprovider"]
environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"

python_m_pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
versions = {
    "as written": (pytest_command, write_project(pythonpath=False, import_fixed=False)),
    "+ pythonpath": (pytest_command, write_project(pythonpath=True, import_fixed=False)),
    "+ the import": (pytest_command, write_project(pythonpath=True, import_fixed=True)),
    "python -m": (python_m_pytest, write_project(pythonpath=False, import_fixed=False)),
}
running = {
    label: subprocess.Popen(
        command,
        cwd=root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for label, (command, root) in versions.items()
}
runs = {}
for label, process in running.items():
    output, _ = process.communicate(timeout=60)
    runs[label] = (process.returncode, output)

(code_1, out_1), (code_2, out_2), (code_3, out_3), (code_m, out_m) = runs.values()
assert code_1 == 2, "2 = interrupted: an error while collecting tests"
assert "ModuleNotFoundError: No module named 'app'" in out_1
assert code_2 == 1, "1 = tests ran, and one failed"
assert "NameError: name 'Document' is not defined" in out_2
assert code_3 == 0
assert "1 passed" in out_3
print(f"as written:                exit {code_1}  ModuleNotFoundError: No module named 'app'")
print(f"+ pythonpath = [\".\"]:      exit {code_2}  NameError: name 'Document' is not defined")
print(f"+ from app.models import:  exit {code_3}  1 passed")

# %% [markdown]
# The fourth run above used `python -m pytest` on the project as written, without the
# `pythonpath` line. It got past the import (and stopped at the `NameError`), because `python -m`
# puts the current folder on `sys.path`. Don't rely on that: a teammate, an IDE or CI running
# plain `pytest` will not. The config line makes it work the same for everyone.

# %%
assert code_m == 1
assert "ModuleNotFoundError" not in out_m
assert "NameError: name 'Document' is not defined" in out_m
print(f"python -m pytest, as written: exit {code_m}  (imported app; NameError at request time)")

# %% [markdown]
# DocChat's `pyproject.toml` has the same setting:

# %%
import tomllib

from docchat_lab.project import project_root

kit_config = tomllib.loads((project_root() / "pyproject.toml").read_text(encoding="utf-8"))
pytest_config = kit_config["tool"]["pytest"]["ini_options"]
assert pytest_config["pythonpath"] == ["."]
print("[tool.pytest.ini_options] pythonpath =", pytest_config["pythonpath"])

# %% [markdown]
# ## The app factory: a fresh app on every call
#
# `app = FastAPI()` at module level, with `settings = Settings()` and an engine beside it, builds
# everything the moment the module is imported: tests then share one app, one database and one
# set of overrides, and need patching to change any of it. A factory, `create_app(settings)`,
# builds the app inside a function. Each call gets its own settings, engine, session factory and
# LLM client (kept on `app.state`), and its own `dependency_overrides`. Tests build the app they
# need; nothing leaks between them.
#
# ## Build step: `docchat/main.py` and `docchat/api/routes/documents.py`
#
# The factory:

# %%
from docchat_lab.notebook import source

source("docchat.main", "create_app")

# %% [markdown]
# The documents router declares its prefix and tag once; its routes are `"/"` and
# `"/{document_id}"`, never `"/documents"` again. Creating a document takes a Pydantic body,
# answers 202, and returns the ORM object through `response_model=DocumentOut` (whose config has
# `from_attributes=True`); DocChat's session factory uses `expire_on_commit=False`:

# %%
source("docchat.api.routes.documents", "create_document")

# %%
source("docchat.api.routes.documents", "read_document")

# %% [markdown]
# Now the checks. Two apps from the factory, each with its own in-memory database: what one
# stores, the other does not see, and an override on one leaves the other alone. The router's
# paths are the ones we meant, `/documents` without a slash is a 307, and JSON goes in the body.

# %%
from docchat.api import deps
from docchat.api.routes import documents
from docchat.core.config import Settings
from docchat.main import create_app
from docchat.schemas import DocumentOut

assert documents.router.prefix == "/documents"
assert documents.router.tags == ["documents"]
assert DocumentOut.model_config.get("from_attributes") is True

first_app = create_app(Settings(database_url="sqlite://"))
second_app = create_app(Settings(database_url="sqlite://"))
assert first_app is not second_app
assert first_app.state.engine is not second_app.state.engine
assert first_app.url_path_for("create_document") == "/documents/"
assert first_app.url_path_for("read_document", document_id=1) == "/documents/1"
assert "/documents/documents" not in first_app.openapi()["paths"]
assert first_app.state.sessions.kw["expire_on_commit"] is False

first_app.dependency_overrides[deps.pagination] = lambda: deps.Page(skip=0, limit=1)

with TestClient(first_app) as first, TestClient(second_app) as second:
    created = first.post("/documents/", json={"title": "Kettle", "content": "It boils water."})
    first.post("/documents/", json={"title": "Teapot", "content": "It brews tea."})
    query_title = first.post("/documents/", params={"title": "x", "content": "y"})
    redirect = first.get("/documents", follow_redirects=False)
    first_list = first.get("/documents/").json()
    second_list = second.get("/documents/").json()
    second_read = second.get(f"/documents/{created.json()['id']}")

assert created.status_code == 202
assert set(created.json()) >= {"id", "title", "status"}
assert query_title.status_code == 422, "title and content are read from the JSON body"
assert redirect.status_code == 307
assert redirect.headers["location"] == "http://testserver/documents/"
assert [d["title"] for d in first_list] == ["Kettle"], "first app: overridden to one per page"
assert second_list == [], "second app: its own, empty database"
assert second_read.status_code == 404
assert second_app.dependency_overrides == {}
print(
    "POST /documents/ (JSON)   ->",
    created.status_code,
    {k: created.json()[k] for k in ("title", "status")},
)
print("POST with query params    ->", query_title.status_code)
print("GET /documents            ->", redirect.status_code, "to", redirect.headers["location"])
print(
    "first app lists           ->", [d["title"] for d in first_list], "(its override: 1 per page)"
)
print(
    "second app lists          ->", second_list, "| reads the same id ->", second_read.status_code
)

# %% [markdown]
# > **Interview probe.** *"Why an app factory?"* Construction in one place, from explicit
# > settings; each test gets a fresh app (own database, own overrides) instead of sharing a
# > module-level singleton; and the same code builds the production app from the environment
# > (`docchat serve` and `uvicorn --factory docchat.main:create_app` call the factory; importing
# > `docchat.main` builds nothing).
#
# ## Your turn

# %% [markdown]
# Open **`exercises/ex03_routers.py`** in JupyterLab (double-click it in the file browser on
# the left). Build a small documents API the way DocChat is built:
#
# - `build_documents_router()`: an `APIRouter` with prefix `/documents` and tag `documents`,
#   serving `GET /`, `GET /{doc_id}` (a JSON 404 for an unknown id) and `POST /` with a JSON body
#   (201);
# - `create_app(store=None)`: a fresh app on every call, with its own store, the router and a
#   `GET /health`.
#
# The checks build two apps and make sure they never see each other's documents.
#
# Run the next cell after each change. It runs the checks in a fresh process, so you never need
# to restart the kernel, and tells you for each check what was called, what came back, what was
# expected, and a hint. Until you start, every check says "not done yet".
#
# Or keep a terminal open beside the file (File → New → Terminal): `docchat-lab watch ex03`
# checks again each time you save. `docchat-lab progress` shows which exercises pass so far,
# and `docchat-lab reset ex03` starts over (every earlier version is kept).
#
# <!-- exercise: ex03_routers -->

# %%
from docchat_lab.learner_check import check

check("ex03")

# %% [markdown]
# ## Recap
#
# - `APIRouter(prefix=..., tags=[...])` groups routes; the route path comes **after** the prefix:
#   `@router.post("/")`, not `"/documents"` (that serves `/documents/documents`).
# - `/documents` redirects to `/documents/` with a 307, which repeats the method and body.
# - Ask the app for its paths (`app.openapi()["paths"]`, `app.url_path_for`), not `app.routes`.
# - A scalar parameter on a POST is a **query** parameter: use a Pydantic body model, and 202 for
#   work that continues in the background. Files need `UploadFile` and `python-multipart`.
# - `include_router` merges routes into one app; `mount` attaches a separate app with its own
#   docs, handlers and overrides.
# - SQLAlchemy 2: `DeclarativeBase` + `Mapped[...]`, `db.get(Model, id)` + 404,
#   `db.scalars(select(Model)).all()`. `Query.get()` warns and gives `200 null`.
# - An ORM object returned after `commit()` without a response model is `{}`: use a
#   `response_model` with `from_attributes=True` (and `refresh()` if the session closes first),
#   or `expire_on_commit=False`.
# - The mini-build needs `from app.models import Document` and
#   `[tool.pytest.ini_options] pythonpath = ["."]`.
# - `create_app(settings)` builds a fresh, independent app on every call.
