"""Checks for stage 07: Settings.model_config and the validators in my_docchat/core/config.py."""

import json
import random
import secrets
from typing import Any

from docchat_lab.grading.expect import about, expect, expect_equal
from docchat_lab.grading.subject import Subject


def _origin() -> str:
    return f"https://app-{secrets.token_hex(3)}.example.com"


def _shown(env: dict[str, str], dotenv: str | None = None) -> str:
    """How a check describes what it set up: `with DOCCHAT_CHUNK_SIZE=900, and a .env …`."""
    shown = {k: (repr(v) if v != v.strip() or "," in v else v) for k, v in env.items()}
    parts = ", ".join(f"{k}={v}" for k, v in shown.items()) or "no DOCCHAT_ variables"
    if dotenv is not None:
        parts += ", and a .env holding " + "; ".join(x for x in dotenv.splitlines() if x)
    return f"with {parts}"


def _values(
    ex: Subject, env: dict[str, str], dotenv: str | None = None, why: str = ""
) -> dict[str, Any]:
    outcome = ex.call("settings", env=env, dotenv=dotenv)
    error = outcome.get("error")
    expect(
        error is None,
        f"{_shown(env, dotenv)}, Settings() failed{why}: {(error or {}).get('text', '')[:400]}",
    )
    values: dict[str, Any] = outcome["values"]
    return values


def _expect_values(
    ex: Subject,
    env: dict[str, str],
    expected: dict[str, Any],
    dotenv: str | None = None,
    why: str = "",
) -> None:
    values = _values(ex, env, dotenv, why)
    for name, want in expected.items():
        expect_equal(values.get(name), want, f"{_shown(env, dotenv)}, Settings().{name}{why}")


def _refusal(ex: Subject, env: dict[str, str], field: str) -> str:
    """The error text of a Settings() that must be refused, naming `field`."""
    outcome = ex.call("settings", env=env)
    error = outcome.get("error")
    expect(
        error is not None,
        f"{_shown(env)}, Settings() was built: {outcome.get('values')}; expected a "
        f"validation error naming {field}",
    )
    text = str(error.get("text", ""))
    expect(
        field in error.get("fields", []),
        f"{_shown(env)}, Settings() failed, but not naming {field}: {text[:300]!r}",
    )
    return text


@about("model_config")
def test_docchat_variables_are_read_and_others_are_not(ex: Subject) -> None:
    size = random.randint(200, 5000)
    url = f"sqlite:///./{secrets.token_hex(4)}.db"
    env = {
        "DOCCHAT_CHUNK_SIZE": str(size),
        "DOCCHAT_DATABASE_URL": url,
        # Without the prefix they belong to some other program.
        "CHUNK_SIZE": str(size + 1),
        "DATABASE_URL": "postgresql://someone@elsewhere/other",
    }
    _expect_values(
        ex, env, {"chunk_size": size, "database_url": url}, why=" (env_prefix='DOCCHAT_')"
    )
    _expect_values(ex, {"CHUNK_SIZE": str(size + 1)}, {"chunk_size": 800})


@about("model_config")
def test_a_dotenv_file_is_read_and_the_environment_wins(ex: Subject) -> None:
    url = f"sqlite:///./{secrets.token_hex(4)}.db"
    in_file, in_env = random.randint(1000, 2000), random.randint(2001, 3000)
    dotenv = f"DOCCHAT_DATABASE_URL={url}\nDOCCHAT_CHUNK_SIZE={in_file}\n"
    _expect_values(ex, {}, {"database_url": url, "chunk_size": in_file}, dotenv, " (env_file)")
    _expect_values(ex, {"DOCCHAT_CHUNK_SIZE": str(in_env)}, {"chunk_size": in_env}, dotenv)


@about("model_config")
def test_other_keys_in_dotenv_are_ignored(ex: Subject) -> None:
    overlap = random.randint(1, 99)
    theme = secrets.token_hex(3)
    dotenv = f"NODE_ENV=development\nDOCCHAT_THEME={theme}\nDOCCHAT_CHUNK_OVERLAP={overlap}\n"
    _expect_values(
        ex, {}, {"chunk_overlap": overlap}, dotenv, " (keys that are not settings: extra='ignore')"
    )


@about("_split_origins", "_origins_are_bare")
def test_origins_from_a_comma_separated_list(ex: Subject) -> None:
    origins = [_origin(), f"http://localhost:{random.randint(3001, 9999)}"]
    written = f" {origins[0]} ,{origins[1]}, "
    _expect_values(ex, {"DOCCHAT_CORS_ORIGINS": written}, {"cors_origins": origins})


@about("_split_origins", "_origins_are_bare")
def test_origins_from_a_json_list(ex: Subject) -> None:
    origins = [_origin(), _origin()]
    _expect_values(ex, {"DOCCHAT_CORS_ORIGINS": json.dumps(origins)}, {"cors_origins": origins})


@about("_origins_are_bare")
def test_a_wildcard_with_credentials_is_refused_saying_why(ex: Subject) -> None:
    # A positive control first: '*' alone, without credentials, is allowed.
    without = {"DOCCHAT_CORS_ORIGINS": "*", "DOCCHAT_CORS_ALLOW_CREDENTIALS": "false"}
    _expect_values(ex, without, {"cors_origins": ["*"], "cors_allow_credentials": False})
    with_them = {"DOCCHAT_CORS_ORIGINS": f"{_origin()},*", "DOCCHAT_CORS_ALLOW_CREDENTIALS": "true"}
    text = _refusal(ex, with_them, "cors_origins")
    expect(
        "credential" in text.lower(),
        f"{_shown(with_them)}, the error says {text[:300]!r}; expected a message that says "
        "why: '*' together with credentials",
    )


@about("_overlap_below_size")
def test_an_overlap_not_below_the_size_is_refused_naming_both(ex: Subject) -> None:
    size = random.randint(200, 5000)
    below = {"DOCCHAT_CHUNK_SIZE": str(size), "DOCCHAT_CHUNK_OVERLAP": str(size - 1)}
    _expect_values(ex, below, {"chunk_overlap": size - 1}, why=" (one below the size is fine)")
    for overlap in (size, size + random.randint(1, 500)):
        env = {"DOCCHAT_CHUNK_SIZE": str(size), "DOCCHAT_CHUNK_OVERLAP": str(overlap)}
        text = _refusal(ex, env, "chunk_overlap")
        message = text.split("\n", 1)[-1]  # past "1 validation error for Settings"
        expect(
            str(size) in message and str(overlap) in message,
            f"{_shown(env)}, the error says {message[:300]!r}; expected it to give both "
            f"numbers, {overlap} and {size}",
        )


@about("model_config")
def test_a_rejected_value_is_never_echoed(ex: Subject) -> None:
    # A key pasted with a line break, and a password typed where a number belongs.
    key = f"sk-{secrets.token_urlsafe(18)}"
    password = secrets.token_urlsafe(12)
    for env, field, secret in (
        ({"DOCCHAT_OPENAI_API_KEY": key + "\n"}, "openai_api_key", key),
        ({"DOCCHAT_CHUNK_SIZE": password}, "chunk_size", password),
    ):
        shown = {name: "…" for name in env}
        outcome = ex.call("settings", env=env)
        error = outcome.get("error")
        expect(
            error is not None and field in error.get("fields", []),
            f"{_shown(shown)}, Settings() did not fail naming {field}; expected a validation "
            f"error naming {field}",
        )
        expect(
            secret not in str(error.get("text", "")),
            f"{_shown(shown)}, the validation error shows the value that was refused; it may "
            "be a secret: expected the error to name the field only (hide_input_in_errors)",
        )
