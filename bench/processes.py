"""The benchmark's processes: servers under test, redis-server, load-generator workers.

Servers are pinned to their CPU(s), workers to the others; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench import common
from bench.loadgen import worker_main
from bench.provenance import REDIS_SERVER, ROOT

PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 5) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def pin(pid: int, cpus: set[int] | None) -> None:
    if cpus:
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setaffinity(pid, cpus)


def start_proc(
    name: str, argv: list[str], env: dict[str, str], port: int, logdir: Path, cpus: set[int] | None
) -> Proc:
    log = logdir / f"{name}-{port}.log"
    with open(log, "wb") as out:
        popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    pin(popen.pid, cpus)
    return Proc(name, popen, port, log)


def server_env(port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "MAX_PLAYERS_PER_ROOM": "20000",
            "MAX_ROOMS": "20000",
            "LOG_LEVEL": "WARNING",
            "COUNTDOWN_SECONDS": "1",
            # Every simulated player comes from 127.0.0.1: lift the per-address
            # entry limits that a real deployment keeps.
            "CREATE_ROOM_PER_MINUTE": "100000",
            "JOIN_PER_MINUTE": "1000000",
            # Questions from the bundled bank, never from a network service.
            "GROQ_API_KEY": "",
            "REDIS_URL": "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


# Each target's server: the quiz server on asyncio's loop (as requirements.txt
# deploys it), on uvloop, without teams, with Redis; the floor on either loop;
# the peer with clients that do not offer permessage-deflate, or that do.
SERVER_ARGV = {
    "quiz": [PY, "-m", "bench.serve_asyncio"],
    "quiz_noteams": [PY, "-m", "bench.serve_asyncio"],
    "quiz_redis": [PY, "-m", "bench.serve_asyncio"],
    "quiz_uvloop": [PY, "quiz_server.py"],
    "floor": [PY, "-m", "bench.floor_server"],
    "floor_uvloop": [PY, "-m", "bench.floor_server"],
    "peer": [PY, "-m", "bench.peer_server"],
    "peer_deflate": [PY, "-m", "bench.peer_server"],
}


def server_argv(target: str) -> list[str]:
    return list(SERVER_ARGV[target])


def stop_proc(proc: Proc, grace: float = 12.0) -> float | None:
    """SIGTERM, wait up to ``grace`` s, then SIGKILL. Returns seconds to exit on SIGTERM."""
    if not proc.alive():
        return 0.0
    started = time.monotonic()
    with contextlib.suppress(ProcessLookupError):
        proc.popen.send_signal(signal.SIGTERM)
    try:
        proc.popen.wait(grace)
        return round(time.monotonic() - started, 2)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.popen.kill()
        proc.popen.wait(5)
        return None


async def wait_healthy(proc: Proc, limit_s: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + limit_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited: {proc.tail()}")
        try:
            return dict(await common.http_get_json(proc.port, limit_s=2))
        except (OSError, RuntimeError, TimeoutError, ValueError, asyncio.IncompleteReadError) as e:
            last = e
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{proc.name} not healthy after {limit_s} s: {last!r} {proc.tail()}")


def snapshot(procs: list[Proc]) -> dict[str, Any]:
    """The servers' CPU (/proc/<pid>/stat: dead threads included), RSS, and the
    time their threads waited for a CPU while runnable (schedstat)."""
    cpu = rss = wait = 0.0
    by_proc: dict[str, float] = {}
    for p in procs:
        with contextlib.suppress(OSError, ValueError):
            own = common.proc_cpu_seconds(p.pid)
            by_proc[f"{p.name}:{p.port}"] = own
            cpu += own
            rss += common.proc_rss_bytes(p.pid)
            wait += common.proc_sched_seconds(p.pid)[1]
    return {
        "by_proc": by_proc,
        "cpu_s": cpu,
        "rss": rss,
        "wait_s": wait,
        "t": time.monotonic(),
        "wall_ms": time.time() * 1000,
    }


async def start_redis(logdir: Path, cpus: set[int] | None) -> Proc:
    """A throwaway redis-server on a free port: no persistence, 127.0.0.1 only."""
    port = free_port()
    argv = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1"]
    argv += ["--save", "", "--appendonly", "no"]
    redis = start_proc("redis", argv, dict(os.environ), port, logdir, cpus)
    for _ in range(50):  # bounded: 5 s
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return redis
        await asyncio.sleep(0.1)
    raise RuntimeError(f"redis-server did not start: {redis.tail()}")


def start_servers(
    target: str, count: int, extra: dict[str, str], logdir: Path, cpus: set[int] | None
) -> list[Proc]:
    """``count`` servers of ``target``, each on its own free port."""
    procs = []
    for _ in range(count):
        port = free_port()
        env = server_env(port, extra)
        procs.append(start_proc(target, server_argv(target), env, port, logdir, cpus))
    return procs


class WorkerHandle:
    def __init__(self, wid: int, options: dict[str, Any]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child, wid, options), daemon=True)
        self.proc.start()
        child.close()

    async def call(self, cmd: dict[str, Any], limit_s: float) -> dict[str, Any]:
        self.conn.send(cmd)
        reply = await asyncio.to_thread(_recv, self.conn, limit_s)
        if not reply.get("ok"):
            raise RuntimeError(f"worker failed on {cmd['cmd']}: {reply.get('error')}")
        return reply

    def stop(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send({"cmd": "exit"})
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(2)


def _recv(conn: Connection, timeout: float) -> dict[str, Any]:
    if not conn.poll(timeout):
        raise TimeoutError(f"no answer from a worker within {timeout:.0f} s")
    return dict(conn.recv())


# --- statistics ----------------------------------------------------------------------------


async def wait_quiet(limit_s: float, threshold: float = 0.3) -> float:
    """Wait (at most ``limit_s``) until other processes use under ``threshold`` CPUs.

    The machine may be shared; returns the busy CPUs measured last.
    """
    deadline = time.monotonic() + limit_s
    busy = 0.0
    for _ in range(1000):
        (before, _), t0 = common.machine_cpu_seconds(), time.monotonic()
        await asyncio.sleep(1.0)
        busy = (common.machine_cpu_seconds()[0] - before) / (time.monotonic() - t0)
        if busy < threshold or time.monotonic() >= deadline:
            break
    return round(busy, 2)
