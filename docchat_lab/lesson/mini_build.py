"""The lesson's mini-build (an `app/` package and one test), written to a scratch folder in a
few versions and run with pytest as a learner would type it, each in its own process."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PYPROJECT = '[project]\nname = "mini-docchat"\nversion = "0.1.0"\n'
PYTEST_PATH = '\n[tool.pytest.ini_options]\npythonpath = ["."]\n'
FIXED_IMPORT = "from app.db import get_db\nfrom app.models import Document\n"

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


def shown(name: str) -> str:
    """One file of the mini-build, as the lesson writes it."""
    return textwrap.dedent(MINI_PROJECT[name]).strip()


def write_project(root: Path, *, pythonpath: bool, import_fixed: bool) -> Path:
    files = {name: textwrap.dedent(text).lstrip() for name, text in MINI_PROJECT.items()}
    files["pyproject.toml"] = PYPROJECT + (PYTEST_PATH if pythonpath else "")
    if import_fixed:
        router = files["app/routers/documents.py"]
        files["app/routers/documents.py"] = router.replace(
            "from app.db import get_db\n", FIXED_IMPORT
        )
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run_pytest(roots: dict[str, tuple[Path, bool]]) -> dict[str, tuple[int, str]]:
    """label -> (exit code, output) of pytest in each folder, all started at once.

    `True` beside a folder runs `python -m pytest`; `False` the plain `pytest` console script,
    as a learner types it. No PYTHONPATH from outside, no plugins auto-loaded.
    """
    plain = [str(Path(sys.executable).with_name("pytest"))]
    module = [sys.executable, "-m", "pytest"]
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    running = {
        label: subprocess.Popen(
            [*(module if as_module else plain), "-q", "-p", "no:cacheprovider"],
            cwd=root,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for label, (root, as_module) in roots.items()
    }
    results = {}
    for label, process in running.items():
        output, _ = process.communicate(timeout=120)
        results[label] = (process.returncode, output)
    return results
