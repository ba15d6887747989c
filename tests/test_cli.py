"""`docchat serve`: readable settings errors (exit 2), and what it hands to uvicorn."""

import runpy
import sys
from typing import Any

import pytest
import uvicorn

from docchat.cli import main

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record uvicorn.run instead of serving."""
    calls: list[dict[str, Any]] = []

    def fake_run(app: str, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


def test_serve_with_invalid_setting_prints_the_field_and_exits_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    uvicorn_calls: list[dict[str, Any]],
) -> None:
    monkeypatch.setenv("DOCCHAT_CHUNK_OVERLAP", "5000")

    assert main(["serve"]) == 2

    err = capsys.readouterr().err
    assert "the settings are not valid" in err
    assert "chunk_overlap (DOCCHAT_CHUNK_OVERLAP)" in err
    assert "must be smaller than chunk_size (800)" in err
    assert "Traceback" not in err
    assert uvicorn_calls == []


def test_serve_lists_every_invalid_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCCHAT_DATABASE_URL", "not a url")
    monkeypatch.setenv("DOCCHAT_CORS_ORIGINS", "http://localhost:3000/")
    monkeypatch.setenv("DOCCHAT_MAX_UPLOAD_BYTES", "lots")

    assert main(["serve"]) == 2

    err = capsys.readouterr().err
    assert "database_url (DOCCHAT_DATABASE_URL): not a database URL" in err
    assert "cors_origins (DOCCHAT_CORS_ORIGINS): 'http://localhost:3000/'" in err
    assert "max_upload_bytes (DOCCHAT_MAX_UPLOAD_BYTES)" in err


def test_serve_names_the_variable_when_a_list_item_is_wrong(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCCHAT_CORS_ORIGINS", "[3000]")

    assert main(["serve"]) == 2

    assert "cors_origins (DOCCHAT_CORS_ORIGINS)" in capsys.readouterr().err


def test_serve_runs_the_app_factory_with_uvicorn(
    uvicorn_calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "9123", "--reload"]) == 0

    assert uvicorn_calls == [
        {
            "app": "docchat.main:create_app",
            "factory": True,
            "host": "0.0.0.0",
            "port": 9123,
            "reload": True,
            "workers": 1,
            "log_level": "info",
        }
    ]
    err = capsys.readouterr().err
    assert "DocChat on http://0.0.0.0:9123 (docs at http://0.0.0.0:9123/docs)" in err
    assert "database sqlite:///./docchat.db" in err


def test_serve_defaults_to_localhost_8000_without_reload(
    uvicorn_calls: list[dict[str, Any]],
) -> None:
    main(["serve"])

    [call] = uvicorn_calls
    assert (call["host"], call["port"], call["reload"]) == ("127.0.0.1", 8000, False)


def test_serve_hides_the_database_password(
    monkeypatch: pytest.MonkeyPatch,
    uvicorn_calls: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DOCCHAT_DATABASE_URL", "postgresql://docchat:hunter2@db.example/docchat")

    main(["serve"])

    err = capsys.readouterr().err
    assert "postgresql://docchat:***@db.example/docchat" in err
    assert "hunter2" not in err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["launch"])

    assert caught.value.code == 2
    assert "invalid choice: 'launch'" in capsys.readouterr().err


def test_python_dash_m_docchat_runs_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCCHAT_CHUNK_OVERLAP", "5000")
    monkeypatch.setattr(sys, "argv", ["python -m docchat", "serve"])

    with pytest.raises(SystemExit) as caught:
        runpy.run_module("docchat", run_name="__main__")

    assert caught.value.code == 2
    assert "chunk_overlap (DOCCHAT_CHUNK_OVERLAP)" in capsys.readouterr().err
