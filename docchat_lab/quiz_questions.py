"""The quiz's questions: what is asked, the choices, the right one, and why."""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    number: int
    text: str
    choices: Mapping[str, str]
    correct: str
    explanation: str
    revisit: str
    from_lesson: bool = False

    def __post_init__(self) -> None:
        if self.correct not in self.choices:
            raise ValueError(f"question {self.number}: {self.correct!r} is not among its choices")

    def _lines(self) -> list[str]:
        source = " (from the lesson)" if self.from_lesson else ""
        lines = [f"Question {self.number}{source}: {self.text}"]
        lines += [f"  ({key}) {text}" for key, text in self.choices.items()]
        return lines

    def __str__(self) -> str:
        return "\n".join(self._lines())

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        source = " *(from the lesson)*" if self.from_lesson else ""
        choices = "\n".join(f"- **({key})** {text}" for key, text in self.choices.items())
        return f"**Question {self.number}**{source}: {self.text}\n\n{choices}"


QUESTIONS: tuple[Question, ...] = (
    Question(
        1,
        "What does a `Depends` dependency mainly give you?",
        {
            "a": "A speed-up: FastAPI caches the dependency's result between requests.",
            "b": "Reusable per-request logic that FastAPI builds and injects into each endpoint "
            "that declares it, and that tests can swap with `app.dependency_overrides`.",
            "c": "A singleton object shared by every request, like a global variable.",
            "d": "Automatic database transactions around every endpoint.",
        },
        "b",
        "A dependency is a function FastAPI calls for each request, passing its result to every "
        "endpoint (or other dependency) that declares it. Within one request its result is "
        "reused; across requests nothing is cached. Because endpoints ask for it instead of "
        "building it, a test replaces it with one line: "
        "`app.dependency_overrides[get_llm] = lambda: FakeLLM()`.",
        "01_dependencies",
        from_lesson=True,
    ),
    Question(
        2,
        "In a dependency that uses `yield`, when does the code after `yield` run?",
        {
            "a": "Before the endpoint, to prepare the response.",
            "b": "After the response has been sent, in every case.",
            "c": "Always, as cleanup. By default after the response has been sent and after the "
            "background tasks; when the endpoint raised, before the error response is sent; "
            'with `Depends(..., scope="function")`, right after the endpoint returns, before '
            "the response.",
            "d": "Only when the endpoint raised an exception.",
        },
        "c",
        "The code after `yield` is cleanup that always runs (put it in `finally`), but *when* "
        "depends on the case. With the default scope it runs after the response and after the "
        "background tasks, so committing or raising there is too late for the client. When the "
        "endpoint raised, the exception passes through the dependency first, the cleanup runs, "
        'and only then is the error response sent. With `scope="function"` the cleanup runs as '
        "soon as the endpoint returns. Choice (b), the lesson's own answer, is only the default "
        "case.",
        "02_yield_dependencies",
        from_lesson=True,
    ),
    Question(
        3,
        "Why does the React frontend on `localhost:3000` need CORS enabled on the API at "
        "`localhost:8000`?",
        {
            "a": "To protect the API server from requests made by other websites.",
            "b": "Because the browser enforces the same-origin policy: a different port is a "
            "different origin, so the API must opt in with `Access-Control-Allow-*` headers and "
            "answer the preflight.",
            "c": "Because `fetch()` cannot send JSON to another port at all.",
            "d": "Because curl and Postman would otherwise be blocked too.",
        },
        "b",
        "An origin is scheme + host + port, so `localhost:3000` and `localhost:8000` differ. The "
        "browser (and only the browser) refuses to hand the response to the page unless the API "
        "says that origin is allowed, and it asks first with a preflight `OPTIONS` request for "
        "non-simple calls. CORS protects the browser's user, not the server: a request from a "
        "disallowed origin still runs the endpoint; only the header is missing.",
        "05_cors_and_middleware",
        from_lesson=True,
    ),
    Question(
        4,
        "When does `async def` actually help performance?",
        {
            "a": "Always: `async def` endpoints are faster than `def` endpoints.",
            "b": "For CPU-heavy work, such as parsing a large PDF.",
            "c": "When the handler awaits I/O (an async database driver, an HTTP call, an LLM), so "
            "the event loop can serve other requests while it waits.",
            "d": "When the handler calls `time.sleep` or a synchronous database driver.",
        },
        "c",
        "An `async def` endpoint runs on the event loop. While it awaits I/O, the loop serves "
        "other requests; that is the whole benefit. A blocking call inside it (`time.sleep`, "
        "`requests`, a sync driver) stalls every request in the process. For blocking code use a "
        "plain `def` endpoint (FastAPI runs it in the thread pool) or `run_in_threadpool`; "
        "CPU-bound work is not helped by threads at all, because of the GIL.",
        "04_async_done_right",
        from_lesson=True,
    ),
    Question(
        5,
        "Where should the LLM API key live?",
        {
            "a": "In `config.py` as a default value, so that the app always starts.",
            "b": "In the frontend's `.env`, so that the browser can call the LLM directly.",
            "c": "In the database, next to the documents.",
            "d": "In the environment: a gitignored `.env` on your machine, the host's secret store "
            "in production; loaded as a `SecretStr`, never committed.",
        },
        "d",
        "Secrets stay out of the code and out of git. Locally they sit in a `.env` that "
        "`.gitignore` excludes; in production the platform injects them as environment "
        "variables. Typed as `SecretStr`, the key shows as `'**********'` in `repr`, logs and "
        "JSON, and is unwrapped only where the request to the LLM is made. A key in frontend "
        "code is public.",
        "07_settings",
        from_lesson=True,
    ),
    Question(
        6,
        "Why do the notebooks and the test suite turn warnings into errors?",
        {
            "a": "So that a deprecation, for example after a library upgrade, fails the cell or "
            "test that causes it instead of scrolling past unnoticed.",
            "b": "To keep the output short.",
            "c": "Because Jupyter cannot display warnings.",
            "d": "Because warnings slow Python down.",
        },
        "a",
        "A deprecation warning is the library telling you that your code will break in a "
        "coming version. As an error it is fixed when it appears, in the cell that caused it; as "
        "a warning it is ignored until the upgrade that turns it into a real failure.",
        "00_start_here",
    ),
    Question(
        7,
        "A `get_db` dependency opens a session with `return` instead of `yield`, on an engine "
        "with a pool of 2 connections. What happens?",
        {
            "a": "Nothing bad: the garbage collector closes each session after its request.",
            "b": "FastAPI closes the session itself, because it came from a dependency.",
            "c": "Nothing closes the sessions: their connections go back to the pool only when "
            "the garbage collector happens to collect them, so requests fail with `QueuePool "
            "limit of size 2 overflow 0 reached` whenever it has not yet.",
            "d": "The very first request fails.",
        },
        "c",
        "FastAPI can only clean up what a dependency hands back through `yield`. With `return` "
        "nobody closes the session; a leaked connection returns to the pool only when the "
        "garbage collector collects its session (notebook 02 shows gc.collect() doing it), so "
        "requests time out now and then, depending on when the collector last ran. `yield` in "
        "`try`/`finally` (or a `with` block) releases the connection at the end of each request.",
        "02_yield_dependencies",
    ),
    Question(
        8,
        'A router is created with `prefix="/documents"`, and an endpoint on it is declared with '
        '`@router.post("/documents")`. Which path does that endpoint serve?',
        {
            "a": "`/documents`",
            "b": "`/documents/`",
            "c": "`/documents/documents`",
            "d": "None: FastAPI refuses to start.",
        },
        "c",
        "The prefix is prepended to every path on the router, so the endpoint's own path should "
        'be relative to it: `@router.post("/")` serves `/documents/` (and a request to '
        "`/documents` is redirected there with a 307).",
        "03_routers_and_app_factory",
    ),
    Question(
        9,
        "By default, how many `def` endpoints, sync dependencies and sync background tasks can "
        "run at the same time in one FastAPI process?",
        {
            "a": "One: synchronous code blocks the event loop.",
            "b": "As many as the machine has CPU cores.",
            "c": "Unlimited: every request gets a thread of its own.",
            "d": "40: they all share the default thread limiter of anyio's thread pool.",
        },
        "d",
        "Sync code runs in anyio's worker threads, limited to 40 at a time by default, and that "
        "limit is shared by endpoints, dependencies and background tasks alike. The 41st waits. "
        "The limit can be raised in the lifespan through "
        "`anyio.to_thread.current_default_thread_limiter()`.",
        "04_async_done_right",
    ),
    Question(
        10,
        "An API is configured with `allow_origins=['*']` and `allow_credentials=True`. What does "
        "a credentialed request from `https://evil.example` get?",
        {
            "a": "Its own origin echoed back in `Access-Control-Allow-Origin`, with credentials "
            "allowed: any site can make calls with the user's cookies.",
            "b": "A refusal: Starlette rejects the wildcard when credentials are on.",
            "c": "`Access-Control-Allow-Origin: *`, which browsers ignore for credentialed calls.",
            "d": "A `400 Disallowed CORS origin`.",
        },
        "a",
        "Browsers do not accept `*` together with credentials, so Starlette echoes the caller's "
        "origin instead, which allows every origin, with cookies. List the origins you trust. "
        "DocChat's settings refuse the combination at start-up.",
        "05_cors_and_middleware",
    ),
    Question(
        11,
        "The lesson's timing middleware sets `X-Time-Ms` to `time.perf_counter() - start`. "
        "What is wrong with that value?",
        {
            "a": "Nothing: `perf_counter` counts milliseconds.",
            "b": "It is in seconds: multiply by 1000 to get milliseconds.",
            "c": "It includes the time the browser took to send the request.",
            "d": "It is in nanoseconds.",
        },
        "b",
        "`time.perf_counter()` returns seconds as a float, so a 12 ms request shows as 0.012 in a "
        "header that claims milliseconds. Also note what is timed: up to the response headers; a "
        "streamed body is not counted.",
        "05_cors_and_middleware",
    ),
    Question(
        12,
        "Under uvicorn, a background task raises an exception while processing an uploaded "
        "document. What does the client that uploaded it see?",
        {
            "a": "A 500 instead of its 202.",
            "b": "Nothing: it already has its 202. The error is only logged, and nothing retries "
            "the task, so the document's status must record the failure.",
            "c": "A retry: FastAPI runs failed background tasks again.",
            "d": "The server restarts, and the task runs again at start-up.",
        },
        "b",
        "Background tasks run after the response has been sent. A failure is only logged (and "
        "tasks queued after it in the same response are skipped); tasks also vanish on restart. "
        "That is why DocChat's task always ends in `ready` or `failed` with a reason, why "
        "start-up picks up unfinished documents, and when to graduate to a real queue.",
        "06_background_tasks",
    ),
    Question(
        13,
        "`DOCCHAT_DATABASE_URL` is exported in your shell, and `.env` sets it to a different "
        "value. Which one does `Settings()` use?",
        {
            "a": "The `.env` value: the file is more specific.",
            "b": "Neither: conflicting values are a validation error.",
            "c": "The environment variable: real environment variables override `.env`.",
            "d": "Whichever was changed most recently.",
        },
        "c",
        "The order is: arguments to the constructor, then real environment variables, then "
        "`.env`, then defaults. Names are case-insensitive, and `.env` is looked for in the "
        "current working directory; a missing file is silently ignored.",
        "07_settings",
    ),
    Question(
        14,
        "A test on in-memory SQLite (`sqlite://`) fails with `no such table`, although "
        "`create_all` ran. Why?",
        {
            "a": "`create_all` must be awaited.",
            "b": "Each connection to an in-memory database is a separate, empty database, and the "
            "endpoint ran in a worker thread with a connection of its own. Use `StaticPool` and "
            "`check_same_thread=False`.",
            "c": "SQLite cannot create tables in memory.",
            "d": "TestClient rewrites the database URL.",
        },
        "b",
        "SQLAlchemy's default pool for in-memory SQLite keeps one connection per thread, and "
        "FastAPI runs sync endpoints in the thread pool, so the endpoint sees a new, empty "
        "database. `StaticPool` shares one connection; `check_same_thread=False` lets other "
        "threads use it. DocChat's `build_engine` does both for `sqlite://`.",
        "08_testing",
    ),
    Question(
        15,
        "Which line makes a test run the app's lifespan (start-up and shutdown)?",
        {
            "a": "`client = TestClient(app)`",
            "b": '`@app.on_event("startup")`',
            "c": "`with TestClient(app) as client:`",
            "d": "`app.router.startup()`",
        },
        "c",
        "TestClient runs the lifespan when the `with` block is entered and the shutdown half when "
        "it ends. Built without `with`, it answers requests but never started the app. "
        "`on_event` is deprecated in FastAPI (and skipped silently when the app has a "
        "`lifespan`); Starlette 1.x does not have it at all.",
        "08_testing",
    ),
    Question(
        16,
        "What does DocChat's `POST /documents/` answer, and how does a client learn the outcome?",
        {
            "a": "`200 OK` with the chunks of the document.",
            "b": "`201 Created` with the finished document.",
            "c": "`204 No Content`; the client lists all documents to find it.",
            "d": "`202 Accepted` with `{id, status}`; the client polls `GET /documents/{id}` until "
            "the status is `ready` or `failed`.",
        },
        "d",
        "Processing happens after the response, in a background task, so the honest status is "
        "202 Accepted: received, not done. The document's `status` moves "
        "`pending -> processing -> ready` (or `failed` with a reason), and the client polls it.",
        "09_docchat_capstone",
    ),
)
