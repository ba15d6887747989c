"""Realistic wrong answers (the mistakes the lesson warns about), as edits of the reference
answers. Each must fail exactly the listed checks, with a message that says what went wrong."""

from dataclasses import dataclass


@dataclass(frozen=True)
class WrongAnswer:
    exercise: str
    mistake: str
    old: str  # text of the reference answer ...
    new: str  # ... replaced by this
    fails: frozenset[str]
    says: str  # every failing check's message contains this

    def apply(self, solution: str) -> str:
        assert self.old in solution, f"{self.exercise}: {self.old!r} is no longer in the solution"
        return solution.replace(self.old, self.new)


def wrong(
    exercise: str, mistake: str, old: str, new: str, fails: set[str], says: str
) -> WrongAnswer:
    return WrongAnswer(exercise, mistake, old, new, frozenset(fails), says)


WRONG_ANSWERS = [
    wrong(
        "ex01",
        "no bounds on limit",
        "limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT",
        "limit: int = DEFAULT_LIMIT",
        {"test_pagination_limit_bounds"},
        "expected 422",
    ),
    wrong(
        "ex01",
        "a pagination that refuses every request",
        "    return Page(skip=skip, limit=limit)",
        '    raise HTTPException(422, "bad page")',
        {
            "test_pagination_defaults",
            "test_pagination_reads_the_query",
            "test_pagination_rejects_negative_skip",
            "test_pagination_limit_bounds",
            "test_annotated_aliases_work_in_a_route",
        },
        "expected 200",
    ),
    wrong(
        "ex01",
        "a hard-coded key instead of the overridable dependency",
        "if x_api_key not in keys:",
        'if x_api_key != "dev-key":',
        {
            "test_api_key_comes_from_the_overridable_dependency",
            "test_annotated_aliases_work_in_a_route",
        },
        "answered 403",
    ),
    wrong(
        "ex01",
        "403 for a missing key",
        'raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key")',
        'raise HTTPException(status.HTTP_403_FORBIDDEN, "missing API key")',
        {"test_api_key_missing_is_401", "test_annotated_aliases_work_in_a_route"},
        "answered 403",
    ),
    wrong(
        "ex02",
        "the lesson's get_db: return instead of yield, so nothing closes the session",
        "    with SessionLocal() as db:\n        yield db\n",
        "    return SessionLocal()\n",
        {
            "test_get_db_closes_the_session_after_each_request",
            "test_not_found_stays_a_404_and_the_session_is_closed",
            "test_a_crash_is_a_500_and_the_session_is_closed",
        },
        "session was not closed",
    ),
    wrong(
        "ex02",
        "an except around the yield that swallows the exception",
        "    with SessionLocal() as db:\n        yield db\n",
        "    db = SessionLocal()\n"
        "    try:\n"
        "        yield db\n"
        "    except Exception:\n"
        "        pass  # log it and carry on: the exception stops here\n"
        "    finally:\n"
        "        db.close()\n",
        {
            "test_not_found_stays_a_404_and_the_session_is_closed",
            "test_a_crash_is_a_500_and_the_session_is_closed",
            "test_a_refused_request_keeps_nothing",
        },
        "must re-raise",
    ),
    wrong(
        "ex02",
        "no finally: the close is skipped when the endpoint raises",
        "    with SessionLocal() as db:\n        yield db\n",
        "    db = SessionLocal()\n    yield db\n    db.close()\n",
        {
            "test_not_found_stays_a_404_and_the_session_is_closed",
            "test_a_crash_is_a_500_and_the_session_is_closed",
        },
        "session was not closed",
    ),
    wrong(
        "ex02",
        "default scope: the commit runs after the response has gone out",
        'Depends(get_db_transaction, scope="function")]',
        "Depends(get_db_transaction)]",
        {"test_transaction_turns_a_failed_commit_into_a_409"},
        "after the response had gone out",
    ),
    wrong(
        "ex03",
        "the prefix written twice: @router.post('/documents') on the prefixed router",
        '    @router.post("/", status_code=status.HTTP_201_CREATED)',
        '    @router.post("/documents", status_code=status.HTTP_201_CREATED)',
        {
            "test_router_serves_its_paths_under_the_prefix_once",
            "test_create_reads_a_json_body_and_answers_201",
            "test_create_ignores_the_query_string",
            "test_read_and_list_return_what_was_stored",
            "test_each_app_gets_its_own_store",
        },
        "/documents/documents",
    ),
    wrong(
        "ex03",
        "the lesson's upload(title: str): query parameters on a POST",
        "    def create_document(document: DocumentIn, store: StoreDep) -> DocumentOut:\n",
        "    def create_document(title: str, content: str, store: StoreDep) -> DocumentOut:\n"
        "        document = DocumentIn(title=title, content=content)\n",
        {
            "test_create_reads_a_json_body_and_answers_201",
            "test_create_ignores_the_query_string",
            "test_read_and_list_return_what_was_stored",
            "test_each_app_gets_its_own_store",
        },
        "JSON body",
    ),
    wrong(
        "ex03",
        "one store shared by every app (a default argument is built once)",
        "def create_app(store: DocumentStore | None = None) -> FastAPI:",
        "def create_app(store: DocumentStore | None = DocumentStore()) -> FastAPI:",
        {"test_each_app_gets_its_own_store"},
        "share one store",
    ),
    wrong(
        "ex04",
        "the lesson's trap: async def calling the blocking SDK directly",
        '    return {"summary": await run_in_threadpool(legacy_summarize, text)}',
        '    return {"summary": legacy_summarize(text)}',
        {"test_summary_requests_run_side_by_side", "test_ping_is_answered_while_summaries_wait"},
        "blocked the event loop",
    ),
    wrong(
        "ex04",
        "the two LLM calls awaited one after the other",
        "    answer_a, answer_b = await asyncio.gather(llm_complete(a), llm_complete(b))\n",
        "    answer_a = await llm_complete(a)\n    answer_b = await llm_complete(b)\n",
        {"test_compare_awaits_both_answers_at_once"},
        "one after the other",
    ),
    wrong(
        "ex04",
        "each summary awaited before the next one starts",
        "await asyncio.gather(*(run_in_threadpool(legacy_summarize, t) for t in text))",
        "[await run_in_threadpool(legacy_summarize, t) for t in text]",
        {"test_summaries_of_one_request_run_side_by_side"},
        "one after the other",
    ),
    wrong(
        "ex04",
        "the slow SDK skipped: a summary made up on the spot",
        '    return {"summary": await run_in_threadpool(legacy_summarize, text)}',
        '    return {"summary": " ".join(text.split()[:8])}  # the SDK is slow: do it here',
        {
            "test_summary_returns_what_legacy_summarize_says",
            "test_summary_requests_run_side_by_side",
            "test_ping_is_answered_while_summaries_wait",
        },
        "what legacy_summarize returned",
    ),
    wrong(
        "ex05",
        "the lesson's timing middleware: seconds in a header named for milliseconds",
        "elapsed_ms = (time.perf_counter() - start) * 1000",
        "elapsed_ms = time.perf_counter() - start",
        {"test_timing_header_is_in_milliseconds"},
        "seconds",
    ),
    wrong(
        "ex05",
        "credentials always allowed, whatever allow_credentials says",
        "        allow_credentials=allow_credentials,\n        allow_methods",
        "        allow_credentials=True,\n        allow_methods",
        {"test_credentials_only_when_allowed"},
        "allow_credentials=False",
    ),
    wrong(
        "ex05",
        "an add_cors that checks the origins and adds no CORS at all",
        "    app.add_middleware(\n        CORSMiddleware,\n        allow_origins=origins,",
        "    return\n"
        "    app.add_middleware(\n        CORSMiddleware,\n        allow_origins=origins,",
        {
            "test_preflight_from_an_allowed_origin",
            "test_preflight_from_another_origin_is_refused",
            "test_allowed_origin_can_read_a_simple_request",
            "test_other_origin_still_gets_the_data_but_no_header",
            "test_127_0_0_1_and_another_port_are_other_origins",
            "test_credentials_only_when_allowed",
        },
        "expected",
    ),
    wrong(
        "ex05",
        "allow_origins=['*'] with credentials",
        "allow_origins=origins,",
        'allow_origins=["*"],',
        {
            "test_preflight_from_another_origin_is_refused",
            "test_other_origin_still_gets_the_data_but_no_header",
            "test_127_0_0_1_and_another_port_are_other_origins",
        },
        "not one of the configured origins",
    ),
    wrong(
        "ex05",
        "the lesson's configuration, with no checks of the origins",
        "def add_cors(app: FastAPI, origins: list[str], allow_credentials: bool = True) -> None:",
        "def add_cors(app: FastAPI, origins: list[str], allow_credentials: bool = True) -> None:\n"
        "    app.add_middleware(CORSMiddleware, allow_origins=origins,\n"
        "                       allow_credentials=allow_credentials,\n"
        '                       allow_methods=["*"], allow_headers=["*"])\n\n\n'
        "def _add_cors_checked(app: FastAPI, origins: list[str],\n"
        "                      allow_credentials: bool = True) -> None:",
        {
            "test_wildcard_with_credentials_is_refused",
            "test_origin_with_a_path_or_trailing_slash_is_refused",
            "test_one_string_instead_of_a_list_is_refused",
        },
        "returned without an error",
    ),
    wrong(
        "ex06",
        "200 instead of 202",
        '@router.post("/", status_code=status.HTTP_202_ACCEPTED)',
        '@router.post("/")',
        {"test_post_answers_202_pending"},
        "expected 202",
    ),
    wrong(
        "ex06",
        "the task uses the request's session and ORM object",
        "    tasks.add_task(process_document, document.id)\n",
        "    def process_here() -> None:\n"
        '        document.status = "processing"\n'
        "        db.commit()\n"
        "        try:\n"
        "            document.chunk_count = len(split_into_chunks(document.content))\n"
        '            document.status = "ready"\n'
        "        except Exception as exc:\n"
        '            document.status, document.error = "failed", str(exc)\n'
        "        db.commit()\n\n"
        "    tasks.add_task(process_here)\n",
        {
            "test_document_is_ready_with_its_chunk_count",
            "test_failing_document_ends_failed_and_later_ones_still_process",
        },
        "still 'pending'",
    ),
    wrong(
        "ex06",
        "no try/except: a failing document stays in processing",
        "        try:\n"
        "            chunks = split_into_chunks(document.content)\n"
        "            document.chunk_count = len(chunks)\n"
        '            document.status = "ready"\n'
        "            db.commit()\n"
        "        except Exception as exc:\n"
        "            db.rollback()\n"
        '            document.status = "failed"\n'
        "            document.chunk_count = 0\n"
        '            document.error = f"{type(exc).__name__}: {exc}"[:1000]\n'
        "            db.commit()\n",
        "        chunks = split_into_chunks(document.content)\n"
        "        document.chunk_count = len(chunks)\n"
        '        document.status = "ready"\n'
        "        db.commit()\n",
        {"test_failing_document_ends_failed_and_later_ones_still_process"},
        "stuck in 'processing'",
    ),
    wrong(
        "ex06",
        "processing inline, before the response",
        "tasks.add_task(process_document, document.id)",
        "process_document(document.id)",
        {"test_processing_runs_after_the_response"},
        "before the response was sent",
    ),
    wrong(
        "ex07",
        "the key as a plain str",
        "openai_api_key: SecretStr | None = None",
        "openai_api_key: str | None = None",
        {"test_api_key_is_a_secret"},
        "the key appears in repr(settings)",
    ),
    wrong(
        "ex07",
        "get_settings without lru_cache",
        "@lru_cache\n",
        "",
        {"test_get_settings_is_cached_and_can_be_cleared"},
        "@lru_cache",
    ),
    wrong(
        "ex07",
        "no env_prefix",
        '        env_prefix="DOCCHAT_",\n',
        "",
        {
            "test_environment_overrides_with_the_prefix",
            "test_cors_origins_from_a_json_list",
            "test_dotenv_is_read_and_the_environment_wins",
            "test_unknown_keys_in_dotenv_are_ignored",
            "test_api_key_is_a_secret",
            "test_bad_values_fail_naming_the_field",
            "test_get_settings_is_cached_and_can_be_cleared",
            "test_bad_settings_stop_the_app_at_startup",
        },
        "DOCCHAT_",
    ),
    wrong(
        "ex07",
        "no check that the overlap is below the chunk size",
        '    @model_validator(mode="after")\n'
        '    def _overlap_below_size(self) -> "Settings":\n'
        "        if self.chunk_overlap >= self.chunk_size:\n"
        "            raise ValueError(\n"
        '                f"chunk_overlap ({self.chunk_overlap}) must be smaller than "\n'
        '                f"chunk_size ({self.chunk_size})"\n'
        "            )\n"
        "        return self\n",
        "",
        {"test_bad_values_fail_naming_the_field", "test_bad_settings_stop_the_app_at_startup"},
        "chunk_overlap",
    ),
    wrong(
        "ex08",
        "CORS tested only by the status of a preflight",
        '    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN\n'
        '    other = client.get("/documents/", headers={"Origin": "https://evil.example"})\n'
        '    assert "access-control-allow-origin" not in other.headers\n',
        "",
        {"test_your_tests_catch_cors_allows_everything"},
        "no test of yours fails when CORS allows every origin",
    ),
    wrong(
        "ex08",
        "limit checked only where it is allowed",
        '    assert client.get("/documents/?limit=101").status_code == 422\n',
        "",
        {"test_your_tests_catch_unbounded_limit"},
        "no test of yours fails when limit has no upper bound",
    ),
    wrong(
        "ex08",
        "a test that expects 200 where the API promises 202",
        "    assert response.status_code == 202\n",
        "    assert response.status_code == 200\n",
        {
            "test_your_tests_pass_on_the_correct_app",
            "test_your_tests_catch_leaky_get_db",
            "test_your_tests_catch_missing_404",
            "test_your_tests_catch_wrong_status",
            "test_your_tests_catch_cors_allows_everything",
            "test_your_tests_catch_unbounded_limit",
        },
        "correct app",
    ),
]
