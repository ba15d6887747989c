"""Settings: defaults, the environment and `.env`, and the values refused at start-up."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from docchat.core.config import Settings, get_settings

pytestmark = pytest.mark.usefixtures("clean_env")

KEY = "sk-live-do-not-print-me-0123456789"


def _refused(**values: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **values)
    return caught.value


def _fields(error: ValidationError) -> list[str]:
    return [str(detail["loc"][0]) for detail in error.errors()]


def test_defaults_run_on_an_embedded_sqlite_file() -> None:
    settings = Settings(_env_file=None)

    assert settings.database_url == "sqlite:///./docchat.db"
    assert settings.openai_api_key is None
    assert settings.openai_base_url == "https://api.openai.com/v1"
    assert settings.cors_origins == ["http://localhost:3000"]
    assert settings.cors_allow_credentials is True
    assert settings.chunk_overlap < settings.chunk_size


# --- the environment and .env --------------------------------------------------------------------


def test_environment_variables_use_the_docchat_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCCHAT_CHUNK_SIZE", "500")
    monkeypatch.setenv("CHUNK_OVERLAP", "400")  # no prefix: not ours

    settings = Settings(_env_file=None)

    assert settings.chunk_size == 500
    assert settings.chunk_overlap == 100


def test_environment_variable_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("docchat_llm_model", "llama3")

    assert Settings(_env_file=None).llm_model == "llama3"


@pytest.mark.parametrize(
    ("raw", "origins"),
    [
        ("http://localhost:3000,https://app.example.com", None),
        (" http://localhost:3000 , https://app.example.com ,", None),
        ('["http://localhost:3000", "https://app.example.com"]', None),
        ("", []),
    ],
    ids=["comma-separated", "spaces-and-trailing-comma", "json-list", "empty"],
)
def test_cors_origins_from_environment_accept_commas_or_json(
    monkeypatch: pytest.MonkeyPatch, raw: str, origins: list[str] | None
) -> None:
    monkeypatch.setenv("DOCCHAT_CORS_ORIGINS", raw)
    expected = ["http://localhost:3000", "https://app.example.com"] if origins is None else origins

    assert Settings(_env_file=None).cors_origins == expected


def test_cors_origins_malformed_json_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCCHAT_CORS_ORIGINS", '["http://localhost:3000"')

    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)

    assert _fields(caught.value) == ["cors_origins"]


def test_dotenv_in_working_directory_is_read(clean_env: Path) -> None:
    (clean_env / ".env").write_text(
        "DOCCHAT_LLM_MODEL=from-dotenv\nDOCCHAT_OPENAI_API_KEY=" + KEY + "\nOTHER_TOOL=x\n"
    )

    settings = Settings()

    assert settings.llm_model == "from-dotenv"
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == KEY


def test_unknown_keys_in_dotenv_are_ignored(clean_env: Path) -> None:
    (clean_env / ".env").write_text("DOCCHAT_NOT_A_SETTING=1\nSOMETHING_ELSE=2\n")

    settings = Settings()

    assert not hasattr(settings, "not_a_setting")


def test_environment_beats_dotenv(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text("DOCCHAT_LLM_MODEL=from-dotenv\n")
    monkeypatch.setenv("DOCCHAT_LLM_MODEL", "from-environment")

    assert Settings().llm_model == "from-environment"


def test_missing_dotenv_is_not_an_error(clean_env: Path) -> None:
    assert not (clean_env / ".env").exists()

    assert Settings().llm_model == "gpt-4o-mini"


# --- secrets -------------------------------------------------------------------------------------


def test_api_key_is_secret_and_not_in_repr() -> None:
    settings = Settings(_env_file=None, openai_api_key=KEY)

    assert isinstance(settings.openai_api_key, SecretStr)
    assert KEY not in repr(settings)
    assert KEY not in str(settings)
    assert KEY not in settings.model_dump_json()


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_api_key_means_offline(blank: str) -> None:
    assert Settings(_env_file=None, openai_api_key=blank).openai_api_key is None


def test_rejected_database_url_never_echoes_its_password() -> None:
    error = _refused(database_url="nosuchdb://admin:hunter2@db.example/app")

    assert _fields(error) == ["database_url"]
    assert "hunter2" not in str(error)


# --- values refused at start-up, each naming its field -------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "says"),
    [
        ({"cors_origins": ["*"]}, "cors_origins", "cors_allow_credentials"),
        ({"cors_origins": ["http://localhost:3000/"]}, "cors_origins", "trailing slash"),
        ({"cors_origins": ["http://localhost:3000/app"]}, "cors_origins", "path"),
        ({"cors_origins": ["localhost:3000"]}, "cors_origins", "not an origin"),
        ({"chunk_overlap": 800}, "chunk_overlap", "chunk_size (800)"),
        ({"chunk_size": 100}, "chunk_overlap", "chunk_overlap (100)"),
        ({"chunk_size": 50}, "chunk_size", "greater than or equal to 100"),
        ({"chunk_overlap": -1}, "chunk_overlap", "greater than or equal to 0"),
        ({"max_upload_bytes": 0}, "max_upload_bytes", "greater than 0"),
        ({"llm_timeout_s": 0}, "llm_timeout_s", "greater than 0"),
        ({"database_url": "not a url"}, "database_url", "not a database URL"),
        ({"openai_base_url": "localhost:11434/v1"}, "openai_base_url", "http(s) URL"),
    ],
    ids=[
        "wildcard-with-credentials",
        "origin-trailing-slash",
        "origin-with-path",
        "origin-without-scheme",
        "overlap-equals-size",
        "size-below-default-overlap",
        "size-too-small",
        "negative-overlap",
        "zero-upload-limit",
        "zero-timeout",
        "database-url",
        "base-url-without-scheme",
    ],
)
def test_invalid_setting_is_refused_naming_the_field(
    values: dict[str, Any], field: str, says: str
) -> None:
    error = _refused(**values)

    assert _fields(error) == [field]
    assert says in error.errors()[0]["msg"]


def test_wildcard_origin_without_credentials_is_allowed() -> None:
    settings = Settings(_env_file=None, cors_origins=["*"], cors_allow_credentials=False)

    assert settings.cors_origins == ["*"]


def test_chunk_overlap_just_below_size_is_allowed() -> None:
    settings = Settings(_env_file=None, chunk_size=100, chunk_overlap=99)

    assert (settings.chunk_size, settings.chunk_overlap) == (100, 99)


def test_invalid_environment_variable_is_refused_naming_the_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCCHAT_MAX_UPLOAD_BYTES", "lots")

    error = _refused()

    assert _fields(error) == ["max_upload_bytes"]


# --- get_settings --------------------------------------------------------------------------------


def test_get_settings_is_cached_until_cache_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCCHAT_LLM_MODEL", "first")
    first = get_settings()
    monkeypatch.setenv("DOCCHAT_LLM_MODEL", "second")

    assert get_settings() is first
    assert get_settings().llm_model == "first"

    get_settings.cache_clear()

    assert get_settings().llm_model == "second"


def test_get_settings_fails_on_first_use_when_a_value_is_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCCHAT_CHUNK_OVERLAP", "5000")

    with pytest.raises(ValidationError) as caught:
        get_settings()

    assert _fields(caught.value) == ["chunk_overlap"]


# --- the documentation lists every setting with its true default ---------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _env_example_defaults() -> dict[str, str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^# (DOCCHAT_\w+)=(.*)$", text, flags=re.MULTILINE))


def _readme_table_defaults() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(DOCCHAT_\w+)` \| (?:`([^`]*)`|\*\(unset\)\*) \|", text, re.MULTILINE)
    return dict(rows)


@pytest.mark.parametrize("source", [_env_example_defaults, _readme_table_defaults])
def test_documented_settings_are_all_of_them_with_their_defaults(
    source: Callable[[], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    documented = source()
    defaults = Settings(_env_file=None).model_dump()

    assert sorted(name.removeprefix("DOCCHAT_").lower() for name in documented) == sorted(defaults)
    for name, value in documented.items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).model_dump() == defaults


# --- values that would fail later, refused now ---------------------------------------------------


@pytest.mark.parametrize(
    "key", [f"{KEY}\n", f"{KEY}\r\n", f"sk-\x00{KEY}", f"{KEY}\t", "sk-ключ", f"{KEY} ", f" {KEY}"]
)
def test_a_key_that_cannot_go_in_a_header_fails_start_up_without_showing_it(key: str) -> None:
    # Main's code took it and answered 502 on every ask.
    error = _refused(openai_api_key=key)

    assert _fields(error) == ["openai_api_key"]
    assert KEY not in str(error)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("HTTP://LOCALHOST:3000", "http://localhost:3000"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://app.example.com:80", "http://app.example.com"),
        ("http://[::1]:3000", "http://[::1]:3000"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_origins_are_stored_as_a_browser_sends_them(given: str, stored: str) -> None:
    # A browser never sends "HTTP://LOCALHOST:3000" or ":443": kept as written, they could
    # never match, and CORS would fail with no clue why.
    assert Settings(_env_file=None, cors_origins=[given]).cors_origins == [stored]


@pytest.mark.parametrize(
    ("origin", "says"),
    [
        ("http://localhost:99999", "port"),
        ("http://user@localhost:3000", "user name"),
        ("ftp://localhost", "not an origin"),
        (" http://localhost:3000", "not an origin"),
        ("null", "not an origin"),
    ],
)
def test_origins_a_browser_could_never_send_are_refused(origin: str, says: str) -> None:
    error = _refused(cors_origins=[origin])

    assert _fields(error) == ["cors_origins"]
    assert says in error.errors()[0]["msg"]


@pytest.mark.parametrize("threads", [0, 257])
def test_threads_out_of_bounds_are_refused(threads: int) -> None:
    assert _fields(_refused(threads=threads)) == ["threads"]
