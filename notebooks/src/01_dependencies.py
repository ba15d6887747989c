# %% [markdown]
# # 01 · Dependencies
#
# A FastAPI *dependency* is an ordinary function that FastAPI calls for you on every request,
# handing its result to your endpoint as an argument. Dependencies are how an API shares logic
# (paging, the current user, a database session, "load this document or answer 404") without
# copying it into every route, and they are the seam where tests swap the real thing for a fake.
# This notebook takes the mechanism apart on tiny apps. Then you write DocChat's first two
# dependencies yourself, in your own package, and check them.
#
# **After this notebook you can:**
# - write a dependency and declare it the current way, as an `Annotated` alias such as `PageDep`;
# - put query-parameter validation in a dependency, so that bad paging is a 422 in every route;
# - predict how often a dependency runs when several parts of a request ask for it;
# - use a class as a dependency, and replace any dependency with `app.dependency_overrides`;
# - write `pagination` and `get_document` in `my_docchat/api/deps.py`, DocChat's stage 01.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup(stage=1)

# %% [markdown]
# ## A dependency is a function FastAPI calls, once per request
#
# You never call a dependency yourself. You *declare* it in an endpoint's signature; for each
# request FastAPI reads the dependency's own parameters from the request (query string, path,
# headers, body), calls it, and hands the return value to the endpoint. The cell counts the
# calls, and asks the OpenAPI schema which query parameters the endpoint has.

# %%
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

calls = []


def pagination(skip: int = 0, limit: int = 20) -> dict[str, int]:
    calls.append((skip, limit))
    return {"skip": skip, "limit": limit}


demo = FastAPI()


@demo.get("/documents")
def list_documents_old_style(page: dict = Depends(pagination)) -> dict[str, int]:  # noqa: B008, FAST002
    return page


with TestClient(demo) as client:
    first = client.get("/documents").json()
    second = client.get("/documents", params={"skip": 40, "limit": 10}).json()

params = [p["name"] for p in demo.openapi()["paths"]["/documents"]["get"]["parameters"]]
assert (first, second) == ({"skip": 0, "limit": 20}, {"skip": 40, "limit": 10})
assert calls == [(0, 20), (40, 10)], "one call per request"
assert params == ["skip", "limit"], "the dependency's parameters are the endpoint's"
print("two requests -> pagination ran", len(calls), "times; query parameters:", params)

# %% [markdown]
# That `page: dict = Depends(pagination)` is the form most tutorials (and the lesson) still show.
# It works, but it is no longer the recommended way to write it.
#
# ## The current form: an `Annotated` alias
#
# FastAPI's docs now put the dependency into the type annotation, with `typing.Annotated`. You
# write the pairing of type and dependency **once**, give it a name, and every endpoint that
# needs it uses the name: `PageDep = Annotated[dict, Depends(pagination)]`, then
# `def list_documents(page: PageDep)`. Both forms behave the same at request time:

# %%
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
print("both forms answer", new_form, "and publish the same parameters")

# %% [markdown]
# The linter this project uses, `ruff`, agrees: its rule **FAST002** flags every dependency
# declared without `Annotated`. The helper below runs ruff on a small file holding both forms
# and returns the lines it flags.

# %%
# erratum 1: the Annotated alias is the current form; a plain `= Depends()` default still works
from docchat_lab.lesson.lint import ruff_flags

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
flagged = ruff_flags(both_forms, "FAST002")
assert flagged == ["def old_form(page: dict = Depends(pagination)) -> dict:"]
print("ruff FAST002 flags:", flagged)

# %% [markdown]
# Why the alias is better than "the same thing, written differently":
#
# - **One definition.** `PageDep` is written once, in `deps.py`, and imported by every route that
#   pages. Change the dependency and every route follows.
# - **Honest signatures.** With `= Depends(...)`, the parameter's *default value* is a `Depends`
#   marker, not a page. Call the endpoint as a plain function (in a unit test, from a script)
#   and the marker leaks in silently. With `Annotated`, the parameter is simply required:

# %%
import fastapi.params

leaked = list_documents_old_style()  # called as a plain Python function, outside FastAPI
assert isinstance(leaked, fastapi.params.Depends), "the default value is the marker itself"

try:
    list_documents()
    complaint = ""
except TypeError as exc:
    complaint = str(exc)
assert "page" in complaint
print("old form, called directly, returns a", type(leaked).__name__, "marker (silently wrong)")
print("Annotated form, called directly: TypeError, missing 'page'")

# %% [markdown]
# > **PHP bridge.** This is the instinct behind Laravel's service container and Symfony's
# > autowiring: a controller declares what it needs, and the framework builds it. The
# > differences: there is no container to configure and no class to register. The dependency
# > is a plain function, resolved *per request*, and it can read the request itself (here, the
# > query string), which Laravel spreads over the container, `FormRequest` and route model binding.
#
# ## Validation lives in the dependency
#
# Put the rules on the dependency's parameters and every endpoint that uses it enforces them:
# the bounds on `skip` and `limit` are written once. A value out of range never reaches your
# code: FastAPI answers **422**, with a JSON body that names the parameter and the rule.

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


@paged.get("/chunks")
def paged_chunks(page: BoundedPageDep) -> dict[str, int]:
    return {"skip": page.skip, "limit": page.limit}


# %% [markdown]
# Now three requests inside the bounds and three outside them:

# %%
with TestClient(paged) as client:
    fine = [client.get("/chunks", params=q) for q in ({}, {"limit": 1}, {"limit": 100})]
    bad = [client.get("/chunks", params=q) for q in ({"limit": 0}, {"limit": 101}, {"skip": -1})]

assert [r.status_code for r in fine] == [200, 200, 200]
assert [r.status_code for r in bad] == [422, 422, 422]
where = [r.json()["detail"][0]["loc"] for r in bad]
assert where == [["query", "limit"], ["query", "limit"], ["query", "skip"]]
first_error = bad[0].json()["detail"][0]
print("in bounds:", [r.status_code for r in fine], "| out of bounds:", [r.status_code for r in bad])
print("the 422 says:", {k: first_error[k] for k in ("loc", "msg")})

# %% [markdown]
# The bounds are also published in the OpenAPI schema, so clients and `/docs` know them:

# %%
schema = {p["name"]: p["schema"] for p in paged.openapi()["paths"]["/chunks"]["get"]["parameters"]}
assert (schema["limit"]["minimum"], schema["limit"]["maximum"]) == (1, 100)
assert schema["skip"]["minimum"] == 0
print("limit:", {k: schema["limit"][k] for k in ("minimum", "maximum")})

# %% [markdown]
# ### Why a `Page` dataclass rather than a `dict`
#
# A typo fails in both, but differently. `page["limt"]` raises `KeyError` only when that line
# runs, and `page.get("limt")` quietly gives `None`. A dataclass *declares* its fields, so an
# editor or a type checker such as mypy knows that `page.limt` does not exist before the code
# ever runs; a `dict[str, int]` says nothing about which keys it has. That static knowledge is
# the real gain.

# %%
import dataclasses
import typing

as_dict = {"skip": 0, "limit": 20}
try:
    as_dict["limt"]
    raised = None
except KeyError as exc:
    raised = type(exc).__name__
assert raised == "KeyError", "the typo fails, but only at run time"
assert as_dict.get("limt") is None, ".get() hides the typo"
assert [f.name for f in dataclasses.fields(Page)] == ["skip", "limit"], "declared, checkable"
assert typing.get_args(dict[str, int]) == (str, int), "a dict type names no keys"
print("dict: KeyError at run time, or None from .get(); Page: fields known before it runs")

# %% [markdown]
# ## Sub-dependencies, and the per-request cache
#
# A dependency can have dependencies of its own, and FastAPI resolves the whole graph for each
# request. When the **same** dependency is needed more than once within one request, FastAPI
# calls it **once** and reuses the value: the current user, or a database session, is then the
# same object for the whole request. `Depends(..., use_cache=False)` asks for a fresh call.

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
def uncached(user: UserDep, again: Annotated[str, Depends(current_user, use_cache=False)]):
    return [user, again]


# %% [markdown]
# Count the lookups: one request that needs the user twice, the same with the opt-out, and two
# requests.


# %%
def lookups(*paths: str) -> int:
    user_lookups.clear()
    with TestClient(graph) as client:
        for path in paths:
            client.get(path)
    return len(user_lookups)


assert lookups("/cached") == 1, "asked for twice in one request, called once"
assert lookups("/uncached") == 2, "use_cache=False calls it again"
assert lookups("/cached", "/cached") == 2, "the cache never outlives a request"
print("one request: 1 lookup | use_cache=False: 2 | two requests: 2")

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
# type, `Annotated[Pager, Depends()]` (with no argument) is enough.


# %%
class Pager:
    def __init__(
        self,
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> None:
        self.skip, self.limit = skip, limit

    def window(self, items: list[int]) -> list[int]:
        return items[self.skip : self.skip + self.limit]


with_class = FastAPI()


@with_class.get("/numbers")
def numbers(pager: Annotated[Pager, Depends()]) -> list[int]:
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
# (endpoints *and* sub-dependencies) gets the replacement. No mocking library, no patching of
# module globals: the dependency is the seam. Remove the entry and the real one is back.


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
print("with the override:", swapped, "| after clear():", restored)

# %% [markdown]
# The key is the **function object** you declared (`current_user`), not the `UserDep` alias and
# not a name. Clear the overrides when you are done (a `try/finally`, or a pytest fixture), or
# the fake leaks into the next test that shares the app; with an app factory (notebook 03), each
# test simply builds its own app.
#
# > **PHP bridge.** In Laravel you would write `$this->app->instance(UserResolver::class, $fake)`
# > in a feature test; in Symfony, `static::getContainer()->set(...)`. Same idea: swap the
# > binding, keep the code under test untouched.
#
# > **Interview probe.** *"How do you test an endpoint that needs an authenticated user, without a
# > real identity provider?"* Override the dependency that produces the user,
# > `app.dependency_overrides[get_current_user] = lambda: User(id=1)`, and clear it afterwards.
#
# ## Build step: your DocChat's first dependencies
#
# From here on you build DocChat yourself, in your own package **`my_docchat/`** (in the file
# browser on the left, beside `notebooks/`). It has every module of DocChat; the parts you write
# are stubs that say `TODO(stage NN)`, with a docstring that says what they must do. Stage 01 is
# two dependencies in **`my_docchat/api/deps.py`**. The file already gives you the `Page` record
# and the aliases the routes will use:

# %%
from docchat_lab.notebook import stage_source

stage_source("api/deps.py", "Page", 1)

# %%
from typing import get_args

from docchat_lab.notebook import your_module

deps = your_module("api.deps")
assert get_args(deps.PageDep)[1].dependency is deps.pagination
assert get_args(deps.DocumentDep)[1].dependency is deps.get_document
print("PageDep     = Annotated[Page, Depends(pagination)]")
print("DocumentDep = Annotated[Document, Depends(get_document)]")

# %% [markdown]
# Write the two functions, either in the next cell (edit it, then run it: it writes them into
# your file, and never over changes you made in the editor) or in `my_docchat/api/deps.py`
# itself. Their docstrings are the specification:
#
# - `pagination` reads `skip` and `limit` from the query string, with bounds: a bad page is a 422
#   that names the parameter, before any route runs;
# - `get_document` loads the document named in the path with the request's session, or raises a
#   404 whose detail names the id. (Its `session` comes from `get_db`, which is stage 02; the
#   checks lend you one until then.)

# %% build="api/deps.py:pagination,get_document"

# %% [markdown]
# Then check them. The checks run in a fresh, sandboxed process on what your files hold now, so
# you never need to restart the kernel. A hint appears only once a check has failed, and gets
# more specific each time it fails again.

# %%
from docchat_lab.notebook import check

check("01")

# %% [markdown]
# And try yours: the cell serves your dependencies on a small app, inline, and sends it a few
# real requests.

# %%
from docchat_lab.notebook import try_yours

try_yours(1)

# %% [markdown]
# ## Your turn
#
# Make every check above pass. A terminal works too (File → New → Terminal):
# `docchat-lab watch 01` checks again each time you save the file, `docchat-lab progress` shows
# which stages pass, and `docchat-lab reset 01` puts stage 01 back to its stubs (your version is
# kept in `.docchat-lab/history/`).
#
# **Extra practice** (optional, not part of your DocChat): `exercises/ex01_dependencies.py` adds an
# API-key dependency beside pagination: no header is a 401, an unknown key a 403, and a test swaps
# the keys with `dependency_overrides`. Check it with `check("ex01")` in a cell, or `docchat-lab
# check ex01` in a terminal.
#
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
#
# ## Further reading
#
# - FastAPI: [Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/),
#   [Classes as dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/classes-as-dependencies/),
#   [Sub-dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/sub-dependencies/),
#   [Testing dependencies with overrides](https://fastapi.tiangolo.com/advanced/testing-dependencies/).
# - FastAPI: [Query parameters and string validations](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/).
# - ruff: [FAST002, fast-api-non-annotated-dependency](https://docs.astral.sh/ruff/rules/fast-api-non-annotated-dependency/).
