"""Checks for exercise 7: Settings from the environment and .env, a secret key, a cached
get_settings() and a /config route that shows no secret."""

import json
import random
import secrets
from typing import Any

from docchat_lab.grading.expect import about, expect, expect_equal, expect_status
from docchat_lab.grading.subject import Response, Subject

DEFAULTS = {
    "database_url": "sqlite:///./docchat.db",
    "cors_origins": ["http://localhost:3000"],
    "chunk_size": 800,
    "chunk_overlap": 100,
    "max_upload_bytes": 1_000_000,
}


# Expected values: they stay with the judge, never sent to the learner's process.
SECRETS = ("masked_url", "db_password")


def params() -> dict[str, Any]:
    # The overriding settings and the key are fresh every run.
    host, database = f"db-{secrets.token_hex(3)}.internal", f"docchat_{secrets.token_hex(2)}"
    password = secrets.token_urlsafe(12)
    size = random.randint(300, 3000)
    return {
        "api_key": f"sk-{secrets.token_urlsafe(24)}",
        "db_password": password,
        "masked_url": f"postgresql://docchat:***@{host}:5432/{database}",
        "config": {
            "database_url": f"postgresql://docchat:{password}@{host}:5432/{database}",
            "cors_origins": [f"https://app-{secrets.token_hex(3)}.example.com"],
            "chunk_size": size,
            "chunk_overlap": random.randint(0, size - 1),
            "max_upload_bytes": random.randint(10_000, 5_000_000),
        },
    }


def _shown(env: dict[str, str], dotenv: str | None = None) -> str:
    """How a check describes the situation it set up, e.g. `with DOCCHAT_CHUNK_SIZE=900`."""
    parts = ", ".join(f"{k}={v}" for k, v in env.items()) or "no DOCCHAT_ variables"
    if dotenv is not None:
        lines = "; ".join(line for line in dotenv.splitlines() if line)
        parts += f", and a .env holding {lines}"
    return f"with {parts}"


def _build(ex: Subject, env: dict[str, str], dotenv: str | None = None) -> dict[str, Any]:
    """Settings() built in that environment: its values, or a failure naming the error."""
    outcome = ex.call("settings", env=env, dotenv=dotenv)
    error = outcome.get("error")
    expect(
        error is None,
        f"{_shown(env, dotenv)}, Settings() failed: {(error or {}).get('text', '')[:400]}",
    )
    return dict(outcome)


def _expect_values(
    ex: Subject,
    env: dict[str, str],
    expected: dict[str, Any],
    *,
    dotenv: str | None = None,
    notes: dict[str, str] | None = None,
) -> dict[str, Any]:
    outcome = _build(ex, env, dotenv)
    values = outcome["values"]
    for name, want in expected.items():
        got = values.get(name)
        if type(got) is not type(want) or got != want:
            note = (notes or {}).get(name, "")
            if isinstance(got, str) and isinstance(want, list):
                note = " (a str, not a list: declare it as list[str])"
            expect(
                False,
                f"{_shown(env, dotenv)}, Settings().{name} is {got!r}; expected {want!r}{note}",
            )
    return outcome


def _expect_refused(ex: Subject, env: dict[str, str], field: str) -> None:
    outcome = ex.call("settings", env=env)
    error = outcome.get("error")
    expect(
        error is not None,
        f"{_shown(env)}, Settings() was built without an error; expected a "
        f"validation error naming {field}",
    )
    named = field in error.get("fields", []) or field in error.get("text", "")
    expect(
        named,
        f"{_shown(env)}, Settings() failed, but the error does not name {field}: "
        f"{error.get('text', '')[:300]!r}",
    )


@about("Settings")
def test_defaults(ex: Subject) -> None:
    outcome = _expect_values(ex, {}, DEFAULTS)
    key = outcome["values"]["openai_api_key"]
    expect(
        key["value"] is None,
        f"with no DOCCHAT_ variables, Settings().openai_api_key is a "
        f"{key['type']}; expected None: no key by default",
    )


@about("Settings")
def test_environment_overrides_with_the_prefix(ex: Subject) -> None:
    size = random.randint(200, 4000)
    url, overlap = f"sqlite:///./{secrets.token_hex(4)}.db", random.randint(0, size - 1)
    upload = random.randint(1000, 9_000_000)
    expected: dict[str, Any] = {
        "database_url": url,
        "chunk_size": size,
        "chunk_overlap": overlap,
        "max_upload_bytes": upload,
    }
    env = {
        "DOCCHAT_DATABASE_URL": url,
        "DOCCHAT_CHUNK_SIZE": str(size),
        "DOCCHAT_CHUNK_OVERLAP": str(overlap),
        # Lower case on purpose: environment names are case-insensitive.
        "docchat_max_upload_bytes": str(upload),
        # Without the prefix, these belong to some other program.
        "DATABASE_URL": "postgresql://someone-else@elsewhere/other",
        "CHUNK_SIZE": "4321",
    }
    _expect_values(
        ex,
        env,
        expected,
        notes={
            "max_upload_bytes": " (names are case-insensitive: leave case_sensitive off)",
            "database_url": " (read DOCCHAT_DATABASE_URL: env_prefix='DOCCHAT_')",
            "chunk_size": " (read DOCCHAT_CHUNK_SIZE: env_prefix='DOCCHAT_')",
        },
    )


@about("Settings")
def test_cors_origins_from_a_json_list(ex: Subject) -> None:
    origins = [
        f"https://app-{secrets.token_hex(3)}.example.com",
        f"http://localhost:{random.randint(3001, 9999)}",
    ]
    _expect_values(ex, {"DOCCHAT_CORS_ORIGINS": json.dumps(origins)}, {"cors_origins": origins})


@about("Settings")
def test_dotenv_is_read_and_the_environment_wins(ex: Subject) -> None:
    url = f"sqlite:///./{secrets.token_hex(4)}.db"
    in_file, in_env = random.randint(1000, 2000), random.randint(2001, 3000)
    dotenv = f"DOCCHAT_DATABASE_URL={url}\nDOCCHAT_CHUNK_SIZE={in_file}\n"
    expected = {"database_url": url, "chunk_size": in_env}
    _expect_values(
        ex,
        {"DOCCHAT_CHUNK_SIZE": str(in_env)},
        expected,
        dotenv=dotenv,
        notes={
            "database_url": " (read env_file='.env', in the working directory)",
            "chunk_size": " (the real environment overrides .env)",
        },
    )


@about("Settings")
def test_unknown_keys_in_dotenv_are_ignored(ex: Subject) -> None:
    overlap = random.randint(1, 99)
    dotenv = f"NODE_ENV=development\nDOCCHAT_THEME=dark\nDOCCHAT_CHUNK_OVERLAP={overlap}\n"
    outcome = ex.call("settings", env={}, dotenv=dotenv)
    error = outcome.get("error")
    expect(
        error is None,
        f"{_shown({}, dotenv)}, Settings() failed: "
        f"{(error or {}).get('text', '')[:300]!r}; expected keys that are not "
        "settings to be ignored (extra='ignore')",
    )
    got = outcome["values"].get("chunk_overlap")
    expect_equal(got, overlap, f"{_shown({}, dotenv)}, Settings().chunk_overlap")


@about("Settings")
def test_api_key_is_a_secret(ex: Subject) -> None:
    key = f"sk-{secrets.token_urlsafe(24)}"
    env = {"DOCCHAT_OPENAI_API_KEY": key}
    outcome = _build(ex, env)
    found = outcome["values"]["openai_api_key"]
    expect(
        found["value"] == key,
        f"{_shown({'DOCCHAT_OPENAI_API_KEY': 'sk-…'})}, "
        f"Settings().openai_api_key is a {found['type']} that does not "
        "hold that key; expected it to be read",
    )
    for where, text in outcome["texts"].items():
        expect(
            key not in text,
            f"{_shown({'DOCCHAT_OPENAI_API_KEY': 'sk-…'})}, the key appears in "
            f"{where}; expected it masked: declare it as SecretStr | None",
        )
    expect_equal(found["type"], "SecretStr", "the type of Settings().openai_api_key")


@about("Settings")
def test_bad_values_fail_naming_the_field(ex: Subject) -> None:
    size = random.randint(200, 2000)
    _expect_refused(
        ex, {"DOCCHAT_CHUNK_SIZE": str(size), "DOCCHAT_CHUNK_OVERLAP": str(size)}, "chunk_overlap"
    )
    larger = size + random.randint(1, 500)
    _expect_refused(
        ex, {"DOCCHAT_CHUNK_SIZE": str(size), "DOCCHAT_CHUNK_OVERLAP": str(larger)}, "chunk_overlap"
    )
    _expect_refused(ex, {"DOCCHAT_CHUNK_OVERLAP": "-1"}, "chunk_overlap")
    _expect_refused(ex, {"DOCCHAT_CHUNK_SIZE": "0"}, "chunk_size")
    _expect_refused(ex, {"DOCCHAT_MAX_UPLOAD_BYTES": "-5"}, "max_upload_bytes")
    _expect_refused(ex, {"DOCCHAT_CHUNK_SIZE": "eight hundred"}, "chunk_size")
    edge = {"DOCCHAT_CHUNK_SIZE": str(size), "DOCCHAT_CHUNK_OVERLAP": str(size - 1)}
    _expect_values(
        ex,
        edge,
        {"chunk_size": size, "chunk_overlap": size - 1},
        notes={"chunk_overlap": " (an overlap one below the size is allowed)"},
    )


@about("get_settings()")
def test_get_settings_is_cached_and_can_be_cleared(ex: Subject) -> None:
    first, second = random.randint(200, 2000), random.randint(2001, 4000)
    result = ex.call("cache", first=first, second=second)
    expect(result["is_settings"], "get_settings() did not return a Settings object")
    expect_equal(
        result["first"], first, f"with DOCCHAT_CHUNK_SIZE={first}, get_settings().chunk_size"
    )
    expect(
        result["same"],
        "get_settings() returned a new Settings object on its second call; "
        "expected the same one: cache it with @lru_cache",
    )
    expect(
        result["has_cache_clear"],
        "get_settings has no cache_clear(); expected "
        "@functools.lru_cache, which gives it one for tests",
    )
    expect_equal(
        result["after_env_change"],
        first,
        "get_settings().chunk_size after DOCCHAT_CHUNK_SIZE changed, without clearing the cache",
    )
    expect_equal(
        result["after_cache_clear"],
        second,
        "get_settings().chunk_size after the change and get_settings.cache_clear()",
    )


def _reveals(response: Response, body: object, secret: str) -> bool:
    """In the raw body, in the JSON once its escapes are read (`\\u0073k-...`), or a header."""
    decoded = json.dumps(body, ensure_ascii=False)
    headers = " ".join(f"{name}: {value}" for name, value in response.headers.items())
    return any(secret in text for text in (response.text, decoded, headers))


@about("create_app()")
def test_config_shows_the_overridden_settings_but_no_secret(ex: Subject) -> None:
    chosen = ex.params["config"]
    response = ex.get("/config")
    expect_status(response, 200)
    body = response.json()
    expect(
        isinstance(body, dict), f"GET /config answered {response.summary()}; expected a JSON object"
    )
    expected = {**chosen, "database_url": ex.params["masked_url"], "has_api_key": True}
    actual = {key: body.get(key) for key in expected}
    if actual.get("chunk_size") == DEFAULTS["chunk_size"] != chosen["chunk_size"]:
        expect(
            False,
            "GET /config shows the default settings, not the ones put in with "
            "app.dependency_overrides[get_settings]: take them with "
            "Depends(get_settings)",
        )
    expect(
        not _reveals(response, body, ex.params["api_key"]),
        "GET /config shows the API key; expected only has_api_key",
    )
    expect(
        not _reveals(response, body, ex.params["db_password"]),
        "GET /config shows the database password; expected it masked as ***",
    )
    expect_equal(
        actual, expected, "GET /config (settings overridden with a key and a database password)"
    )
    no_key = ex.get("/config", app="no_key")
    expect_status(no_key, 200)
    body = no_key.json()
    expect_equal(
        body.get("has_api_key") if isinstance(body, dict) else body,
        False,
        "GET /config without a key, field has_api_key",
    )


@about("create_app()")
def test_bad_settings_stop_the_app_at_startup(ex: Subject) -> None:
    size = random.randint(200, 2000)
    env = {"DOCCHAT_CHUNK_SIZE": str(size), "DOCCHAT_CHUNK_OVERLAP": str(size + 10)}
    result = ex.call("startup", env=env)
    expect(
        result["failed"],
        f"{_shown(env)}, the app started; expected its start-up to fail, "
        "naming chunk_overlap: call get_settings() in the lifespan",
    )
    named = "chunk_overlap" in result.get("fields", []) or "chunk_overlap" in result.get("text", "")
    expect(
        named,
        f"{_shown(env)}, the app's start-up failed, but not naming chunk_overlap: "
        f"{result.get('text', '')[:300]!r}",
    )
    fine = ex.call("startup", env={})
    expect(
        not fine["failed"],
        f"with no DOCCHAT_ variables, the app failed to start: {fine.get('text', '')[:300]!r}",
    )
