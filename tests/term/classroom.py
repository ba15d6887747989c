"""A class of six for the term's tests: each learner's own code for ex01 and ex03, written into
the generated starting files, zipped with the file times their machines would have recorded.

Four learners wrote their code alone, in their own styles (two of them with a bug). linus
copied barbara's and renamed every variable, function and docstring. The zips of round 1 hold
the class's ex01, those of round 2 ex01 and ex03 (as handed in after each due date).
"""

import zipfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "exercises"
LEARNERS = ("ada", "alan", "barbara", "edsger", "grace", "linus")
COPIERS = ("barbara", "linus")

EX01_HOLES = (
    "    skip: int = 0,\n    limit: int = DEFAULT_LIMIT,\n",
    "    # TODO: write pagination() as its docstring describes.\n"
    '    raise NotImplementedError("pagination() is not written yet")\n',
    "    # TODO: write require_api_key() as its docstring describes.\n"
    '    raise NotImplementedError("require_api_key() is not written yet")\n',
    "PageDep = Page  # TODO: an Annotated alias that depends on pagination\n"
    "ApiKeyDep = str  # TODO: an Annotated alias that depends on require_api_key\n",
)
EX03_HOLES = (
    "    # TODO: write build_documents_router() as its docstring describes.\n"
    '    raise NotImplementedError("build_documents_router() is not written yet")\n',
    "    # TODO: write create_app() as its docstring describes.\n"
    '    raise NotImplementedError("create_app() is not written yet")\n',
)
ALIASES = (
    "PageDep = Annotated[Page, Depends(pagination)]\n"
    "ApiKeyDep = Annotated[str, Depends(require_api_key)]\n"
)

EX01 = {
    "ada": (
        "    skip: Annotated[int, Query(ge=0)] = 0,\n"
        "    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,\n",
        "    return Page(skip=skip, limit=limit)\n",
        "    if x_api_key is None:\n"
        '        raise HTTPException(status_code=401, detail="missing API key")\n'
        "    if x_api_key not in keys:\n"
        '        raise HTTPException(status_code=403, detail="invalid API key")\n'
        "    return x_api_key\n",
        ALIASES,
    ),
    "alan": (
        '    skip: Annotated[int, Query(ge=0, description="rows to skip")] = 0,\n'
        "    limit: Annotated[\n"
        '        int, Query(ge=1, le=MAX_LIMIT, description="rows per page")\n'
        "    ] = DEFAULT_LIMIT,\n",
        "    page = Page(skip, limit)\n    return page\n",
        "    match x_api_key:\n"
        "        case None:\n"
        '            raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="missing API key")\n'
        "        case key if key in keys:\n"
        "            return key\n"
        "        case _:\n"
        '            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="invalid API key")\n',
        ALIASES,
    ),
    "barbara": (
        "    skip: Annotated[int, Query(ge=0)] = 0,\n"
        "    limit: Annotated[int, Query(gt=0, le=MAX_LIMIT)] = DEFAULT_LIMIT,\n",
        "    # Query() has validated both already: only the bundling is left.\n"
        "    return Page(limit=limit, skip=skip)\n",
        "    provided = x_api_key\n"
        "    if provided is None:\n"
        '        raise HTTPException(401, "missing API key")\n'
        "    allowed = set(keys)\n"
        "    if provided in allowed:\n"
        "        return provided\n"
        '    raise HTTPException(403, "invalid API key")\n',
        ALIASES,
    ),
    "edsger": (
        "    skip: int = Query(default=0, ge=0),\n"
        "    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),\n",
        "    return Page(skip=skip, limit=limit)\n",
        "    if x_api_key in keys:\n"
        "        return x_api_key\n"
        "    code, reason = (403, 'invalid API key') if x_api_key else (401, 'missing API key')\n"
        "    raise HTTPException(status_code=code, detail=reason)\n",
        ALIASES,
    ),
    "grace": (
        "    skip: Annotated[int, Query(ge=0)] = 0,\n"
        "    limit: Annotated[int, Query(ge=1)] = DEFAULT_LIMIT,\n",
        "    # A limit over the maximum is clamped rather than refused.\n"
        "    return Page(skip=skip, limit=min(limit, MAX_LIMIT))\n",
        "    if x_api_key is None:\n"
        '        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key")\n'
        "    elif x_api_key not in keys:\n"
        '        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid API key")\n'
        "    else:\n"
        "        return x_api_key\n",
        ALIASES,
    ),
}

EX03 = {
    "ada": (
        """    router = APIRouter(prefix="/documents", tags=["documents"])

    @router.get("/")
    def list_documents(store: StoreDep) -> list[DocumentOut]:
        return store.list()

    @router.get("/{doc_id}")
    def read_document(doc_id: int, store: StoreDep) -> DocumentOut:
        found = store.get(doc_id)
        if found is None:
            raise HTTPException(status_code=404, detail=f"document {doc_id} not found")
        return found

    @router.post("/", status_code=201)
    def create_document(document: DocumentIn, store: StoreDep) -> DocumentOut:
        return store.add(document)

    return router
""",
        """    app = FastAPI()
    app.state.store = DocumentStore() if store is None else store
    app.include_router(build_documents_router())

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
""",
    ),
    "alan": (
        """    documents = APIRouter(prefix="/documents", tags=["documents"])

    def not_found(doc_id: int) -> HTTPException:
        return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"document {doc_id} not found")

    @documents.post("/", status_code=status.HTTP_201_CREATED, response_model=DocumentOut)
    def create(payload: DocumentIn, store: StoreDep):
        return store.add(payload)

    @documents.get("/", response_model=list[DocumentOut])
    def index(store: StoreDep):
        return store.list()

    @documents.get("/{doc_id}", response_model=DocumentOut)
    def show(doc_id: int, store: StoreDep):
        if (document := store.get(doc_id)) is not None:
            return document
        raise not_found(doc_id)

    return documents
""",
        """    application = FastAPI(title="DocChat (alan)")
    if store is None:
        store = DocumentStore()
    application.state.store = store
    application.include_router(build_documents_router())
    application.add_api_route("/health", lambda: {"status": "ok"}, methods=["GET"])
    return application
""",
    ),
    "barbara": (
        '''    router = APIRouter(prefix="/documents", tags=["documents"])

    @router.get("/", response_model=list[DocumentOut])
    def all_documents(store: StoreDep) -> list[DocumentOut]:
        """Oldest first, as the store keeps them."""
        everything = store.list()
        return sorted(everything, key=lambda item: item.id)

    @router.get("/{doc_id}", response_model=DocumentOut)
    def one_document(doc_id: int, store: StoreDep) -> DocumentOut:
        """A single document, by its id."""
        wanted = store.get(doc_id)
        if wanted is not None:
            return wanted
        message = "document " + str(doc_id) + " not found"
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=message)

    @router.post("/", response_model=DocumentOut, status_code=status.HTTP_201_CREATED)
    def new_document(body: DocumentIn, store: StoreDep) -> DocumentOut:
        """Keep the body; answer with what was kept."""
        saved = store.add(body)
        return saved

    return router
''',
        '''    fresh = store
    if fresh is None:
        fresh = DocumentStore()
    application = FastAPI(title="DocChat", version="0.1")
    application.state.store = fresh
    application.include_router(build_documents_router())

    @application.get("/health", tags=["health"])
    def alive() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    return application
''',
    ),
    "edsger": (
        """    r = APIRouter(prefix="/documents", tags=["documents"])

    @r.get("/")
    async def list_docs(store: StoreDep) -> list[DocumentOut]:
        return [doc for doc in store.list()]

    @r.get("/{doc_id}")
    async def get_doc(doc_id: int, store: StoreDep) -> DocumentOut:
        doc = store.get(doc_id)
        if not doc:
            raise HTTPException(404, f"document {doc_id} not found")
        return doc

    @r.post("/")
    async def post_doc(doc: DocumentIn, store: StoreDep) -> DocumentOut:
        return store.add(doc)

    return r
""",
        """    app = FastAPI()
    app.state.store = store or DocumentStore()
    app.include_router(build_documents_router())

    @app.get("/health")
    async def health():
        return dict(status="ok")

    return app
""",
    ),
    "grace": (
        """    api = APIRouter(prefix="/documents", tags=["documents"])

    @api.get("/")
    def listing(store: StoreDep) -> list[DocumentOut]:
        return list(store.list())

    @api.get("/{doc_id}")
    def detail(doc_id: int, store: StoreDep) -> DocumentOut:
        try:
            return must_exist(store.get(doc_id), doc_id)
        except LookupError as missing:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(missing)) from None

    @api.post("/", status_code=201)
    def create(new: DocumentIn, store: StoreDep) -> DocumentOut:
        return store.add(new)

    return api


def must_exist(document: DocumentOut | None, doc_id: int) -> DocumentOut:
    if document is None:
        raise LookupError(f"document {doc_id} not found")
    return document
""",
        """    app = FastAPI(title="DocChat")
    app.state.store = store if store is not None else DocumentStore()
    for router in (build_documents_router(),):
        app.include_router(router)
    app.get("/health")(lambda: {"status": "ok"})
    return app
""",
    ),
}

# linus took barbara's code and renamed what he could: names, docstrings, comments.
RENAMES = (
    ("everything", "docs"),
    ("wanted", "hit"),
    ("message", "text"),
    ("saved", "kept"),
    ("body", "payload"),
    ("fresh", "chosen"),
    ("application", "api"),
    ("all_documents", "list_all"),
    ("one_document", "get_one"),
    ("new_document", "add_one"),
    ("alive", "health_check"),
    ("provided", "given"),
    ("allowed", "accepted"),
    ("item", "entry"),
    ("Oldest first, as the store keeps them.", "All documents in insertion order."),
    ("A single document, by its id.", "Fetch one document."),
    ("Keep the body; answer with what was kept.", "Store and echo it back."),
    ("Liveness probe.", "Is the app up?"),
    ("Query() has validated both already: only the bundling is left.", "Build the page."),
)


def _renamed(code: str) -> str:
    for old, new in RENAMES:
        code = code.replace(old, new)
    return code


EX01["linus"] = tuple(_renamed(part) for part in EX01["barbara"])  # type: ignore[assignment]
EX03["linus"] = tuple(_renamed(part) for part in EX03["barbara"])  # type: ignore[assignment]


def filled(stub: str, holes: tuple[str, ...], code: tuple[str, ...]) -> str:
    for hole, part in zip(holes, code, strict=True):
        assert hole in stub, f"the starting code changed: {hole!r} is gone"
        stub = stub.replace(hole, part)
    return stub


def learner_files(learner: str, units: tuple[str, ...]) -> dict[str, str]:
    """The learner's exercises/ folder: the starting files, with their own code in `units`."""
    files = {path.name: path.read_text(encoding="utf-8") for path in sorted(STARTER.glob("ex*.py"))}
    if "ex01" in units:
        name = "ex01_dependencies.py"
        files[name] = filled(files[name], EX01_HOLES, EX01[learner])
    if "ex03" in units:
        name = "ex03_routers.py"
        files[name] = filled(files[name], EX03_HOLES, EX03[learner])
    return files


def write_zip(target: Path, files: dict[str, str], when: datetime) -> Path:
    """A zip as the learner's machine makes it: its local clock on every file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(f"exercises/{name}", date_time=when.timetuple()[:6])
            archive.writestr(info, text)
    return target


# Local times on each learner's machine (the course's timezone).
ROUND1 = {learner: datetime(2026, 3, 2, 10 + i, 15) for i, learner in enumerate(LEARNERS)}
ROUND2 = {
    "ada": datetime(2026, 3, 15, 18, 0),
    "alan": datetime(2026, 3, 16, 22, 10),
    "barbara": datetime(2026, 3, 14, 11, 0),
    "edsger": datetime(2026, 3, 18, 11, 40),  # after the due date, inside his extension
    "grace": datetime(2026, 3, 17, 9, 30),  # the late one: 1 day late
    "linus": datetime(2026, 3, 16, 23, 30),
}


def build_rounds(folder: Path, *, edsger_unreadable: bool = True) -> tuple[Path, Path]:
    """round1/ and round2/ as collected after each due date; edsger's first round-2 zip is
    damaged in transit (he sends it again, and is regraded alone)."""
    round1, round2 = folder / "round1", folder / "round2"
    for learner in LEARNERS:
        write_zip(round1 / f"{learner}.zip", learner_files(learner, ("ex01",)), ROUND1[learner])
        write_zip(
            round2 / f"{learner}.zip", learner_files(learner, ("ex01", "ex03")), ROUND2[learner]
        )
    if edsger_unreadable:
        damaged = round2 / "edsger.zip"
        damaged.write_bytes(damaged.read_bytes()[:200])
    return round1, round2


def resend_edsger(round2: Path) -> None:
    write_zip(round2 / "edsger.zip", learner_files("edsger", ("ex01", "ex03")), ROUND2["edsger"])
