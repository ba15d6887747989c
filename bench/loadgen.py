"""Load from outside the server's process: wrk when it is installed, else asyncio sockets.

The asyncio client speaks just enough HTTP/1.1 (keep-alive, Content-Length bodies) to be
cheap: per request it costs far less than the server it measures, so that the server, not
the client, is the bottleneck. It runs in the benchmark's own process, never the server's.
"""

import asyncio
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    """Steady load: `connections` clients, each sending its next request when the last is done."""

    tool: str
    requests: int
    seconds: float
    errors: int
    statuses: Counter[int] = field(default_factory=Counter)
    p50_ms: float = 0.0
    p99_ms: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(
    url: str,
    connections: int,
    seconds: float,
    threads: int = 1,
    post_json: bytes | None = None,
    timeout_s: float = 30.0,
) -> LoadResult:
    """`wrk -t1 -cN -dS --latency URL`, parsed; non-2xx answers and timeouts count as errors.

    `post_json` makes every request a POST of that JSON body. A request slower than
    `timeout_s` is a timeout (wrk's default, 2 s, would hide a slow server's tail).
    """
    duration = f"{max(1, round(seconds))}s"
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency",
               f"--timeout={max(1, round(timeout_s))}s"]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="docchat-wrk-") as scratch:
        if post_json is not None:
            script = Path(scratch) / "post.lua"
            body = post_json.decode().replace("\\", "\\\\").replace("'", "\\'")
            script.write_text(
                'wrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = '{body}'\n"
            )
            command += ["-s", str(script)]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    elapsed = re.search(r"requests in ([\d.]+)(us|ms|s|m)", output)
    seconds_taken = _ms(elapsed.group(1), elapsed.group(2)) / 1000  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, flags=re.MULTILINE))

    def percentile(key: str) -> float:
        match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", latency.get(key, "0ms"))
        return _ms(match.group(1), match.group(2)) if match else 0.0

    return LoadResult(
        "wrk", requests, seconds_taken, errors, Counter(), percentile("50"), percentile("99")
    )


# --- the asyncio client -----------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    content_type: str = "application/json"

    def encode(self, host: str) -> bytes:
        head = f"{self.method} {self.path} HTTP/1.1\r\nHost: {host}\r\n"
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            head += f"Content-Type: {self.content_type}\r\nContent-Length: {len(self.body)}\r\n"
        return head.encode() + b"\r\n" + self.body


@dataclass
class Reply:
    status: int
    body: bytes
    seconds: float


async def _read_reply(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
        elif name.strip().lower() == "transfer-encoding":
            raise ValueError("chunked replies are not supported by this client")
    return status, await reader.readexactly(length)


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> "Connection":
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def send(self, request: Request) -> Reply:
        if self._reader is None or self._writer is None:
            raise RuntimeError("open() the connection first")
        start = time.perf_counter()
        self._writer.write(request.encode(f"{self.host}:{self.port}"))
        status, body = await _read_reply(self._reader)
        return Reply(status, body, time.perf_counter() - start)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()


async def _steady(url: str, path: str, connections: int, seconds: float) -> LoadResult:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    request = Request("GET", path)
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        connection = await Connection(url).open()
        try:
            while time.perf_counter() < stop_at:
                reply = await connection.send(request)
                statuses[reply.status] += 1
                latencies.append(reply.seconds)
                if not 200 <= reply.status < 400:
                    errors += 1
        finally:
            await connection.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies) or [0.0]
    return LoadResult(
        "python asyncio",
        len(latencies),
        elapsed,
        errors,
        statuses,
        ordered[len(ordered) // 2] * 1000,
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    )


def run_python_load(url: str, connections: int, seconds: float) -> LoadResult:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return asyncio.run(
        _steady(f"{parts.scheme}://{parts.netloc}", path or "/", connections, seconds)
    )


def steady_load(url: str, connections: int, seconds: float, tool: str = "auto") -> LoadResult:
    """wrk if installed (or asked for), else the asyncio client."""
    if tool == "wrk" or (tool == "auto" and has_wrk()):
        return run_wrk(url, connections, seconds)
    return run_python_load(url, connections, seconds)


@dataclass
class BurstResult:
    """`len(replies)` requests sent at once on connections opened beforehand."""

    wall_seconds: float
    replies: list[Reply]

    @property
    def statuses(self) -> Counter[int]:
        return Counter(reply.status for reply in self.replies)

    @property
    def median_seconds(self) -> float:
        return statistics.median(reply.seconds for reply in self.replies)


async def burst_async(url: str, requests: list[Request]) -> BurstResult:
    connections = [await Connection(url).open() for _ in requests]
    try:
        start = time.perf_counter()
        replies = await asyncio.gather(
            *(
                connection.send(request)
                for connection, request in zip(connections, requests, strict=True)
            )
        )
        wall = time.perf_counter() - start
    finally:
        await asyncio.gather(*(connection.close() for connection in connections))
    return BurstResult(wall, list(replies))


def burst(url: str, requests: list[Request]) -> BurstResult:
    """Open one connection per request, then send them all at once; time until the last reply."""
    return asyncio.run(burst_async(url, requests))


async def _one_by_one(url: str, requests: list[Request]) -> list[Reply]:
    connection = await Connection(url).open()
    try:
        return [await connection.send(request) for request in requests]
    finally:
        await connection.close()


def one_by_one(url: str, requests: list[Request]) -> list[Reply]:
    """Each request after the previous reply, on one keep-alive connection: pure latency."""
    return asyncio.run(_one_by_one(url, requests))
