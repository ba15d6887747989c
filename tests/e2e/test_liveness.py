"""No stall under many clients: 128 at once against a real `docchat serve` on its defaults.

Main's code held a pooled connection while waiting for a thread to validate the response,
and its threads waited for connections: past about 48 clients every request hung until the
pool's 30 s timeout. Each client here sends a few requests back to back; every request must
be answered, well within 20 s (the stall took 30). Speed is the benchmarks' business
(bench/api_overhead.py): this asserts only that nothing waits forever.
"""

import asyncio
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.e2e.docchat_server import docchat_serve

CLIENTS = 128
ROUNDS = 2
TIMEOUT_S = 20.0


async def _many_clients(url: str) -> list[int | str]:
    # uvicorn closes a connection idle for 5 s; one reused just as it closes fails with a
    # ReadError, which is no stall. Idle ones are dropped after 1 s here, long before that.
    limits = httpx.Limits(
        max_connections=CLIENTS, max_keepalive_connections=CLIENTS, keepalive_expiry=1.0
    )
    async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT_S, limits=limits) as client:

        async def one_client(n: int) -> list[int | str]:
            outcomes: list[int | str] = []
            for _ in range(ROUNDS):
                try:
                    if n % 4 == 3:
                        reply = await client.post("/chat/ask", json={"question": "kettle water"})
                    else:
                        reply = await client.get("/documents/")
                    outcomes.append(reply.status_code)
                except httpx.TimeoutException:
                    outcomes.append("timed out")
            return outcomes

        results = await asyncio.gather(*(one_client(n) for n in range(CLIENTS)))
    return [outcome for outcomes in results for outcome in outcomes]


@pytest.mark.slow
def test_128_clients_at_once_are_all_answered(tmp_path: Path) -> None:
    with docchat_serve(tmp_path) as server:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT_S) as setup:
            for n in range(20):
                content = f"Kettle {n} boils water. Descale it every month."
                assert setup.post("/documents/", json={"title": f"k{n}", "content": content})
        outcomes = asyncio.run(_many_clients(server.url))

    assert len(outcomes) == CLIENTS * ROUNDS
    assert set(outcomes) == {200}, {o: outcomes.count(o) for o in set(outcomes)}
