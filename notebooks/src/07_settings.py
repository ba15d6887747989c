# %% [markdown]
# # 07 · Settings: configuration that is typed, secret-safe and fails at start-up
#
# A database URL typed into the code ends up in every fork of the repository; an API key typed
# into the code ends up on GitHub's front page. The fix is to read configuration from the
# environment, and `pydantic-settings` turns that into a typed, validated class: every value has a
# type, a default or a "this is required", and a check. This notebook shows where the values
# actually come from (environment, `.env`, defaults, and which one wins), how to keep a secret out
# of logs, how to make a missing value crash the app at start-up rather than at the first request
# that needs it, and how DocChat passes settings to each app explicitly so that tests never touch
# the environment at all.
#
# **After this notebook you can:**
# - write a `BaseSettings` class with a prefix, defaults, required values and validation;
# - predict which source wins (arguments, environment, `.env`, defaults), and where `.env` is
#   looked for;
# - keep an API key out of `repr`, logs and JSON with `SecretStr`;
# - make a missing or invalid value fail at start-up, with a message that names it;
# - read a list (CORS origins) from one environment variable;
# - give each app, and each test, its own settings without touching `os.environ`;
# - write the settings of your own DocChat, `my_docchat/core/config.py`: its stage 07.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup(stage=7)

# %% [markdown]
# ## A settings class in ten lines
#
# `BaseSettings` is a Pydantic model whose fields are filled from the environment. The
# `env_prefix` keeps your variables apart from everybody else's: the field `database_url` is read
# from `LAB07_DATABASE_URL`. Values arrive as strings and are converted to the field's type, so
# `"true"` becomes `True` and `"5000"` becomes `5000`; anything that does not convert is an error
# that names the field.
#
# The cells change `os.environ`. So that a second Run All starts from the same place, they do it
# through `environ(prefix, **values)`: inside the block the only variables with that prefix are
# the ones given, and afterwards everything is put back (pytest's `monkeypatch.setenv` does the
# same in a test). `problems(exc)` prints a validation error as "field: message" lines.

# %%
import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from docchat_lab.lesson.settings_env import environ, problems


class LabSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_")

    database_url: str = "sqlite:///./lab.db"
    debug: bool = False
    max_upload_bytes: int = 1_000_000


# %% [markdown]
# Built with no variables, with two, and with one that is not a number:

# %%
with environ("LAB07_"):
    defaults = LabSettings()
with environ("LAB07_", LAB07_DEBUG="true", LAB07_MAX_UPLOAD_BYTES="5000"):
    from_env = LabSettings()
with environ("LAB07_", LAB07_MAX_UPLOAD_BYTES="lots"), pytest.raises(ValidationError) as info:
    LabSettings()

assert (defaults.debug, defaults.max_upload_bytes) == (False, 1_000_000)
assert (from_env.debug, from_env.max_upload_bytes) == (True, 5000), "converted, not strings"
assert info.value.errors()[0]["loc"] == ("max_upload_bytes",)
print(
    "defaults:",
    defaults.debug,
    defaults.max_upload_bytes,
    "| from the environment:",
    from_env.debug,
    from_env.max_upload_bytes,
)
print("not a number:", problems(info.value))

# %% [markdown]
# > **PHP bridge.** This is Laravel's `.env` plus `config/*.php`, or Symfony's `%env(int:...)%`
# > parameters, with one difference that matters: the *types are checked when the object is
# > built*. Laravel's `env('MAX_UPLOAD')` hands you whatever string is there, and you find out it
# > was `"lots"` when a comparison silently misbehaves.
#
# ## Where values come from, and which one wins
#
# Four sources, highest priority first: arguments passed to the constructor, real environment
# variables, the `.env` file, then the field's default. Four details catch people out, and each
# gets a cell below:
#
# 1. Environment names are **case-insensitive** (unless you set `case_sensitive=True`).
# 2. A **real environment variable beats `.env`**. Handy in production (the host's secret wins over
#    a stale file), confusing on a laptop (an old `export` in your shell wins over the file you
#    just edited).
# 3. A **missing `.env` is silently ignored**, and `env_file=".env"` is relative to the **current
#    working directory**, not to the file that defines the class.
# 4. An **unknown key in `.env` is an error**, unless the class says `extra="ignore"`. Unknown
#    *environment variables* are never an error: the environment is full of other programs' things.

# %%
# erratum 23: environment variable names are case-insensitive
with environ("LAB07_", lab07_database_url="sqlite:///lower.db"):
    lower = LabSettings().database_url
with environ("LAB07_", Lab07_Database_URL="sqlite:///mixed.db"):
    mixed = LabSettings().database_url


class StrictCaseSettings(LabSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_", case_sensitive=True)


with environ("LAB07_", lab07_database_url="sqlite:///lower.db"):
    strict = StrictCaseSettings().database_url

assert (lower, mixed) == ("sqlite:///lower.db", "sqlite:///mixed.db")
assert strict == "sqlite:///./lab.db", "case_sensitive=True: the lower-case name is not ours"
print("lower-case name:", lower, "| mixed case:", mixed, "| case_sensitive=True:", strict)

# %% [markdown]
# For the `.env` cells we need a folder to put a `.env` in: never the repository, but a scratch
# folder that the kit deletes when the kernel exits. Because `.env` is found relative to the
# working directory, the cells step into that folder with `contextlib.chdir` (Python 3.11), which
# always steps back out, even when the block raises.

# %%
# erratum 23: a real environment variable overrides .env; arguments override both
from contextlib import chdir

from docchat_lab.notebook import scratch_dir


class DotenvSettings(LabSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_", env_file=".env")


project_folder = scratch_dir()
(project_folder / ".env").write_text("LAB07_DATABASE_URL=sqlite:///from-dotenv.db\n")

with chdir(project_folder):
    with environ("LAB07_"):
        only_file = DotenvSettings().database_url
    with environ("LAB07_", LAB07_DATABASE_URL="sqlite:///from-environment.db"):
        env_and_file = DotenvSettings().database_url
        argument = DotenvSettings(database_url="sqlite:///from-argument.db").database_url

assert only_file == "sqlite:///from-dotenv.db"
assert env_and_file == "sqlite:///from-environment.db", "the environment beats .env"
assert argument == "sqlite:///from-argument.db", "an argument beats both"
print(".env only:", only_file, "| plus environment:", env_and_file, "| plus argument:", argument)

# %%
# erratum 23: a missing .env is silently ignored; its path is relative to the working directory
elsewhere = scratch_dir()  # an empty folder: no .env in it

results = {}
for label, folder in [("in the project folder", project_folder), ("elsewhere", elsewhere)]:
    with chdir(folder), environ("LAB07_"):
        results[label] = DotenvSettings().database_url  # the same class, the same code

assert results["in the project folder"] == "sqlite:///from-dotenv.db"
assert results["elsewhere"] == "sqlite:///./lab.db", "defaults, and no error at all"
for label, url in results.items():
    print(f"started {label:<22} -> {url}")

# %% [markdown]
# Two ways to make the `.env` location independent of where the process starts: anchor it to a
# file (`env_file=Path(__file__).parent / ".env"`), or pass it when you build the settings:
# `DotenvSettings(_env_file=path)`. And because a missing file is not an error, a typo in the
# file name fails silently too; required values and validators (below) are what catch that.

# %%
# erratum 23: an unknown key in .env is an error unless extra="ignore"
shared = scratch_dir()
(shared / ".env").write_text("LAB07_DATABASE_URL=sqlite:///shared.db\nNODE_ENV=development\n")


class TolerantSettings(DotenvSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_", env_file=".env", extra="ignore")


with chdir(shared), environ("LAB07_", LAB07_TYPO_IN_ENV="1"):
    with pytest.raises(ValidationError) as info:
        DotenvSettings()
    tolerant = TolerantSettings()

errors = info.value.errors()
assert [(e["loc"], e["type"]) for e in errors] == [(("node_env",), "extra_forbidden")]
assert tolerant.database_url == "sqlite:///shared.db"
# The unknown *environment* variable LAB07_TYPO_IN_ENV was no error in either class.
print("default (extra='forbid'):", problems(info.value))
print("extra='ignore':", tolerant.database_url)

# %% [markdown]
# A `.env` shared with a frontend or with Docker Compose is normal, so DocChat sets
# `extra="ignore"`. The price: a misspelt `DOCCHAT_DATABSE_URL` in the file is ignored too, and the
# default is used. Required values and validators are the net that catches that.
#
# > **PHP bridge.** Symfony's Dotenv component has the same precedence rule: it never overwrites a
# > variable that is already set in the real environment. Laravel's `php artisan config:cache`
# > freezes configuration much as the `lru_cache` below does: edit `.env` and nothing changes
# > until you clear the cache.
#
# ## Secrets: `SecretStr`
#
# Settings objects get printed: in a debugger, in an error report, in a log line written in a
# hurry. With `openai_api_key: str` the key goes wherever the object goes. `SecretStr` keeps the
# value but shows `'**********'` in `repr`, `str` and JSON; the one way to read it is to ask:
# `.get_secret_value()`, at the single place that sends it to the API.

# %%
# erratum 24: openai_api_key: str leaks through repr; SecretStr masks it
from pydantic import SecretStr

KEY = "sk-lab07-do-not-leak-0123456789"


class LeakySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_")
    openai_api_key: str


class SafeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_")
    openai_api_key: SecretStr


with environ("LAB07_", LAB07_OPENAI_API_KEY=KEY):
    leaky, safe = LeakySettings(), SafeSettings()

assert KEY in repr(leaky)
assert KEY in leaky.model_dump_json()
for shown in (repr(safe), str(safe), safe.model_dump_json(), f"{safe.openai_api_key}"):
    assert KEY not in shown
    assert "**********" in shown
assert safe.openai_api_key.get_secret_value() == KEY, "still there when you ask for it"
print("str field:      ", repr(leaky).replace(KEY, "<the real key>"))
print("SecretStr field:", repr(safe), "| as JSON:", safe.model_dump_json())

# %% [markdown]
# One more place a secret hides: a `ValidationError` remembers the raw input. When a check on the
# *whole* model fails, the message shows the input dictionary, key included (Pydantic shortens
# long strings, but a short key appears whole), and `exc.errors()` holds it in full. Setting
# `hide_input_in_errors=True` removes it from the message, and a start-up report should print only
# each error's location and message.

# %%
from pydantic import model_validator


class CheckedSettings(SafeSettings):
    chunk_size: int = 800
    chunk_overlap: int = 100

    @model_validator(mode="after")
    def _overlap_fits(self) -> "CheckedSettings":
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self


class QuietCheckedSettings(CheckedSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_", hide_input_in_errors=True)


short_key = "k-123"
for cls in (CheckedSettings, QuietCheckedSettings):
    with pytest.raises(ValidationError) as info:
        cls(openai_api_key=short_key, chunk_overlap=900)
    in_message = short_key in str(info.value)
    assert in_message is (cls is CheckedSettings)
    assert short_key in str(info.value.errors()), "the raw input is kept for code that asks"
    assert problems(info.value) == [
        "(settings): Value error, chunk_overlap must be smaller than chunk_size"
    ]
    print(f"{cls.__name__:<21} the key is in the message: {in_message}")

# %% [markdown]
# > **Interview probe.** *"Where does your API key live, and how do you make sure it never reaches
# > a log?"* In the environment: a gitignored `.env` on your laptop, the platform's secret store in
# > production. Typed as `SecretStr`, unwrapped only where the request is made, and validation
# > errors reported by field and message, never by dumping the input.
#
# ## Fail fast: required values
#
# A field without a default is required. Building the settings without it raises at once, and the
# error names the field. That is the point of validating configuration: the process refuses to
# start with a clear message, instead of starting fine and failing on the first request that
# needs the missing value (at 3 a.m., on the one code path nobody tried).

# %%
with environ("LAB07_"), pytest.raises(ValidationError) as info:
    SafeSettings()

assert info.value.errors()[0]["loc"] == ("openai_api_key",)
assert info.value.errors()[0]["type"] == "missing"
print(problems(info.value))

# %% [markdown]
# The error names the *field*, not the environment variable. DocChat's command line translates
# one into the other before giving up: run with two bad values, `docchat serve` exits with status
# 2 and one line per problem, and never gets as far as opening a port. (`run_python` runs Python
# in a fresh process with the DOCCHAT_ variables we give it, and no others.)

# %%
from docchat_lab.lesson.settings_env import run_python

bad = {"DOCCHAT_CHUNK_SIZE": "5", "DOCCHAT_CORS_ORIGINS": "http://localhost:3000/"}
run = run_python(["-m", "docchat", "serve"], env=bad, cwd=scratch_dir())  # no .env there

assert run.returncode == 2
assert "chunk_size (DOCCHAT_CHUNK_SIZE)" in run.stderr
assert "cors_origins (DOCCHAT_CORS_ORIGINS)" in run.stderr
print("exit status:", run.returncode)
print(run.stderr.strip())

# %% [markdown]
# ## `lru_cache`d settings: fail fast, but *when*?
#
# The usual FastAPI recipe reads the settings once and caches them:
#
# ```python
# @lru_cache
# def get_settings() -> Settings:
#     return Settings()
# ```
#
# Cached, the environment is read once per process rather than once per request. But "once" now
# means "on first use", and first use is the first request that depends on it. The app starts
# happily with a missing key and fails later:

# %%
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient


@lru_cache
def get_lab_settings() -> SafeSettings:
    return SafeSettings()


def add_routes(app: FastAPI) -> FastAPI:
    @app.get("/key-length")
    def key_length(settings: Annotated[SafeSettings, Depends(get_lab_settings)]) -> dict:
        return {"length": len(settings.openai_api_key.get_secret_value())}

    app.get("/health")(lambda: {"status": "ok"})
    return app


# %% [markdown]
# Started with no key at all:

# %%
# erratum 25: with an lru_cache get_settings(), a missing value fails only on first use
lazy_app = add_routes(FastAPI())
get_lab_settings.cache_clear()
with environ("LAB07_"), TestClient(lazy_app) as client:  # no key, and start-up succeeds
    health = client.get("/health").status_code
    with pytest.raises(ValidationError) as info:
        client.get("/key-length")  # TestClient re-raises the server's exception

assert health == 200
assert info.value.errors()[0]["loc"] == ("openai_api_key",)
print(
    "start-up: fine; /health:",
    health,
    "| first request that needs the settings:",
    problems(info.value),
)

# %% [markdown]
# Call `get_settings()` in the lifespan, and the failure moves back to start-up, where
# `with TestClient(app)` (or uvicorn) sees it before any request:

# %%
# erratum 25: calling get_settings() in lifespan moves the failure to start-up
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


@asynccontextmanager
async def check_settings_at_startup(app: FastAPI) -> AsyncIterator[None]:
    get_lab_settings()  # raises here, before the first request, if anything is missing
    yield


eager_app = add_routes(FastAPI(lifespan=check_settings_at_startup))
get_lab_settings.cache_clear()
requests_made = []
with environ("LAB07_"), pytest.raises(ValidationError) as info, TestClient(eager_app) as client:
    requests_made.append(client.get("/health").status_code)  # entering ran the lifespan first

assert info.value.errors()[0]["loc"] == ("openai_api_key",)
assert requests_made == [], "the block never ran"
print("entering `with TestClient(eager_app)`:", problems(info.value))

# %% [markdown]
# The cache has two consequences for tests:
#
# - **Changing the environment changes nothing** once the settings are cached; call
#   `get_settings.cache_clear()` after you change it (and again at the end of the test).
#   `lru_cache` never caches an exception, so a failed call is simply retried.
# - **`dependency_overrides` swaps what endpoints receive**, with no environment at all. It only
#   affects values resolved through `Depends`: a lifespan that calls `get_lab_settings()` itself
#   is out of its reach.

# %%
# erratum 25: tests swap settings with get_settings.cache_clear() and dependency_overrides
get_lab_settings.cache_clear()
with environ("LAB07_", LAB07_OPENAI_API_KEY="first-key"):
    first = get_lab_settings()
with environ("LAB07_", LAB07_OPENAI_API_KEY="a-much-longer-second-key"):
    still_cached = get_lab_settings()
    get_lab_settings.cache_clear()
    refreshed = get_lab_settings()
get_lab_settings.cache_clear()

assert still_cached is first, "a changed environment is not seen through the cache"
assert refreshed.openai_api_key.get_secret_value() == "a-much-longer-second-key"
print("after changing the environment: the cached object; after cache_clear(): the new key")

# %%
# erratum 25: an override reaches the endpoints, never the lifespan
fake = SafeSettings(openai_api_key="test-key")
started = {}
for name, app in [("lazy", lazy_app), ("eager", eager_app)]:
    app.dependency_overrides[get_lab_settings] = lambda: fake
    try:
        with environ("LAB07_"), TestClient(app) as client:
            started[name] = client.get("/key-length").json()
    except ValidationError:
        started[name] = "failed at start-up"
    finally:
        app.dependency_overrides.clear()
        get_lab_settings.cache_clear()

assert started == {"lazy": {"length": len("test-key")}, "eager": "failed at start-up"}
print(started)

# %% [markdown]
# That last cell is the argument for the design DocChat uses: settings are an **argument of the
# app factory**. `create_app(settings)` stores them on the app, the lifespan uses those, and the
# dependency that endpoints declare reads them back from the app. A test builds the settings it
# wants and passes them in: no environment, no cache to clear, no override to forget. Only the real
# entry points (`docchat serve`, `uvicorn --factory docchat.main:create_app`) call `get_settings()`.
#
# That holds only if importing DocChat reads nothing: a module that did `app = create_app()` at
# import time would read the environment (and fail on a bad value) the moment any cell imported
# `create_app`. A fresh process with a broken `DOCCHAT_CHUNK_SIZE` exported shows it does not:

# %%
probe = (
    "import docchat.main as m; from docchat.core.config import get_settings; "
    "print(hasattr(m, 'app'), get_settings.cache_info().currsize)"
)
imported = run_python(["-c", probe], env={"DOCCHAT_CHUNK_SIZE": "5"}, cwd=scratch_dir())

assert imported.returncode == 0, imported.stderr
assert imported.stdout.split() == ["False", "0"], "no app built, no settings read at import"
print("import docchat.main with DOCCHAT_CHUNK_SIZE=5: fine; app built:", imported.stdout.split()[0])
print("settings read at import:", imported.stdout.split()[1])

# %% [markdown]
# > **Interview probe.** *"Your service starts fine in staging and crashes on the first real
# > request with a missing-config error. What happened?"* The settings were read lazily (a cached
# > dependency, or a module-level object imported late). Validate them during start-up (lifespan,
# > or the factory) so that a deploy with a missing value never becomes healthy.
#
# Here are two DocChats with different settings in one process: one allows 200-byte uploads and
# the other the default megabyte, so the same request gets a **413** from the first and a **202**
# from the second.

# %%
from docchat.core.config import Settings
from docchat.main import create_app

with environ("DOCCHAT_"):  # whatever your shell exports, these cells see none of it
    tight = Settings(_env_file=None, database_url="sqlite://", max_upload_bytes=200)
    roomy = Settings(_env_file=None, database_url="sqlite://")

body = {"title": "A long read", "content": "word " * 100}  # 500 bytes
with TestClient(create_app(tight)) as small_app, TestClient(create_app(roomy)) as big_app:
    too_big = small_app.post("/documents/", json=body)
    accepted = big_app.post("/documents/", json=body)
    assert (small_app.app.state.settings, big_app.app.state.settings) == (tight, roomy)

assert too_big.status_code == 413
assert "DOCCHAT_MAX_UPLOAD_BYTES" in too_big.json()["detail"]
assert accepted.status_code == 202
print("tight app:", too_big.status_code, too_big.json()["detail"])
print("roomy app:", accepted.status_code, accepted.json()["status"])

# %% [markdown]
# ## Lists from one environment variable
#
# CORS origins are a list, and a `cors_origins: str` setting is a trap: handed a string,
# Starlette's CORS check becomes `origin in "http://localhost:3000"`, a *substring* test, and
# `http://l` is an allowed origin:

# %%
from fastapi.middleware.cors import CORSMiddleware

as_string = FastAPI()
as_string.add_middleware(CORSMiddleware, allow_origins="http://localhost:3000", allow_methods=["*"])
preflight = {"Origin": "http://l", "Access-Control-Request-Method": "GET"}
with TestClient(as_string) as client:
    odd = client.options("/", headers=preflight)

assert odd.status_code == 200
assert odd.headers["access-control-allow-origin"] == "http://l"
print(
    "origin http://l with a str setting ->",
    odd.status_code,
    odd.headers["access-control-allow-origin"],
)

# %% [markdown]
# A `list[str]` field reads JSON from the environment:
# `LAB07_CORS_ORIGINS='["http://localhost:3000"]'`. The comma-separated form that people actually
# type is a parsing error:

# %%
from pydantic_settings import SettingsError


class OriginsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_")
    cors_origins: list[str] = ["http://localhost:3000"]


as_json = '["http://localhost:3000", "https://app.example.com"]'
as_commas = "http://localhost:3000, https://app.example.com"
with environ("LAB07_", LAB07_CORS_ORIGINS=as_json):
    json_origins = OriginsSettings().cors_origins
with environ("LAB07_", LAB07_CORS_ORIGINS=as_commas), pytest.raises(SettingsError) as info:
    OriginsSettings()

assert json_origins == ["http://localhost:3000", "https://app.example.com"]
assert 'field "cors_origins"' in str(info.value)
print("JSON:  ", json_origins)
print("commas:", info.value)

# %% [markdown]
# Mark the field `NoDecode` and pydantic-settings hands the raw string to your validators
# instead of decoding it; a `mode="before"` field validator then turns the string into a list
# (and passes a real list through untouched):

# %%
from pydantic import field_validator
from pydantic_settings import NoDecode


class CommaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_")
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000"]

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [part.strip() for part in value.split(",")] if isinstance(value, str) else value


with environ("LAB07_", LAB07_CORS_ORIGINS=as_commas):
    split = CommaSettings().cors_origins
with environ("LAB07_", LAB07_CORS_ORIGINS=as_json):
    not_json = CommaSettings().cors_origins

assert split == ["http://localhost:3000", "https://app.example.com"]
assert CommaSettings(cors_origins=["a", "b"]).cors_origins == ["a", "b"], "a list passes through"
assert not_json[0] == '["http://localhost:3000"', "NoDecode: no JSON either, unless you parse it"
print("commas:", split)
print("JSON, split on commas:", not_json)

# %% [markdown]
# ## Build step: your DocChat's settings
#
# Stage 07 is **`my_docchat/core/config.py`**. Its `Settings` class already declares every field
# (with its type, default and bounds) and a few validators that are given. One of them, to show
# the form a field validator takes:

# %%
from docchat_lab.notebook import stage_source

stage_source("core/config.py", "Settings._key_fits_in_a_header", 6)

# %% [markdown]
# You write four members of the class, in the next cell (edit it, then run it: it writes only
# these members into your file, and keeps the fields) or in the file itself. Their comments and
# docstrings are the specification:
#
# - `model_config`: read `DOCCHAT_*` variables and a `.env` file (UTF-8), ignore the keys that
#   belong to other tools, and never echo a rejected value in an error;
# - `_split_origins`: a string from the environment becomes a list: a JSON list, or origins
#   separated by commas (the field is already `NoDecode`);
# - `_origins_are_bare`: `"*"` only when `cors_allow_credentials` is false (it is declared before
#   `cors_origins`, so it is in `info.data`); every other origin written the way a browser writes
#   its `Origin` header, which `normalise_origin` (imported for you) does, or refuses;
# - `_overlap_below_size`: `chunk_overlap` must be smaller than `chunk_size`, and the message
#   gives both numbers.

# %% build="core/config.py:Settings.model_config,Settings._split_origins,Settings._origins_are_bare,Settings._overlap_below_size"  # noqa: E501

# %% [markdown]
# Then check it. The checks build your `Settings` in a fresh, sandboxed process, with
# environments and `.env` files of their own choosing (fresh random values each run), and look at
# what your class makes of them. A hint appears only once a check has failed.

# %%
from docchat_lab.notebook import check

check("07")

# %% [markdown]
# And try yours: the cell builds your `Settings` from an environment with DocChat's variables and
# a stray `CHUNK_SIZE` of another program, serves your DocChat with them inline, and asks it
# what it was given.

# %%
from docchat_lab.notebook import try_yours

try_yours(7)

# %% [markdown]
# ## Your turn
#
# Make every check above pass. A terminal works too (File → New → Terminal):
# `docchat-lab watch 07` checks again each time you save the file, `docchat-lab progress` shows
# which stages pass, and `docchat-lab reset 07` puts stage 07 back to its stubs (your version is
# kept in `.docchat-lab/history/`).
#
# **Extra practice** (optional, not part of your DocChat): `exercises/ex07_settings.py` asks for
# settings that fail fast and keep a secret out of every error and `repr`. Check it with
# `check("ex07")` in a cell, or `docchat-lab check ex07` in a terminal.
#
# ## Recap
#
# - `BaseSettings` fills typed fields from the environment (with a prefix) and a `.env` file;
#   conversion and validation happen when the object is built, and errors name the field.
# - Priority: constructor arguments > real environment > `.env` > defaults. Names are
#   case-insensitive. A missing `.env` is silently ignored and is looked for in the **working
#   directory**. Unknown `.env` keys are errors unless `extra="ignore"`.
# - Secrets are `SecretStr`: masked in `repr`, `str` and JSON, unwrapped with
#   `.get_secret_value()` at the one place that needs it. Report validation errors by field and
#   message, and set `hide_input_in_errors=True`.
# - Required values and validators make a bad configuration fail at start-up. With a cached
#   `get_settings()`, call it in the lifespan, or the failure waits for the first request.
# - Tests: `cache_clear()` after changing the environment, `dependency_overrides` for what
#   endpoints receive; better still, pass settings to the app factory, as DocChat does, and build
#   no app at import time.
# - Lists come from JSON in the environment; `NoDecode` plus a `mode="before"` validator also
#   accepts commas.
#
# ## Further reading
#
# - FastAPI: [Settings and environment variables](https://fastapi.tiangolo.com/advanced/settings/),
#   [Lifespan events](https://fastapi.tiangolo.com/advanced/events/),
#   [Testing dependencies with overrides](https://fastapi.tiangolo.com/advanced/testing-dependencies/).
# - pydantic-settings: [Settings management](https://docs.pydantic.dev/latest/concepts/pydantic_settings/)
#   (dotenv support, parsing environment variable values, `NoDecode`, field value priority).
# - Pydantic: [Validators](https://docs.pydantic.dev/latest/concepts/validators/),
#   [Secret types](https://docs.pydantic.dev/latest/api/types/#pydantic.types.SecretStr),
#   [`hide_input_in_errors`](https://docs.pydantic.dev/latest/api/config/#pydantic.config.ConfigDict.hide_input_in_errors).
# - Starlette: [CORSMiddleware](https://www.starlette.io/middleware/#corsmiddleware).
