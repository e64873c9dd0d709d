"""Small helpers shared by the coordinator, the load generator and the baseline servers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import time
from types import SimpleNamespace
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

try:  # optional extra: a faster JSON library for the load generator
    import orjson

    def loads(data: bytes | str) -> Any:
        return orjson.loads(data)

    def dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

    JSON_LIB = "orjson"
except ImportError:  # pragma: no cover - plain json works too

    def loads(data: bytes | str) -> Any:
        return json.loads(data)

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()

    JSON_LIB = "json"


def _sio_dumps(obj: Any, *args: Any, **kwargs: Any) -> str:
    """json.dumps as python-socketio calls it (``separators=``): orjson is compact anyway."""
    return orjson.dumps(obj).decode()


# A JSON module for python-socketio's ``json=`` ("dumps and loads compatible with
# the standard library versions"): orjson behind them, for the peer.
FAST_JSON = SimpleNamespace(dumps=_sio_dumps, loads=lambda data: orjson.loads(data))


def use_stdlib_json() -> None:
    """Switch this process's load generator to the standard library's json (for comparison)."""
    global loads, dumps, JSON_LIB

    def _loads(data: bytes | str) -> Any:
        return json.loads(data)

    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()

    loads, dumps, JSON_LIB = _loads, _dumps, "json"


def raise_fd_limit(wanted: int = 65536) -> int:
    """Raise RLIMIT_NOFILE as far as the hard limit allows; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def install_uvloop() -> bool:
    try:
        import uvloop
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# The shape of the quiz server's ``question`` message, for the baselines. The text is
# padded so that the encoded frame has the size the quiz server's frames had.
def question_message(index: int, total: int, time_limit_ms: int, size: int) -> dict[str, Any]:
    now = now_ms()
    message: dict[str, Any] = {
        "type": "question",
        "question_index": index,
        "total_questions": total,
        "question": "",
        "options": ["Option one", "Option two", "Option three", "Option four"],
        "time_limit_ms": time_limit_ms,
        "deadline_ms": now + time_limit_ms,
        "server_time_ms": now,
    }
    base = len(json.dumps(message, separators=(",", ":")))
    message["question"] = "Q" * max(1, size - base)
    return message


# --- process statistics from /proc -------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        raw = f.read()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def proc_sched_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds of every thread of a process, and the seconds they waited,
    runnable, for a CPU (other processes, steal), from /proc/<pid>/task/*/schedstat.

    Nanoseconds where /proc/<pid>/stat counts 10 ms ticks: a window of one
    question's answers is a few hundred ms of CPU. Falls back to /proc/<pid>/stat
    (no wait) where schedstat is missing.
    """
    cpu = wait = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return proc_cpu_seconds(pid), 0.0
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                run_ns, wait_ns, _slices = f.read().split()
        except (OSError, ValueError):
            continue  # a thread that ended meanwhile
        cpu += int(run_ns)
        wait += int(wait_ns)
    if not cpu:
        return proc_cpu_seconds(pid), 0.0
    return cpu / 1e9, wait / 1e9


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU seconds all CPUs of the machine spent busy since boot, and of those the
    hypervisor's steal (time our processes were ready to run and did not), from one
    read of /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    steal = fields[7] if len(fields) > 7 else 0
    guest = sum(fields[8:10]) if len(fields) > 9 else 0  # already counted in user/nice
    return (sum(fields) - idle - guest) / _TICKS, steal / _TICKS


def proc_rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class LoopLag:
    """The same measure as quiz.ops.metrics.LoopLag, for the baseline servers: how late a
    100 ms timer fires."""

    def __init__(self, interval: float = 0.1, window: int = 600) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self.window = window
        self.max_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.interval)
            lag = max(0.0, (loop.time() - start - self.interval) * 1000)
            self.samples.append(lag)
            if len(self.samples) > self.window:
                del self.samples[0]
            self.max_ms = max(self.max_ms, lag)

    def report(self) -> dict[str, float]:
        ordered = sorted(self.samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
        last = self.samples[-1] if self.samples else 0.0
        return {"last": round(last, 2), "p99": round(p99, 2), "max": round(self.max_ms, 2)}


async def http_get(port: int, path: str, limit_s: float = 5.0) -> tuple[int, bytes]:
    """GET http://127.0.0.1:<port><path>: the status and the body (loopback only)."""

    async def fetch() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
            writer.write(request.encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = None
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await (reader.readexactly(length) if length is not None else reader.read())
            return int(head.split(b" ", 2)[1]), body
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return await asyncio.wait_for(fetch(), limit_s)


async def http_get_json(port: int, path: str = "/healthz", limit_s: float = 5.0) -> Any:
    """GET a JSON document from a local server."""
    status, body = await http_get(port, path, limit_s)
    if status != 200:
        raise RuntimeError(f"HTTP {status}")
    return json.loads(body)


async def http_get_metrics(port: int, limit_s: float = 5.0) -> dict[str, float] | None:
    """The server's /metrics samples as ``name{labels}: value``; None if it has none."""
    status, body = await http_get(port, "/metrics", limit_s)
    if status != 200:
        return None
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return out
