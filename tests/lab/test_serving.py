"""The inline server: a real uvicorn in a thread, on its own loop, easy to restart and stop."""

import socket
import subprocess
import sys
import textwrap

import httpx2
import pytest
from fastapi import FastAPI

from docchat_lab.serving import InlineServer, ServerStartError, running_servers, serve, stop_all


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    return app


@pytest.fixture(autouse=True)
def _no_servers_left():
    yield
    stop_all()


def test_serve_picks_a_free_port_and_answers_on_it() -> None:
    server = serve(_app(), name="t1")
    assert server.port
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert httpx2.get(server.url + "/ping").json() == {"pong": "yes"}


def test_serving_again_under_the_same_name_replaces_the_old_server() -> None:
    first = serve(_app(), name="same")
    second = serve(_app(), name="same")
    assert not first.running
    assert second.running
    assert running_servers() == [second]


def test_stop_frees_the_port() -> None:
    server = serve(_app(), name="t2")
    port = server.port
    server.stop()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # would raise if still held


def test_port_in_use_is_a_clear_error() -> None:
    server = serve(_app(), name="t3")
    with pytest.raises(ServerStartError, match="already in use"):
        serve(_app(), name="t4", port=server.port)


def test_failing_startup_names_the_cause() -> None:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def broken(app):
        raise RuntimeError("the database is on fire")
        yield

    with pytest.raises(ServerStartError, match="the database is on fire"):
        serve(FastAPI(lifespan=broken), name="t5")


def test_context_manager_starts_and_stops() -> None:
    with InlineServer(_app(), name="t6") as server:
        assert httpx2.get(server.url + "/ping").status_code == 200
    assert not server.running
    with pytest.raises(ServerStartError, match="not running"):
        _ = InlineServer(_app()).url


def test_sync_calls_from_inside_a_running_loop_with_nest_asyncio2() -> None:
    # A kernel has a running loop and, in notebook 04, nest_asyncio2 applied: both at once.
    code = textwrap.dedent(
        """
        import asyncio, warnings
        warnings.simplefilter("error")
        import httpx2, nest_asyncio2
        nest_asyncio2.apply()
        from fastapi import FastAPI
        from docchat_lab.serving import serve
        app = FastAPI()
        @app.get("/")
        def root():
            return {"ok": True}
        async def cell():
            server = serve(app, name="nested")
            answer = httpx2.get(server.url).json()
            server.stop()
            return answer
        print(asyncio.run(cell()))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'ok': True}"
    assert done.stderr == ""
