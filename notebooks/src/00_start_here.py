# %% [markdown]
# # 00 · Start here
#
# This kit teaches the FastAPI patterns that separate a one-file demo from a backend you would
# put in front of users: dependencies, `yield` cleanup, routers and an app factory, async done
# right, CORS and middleware, background work, settings and tests. You learn them by building
# **DocChat**, an API that accepts documents, indexes them in the background and answers questions
# about them with citations. Every notebook runs real code, and every claim it makes is a cell that
# checks itself, so when a library upgrade changes the behaviour the notebook fails instead of
# quietly teaching something false.
#
# **After this notebook you can:**
# - say what DocChat does and which promises its API makes;
# - find your way around the kit: notebooks, exercises, checks and the quiz;
# - confirm that your environment is the one the kit was written for;
# - run the finished DocChat inside this notebook, call it over real HTTP, and stop it again.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup()

# %% [markdown]
# ## What DocChat is
#
# DocChat is the finished state of the lesson's build. Its behaviour is a contract that the
# notebooks and the tests hold it to:
#
# - `POST /documents/` with JSON `{title, content}`, or a `.txt`/`.md` file on
#   `/documents/upload`, answers **202 Accepted** with `{id, status}` at once. Chunking and
#   indexing run afterwards, in a background task with its own database session.
# - `GET /documents/{id}` returns the document, whose `status` moves
#   `pending → processing → ready` (or `failed`, with a reason), and a **404** for an unknown id.
# - `GET /documents/?skip=&limit=` returns one page of documents; paging out of range is a
#   **422** that names the parameter.
# - `POST /chat/ask` answers from the best-matching passages and cites them as `[1]`, `[2]` …
#   With no API key it quotes the passages offline; with one, it calls an OpenAI-compatible model
#   and turns upstream failures into a **502** or **504**.
# - `GET /health` and `GET /health/ready` report liveness, and readiness (the database answers).
#
# Settings come from the environment (prefix `DOCCHAT_`), the API key is a secret that never
# appears in a `repr`, CORS allows `http://localhost:3000`, and every response carries its
# processing time in milliseconds. Bad input always gets a 4xx with a JSON body that names the
# problem.
#
# The app lives in `docchat/`, organised by layer. This listing is read from the files, so it is
# always the real layout:

# %%
import ast

from docchat_lab.project import project_root

package = project_root() / "docchat"
modules = sorted(p.relative_to(package.parent).as_posix() for p in package.rglob("*.py"))
for name in modules:
    tree = ast.parse((package.parent / name).read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    if doc:
        print(f"{name:<36} {doc.splitlines()[0]}")

assert "docchat/main.py" in modules
assert "docchat/api/deps.py" in modules
assert all(not m.startswith("docchat/lab") for m in modules), "the app never holds the lab tools"

# %% [markdown]
# `main.py` holds the **app factory** `create_app(settings)`: every call builds a fresh app with
# its own settings, engine and LLM client, which is what lets a notebook (or a test) run several
# independent DocChats side by side. The teaching tools live in a separate package,
# `docchat_lab`; the app never imports them.
#
# > **PHP bridge.** Think of `docchat/` as a Laravel app trimmed to its API: `api/routes/` are your
# > route files and controllers, `api/deps.py` plays the part of the service container's bindings,
# > `core/config.py` is `config/*.php` plus `.env`, and `models.py` is Eloquent (here: SQLAlchemy).
# > `create_app()` is roughly `bootstrap/app.php`, but it is an ordinary function you can call as
# > often as you like.
#
# ## How the kit works
#
# - **Notebooks, in order.** `00_start_here` (this one) up to the final quiz notebook. Each one
#   takes one pattern of the lesson, shows it on a tiny app of its own, then shows the part of
#   DocChat that uses it (the **Build step**, read straight from the source file so it can never
#   drift) and checks that part with FastAPI's `TestClient`.
# - **Exercises.** Each stage has a **Your turn** section that points to an exercise in the
#   `exercises/` folder. Those stubs are generated from reference answers in `solutions/`; you edit
#   your copy in `exercises/`, never `solutions/`. The check cell below the exercise runs
#   `check("exNN")` and tells you exactly what was called, what came back and what was expected.
#   In a terminal, `docchat-lab watch exNN` does the same each time you save, and
#   `docchat-lab progress` shows which exercises pass so far.
# - **The quiz** at the end asks you to recall the lesson's key ideas, then explains the correct
#   answers, including where the original lesson's own answers are incomplete.
# - **Where the lesson is wrong or dated**, the notebooks teach what was measured on the versions
#   you are running. Those cells start with a `# erratum N:` comment.
#
# ## Is this the right environment?
#
# The kit states its minimum versions once, in `pyproject.toml`: the core dependencies and the
# `[lab]` extras, which is what the README's first command installs. The next cell reads them
# from there and asserts that what is installed meets them; then it reads every notebook's code
# cells and asserts that each module they import (or run, like `ruff` and `pytest`) is there. It
# prints only a verdict, because the exact versions change from machine to machine.

# %%
from importlib.metadata import version

from packaging.requirements import Requirement

from docchat_lab.environment_check import environment_problems

problems, requirements, modules = environment_problems(project_root())

# The one minimum the lesson leans on hardest: Depends(scope="function") arrived in FastAPI 0.121.
assert Requirement("fastapi>=0.121").specifier.contains(version("fastapi"))
assert not problems, "\n".join(problems)
print(f"environment OK: {requirements} requirements met; the {modules} modules the notebooks use")

# %% [markdown]
# If that cell fails, it names each package that is missing or too old. From the project folder,
# run the README's first command again (it installs the kit with `pip install -e '.[lab]'`), and
# choose the kernel of that environment.
#
# **The kernel.** A notebook runs its code in a *kernel*, a separate Python process. The kit's
# notebooks use the `python3` kernel of the environment where the kit is installed. The next cell
# checks that this kernel imports FastAPI and DocChat from that environment, and not from some
# other Python on your machine.

# %%
import sys
from pathlib import Path

import fastapi

import docchat

kernel_prefix = Path(sys.prefix).resolve()
assert Path(fastapi.__file__).resolve().is_relative_to(kernel_prefix), "fastapi from elsewhere"
assert Path(docchat.__file__).resolve().is_relative_to(project_root()), "docchat from elsewhere"
assert sys.version_info >= (3, 11)
print("kernel: Python 3, using the kit's environment and this project's docchat package")

# %% [markdown]
# ## Running cells, and what "warnings are errors" means
#
# Run a cell with **Shift+Enter**. Run the whole notebook from the top with **Run → Restart Kernel
# and Run All Cells**; every notebook in the kit is built to survive that, twice in a row. Cells
# depend only on cells above them, so running from the top always works.
#
# The first code cell of every notebook turns warnings into errors, exactly as the kit's test
# suite does. A `DeprecationWarning` is a library telling you that code you are copying (from a
# tutorial, a blog post, an AI) will stop working. Here it stops working **now**, in the cell
# that used it. For example, FastAPI's old start-up hook `@app.on_event("startup")` has been
# replaced by the `lifespan=` parameter:

# %%
from fastapi import FastAPI

old_style = FastAPI()
try:
    old_style.on_event("startup")
    raised = None
except DeprecationWarning as exc:
    raised = exc

assert isinstance(raised, DeprecationWarning)
assert "lifespan" in str(raised)
print("on_event ->", type(raised).__name__, "| the fix the message names: lifespan")

# %% [markdown]
# A few cells are *expected* to show an error: those are tagged, and their text says so. Any other
# red output means something changed: read the message, it is usually specific.
#
# > **Interview probe.** *"How do you find out that an upgrade broke your code before your users
# > do?"* Run the test suite with warnings as errors (`filterwarnings = ["error"]` in pytest's
# > config) and keep the claims you rely on as tests. Deprecations then fail CI one release
# > before the removal does.
#
# ## A first taste: the finished DocChat, running inline
#
# `serve(app, name=...)` from `docchat_lab` starts a real uvicorn server in a background thread of
# this kernel, on a free port, and returns a handle with its `.url`. The kernel stays free, so
# the next cells can call the server with an ordinary HTTP client. We use `httpx2`, the HTTP
# client that Starlette's `TestClient` is built on as well.
#
# DocChat is always built from **explicit settings**. `sqlite_url()` gives it a database file in
# a fresh temporary folder, so nothing here touches a real `docchat.db`.

# %%
import httpx2
import starlette.testclient

from docchat.core.config import Settings
from docchat.main import create_app
from docchat_lab.notebook import serve, sqlite_url

server = serve(create_app(Settings(database_url=sqlite_url())), name="docchat")
assert starlette.testclient.httpx is httpx2  # TestClient speaks httpx2 too
assert server.running
assert server.url.startswith("http://127.0.0.1:")
print("DocChat is running:", server.running)

# %% [markdown]
# The server has a real port on `127.0.0.1`. We never print it (it changes on every run); we only
# use it. First the health endpoints, the ones a load balancer polls:

# %%
health = httpx2.get(f"{server.url}/health", timeout=10)
ready = httpx2.get(f"{server.url}/health/ready", timeout=10)

assert health.status_code == 200
assert health.json() == {"status": "ok"}
assert ready.status_code == 200
assert ready.json() == {"status": "ready", "database": "ok"}
assert "X-Process-Time-Ms" in health.headers  # the timing middleware is in the stack
print("GET /health       ->", health.status_code, health.json())
print("GET /health/ready ->", ready.status_code, ready.json())

# %% [markdown]
# FastAPI writes an OpenAPI description of every route and serves interactive documentation at
# `/docs`. Here we check that the page is there and list the paths the schema describes. To try
# the endpoints by hand, run `docchat serve` in a terminal (File → New → Terminal) and open
# http://127.0.0.1:8000/docs; Ctrl+C in the terminal stops it.

# %%
docs = httpx2.get(f"{server.url}/docs", timeout=10)
schema = httpx2.get(f"{server.url}/openapi.json", timeout=10).json()

assert docs.status_code == 200
assert "swagger-ui" in docs.text
assert docs.headers["content-type"].startswith("text/html")
assert schema["info"]["title"] == "DocChat"
assert {"/documents/", "/documents/{document_id}", "/chat/ask", "/health"} <= set(schema["paths"])
print("GET /docs ->", docs.status_code, "(Swagger UI)")
for path in sorted(schema["paths"]):
    print(f"  {path:<34} {' '.join(m.upper() for m in sorted(schema['paths'][path]))}")

# %% [markdown]
# When you are done with a server, stop it: that frees its port. The server kept its log in
# memory instead of writing to the notebook; nothing went wrong, so there is nothing at warning
# level or above.

# %%
url = server.url
server.stop()

assert not server.running
assert server.log_messages() == []
try:
    httpx2.get(f"{url}/health", timeout=2)
    still_answers = True
except httpx2.ConnectError:
    still_answers = False
assert not still_answers
print("stopped; answers requests:", still_answers)

# %% [markdown]
# > **Interview probe.** *"Why build the app in a function instead of `app = FastAPI()` at module
# > level?"* A factory gives each test (and here, each notebook cell) its own app with its own
# > settings and database. Nothing leaks between them, and there is no global to monkey-patch.
#
# ## Recap
#
# - DocChat accepts documents (202), processes them in the background, and answers questions
#   with citations; its contract is what the tests and notebooks check.
# - Notebooks go in order; each one builds and checks a part of DocChat; exercises sit in
#   `exercises/` and are checked from the notebook; a quiz closes the course.
# - The environment check reads the kit's minimums from `pyproject.toml` and asserts them.
# - Warnings are errors: a deprecated call fails the cell that makes it.
# - `serve(create_app(Settings(...)), name=...)` runs the real app inline; call it over HTTP,
#   then `stop()` it.
