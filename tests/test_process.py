"""The real process: start-up, bad configuration, SIGTERM."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import secrets
import signal
import socket
import sys
import time
from pathlib import Path

from tests.client import Player
from tests.http_client import http_request

ROOT = Path(__file__).resolve().parent.parent


class ServerProcess:
    """``python quiz_server.py`` as a child process, its log read as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._next = 0  # the first line line() has not looked at
        self._eof = False
        self._more = asyncio.Event()
        # Read the log as it comes, always: a server whose pipe fills up
        # blocks on its next log line.
        self.drained = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        assert self.proc.stdout is not None
        while raw := await self.proc.stdout.readline():
            self.lines.append(raw.decode(errors="replace"))
            self._more.set()
        self._eof = True
        self._more.set()

    @classmethod
    async def start(cls, **env: str) -> ServerProcess:
        full = {**os.environ, "HOST": "127.0.0.1", "PORT": "0", "LOG_FORMAT": "json", **env}
        # The tests' own .env, if a developer has one, must not leak in.
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "quiz_server.py",
            cwd=ROOT,
            env=full,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(proc)

    async def line(self, pattern: str, timeout: float = 15) -> str:
        """The next log line matching ``pattern``."""
        async with asyncio.timeout(timeout):
            while True:
                while self._next < len(self.lines):
                    text = self.lines[self._next]
                    self._next += 1
                    if re.search(pattern, text):
                        return text
                if self._eof:
                    raise AssertionError(f"process ended; log: {self.lines}")
                self._more.clear()
                await self._more.wait()

    async def output(self, timeout: float = 15) -> str:
        """Everything the process wrote, once it has exited by itself."""
        async with asyncio.timeout(timeout):
            await self.proc.wait()
            await self.drained
        return "".join(self.lines)

    async def port(self) -> int:
        return int(json.loads(await self.line('"listening"'))["port"])

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        await self.drained
        # Shown by pytest when the test fails: what the server said went wrong.
        for line in self.lines:
            if os.environ.get("QUIZ_TEST_LOGS") or any(
                mark in line for mark in ('"level": "ERROR"', '"level": "WARNING"', "Traceback")
            ):
                print(line.rstrip())  # noqa: T201


async def raw_silent_client(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket client that completes the handshake, then never reads or answers."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    writer.write(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await reader.readline()
    assert b"101" in status
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer


async def test_sigterm_tells_players_closes_1012_and_exits_in_time() -> None:
    server = await ServerProcess.start()
    try:
        port = await server.port()
        host = await Player.connect(f"ws://127.0.0.1:{port}/ws")
        await host.create("Host")
        p1 = await Player.connect(f"ws://127.0.0.1:{port}/")
        await p1.join(host.room_id, "P1")
        silent = await raw_silent_client(port)
        assert (await http_request(port, "/readyz")).status == 200

        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        restarting = await p1.expect("server_restarting")
        assert isinstance(restarting["reconnect_after_ms"], int)
        # The silent client holds the close open: readiness says so meanwhile.
        assert (await http_request(port, "/readyz")).status == 503
        assert await p1.closed() == 1012
        assert await host.closed() == 1012
        code = await asyncio.wait_for(server.proc.wait(), 10)
        assert code == 0
        assert time.monotonic() - started < 10
        silent[1].close()
    finally:
        await server.stop()


async def test_sigint_also_shuts_down_cleanly() -> None:
    server = await ServerProcess.start()
    try:
        port = await server.port()
        player = await Player.connect(f"ws://127.0.0.1:{port}/ws")
        server.proc.send_signal(signal.SIGINT)
        await player.expect("server_restarting")
        assert await player.closed() == 1012
        assert await asyncio.wait_for(server.proc.wait(), 10) == 0
    finally:
        await server.stop()


async def test_bad_variable_stops_start_with_one_line_naming_it() -> None:
    for variable, value in [
        ("PORT", "eighty"),
        ("PING_INTERVAL", "-1"),
        ("LOG_FORMAT", "xml"),
        ("WORKERS", "2"),
    ]:
        server = await ServerProcess.start(**{variable: value})
        out = await server.output()
        assert server.proc.returncode == 2
        lines = out.strip().splitlines()
        assert len(lines) == 1, lines
        assert variable in lines[0]


async def test_secret_is_not_echoed_when_bad() -> None:
    server = await ServerProcess.start(GROQ_API_KEY="has spaces secret-value")
    out = await server.output()
    assert server.proc.returncode == 2
    assert "GROQ_API_KEY" in out and "secret-value" not in out


def unused_port() -> int:
    """A port nothing listens on: bound by the OS's choice, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_workers_that_keep_dying_restart_ever_later_until_sigterm() -> None:
    # Redis is down: every worker fails at start, the supervisor keeps trying.
    redis_url = f"redis://127.0.0.1:{unused_port()}/0"
    server = await ServerProcess.start(WORKERS="2", REDIS_URL=redis_url)
    try:
        delays: dict[int, list[float]] = {0: [], 1: []}
        while min(len(d) for d in delays.values()) < 3:
            event = json.loads(await server.line("worker exited; restarting"))
            assert event["code"] == 1, event  # "cannot start", not a crash
            delays[event["worker"]].append(event["delay_s"])
        # Each worker backs off on its own: 1 s, 2 s, 4 s...
        for worker_delays in delays.values():
            assert worker_delays[:3] == [1, 2, 4], delays
        server.proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert await asyncio.wait_for(server.proc.wait(), 10) == 0
        assert time.monotonic() - started < 10
        await server.line("all workers stopped")
        # No worker outlives the supervisor.
        pids = [json.loads(x)["pid"] for x in server.lines if '"worker started"' in x]
        assert len(pids) >= 6
        for pid in pids:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            raise AssertionError(f"worker {pid} is still running")
    finally:
        await server.stop()


async def test_readme_run_command_serves_healthz_on_8765() -> None:
    # As a new user runs it: no PORT, no HOST, the defaults.
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "HOST")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "quiz_server.py",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    server = ServerProcess(proc)
    try:
        await server.line("listening")
        reply = await http_request(8765, "/healthz")
        assert reply.status == 200
        assert json.loads(reply.body)["status"] == "ok"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        await server.stop()


def _full_passes(metrics: str) -> int:
    """How many full (generation 2) GC passes the server counted so far."""
    found = re.search(r'quiz_gc_pause_seconds_count\{generation="2"\} (\d+)', metrics)
    return int(found.group(1)) if found else 0


async def test_a_started_server_makes_no_full_gc_pass_while_a_room_fills() -> None:
    # The process collects once and freezes what it holds before it listens:
    # the first full pass no longer lands in a room's first joins (it did,
    # 32 to 38 ms, in the benchmark's 200-player room).
    server = await ServerProcess.start()
    players: list[Player] = []
    try:
        port = await server.port()
        url = f"ws://127.0.0.1:{port}/ws"
        before = _full_passes((await http_request(port, "/metrics")).body.decode())
        host = await Player.connect(url)
        players.append(host)
        await host.create("Host")
        for start in range(0, 300, 50):
            batch = await asyncio.gather(*(Player.connect(url) for _ in range(50)))
            players += batch
            await asyncio.gather(
                *(p.join(host.room_id, f"P{start + i}") for i, p in enumerate(batch))
            )
        after = _full_passes((await http_request(port, "/metrics")).body.decode())
        assert after == before, (before, after)
    finally:
        for player in players:
            player.ws.transport.abort()
        await server.stop()
