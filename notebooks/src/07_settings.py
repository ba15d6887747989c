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
# - give each app, and each test, its own settings without touching `os.environ`.

# %%
# Warnings are errors here, as in the test suite: a deprecation fails the cell that causes it.
import warnings

warnings.simplefilter("error")
# ipykernel warns about its own shutdown code; that is the kernel's business, not the lesson's.
warnings.filterwarnings("default", module="ipykernel")

from docchat_lab.notebook import setup

setup()

# %% [markdown]
# ## A settings class in ten lines
#
# `BaseSettings` is a Pydantic model whose fields are filled from the environment. The
# `env_prefix` keeps your variables apart from everybody else's: the field `database_url` is read
# from `LAB07_DATABASE_URL`. Values arrive as strings and are converted to the field's type, so
# `"true"` becomes `True` and `"5000"` becomes `5000`, and anything that does not convert is an
# error that names the field.
#
# The notebook changes `os.environ` in several cells. So that a second "Run All" starts from the
# same place, every change goes through the small context manager below, which removes the
# variables with our prefix, sets the ones you ask for, and puts everything back afterwards, even
# when the block raises. It is what pytest's `monkeypatch.setenv` does for you in a test.

# %%
import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def environ(prefix: str, **values: str) -> Iterator[None]:
    """Inside the block, the only variables starting with `prefix` are `values`; then restore."""
    touched = {name for name in os.environ if name.upper().startswith(prefix.upper())}
    touched |= set(values)
    saved = {name: os.environ[name] for name in touched if name in os.environ}
    for name in touched:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name in touched:
            os.environ.pop(name, None)
        os.environ.update(saved)


def problems(exc: Exception) -> list[str]:
    """A ValidationError as 'field: message' lines (the model itself when no field is named)."""
    return [
        f"{'.'.join(str(part) for part in error['loc']) or '(settings)'}: {error['msg']}"
        for error in exc.errors(include_url=False)
    ]


print("helpers ready")

# %%
import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class LabSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_")

    database_url: str = "sqlite:///./lab.db"
    debug: bool = False
    max_upload_bytes: int = 1_000_000


with environ("LAB07_"):
    defaults = LabSettings()
with environ("LAB07_", LAB07_DEBUG="true", LAB07_MAX_UPLOAD_BYTES="5000"):
    from_env = LabSettings()
with environ("LAB07_", LAB07_MAX_UPLOAD_BYTES="lots"), pytest.raises(ValidationError) as info:
    LabSettings()
bad_number = info.value

print("defaults:        ", defaults.debug, defaults.max_upload_bytes)
print("from environment:", from_env.debug, from_env.max_upload_bytes)
print("not a number:    ", problems(bad_number))
assert (defaults.debug, defaults.max_upload_bytes) == (False, 1_000_000)
assert (from_env.debug, from_env.max_upload_bytes) == (True, 5000)  # converted, not strings
assert bad_number.errors()[0]["loc"] == ("max_upload_bytes",)

# %% [markdown]
# > **PHP bridge.** This is Laravel's `.env` plus `config/*.php`, or Symfony's `%env(int:...)%`
# > parameters, with one difference that matters: the *types are checked when the object is
# > built*. Laravel's `env('MAX_UPLOAD')` hands you whatever string is there and you find out it
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
#    working directory**, not to the file that defines the class. Start the app from another folder
#    and it quietly runs on defaults.
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

print("lower-case name:", lower)
print("mixed-case name:", mixed)
print("with case_sensitive=True the lower-case name is ignored:", strict == "sqlite:///./lab.db")
assert lower == "sqlite:///lower.db"
assert mixed == "sqlite:///mixed.db"
assert strict == "sqlite:///./lab.db"

# %% [markdown]
# For the `.env` cells we need a folder to put a `.env` in. Never the repository: a scratch folder
# that the kit deletes when the kernel exits. Because `.env` is found relative to the working
# directory, the cells `chdir` into that folder and always come back in a `finally`
# (Python 3.11's `contextlib.chdir` does the same in one line).

# %%
# erratum 23: a real environment variable overrides .env; arguments override both
from pathlib import Path

from docchat_lab.notebook import scratch_dir


class DotenvSettings(LabSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_", env_file=".env")


project_folder = scratch_dir()
(project_folder / ".env").write_text(
    "LAB07_DATABASE_URL=sqlite:///from-dotenv.db\n", encoding="utf-8"
)

home = Path.cwd()
os.chdir(project_folder)
try:
    with environ("LAB07_"):
        only_file = DotenvSettings().database_url
    with environ("LAB07_", LAB07_DATABASE_URL="sqlite:///from-environment.db"):
        env_and_file = DotenvSettings().database_url
        argument = DotenvSettings(database_url="sqlite:///from-argument.db").database_url
finally:
    os.chdir(home)

print(".env only:            ", only_file)
print(".env and environment: ", env_and_file)
print("argument, env, .env:  ", argument)
assert only_file == "sqlite:///from-dotenv.db"
assert env_and_file == "sqlite:///from-environment.db"
assert argument == "sqlite:///from-argument.db"
assert Path.cwd() == home

# %%
# erratum 23: a missing .env is silently ignored; its path is relative to the working directory
elsewhere = scratch_dir()  # an empty folder: no .env in it

results = {}
for label, folder in [
    ("started in the project folder", project_folder),
    ("started elsewhere", elsewhere),
]:
    os.chdir(folder)
    try:
        with environ("LAB07_"):
            results[label] = DotenvSettings().database_url  # same class, same code
    finally:
        os.chdir(home)

for label, url in results.items():
    print(f"{label:<30} -> {url}")
assert results["started in the project folder"] == "sqlite:///from-dotenv.db"
assert results["started elsewhere"] == "sqlite:///./lab.db"  # defaults, and no error at all
assert Path.cwd() == home

# %% [markdown]
# Two ways to make the `.env` location independent of where the process starts: anchor it to a
# file (`env_file=Path(__file__).parent / ".env"`), or pass it when you build the settings:
# `DotenvSettings(_env_file=path)`. And because a missing file is not an error, a typo in the
# file name fails silently too; fail-fast checks on required values (below) are what catch that.

# %%
# erratum 23: an unknown key in .env is an error unless extra="ignore"
shared = scratch_dir()
(shared / ".env").write_text(
    "LAB07_DATABASE_URL=sqlite:///shared.db\nNODE_ENV=development\n", encoding="utf-8"
)


class TolerantSettings(DotenvSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_", env_file=".env", extra="ignore")


os.chdir(shared)
try:
    with environ("LAB07_", LAB07_TYPO_IN_ENV="1"):
        with pytest.raises(ValidationError) as info:
            DotenvSettings()
        strict_error = info.value
        tolerant = TolerantSettings()
finally:
    os.chdir(home)

print("default (extra='forbid'):", problems(strict_error))
print("extra='ignore':          ", tolerant.database_url)
assert strict_error.errors()[0]["loc"] == ("node_env",)
assert strict_error.errors()[0]["type"] == "extra_forbidden"
assert tolerant.database_url == "sqlite:///shared.db"
# The unknown *environment* variable LAB07_TYPO_IN_ENV was no error in either class.
assert len(strict_error.errors()) == 1
assert Path.cwd() == home

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

print("str field:      ", repr(leaky).replace(KEY, "<the real key>"))
print("SecretStr field:", repr(safe))
print("as JSON:        ", safe.model_dump_json())
assert KEY in repr(leaky)
assert KEY in leaky.model_dump_json()
for shown in (repr(safe), str(safe), safe.model_dump_json(), f"{safe.openai_api_key}"):
    assert KEY not in shown
    assert "**********" in shown
assert safe.openai_api_key.get_secret_value() == KEY  # still there when you ask for it

# %% [markdown]
# One more place a secret hides: a `ValidationError` remembers the raw input it was given. When a
# check on the *whole* model fails, the error message shows the input dictionary, which includes
# the key before it became a `SecretStr` (Pydantic shortens long strings to their first few
# characters, but a short key appears whole), and `exc.errors()` holds it in full. Setting
# `hide_input_in_errors=True` removes it from the message, and a start-up report should print
# only each error's location and message. DocChat does both (see the build step).

# %%
from pydantic import model_validator


class CheckedSettings(SafeSettings):
    model_config = SettingsConfigDict(env_prefix="LAB07_")
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
    in_errors = short_key in str(info.value.errors())
    print(f"{cls.__name__:<21} key in the message: {in_message!s:<5}  in exc.errors(): {in_errors}")
    assert in_message is (cls is CheckedSettings)
    assert in_errors  # the raw input is always kept for code that asks
    assert problems(info.value) == [
        "(settings): Value error, chunk_overlap must be smaller than chunk_size"
    ]

# %% [markdown]
# > **Interview probe.** *"Where does your API key live, and how do you make sure it never reaches
# > a log?"* In the environment: a gitignored `.env` on your laptop, the platform's secret store in
# > production (Render, Railway, Kubernetes secrets). Typed as `SecretStr`, unwrapped only where
# > the request is made, and validation errors reported by field and message, not by dumping the
# > input.
#
# ## Fail fast: required values
#
# A field without a default is required. Building the settings without it raises at once, and the
# error names the field. That is the whole point of validating configuration: the process refuses
# to start with a clear message, instead of starting fine and failing on the first request that
# needs the missing value (typically at 3 a.m., on the one code path nobody tried).

# %%
with environ("LAB07_"), pytest.raises(ValidationError) as info:
    SafeSettings()
missing = info.value

print(problems(missing))
assert missing.errors()[0]["loc"] == ("openai_api_key",)
assert missing.errors()[0]["type"] == "missing"

# %% [markdown]
# The error names the *field*, not the environment variable. DocChat's command line translates
# one into the other before giving up. Run with two bad values, `docchat serve` exits with status
# 2 and one line per problem, and never gets as far as opening a port:

# %%
import subprocess
import sys

bad_env = {
    name: value for name, value in os.environ.items() if not name.upper().startswith("DOCCHAT_")
}
bad_env |= {"DOCCHAT_CHUNK_SIZE": "5", "DOCCHAT_CORS_ORIGINS": "http://localhost:3000/"}
run = subprocess.run(
    [sys.executable, "-m", "docchat", "serve"],
    cwd=scratch_dir(),  # no .env there
    env=bad_env,
    capture_output=True,
    text=True,
    timeout=60,
)
print("exit status:", run.returncode)
print(run.stderr.strip())
assert run.returncode == 2
assert "chunk_size (DOCCHAT_CHUNK_SIZE)" in run.stderr
assert "cors_origins (DOCCHAT_CORS_ORIGINS)" in run.stderr

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
# happily with a missing key and fails later. Call `get_settings()` in the lifespan and the failure
# moves back to start-up, where `with TestClient(app)` (or uvicorn) sees it before any request.

# %%
# erratum 25: with an lru_cache get_settings(), a missing value fails only on first use
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient


@lru_cache
def get_lab_settings() -> SafeSettings:
    return SafeSettings()


LabSettingsDep = Annotated[SafeSettings, Depends(get_lab_settings)]


def add_routes(app: FastAPI) -> FastAPI:
    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/key-length")
    def key_length(settings: LabSettingsDep) -> dict[str, int]:
        return {"length": len(settings.openai_api_key.get_secret_value())}

    return app


lazy_app = add_routes(FastAPI())

get_lab_settings.cache_clear()
with environ("LAB07_"), TestClient(lazy_app) as client:  # no key, and start-up succeeds
    health = client.get("/health").status_code
    with pytest.raises(ValidationError) as info:
        client.get("/key-length")  # TestClient re-raises the server's exception
late = info.value

print("start-up: fine; /health:", health)
print("first request that needs the settings:", problems(late))
assert health == 200
assert late.errors()[0]["loc"] == ("openai_api_key",)


# %%
# erratum 25: calling get_settings() in lifespan moves the failure to start-up
@asynccontextmanager
async def check_settings_at_startup(app: FastAPI) -> AsyncIterator[None]:
    get_lab_settings()  # raises here, before the first request, if anything is missing
    yield


eager_app = add_routes(FastAPI(lifespan=check_settings_at_startup))

get_lab_settings.cache_clear()
requests_made = []


def start_and_call(app: FastAPI) -> None:
    with TestClient(app) as client:  # entering runs the lifespan
        client.get("/health")
        requests_made.append("/health")


with environ("LAB07_"), pytest.raises(ValidationError) as info:
    start_and_call(eager_app)
early = info.value

print("entering `with TestClient(eager_app)`:", problems(early))
assert early.errors()[0]["loc"] == ("openai_api_key",)
assert requests_made == []  # the block never ran

# %% [markdown]
# The cache has two consequences for tests:
#
# - **Changing the environment changes nothing** once the settings are cached; call
#   `get_settings.cache_clear()` after you change it (and again at the end of the test).
#   `lru_cache` never caches an exception, so a failed call is simply retried.
# - **`dependency_overrides` swaps what endpoints receive**, with no environment at all. It only
#   affects values resolved through `Depends`: the lifespan calls `get_lab_settings()` directly,
#   so the override does not reach it.

# %%
# erratum 25: tests swap settings with dependency_overrides and get_settings.cache_clear()
get_lab_settings.cache_clear()
with environ("LAB07_", LAB07_OPENAI_API_KEY="first-key"):
    first = get_lab_settings()
with environ("LAB07_", LAB07_OPENAI_API_KEY="a-much-longer-second-key"):
    still_cached = get_lab_settings()
    get_lab_settings.cache_clear()
    refreshed = get_lab_settings()
get_lab_settings.cache_clear()

print("after changing the environment:", still_cached is first, "(the cached object)")
print(
    "after cache_clear():",
    refreshed.openai_api_key.get_secret_value() == "a-much-longer-second-key",
)
assert still_cached is first
assert refreshed.openai_api_key.get_secret_value() == "a-much-longer-second-key"

# The seam for endpoints: no environment needed.
lazy_app.dependency_overrides[get_lab_settings] = lambda: SafeSettings(openai_api_key="test-key")
try:
    with environ("LAB07_"), TestClient(lazy_app) as client:
        overridden = client.get("/key-length").json()
finally:
    lazy_app.dependency_overrides.clear()
print("endpoint with an override:", overridden)
assert overridden == {"length": len("test-key")}

# ... but the lifespan of eager_app calls get_lab_settings() itself: an override cannot help it.
eager_app.dependency_overrides[get_lab_settings] = lambda: SafeSettings(openai_api_key="test-key")
try:
    with environ("LAB07_"):
        try:
            with TestClient(eager_app):
                started = True
        except ValidationError:
            started = False
finally:
    eager_app.dependency_overrides.clear()
    get_lab_settings.cache_clear()
print("eager app starts with only an override:", started)
assert started is False

# %% [markdown]
# That last cell is the argument for the design DocChat uses: settings are an **argument of the
# app factory**. `create_app(settings)` stores them on the app, the lifespan uses those, and the
# dependency that endpoints declare reads them back from the app. A test builds the settings it
# wants and passes them in: no environment, no cache to clear, no override to forget. Only the real
# entry points (`docchat serve`, `uvicorn --factory docchat.main:create_app`) call `get_settings()`.
#
# > **Interview probe.** *"Your service starts fine in staging and crashes on the first real
# > request with a missing-config error. What happened?"* The settings were read lazily (a cached
# > dependency, or a module-level object imported late). Validate them during start-up (lifespan,
# > or the factory) so a deploy with a missing value never becomes healthy.
#
# ## Lists from one environment variable
#
# CORS origins are a list, and the lesson's `cors_origins: str` is a trap: handed a string,
# Starlette's CORS check becomes `origin in "http://localhost:3000"`, a *substring* test, and
# `http://l` is an allowed origin:

# %%
from fastapi.middleware.cors import CORSMiddleware

as_string = FastAPI()
as_string.add_middleware(CORSMiddleware, allow_origins="http://localhost:3000", allow_methods=["*"])
preflight = {"Access-Control-Request-Method": "GET"}
with TestClient(as_string) as client:
    odd = client.options("/", headers={"Origin": "http://l", **preflight})
print(
    "origin http://l with a str setting ->",
    odd.status_code,
    odd.headers["access-control-allow-origin"],
)
assert odd.status_code == 200

# %% [markdown]
# A `list[str]` field reads JSON from the environment:
# `LAB07_CORS_ORIGINS='["http://localhost:3000"]'`. The comma-separated form that people actually
# type is a parsing error, unless the field is marked `NoDecode` and a validator splits it, which
# is what DocChat does.

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
comma_error = info.value

print("plain list[str], JSON:  ", json_origins)
print("plain list[str], commas:", comma_error)
assert json_origins == ["http://localhost:3000", "https://app.example.com"]
assert 'field "cors_origins"' in str(comma_error)

# %%
from docchat.core.config import Settings

with environ("DOCCHAT_", DOCCHAT_CORS_ORIGINS=as_json):
    docchat_json = Settings(_env_file=None).cors_origins
with environ("DOCCHAT_", DOCCHAT_CORS_ORIGINS=as_commas):
    docchat_commas = Settings(_env_file=None).cors_origins

print("DocChat, JSON:  ", docchat_json)
print("DocChat, commas:", docchat_commas)
assert docchat_json == docchat_commas == ["http://localhost:3000", "https://app.example.com"]

# %% [markdown]
# ## Build step: `docchat/core/config.py`
#
# DocChat's settings class, read from the file. Notice the prefix, the `SecretStr | None` key (no
# key means the offline answerer), `extra="ignore"` for a shared `.env`, bounds on every number,
# and validators whose messages name the setting they reject:

# %%
from docchat_lab.notebook import source

source("docchat.core.config")

# %% [markdown]
# Each rule in action. Validation runs when the object is built, so a bad deployment fails before
# it binds a port, and each error is filed under the setting to fix. The two rules that involve
# two fields are field validators that read the earlier field from `info.data`, which is why
# `cors_allow_credentials` is declared before `cors_origins`, and `chunk_size` before
# `chunk_overlap`: fields are validated in the order they are declared.

# %%
cases = {
    "wildcard with credentials": {"cors_origins": ["*"]},
    "trailing slash": {"cors_origins": ["http://localhost:3000/"]},
    "overlap >= size": {"chunk_size": 300, "chunk_overlap": 300},
    "chunk size too small": {"chunk_size": 10},
}
rejected, full_messages = {}, []
with environ("DOCCHAT_"):
    for label, values in cases.items():
        with pytest.raises(ValidationError) as info:
            Settings(_env_file=None, **values)
        rejected[label] = problems(info.value)
        full_messages.append(str(info.value))
    # A wildcard is fine without credentials.
    wildcard_ok = Settings(_env_file=None, cors_origins=["*"], cors_allow_credentials=False)

for label, lines in rejected.items():
    print(f"{label}:")
    for line in lines:
        print("   ", line)
assert rejected.keys() == cases.keys()
assert rejected["wildcard with credentials"][0].startswith("cors_origins:")
assert rejected["trailing slash"][0].startswith("cors_origins:")
assert rejected["overlap >= size"][0].startswith("chunk_overlap:")
assert "chunk_overlap (300)" in rejected["overlap >= size"][0]
assert rejected["chunk size too small"][0].startswith("chunk_size:")
assert wildcard_ok.cors_origins == ["*"]
# A rejected value is never echoed into the message (it might be a password in a URL).
assert Settings.model_config["hide_input_in_errors"] is True
assert all("input_value" not in message for message in full_messages)

# %% [markdown]
# The factory keeps the settings it was given on the app, and the dependency that routes declare
# (`SettingsDep`) reads them back from the app that is serving the request:

# %%
source("docchat.api.deps", "get_settings_for_app")

# %% [markdown]
# So two DocChats with different settings can live in one process, and a test never needs an
# environment variable. Here one app allows 200-byte uploads and the other the default megabyte;
# the same request gets a **413** from the first and a **202** from the second:

# %%
from docchat.main import create_app

with environ("DOCCHAT_"):  # whatever your shell exports, these cells see none of it
    tight = Settings(_env_file=None, database_url="sqlite://", max_upload_bytes=200)
    roomy = Settings(_env_file=None, database_url="sqlite://")

body = {"title": "A long read", "content": "word " * 100}  # 500 bytes
with TestClient(create_app(tight)) as small_app, TestClient(create_app(roomy)) as big_app:
    too_big = small_app.post("/documents/", json=body)
    accepted = big_app.post("/documents/", json=body)
    assert small_app.app.state.settings is tight
    assert big_app.app.state.settings is roomy

print("tight app:", too_big.status_code, too_big.json()["detail"])
print("roomy app:", accepted.status_code, accepted.json()["status"])
assert too_big.status_code == 413
assert "DOCCHAT_MAX_UPLOAD_BYTES" in too_big.json()["detail"]
assert accepted.status_code == 202

# %% [markdown]
# And the process-wide `get_settings()` is the cached recipe from above, kept for the entry points
# that really do read the environment:

# %%
from docchat.core.config import get_settings

source("docchat.core.config", "get_settings")

# %%
get_settings.cache_clear()
with environ("DOCCHAT_", DOCCHAT_CHUNK_SIZE="500"):
    os.chdir(scratch_dir())  # away from any .env
    try:
        once, again = get_settings(), get_settings()
    finally:
        os.chdir(home)
get_settings.cache_clear()
print("read once, then cached:", once is again, "| chunk_size:", once.chunk_size)
print("no key configured, so the offline answerer is used:", once.openai_api_key is None)
assert once is again
assert once.chunk_size == 500
assert once.openai_api_key is None

# %% [markdown]
# ## Your turn

# %% [markdown]
# Open **`exercises/ex07_settings.py`** in JupyterLab (double-click it in the file browser on
# the left). Write DocChat's configuration:
#
# - `Settings`, read from `DOCCHAT_*` variables and a `.env` file, with the key as a `SecretStr`,
#   `cors_origins` as a list, and a refusal (naming the field) when `chunk_overlap >= chunk_size`;
# - `get_settings()`, cached, which tests can swap with `dependency_overrides`;
# - `create_app()` whose `GET /config` shows the public settings and never the key.
#
# The checks set random environments and `.env` files in a scratch folder and look at what your
# class makes of them.
#
# Run the next cell after each change. It runs the checks in a fresh process, so you never need
# to restart the kernel, and tells you for each check what was called, what came back, what was
# expected, and a hint. Until you start, every check says "not done yet".
#
# Or keep a terminal open beside the file (File → New → Terminal): `docchat-lab watch ex07`
# checks again each time you save. `docchat-lab progress` shows which exercises pass so far,
# and `docchat-lab reset ex07` starts over (every earlier version is kept).
#
# <!-- exercise: ex07_settings -->

# %%
from docchat_lab.learner_check import check

check("ex07")

# %% [markdown]
# ## Recap
#
# - `BaseSettings` fills typed fields from the environment (with a prefix) and a `.env` file;
#   conversion and validation happen when the object is built, and errors name the field.
# - Priority: constructor arguments > real environment > `.env` > defaults. Names are
#   case-insensitive. A missing `.env` is silently ignored and is looked for in the **working
#   directory**. Unknown `.env` keys are errors unless `extra="ignore"`.
# - Secrets are `SecretStr`: masked in `repr`, `str` and JSON, unwrapped with
#   `.get_secret_value()` at the one place that needs it. Report validation errors by field and
#   message (or set `hide_input_in_errors=True`), never by dumping the input.
# - Required values and validators make a bad configuration fail at start-up. With a cached
#   `get_settings()`, call it in the lifespan, or the failure waits for the first request.
# - Tests: `dependency_overrides` for what endpoints receive, `cache_clear()` after changing the
#   environment; better still, pass settings to the app factory, as DocChat does.
# - Lists come from JSON in the environment; `NoDecode` plus a validator also accepts commas.
