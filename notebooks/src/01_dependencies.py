# %% [markdown]
# # 01 · Dependencies
#
# A FastAPI *dependency* is an ordinary function that FastAPI calls for you on every request,
# passing its result to your endpoint as an argument. Dependencies are how an API shares logic
# (paging, the current user, a database session, "load this document or answer 404") without
# copying it into every route, and they are the seam where tests swap the real thing for a fake.
# This notebook takes the mechanism apart on tiny apps, then shows the dependencies DocChat
# declares in `docchat/api/deps.py` and checks them.
#
# **After this notebook you can:**
# - write a dependency and declare it the current way, as an `Annotated` alias such as `PageDep`;
# - put query-parameter validation in a dependency, so that bad paging is a 422 in every route;
# - predict how often a dependency runs when several parts of a request ask for it;
# - use a class as a dependency;
# - replace any dependency in a test with `app.dependency_overrides`.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup()

# %% [markdown]
# ## A dependency is a function FastAPI calls, once per request
#
# You never call a dependency yourself. You *declare* it in an endpoint's signature, and for each
# request FastAPI reads the dependency's own parameters from the request (query string, path,
# headers, body), calls it, and hands the return value to the endpoint.
#
# The cell below counts the calls, so you can see that the function runs on every request and
# that its parameters become the endpoint's query parameters.

# %%
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

pagination_calls = []


def pagination(skip: int = 0, limit: int = 20) -> dict[str, int]:
    pagination_calls.append((skip, limit))
    return {"skip": skip, "limit": limit}


demo = FastAPI()


@demo.get("/documents")
def list_documents_old_style(page: dict = Depends(pagination)) -> dict[str, int]:  # noqa: B008, FAST002
    return page


with TestClient(demo) as client:
    first = client.get("/documents").json()
    second = client.get("/documents", params={"skip": 40, "limit": 10}).json()

query_params = [p["name"] for p in demo.openapi()["paths"]["/documents"]["get"]["parameters"]]
assert first == {"skip": 0, "limit": 20}
assert second == {"skip": 40, "limit": 10}
assert pagination_calls == [(0, 20), (40, 10)], "one call per request"
assert query_params == ["skip", "limit"], "the dependency's parameters are the endpoint's"
print("two requests -> pagination ran", len(pagination_calls), "times")
print("query parameters of GET /documents:", query_params)

# %% [markdown]
# That `page: dict = Depends(pagination)` is the form most tutorials (and the lesson) still show.
# It works, but it is no longer the recommended way to write it.
#
# ## The current form: an `Annotated` alias
#
# The current recommendation (FastAPI's own docs, and the linter rule below) puts the dependency
# into the type annotation, with `typing.Annotated`. You write the pairing of type and dependency
# **once**, give it a name, and every endpoint that needs it just uses the name:
#
# ```python
# PageDep = Annotated[dict, Depends(pagination)]
#
# def list_documents(page: PageDep): ...
# ```
#
# Both forms behave the same at request time. The next cell serves both and compares them, then
# asks `ruff` (the linter this project uses) what it thinks of each: its rule **FAST002** flags
# every dependency declared without `Annotated`.

# %%
# erratum 1: the Annotated alias is the current form; a plain `= Depends()` default still works
import json
import subprocess
import sys
from pathlib import Path

PageDep = Annotated[dict, Depends(pagination)]


@demo.get("/v2/documents")
def list_documents(page: PageDep) -> dict[str, int]:
    return page


def parameters(path: str) -> list[dict]:
    return demo.openapi()["paths"][path]["get"]["parameters"]


with TestClient(demo) as client:
    old_form = client.get("/documents", params={"skip": 5}).json()
    new_form = client.get("/v2/documents", params={"skip": 5}).json()
assert old_form == new_form == {"skip": 5, "limit": 20}, "same behaviour"
assert parameters("/documents") == parameters("/v2/documents"), "same OpenAPI"

both_forms = """
from typing import Annotated
from fastapi import Depends, FastAPI

def pagination(skip: int = 0, limit: int = 20) -> dict:
    return {"skip": skip, "limit": limit}

PageDep = Annotated[dict, Depends(pagination)]
app = FastAPI()

@app.get("/old")
def old_form(page: dict = Depends(pagination)) -> dict:
    return page

@app.get("/new")
def new_form(page: PageDep) -> dict:
    return page
"""
ruff = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "FAST002"]
lint = subprocess.run(
    [*ruff, "--output-format", "json", "--stdin-filename", "snippet.py", "-"],
    input=both_forms,
    capture_output=True,
    text=True,
    check=False,
)
findings = json.loads(lint.stdout)
flagged = [both_forms.splitlines()[f["location"]["row"] - 1].strip() for f in findings]
assert [f["code"] for f in findings] == ["FAST002"]
assert flagged == ["def old_form(page: dict = Depends(pagination)) -> dict:"]
print("both forms answer the same:", old_form == new_form)
print("ruff FAST002 flags:", flagged)

# %% [markdown]
# Why the alias is better than "the same thing, written differently":
#
# - **One definition.** `PageDep` is written once, in `deps.py`, and imported by every route that
#   pages. Change the dependency and every route follows.
# - **Honest signatures.** With `= Depends(...)`, the parameter's *default value* is a `Depends`
#   marker, not a page. Call the endpoint as a plain function (in a unit test, from a CLI script)
#   and the marker leaks in silently. With `Annotated`, the parameter is simply required:

# %%
import fastapi.params

leaked = list_documents_old_style()  # called as a plain Python function, outside FastAPI
assert isinstance(leaked, fastapi.params.Depends), "the default value is the marker itself"

try:
    list_documents()
    complaint = None
except TypeError as exc:
    complaint = str(exc)
assert complaint is not None
assert "page" in complaint
print("old form, called directly, returns:", type(leaked).__name__, "marker (silently wrong)")
print("Annotated form, called directly:   TypeError (missing 'page')")

# %% [markdown]
# > **PHP bridge.** This is the instinct behind Laravel's service container and Symfony's
# > autowiring: a constructor or controller declares what it needs by type, and the framework
# > builds it. The differences: FastAPI has no container configuration and no classes to register.
# > The dependency is a plain function, it is resolved *per request*, and it can read the request
# > itself (here, the query string), which Laravel spreads over the container, `FormRequest` and
# > route model binding.
#
# ## Validation lives in the dependency
#
# Put the rules on the dependency's parameters and every endpoint that uses it enforces them:
# bounds on `skip` and `limit` are written once. A value out of range never reaches your code;
# FastAPI answers **422** with a JSON body that names the parameter and the rule. The bounds also
# appear in the OpenAPI schema, so clients and `/docs` know them.

# %%
from dataclasses import dataclass

from fastapi import Query


@dataclass(frozen=True)
class Page:
    skip: int
    limit: int


def bounded_pagination(
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page:
    return Page(skip=skip, limit=limit)


BoundedPageDep = Annotated[Page, Depends(bounded_pagination)]
paged = FastAPI()


@paged.get("/documents")
def paged_documents(page: BoundedPageDep) -> dict[str, int]:
    return {"skip": page.skip, "limit": page.limit}


@paged.get("/chunks")
def paged_chunks(page: BoundedPageDep) -> dict[str, int]:
    return {"skip": page.skip, "limit": page.limit}


with TestClient(paged) as client:
    fine = client.get("/chunks", params={"limit": 100})
    zero = client.get("/documents", params={"limit": 0})
    huge = client.get("/chunks", params={"limit": 101})
    negative = client.get("/documents", params={"skip": -1})

assert fine.status_code == 200
assert fine.json() == {"skip": 0, "limit": 100}
for response in (zero, huge, negative):
    assert response.status_code == 422
error = zero.json()["detail"][0]
assert error["loc"] == ["query", "limit"]
assert error["type"] == "greater_than_equal"
assert huge.json()["detail"][0]["type"] == "less_than_equal"
assert negative.json()["detail"][0]["loc"] == ["query", "skip"]
limit_schema = next(
    p["schema"]
    for p in paged.openapi()["paths"]["/chunks"]["get"]["parameters"]
    if p["name"] == "limit"
)
assert limit_schema["minimum"] == 1
assert limit_schema["maximum"] == 100
print(
    "limit=100 ->",
    fine.status_code,
    "| limit=0 ->",
    zero.status_code,
    "| limit=101 ->",
    huge.status_code,
    "| skip=-1 ->",
    negative.status_code,
)
print("422 body:", {k: error[k] for k in ("loc", "msg")})

# %% [markdown]
# The dependency returns a small frozen dataclass, `Page`, instead of a `dict`: the endpoint gets
# `page.limit` with a real type that editors and mypy understand, and a typo such as `page.limt`
# fails loudly instead of silently returning `None`.
#
# ## Sub-dependencies, and the per-request cache
#
# A dependency can have dependencies of its own. FastAPI resolves the whole graph for each
# request, and when the **same** dependency is needed more than once within one request, it
# calls it **once** and reuses the value. That is usually what you want: the current user, or a
# database session, should be the same object for the whole request.
#
# If you really need a fresh call (say, a value that must be computed again at each use), ask for
# it with `Depends(..., use_cache=False)`. The cache lasts for a single request, never longer.

# %%
user_lookups = []


def current_user() -> str:
    user_lookups.append("lookup")
    return "ada"


UserDep = Annotated[str, Depends(current_user)]


def audit_trail(user: UserDep) -> str:  # a sub-dependency: it needs the user too
    return f"action by {user}"


graph = FastAPI()


@graph.get("/cached")
def cached(user: UserDep, audit: Annotated[str, Depends(audit_trail)]) -> list[str]:
    return [user, audit]


@graph.get("/uncached")
def uncached(
    user: UserDep, again: Annotated[str, Depends(current_user, use_cache=False)]
) -> list[str]:
    return [user, again]


with TestClient(graph) as client:
    user_lookups.clear()
    client.get("/cached")
    one_request = len(user_lookups)

    user_lookups.clear()
    client.get("/uncached")
    opted_out = len(user_lookups)

    user_lookups.clear()
    client.get("/cached")
    client.get("/cached")
    two_requests = len(user_lookups)

assert one_request == 1, "asked for twice in one request, called once"
assert opted_out == 2, "use_cache=False calls it again"
assert two_requests == 2, "the cache never outlives a request"
print("endpoint + sub-dependency, one request -> current_user ran", one_request, "time")
print("with use_cache=False                   -> current_user ran", opted_out, "times")
print("two requests                           -> current_user ran", two_requests, "times")

# %% [markdown]
# > **Interview probe.** *"Two dependencies of one endpoint both need the database session. How
# > many sessions does a request open?"* One: FastAPI caches each dependency's value for the
# > duration of a request, so both get the same session (and see each other's uncommitted
# > changes). `use_cache=False` is the opt-out, and the cache never carries over to the next
# > request.
#
# ## Classes as dependencies
#
# Anything callable can be a dependency, including a class: FastAPI reads the parameters of its
# `__init__` and calls it, so the instance is the value. When the dependency *is* the annotated
# type, `Annotated[Pager, Depends()]` (with no argument) is enough: FastAPI takes the class from
# the annotation.


# %%
class Pager:
    def __init__(
        self,
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> None:
        self.skip = skip
        self.limit = limit

    def window(self, items: list[int]) -> list[int]:
        return items[self.skip : self.skip + self.limit]


PagerDep = Annotated[Pager, Depends()]  # Depends() with no argument: "call the annotated class"
with_class = FastAPI()


@with_class.get("/numbers")
def numbers(pager: PagerDep) -> list[int]:
    return pager.window(list(range(1, 101)))


with TestClient(with_class) as client:
    window = client.get("/numbers", params={"skip": 10, "limit": 3})
    rejected = client.get("/numbers", params={"limit": 500})

assert window.json() == [11, 12, 13]
assert rejected.status_code == 422
print("GET /numbers?skip=10&limit=3 ->", window.json(), "| limit=500 ->", rejected.status_code)

# %% [markdown]
# A class earns its place when the dependency carries behaviour along with its values (here,
# `window()`); for plain values, a function that returns a dataclass is simpler.
#
# ## `dependency_overrides`: the seam tests use
#
# Every FastAPI app has a dict, `app.dependency_overrides`, mapping an original dependency
# function to a replacement. While an entry is there, every place that depends on the original
# (endpoints *and* sub-dependencies) gets the replacement instead. No mocking library, no
# patching of module globals: the dependency is the seam. Remove the entry and the real one is
# back.


# %%
def fake_user() -> str:
    return "test-user"


with TestClient(graph) as client:
    graph.dependency_overrides[current_user] = fake_user
    try:
        swapped = client.get("/cached").json()
    finally:
        graph.dependency_overrides.clear()
    restored = client.get("/cached").json()

assert swapped == ["test-user", "action by test-user"], "the sub-dependency got the fake too"
assert restored == ["ada", "action by ada"]
print("with the override:", swapped)
print("after clear():    ", restored)

# %% [markdown]
# The key is the **function object** you declared (`current_user`), not the `UserDep` alias and
# not a name string. Clear the overrides when you are done (a `try/finally`, or a pytest fixture),
# or the fake leaks into the next test that shares the app; with an app factory, each test simply
# builds its own app.
#
# > **PHP bridge.** In Laravel you would write `$this->app->instance(UserResolver::class, $fake)`
# > or `$this->mock(...)` in a feature test; in Symfony, `static::getContainer()->set(...)`. Same
# > idea: swap the binding, keep the code under test untouched.
#
# > **Interview probe.** *"How do you test an endpoint that needs an authenticated user, without a
# > real identity provider?"* Override the dependency that produces the user, e.g.
# > `app.dependency_overrides[get_current_user] = lambda: User(id=1)`, and clear it afterwards.
# > The endpoint's own code runs unchanged.
#
# ## Build step: DocChat's dependencies
#
# DocChat names every dependency once, as an `Annotated` alias, in `docchat/api/deps.py`. The
# routes read like the endpoints above: `list_documents(session: SessionDep, page: PageDep)`.
# Here is the pagination dependency (the cells read the file itself, so this is the code that
# runs):

# %%
from docchat_lab.notebook import source

source("docchat.api.deps", "pagination")

# %% [markdown]
# And the dependency that turns a path id into a document, or a 404. It depends on the session
# (`SessionDep`, the subject of the next notebook), so it is a sub-dependency at work. Any route
# that declares `document: DocumentDep` can assume the document exists.
#
# > **PHP bridge.** This is Laravel's *route model binding*: `Route::get('/documents/{document}',
# > fn (Document $document) => ...)` answers 404 by itself when the id is unknown.

# %%
source("docchat.api.deps", "get_document")

# %% [markdown]
# The aliases are plain values, so we can check what each one pairs together:

# %%
from typing import get_args

from docchat.api import deps
from docchat.models import Document

page_type, page_marker = get_args(deps.PageDep)
document_type, document_marker = get_args(deps.DocumentDep)
assert page_type is deps.Page
assert page_marker.dependency is deps.pagination
assert document_type is Document
assert document_marker.dependency is deps.get_document
print("PageDep     = Annotated[Page, Depends(pagination)]")
print("DocumentDep = Annotated[Document, Depends(get_document)]")

# %% [markdown]
# Now the real app, built with explicit settings (an in-memory database) and driven with
# `TestClient`. `with TestClient(app) as client:` runs the app's lifespan, which creates the
# tables. The paging bounds give 422s that name the parameter; an unknown id gives a 404 with a
# JSON body, never `200 null`.

# %%
from docchat.core.config import Settings
from docchat.main import create_app

app = create_app(Settings(database_url="sqlite://"))

with TestClient(app) as client:
    created = client.post("/documents/", json={"title": "Kettle", "content": "Descale monthly."})
    listed = client.get("/documents/", params={"limit": 1})
    limit_zero = client.get("/documents/", params={"limit": 0})
    limit_huge = client.get("/documents/", params={"limit": 101})
    found = client.get(f"/documents/{created.json()['id']}")
    missing = client.get("/documents/999")

assert created.status_code == 202
assert listed.status_code == 200
assert [d["title"] for d in listed.json()] == ["Kettle"]
assert limit_zero.status_code == 422
assert limit_zero.json()["detail"][0]["loc"] == ["query", "limit"]
assert limit_huge.status_code == 422
assert limit_huge.json()["detail"][0]["loc"] == ["query", "limit"]
assert found.status_code == 200
assert found.json()["title"] == "Kettle"
assert missing.status_code == 404
assert missing.headers["content-type"] == "application/json"
assert missing.json() == {"detail": "document 999 not found"}
print("GET /documents/?limit=1   ->", listed.status_code, [d["title"] for d in listed.json()])
print("GET /documents/?limit=0   ->", limit_zero.status_code, limit_zero.json()["detail"][0]["msg"])
print("GET /documents/?limit=101 ->", limit_huge.status_code, limit_huge.json()["detail"][0]["msg"])
print("GET /documents/999        ->", missing.status_code, missing.json())

# %% [markdown]
# Finally, the cache and the seam together, on DocChat itself. `GET /documents/{id}/chunks`
# needs the session twice: once inside `get_document`, once in the route. We override `get_db`
# with a version that counts the sessions it opens, and see that one request opens exactly one.

# %%
from sqlalchemy.orm import Session, sessionmaker

opened_sessions = []


def counting_get_db(
    sessions: Annotated[sessionmaker[Session], Depends(deps.get_session_factory)],
):
    with sessions() as session:
        opened_sessions.append(session)
        yield session


app = create_app(Settings(database_url="sqlite://"))
app.dependency_overrides[deps.get_db] = counting_get_db
with TestClient(app) as client:
    document_id = client.post(
        "/documents/", json={"title": "Tea", "content": "Warm the pot first."}
    ).json()["id"]
    opened_sessions.clear()
    chunks = client.get(f"/documents/{document_id}/chunks")

assert chunks.status_code == 200
assert len(chunks.json()) >= 1
assert len(opened_sessions) == 1, "get_document and the route shared one session"
print(
    "GET /documents/{id}/chunks ->", chunks.status_code, "| sessions opened:", len(opened_sessions)
)

# %% [markdown]
# ## Your turn

# %% [markdown]
# Open **`exercises/ex01_dependencies.py`** in JupyterLab (double-click it in the file browser on
# the left). Write DocChat's two shared request rules as dependencies:
#
# - `pagination(skip, limit)` returns a `Page`; `skip >= 0` and `1 <= limit <= 100`, and anything
#   else is a 422 that FastAPI produces for you;
# - `require_api_key(keys, x_api_key)` reads the `X-API-Key` header: no header is a 401, a key
#   that is not among `keys` is a 403;
# - the aliases `PageDep` and `ApiKeyDep`, so that a route just says `page: PageDep`.
#
# The checks swap `get_api_keys` with `dependency_overrides` and random keys: a key written into
# your code will not pass.
#
# Run the next cell after each change. It runs the checks in a fresh process, so you never need
# to restart the kernel, and tells you for each check what was called, what came back, what was
# expected, and a hint. Until you start, every check says "not done yet".
#
# Or keep a terminal open beside the file (File → New → Terminal): `docchat-lab watch ex01`
# checks again each time you save. `docchat-lab progress` shows which exercises pass so far,
# and `docchat-lab reset ex01` starts over (every earlier version is kept).
#
# <!-- exercise: ex01_dependencies -->

# %%
from docchat_lab.learner_check import check

check("ex01")

# %% [markdown]
# ## Recap
#
# - A dependency is a function FastAPI calls for each request; its parameters are read from the
#   request, its return value is passed to the endpoint.
# - Declare it once as an alias, `PageDep = Annotated[Page, Depends(pagination)]`, and use
#   `page: PageDep`. The old `= Depends(...)` default still works, but ruff's FAST002 flags it and
#   its default value leaks when the function is called directly.
# - Validation on the dependency's parameters (`Query(ge=1, le=100)`) applies to every route that
#   uses it: out of range is a 422 that names the parameter.
# - Within one request, a dependency asked for several times runs once (`use_cache=False` opts
#   out); the cache never outlives the request.
# - Classes work as dependencies; `Annotated[Pager, Depends()]` calls the annotated class.
# - `app.dependency_overrides[original] = replacement` is the test seam; clear it afterwards.
# - DocChat: `pagination`/`PageDep` and `get_document`/`DocumentDep` in `docchat/api/deps.py`;
#   an unknown id is a JSON 404, never `200 null`.
