"""The load benchmark's coordinator: servers up, players in, games played, numbers out.

    python -m bench.run --quick                        # < 1 minute, after each change
    python -m bench.run --scenario room_1000 --scenario rooms_1000x5
    python -m bench.run --all --out bench/results/full.json
    python -m bench.run --render bench/results/quick.json bench/results/full.json

Each scenario runs against each of its targets in turn, in this one process
run, with the same load generator: ``quiz`` (quiz_server.py), ``floor`` (bare
websockets, bench/floor_server.py) and ``peer`` (python-socketio,
bench/peer_server.py); optionally ``quiz_uvloop`` (the quiz server on uvloop)
and, for the Redis scenario, ``quiz_redis`` (two quiz servers and a
redis-server). Servers run pinned to CPU 0, load-generator workers to the
other CPUs. Only 127.0.0.1 is ever contacted. Every phase has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import multiprocessing
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench import common
from bench.loadgen import worker_main

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "performance.md"
PY = sys.executable

REALISTIC = {"kind": "lognormal", "median": 3.5, "sigma": 0.45, "min": 0.3, "max": 15.0}
BURST = {"kind": "uniform", "min": 0.0, "max": 1.0}
QUICK = {"kind": "lognormal", "median": 1.0, "sigma": 0.4, "min": 0.2, "max": 3.0}


@dataclass(frozen=True)
class Scenario:
    name: str
    rooms: int
    size: int  # players per room, host included
    questions: int = 5
    time_per_question: int = 20
    reveal_seconds: int = 2
    delay: dict[str, Any] = field(default_factory=lambda: dict(REALISTIC))
    targets: tuple[str, ...] = ("quiz", "floor", "peer")
    join_timeout: float = 300.0
    concurrency: int = 50
    note: str = ""

    @property
    def players(self) -> int:
        return self.rooms * self.size


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "quick_room_200",
            1,
            200,
            questions=2,
            time_per_question=5,
            reveal_seconds=1,
            delay=dict(QUICK),
            join_timeout=60,
        ),
        Scenario(
            "quick_rooms_50x5",
            50,
            5,
            questions=2,
            time_per_question=5,
            reveal_seconds=1,
            delay=dict(QUICK),
            targets=("quiz",),
            join_timeout=60,
        ),
        Scenario(
            "room_1000",
            1,
            1000,
            targets=("quiz", "floor", "peer", "peer_deflate", "quiz_uvloop"),
            join_timeout=300,
        ),
        Scenario("room_5000", 1, 5000, join_timeout=900),
        Scenario("room_10000", 1, 10_000, join_timeout=1500),
        Scenario("rooms_1000x5", 1000, 5, join_timeout=300),
        Scenario(
            "burst_5000",
            1,
            5000,
            delay=dict(BURST),
            join_timeout=900,
            note="every player answers within 1 s of receiving the question",
        ),
        Scenario(
            "redis_1000",
            1,
            1000,
            targets=("quiz", "quiz_redis"),
            join_timeout=300,
            note="two quiz servers sharing Redis, players alternate between them",
        ),
    )
}
QUICK_SET = ("quick_room_200", "quick_rooms_50x5")
FULL_SET = ("room_1000", "rooms_1000x5", "burst_5000", "room_5000", "room_10000", "redis_1000")


# --- processes -----------------------------------------------------------------------------


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


def server_argv(target: str) -> list[str]:
    return {
        "quiz": [PY, "quiz_server.py"],
        "quiz_redis": [PY, "quiz_server.py"],
        "quiz_uvloop": [PY, "-m", "bench.serve_uvloop"],
        "quiz_gcstats": [PY, "-m", "bench.serve_gcstats"],
        "floor": [PY, "-m", "bench.floor_server"],
        "peer": [PY, "-m", "bench.peer_server"],
        "peer_deflate": [PY, "-m", "bench.peer_server"],
    }[target]


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


def snapshot(procs: list[Proc]) -> dict[str, float]:
    cpu = rss = 0.0
    for p in procs:
        with contextlib.suppress(OSError, ValueError):
            cpu += common.proc_cpu_seconds(p.pid)
            rss += common.proc_rss_bytes(p.pid)
    return {"cpu_s": cpu, "rss": rss, "t": time.monotonic()}


class HealthPoller:
    """Polls /healthz of the main server every ``interval`` s while a run lasts."""

    def __init__(self, port: int, interval: float = 0.5) -> None:
        self.port = port
        self.interval = interval
        self.samples: list[dict[str, Any]] = []
        self.phase = "join"
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        for _ in range(100_000):  # bounded: the run's own timeouts end it long before
            started = time.monotonic()
            try:
                body = await common.http_get_json(self.port, limit_s=10)
                took = (time.monotonic() - started) * 1000
                self.samples.append({"phase": self.phase, "fetch_ms": took, "health": body})
            except (OSError, RuntimeError, TimeoutError, ValueError, asyncio.IncompleteReadError):
                took = (time.monotonic() - started) * 1000
                self.samples.append({"phase": self.phase, "fetch_ms": took, "health": None})
            await asyncio.sleep(max(0.05, self.interval - (time.monotonic() - started)))

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    def summary(self, phase: str) -> dict[str, Any]:
        rows = [s for s in self.samples if s["phase"] == phase]
        lags = [s["health"]["loop_lag_ms"] for s in rows if s["health"]]
        return {
            "polls": len(rows),
            "failed_polls": sum(1 for s in rows if not s["health"]),
            "loop_lag_p99_ms": max((lag["p99"] for lag in lags), default=None),
            "loop_lag_max_ms": max((lag["max"] for lag in lags), default=None),
            "healthz_fetch_max_ms": round(max((s["fetch_ms"] for s in rows), default=0), 1),
        }


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


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 2)


def dist(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": pct(values, 0.5),
        "p99": pct(values, 0.99),
        "max": round(max(values), 2) if values else None,
    }


# --- one run: one scenario against one target ----------------------------------------------


@dataclass
class Options:
    workers: int
    server_cpus: set[int] | None
    worker_cpus: list[int] | None
    compression: bool = True
    client_json: str = "orjson"
    client_loop: str = "uvloop"
    logdir: Path = Path(tempfile.gettempdir())
    quiet_wait: float = 60.0
    question_bytes: int = 300
    seed: int = 1


async def wait_quiet(limit_s: float, threshold: float = 0.3) -> float:
    """Wait (at most ``limit_s``) until other processes use under ``threshold`` CPUs.

    The machine may be shared; returns the busy CPUs measured last.
    """
    deadline = time.monotonic() + limit_s
    busy = 0.0
    for _ in range(1000):
        before, t0 = common.machine_busy_seconds(), time.monotonic()
        await asyncio.sleep(1.0)
        busy = (common.machine_busy_seconds() - before) / (time.monotonic() - t0)
        if busy < threshold or time.monotonic() >= deadline:
            break
    return round(busy, 2)


async def run_target(scn: Scenario, target: str, opt: Options) -> dict[str, Any]:
    kind = "quiz" if target.startswith("quiz") else target.split("_")[0]
    codec = "sio" if kind == "peer" else "json"
    # Clients offer permessage-deflate as browsers do; the quiz server and the floor
    # decline it. python-socketio cannot decline it, so "peer" is run with clients that
    # do not offer it (the same uncompressed wire), "peer_deflate" with clients that do.
    compression = opt.compression and target != "peer"
    procs: list[Proc] = []
    redis: Proc | None = None
    workers: list[WorkerHandle] = []
    poller: HealthPoller | None = None
    out: dict[str, Any] = {"target": target, "status": "ok"}
    out["quiz_code_sha256"] = code_hash()
    out["background_cpus_before"] = await wait_quiet(opt.quiet_wait)
    started = time.monotonic()
    busy_start = common.machine_busy_seconds()
    own_start = time.process_time()
    try:
        # Servers.
        if target == "quiz_redis":
            rport = free_port()
            redis = start_proc(
                "redis",
                [
                    "/usr/bin/redis-server",
                    "--port",
                    str(rport),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                dict(os.environ),
                rport,
                opt.logdir,
                opt.server_cpus,
            )
            await asyncio.sleep(0.5)
            url = f"redis://127.0.0.1:{rport}/0"
            for _ in range(2):
                port = free_port()
                env = server_env(port, {"REDIS_URL": url})
                procs.append(
                    start_proc(target, server_argv(target), env, port, opt.logdir, opt.server_cpus)
                )
        else:
            port = free_port()
            env = server_env(port, {"BENCH_UVLOOP": "0"})
            procs.append(
                start_proc(target, server_argv(target), env, port, opt.logdir, opt.server_cpus)
            )
        healths = [await wait_healthy(p) for p in procs]
        if target == "quiz_redis" and not all(h.get("redis") for h in healths):
            out["status"] = "pending"
            out["reason"] = "the quiz server's /healthz has no 'redis' key with REDIS_URL set"
            return out
        await asyncio.sleep(0.5)
        idle = snapshot(procs + ([redis] if redis else []))
        all_procs = procs + ([redis] if redis else [])

        # Load generator workers.
        for wid in range(opt.workers):
            cpus = None
            if opt.worker_cpus:
                cpus = [opt.worker_cpus[wid % len(opt.worker_cpus)]]
            workers.append(
                WorkerHandle(
                    wid,
                    {
                        "compression": compression,
                        "delay": scn.delay,
                        "seed": opt.seed,
                        "cpus": cpus,
                        "json": opt.client_json,
                        "loop": opt.client_loop,
                    },
                )
            )
        poller = HealthPoller(procs[0].port)
        poller.start()

        def uri(i: int) -> tuple[str, int]:
            p = procs[i % len(procs)].port
            path = "/socket.io/?EIO=4&transport=websocket" if codec == "sio" else "/"
            return f"ws://127.0.0.1:{p}{path}", p

        # Hosts create the rooms.
        settings = {
            "topic": "general knowledge",
            "num_questions": scn.questions,
            "time_per_question": scn.time_per_question,
            "reveal_seconds": scn.reveal_seconds,
            "question_bytes": opt.question_bytes,
        }
        if kind == "quiz":
            settings.pop("question_bytes")
        host_specs: list[list[dict[str, Any]]] = [[] for _ in workers]
        for r in range(scn.rooms):
            u, p = uri(0)
            host_specs[r % len(workers)].append(
                {
                    "key": f"r{r}",
                    "name": f"host{r}",
                    "uri": u,
                    "port": p,
                    "codec": codec,
                    "settings": settings,
                }
            )
        join_started = time.monotonic()
        before_join = snapshot(all_procs)
        replies = await asyncio.gather(
            *(
                w.call(
                    {
                        "cmd": "hosts",
                        "rooms": specs,
                        "concurrency": scn.concurrency,
                        "timeout": scn.join_timeout,
                    },
                    scn.join_timeout + 30,
                )
                for w, specs in zip(workers, host_specs, strict=True)
            )
        )
        room_ids: dict[str, str] = {}
        for reply in replies:
            room_ids.update(reply["rooms"])
        if len(room_ids) < scn.rooms:
            raise RuntimeError(f"only {len(room_ids)} of {scn.rooms} rooms created: {replies}")

        # Players join; player j of room r goes to worker (r + j) % W, server j % servers.
        join_specs: list[list[dict[str, Any]]] = [[] for _ in workers]
        for r in range(scn.rooms):
            for j in range(1, scn.size):
                u, p = uri(j)
                join_specs[(r + j) % len(workers)].append(
                    {
                        "key": f"r{r}",
                        "room_id": room_ids[f"r{r}"],
                        "name": f"p{r}_{j}",
                        "uri": u,
                        "port": p,
                        "codec": codec,
                    }
                )
        left = max(10.0, scn.join_timeout - (time.monotonic() - join_started))
        joins = await asyncio.gather(
            *(
                w.call(
                    {
                        "cmd": "join",
                        "players": specs,
                        "concurrency": scn.concurrency,
                        "timeout": left,
                    },
                    left + 30,
                )
                for w, specs in zip(workers, join_specs, strict=True)
            )
        )
        join_ended = time.monotonic()
        joined = scn.rooms + sum(j["joined"] for j in joins)
        join_failures: dict[str, int] = {}
        for j in joins:
            for k, v in j["failures"].items():
                join_failures[k] = join_failures.get(k, 0) + v
        after_join = snapshot(all_procs)
        await asyncio.sleep(1.0)  # let the last frames drain, then measure idle memory
        settled = snapshot(all_procs)
        health_joined = await common.http_get_json(procs[0].port, limit_s=30)
        if joined < scn.players:
            out["status"] = "failed"
            out["reason"] = f"only {joined} of {scn.players} players joined in {scn.join_timeout} s"

        # The games.
        poller.phase = "game"
        game_start = snapshot(all_procs)
        keys = [f"r{r}" for r in range(scn.rooms)]
        await asyncio.gather(*(w.call({"cmd": "start", "keys": keys}, 30) for w in workers))
        game_timeout = (
            20
            + scn.questions * (scn.time_per_question + scn.reveal_seconds + 3)
            + scn.players * 0.01
        )
        waits = await asyncio.gather(
            *(w.call({"cmd": "wait", "timeout": game_timeout}, game_timeout + 60) for w in workers)
        )
        game_end = snapshot(all_procs)
        poller.phase = "after"
        health_end = await common.http_get_json(procs[0].port, limit_s=30)
        results = await asyncio.gather(
            *(
                w.call({"cmd": "results", "num_questions": scn.questions, "kind": kind}, 120)
                for w in workers
            )
        )
        done = sum(w_["done"] for w_ in waits)
        expected = sum(w_["expected"] for w_ in waits)
        if done < expected and out["status"] == "ok":
            out["status"] = "failed"
            out["reason"] = f"{expected - done} of {expected} players did not finish the game"

        await poller.stop()
        # CPU the rest of the machine used meanwhile: not ours, so contention.
        ours = (
            game_end["cpu_s"]
            - idle["cpu_s"]
            + sum(r["cpu_total_s"] for r in results)
            + time.process_time()
            - own_start
        )
        span = time.monotonic() - started
        other = common.machine_busy_seconds() - busy_start - ours
        out["background_cpus_during"] = round(max(0.0, other) / span, 2)
        out["shutdown_s"] = [stop_proc(p) for p in procs]
        await asyncio.gather(*(w.call({"cmd": "close"}, 30) for w in workers))
        out.update(
            summarize(
                scn,
                kind,
                results,
                joins,
                joined,
                join_failures,
                times={
                    "join_s": join_ended - join_started,
                    "idle": idle,
                    "before_join": before_join,
                    "after_join": after_join,
                    "settled": settled,
                    "game_start": game_start,
                    "game_end": game_end,
                },
                health={"joined": health_joined, "end": health_end},
                poller=poller,
            )
        )
        out["servers"] = len(procs)
        return out
    except Exception as exc:
        out["status"] = "error"
        out["reason"] = f"{type(exc).__name__}: {exc}"[:500]
        out["server_log_tail"] = [p.tail(8) for p in procs]
        return out
    finally:
        if poller is not None:
            await poller.stop()
        for p in procs:
            stop_proc(p, grace=3)
        if redis is not None:
            stop_proc(redis, grace=3)
        for w in workers:
            w.stop()
        out["wall_s"] = round(time.monotonic() - started, 1)


def summarize(
    scn: Scenario,
    kind: str,
    results: list[dict[str, Any]],
    joins: list[dict[str, Any]],
    joined: int,
    join_failures: dict[str, int],
    times: dict[str, Any],
    health: dict[str, Any],
    poller: HealthPoller,
) -> dict[str, Any]:
    def merged(key: str) -> dict[str, int]:
        total: dict[str, int] = {}
        for r in results:
            for k, v in r[key].items():
                total[k] = total.get(k, 0) + v
        return total

    msgs_join, msgs_game = merged("msgs_join"), merged("msgs_game")
    errors, missing = merged("errors"), merged("missing")
    lost = sum(r["lost"] for r in results)
    deflate = sum(r.get("deflate_connections", 0) for r in results)

    # Fan-out: every (room, question): server_time_ms and each receipt.
    per_q: dict[tuple[str, int], list[Any]] = {}
    for r in results:
        for key, index, server_ms, receipts in r["fanout"]:
            entry = per_q.setdefault((key, index), [server_ms, []])
            entry[1].extend(receipts)
    latencies: list[float] = []
    complete_ms: list[float] = []
    throughput: list[float] = []
    for server_ms, receipts in per_q.values():
        lat = [t - server_ms for t in receipts]
        latencies.extend(lat)
        span = max(lat)
        complete_ms.append(span)
        throughput.append(len(lat) / max(span, 1.0) * 1000)
    answer_lat = [x for r in results for x in r["answer_lat"]]
    join_lat = [x for r in results for x in r["join_lat"]]
    qbytes = [x for r in results for x in r["question_bytes"]]

    join_first = min(r["join_first_ms"] for r in results)
    join_last = max(r["join_last_ms"] for r in results)
    game_started = min(r["game_started_ms"] for r in results if r["game_started_ms"])
    game_ended = max(r["game_ended_ms"] for r in results)
    game_s = max(0.001, (game_ended - game_started) / 1000)
    join_s = max(0.001, (join_last - join_first) / 1000)
    delivered_game = sum(msgs_game.values())
    delivered_join = sum(msgs_join.values())
    cpu_join = times["after_join"]["cpu_s"] - times["before_join"]["cpu_s"]
    cpu_game = times["game_end"]["cpu_s"] - times["game_start"]["cpu_s"]
    connected = health["joined"].get("connections", joined)
    mem_per_player = (times["settled"]["rss"] - times["idle"]["rss"]) / max(1, joined)
    single_room = scn.rooms == 1

    return {
        "players": joined,
        "deflate_connections": deflate,
        "join": {
            "seconds": round(join_s, 2),
            "rate_per_s": round(joined / join_s, 1),
            "latency_ms": dist(join_lat),
            "failures": join_failures,
            "messages_delivered": delivered_join,
            "messages_by_type": msgs_join,
            "server_cpu_s": round(cpu_join, 2),
            "server_cpu_s_per_1k_msgs": round(cpu_join / max(1, delivered_join) * 1000, 4),
            "health": poller.summary("join"),
        },
        "memory": {
            "rss_idle_mib": round(times["idle"]["rss"] / 2**20, 1),
            "rss_joined_mib": round(times["settled"]["rss"] / 2**20, 1),
            "connections": connected,
            "kib_per_player": round(mem_per_player / 1024, 1),
            # Per-connection state grows with use (zlib windows fill up): after the
            # game, the same connections, still open, idle again.
            "rss_after_game_mib": round(times["game_end"]["rss"] / 2**20, 1),
            "kib_per_player_after_game": round(
                (times["game_end"]["rss"] - times["idle"]["rss"]) / max(1, joined) / 1024, 1
            ),
        },
        "game": {
            "seconds": round(game_s, 2),
            "messages_delivered": delivered_game,
            "messages_per_s": round(delivered_game / game_s, 1),
            "bytes_delivered": sum(r["bytes_game"] for r in results),
            "messages_by_type": msgs_game,
            "server_cpu_s": round(cpu_game, 2),
            "server_cpu_s_per_1k_msgs": round(cpu_game / max(1, delivered_game) * 1000, 4),
            "fanout_latency_ms": dist(latencies),
            "fanout_complete_ms_median": round(statistics.median(complete_ms), 1)
            if complete_ms
            else None,
            "fanout_throughput_per_s": round(statistics.median(throughput), 1)
            if throughput and single_room
            else None,
            "questions_measured": len(per_q),
            "question_frame_bytes": round(statistics.mean(qbytes), 1) if qbytes else None,
            "answer_latency_ms": dist(answer_lat),
            "health": poller.summary("game"),
        },
        "errors": {
            "by_kind": errors,
            "lost_connections": lost,
            "missing_messages": missing,
            "total": sum(errors.values()) + lost + sum(missing.values()),
        },
        "server_counters": {
            "joined": health["joined"].get("counters"),
            "end": health["end"].get("counters"),
        },
        "loadgen": {
            "workers": len(results),
            "cpu_game_s": round(sum(r["cpu_game_s"] for r in results), 2),
            "cpu_us_per_msg_game": round(
                sum(r["cpu_game_s"] for r in results) / max(1, delivered_game) * 1e6, 1
            ),
            "cpu_total_s": round(sum(r["cpu_total_s"] for r in results), 2),
            "json": results[0]["json"],
            "loop": results[0]["loop"],
        },
    }


def ratios(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Quiz against floor and peer, where both ran fine."""
    quiz = runs.get("quiz")
    out: dict[str, Any] = {}
    if not quiz or quiz.get("status") != "ok":
        return out
    for base in ("floor", "peer", "peer_deflate", "quiz_uvloop"):
        ref = runs.get(base)
        if not ref or ref.get("status") != "ok":
            continue
        q, b = quiz["game"], ref["game"]
        entry: dict[str, Any] = {}
        if q["fanout_throughput_per_s"] and b["fanout_throughput_per_s"]:
            entry["fanout_throughput"] = round(
                q["fanout_throughput_per_s"] / b["fanout_throughput_per_s"], 2
            )
        for name, a, c in (
            ("fanout_p50_latency", q["fanout_latency_ms"]["p50"], b["fanout_latency_ms"]["p50"]),
            ("answer_p99_latency", q["answer_latency_ms"]["p99"], b["answer_latency_ms"]["p99"]),
            ("cpu_per_1k_msgs", q["server_cpu_s_per_1k_msgs"], b["server_cpu_s_per_1k_msgs"]),
        ):
            if a is not None and c:
                entry[name] = round(a / c, 2)
        out[f"quiz_vs_{base}"] = entry
    redis = runs.get("quiz_redis")
    if redis and redis.get("status") == "ok":
        a, b = redis["game"]["fanout_latency_ms"]["p50"], quiz["game"]["fanout_latency_ms"]["p50"]
        if a is not None and b is not None:
            out["redis_added_p50_ms"] = round(a - b, 2)
    return out


# --- machine and rendering -----------------------------------------------------------------


def code_hash() -> str:
    """A short hash of the quiz server's code: the tree changes while people work."""
    code = hashlib.sha256()
    for path in [*sorted((ROOT / "quiz").glob("*.py")), ROOT / "quiz_server.py"]:
        code.update(path.read_bytes())
    return code.hexdigest()[:12]


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        mem = f.readline().split(":", 1)[1].strip()
    versions = {}
    for pkg in (
        "websockets",
        "python-socketio",
        "python-engineio",
        "aiohttp",
        "uvloop",
        "orjson",
        "redis",
    ):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    redis_v = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        redis_v = subprocess.run(
            ["/usr/bin/redis-server", "--version"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    return {
        "quiz_code_sha256": code_hash(),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "redis_server": redis_v,
    }


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render(docs: list[dict[str, Any]]) -> str:
    """Markdown tables for one or more result files."""
    lines: list[str] = []
    for doc in docs:
        m = doc["machine"]
        lines += [
            f"### Run of {doc['started']} ({doc['mode']})",
            "",
            f"Command: `{doc['command']}`  ",
            f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, Linux {m['kernel']}, "
            f"Python {m['python']}; "
            + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
            + f"; load generator: {doc['options']['workers']} worker(s) on CPU(s) "
            f"{doc['options']['worker_cpus']}, servers on CPU(s) {doc['options']['server_cpus']}, "
            f"client JSON {doc['options']['client_json']}, client loop "
            f"{doc['options']['client_loop']}, permessage-deflate offered: "
            f"{doc['options']['compression']}.",
            "",
            "| scenario | target | status | players | join /s | fan-out p50 / p99 / max ms "
            "| fan-out deliveries/s | answer→ack p50 / p99 ms | msgs/s (game) "
            "| server CPU s / 1k msgs (join; game) | KiB / player | loop lag p99 / max ms "
            "| errors | other load (CPUs) |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, scn in doc["scenarios"].items():
            for target, r in scn["runs"].items():
                if r.get("status") not in ("ok", "failed") or "game" not in r:
                    reason = r.get("reason", "")
                    lines.append(
                        f"| {name} | {target} | {r.get('status')} | | | | | | | | | | {reason} | |"
                    )
                    continue
                g, j = r["game"], r["join"]
                lag = g["health"]
                fl = g["fanout_latency_ms"]
                al = g["answer_latency_ms"]
                status = r["status"] + (f" ({r['reason']})" if r.get("reason") else "")
                lines.append(
                    f"| {name} | {target} | {status} | {fmt(r['players'])} "
                    f"| {fmt(j['rate_per_s'])} "
                    f"| {fmt(fl['p50'])} / {fmt(fl['p99'])} / {fmt(fl['max'])} "
                    f"| {fmt(g['fanout_throughput_per_s'], 0)} "
                    f"| {fmt(al['p50'])} / {fmt(al['p99'])} "
                    f"| {fmt(g['messages_per_s'], 0)} "
                    f"| {fmt(j['server_cpu_s_per_1k_msgs'], 3)}; "
                    f"{fmt(g['server_cpu_s_per_1k_msgs'], 3)} "
                    f"| {fmt(r['memory']['kib_per_player'])} "
                    f"| {fmt(lag['loop_lag_p99_ms'])} / {fmt(lag['loop_lag_max_ms'])} "
                    f"| {fmt(r['errors']['total'])} | {fmt(r.get('background_cpus_during'), 2)} |"
                )
            if scn.get("ratios"):
                parts = []
                for k, v in scn["ratios"].items():
                    if isinstance(v, dict):
                        parts.append(f"{k}: " + ", ".join(f"{a} x{b}" for a, b in v.items()))
                    else:
                        parts.append(f"{k}: {v}")
                lines.append(f"| {name} | *ratios* | " + "; ".join(parts) + " ||||||||||||")
        lines.append("")
    return "\n".join(lines)


def write_docs(docs: list[dict[str, Any]]) -> None:
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    table = f"{begin}\n\n{render(docs)}\n{end}"
    text = DOCS.read_text() if DOCS.exists() else f"# Performance\n\n{begin}\n{end}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + table + tail
    else:
        text += "\n" + table + "\n"
    DOCS.write_text(text)


# --- main ----------------------------------------------------------------------------------


async def run_all(names: list[str], opt: Options, targets: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        scn = SCENARIOS[name]
        chosen = [t for t in scn.targets if not targets or t in targets]
        for extra in ("quiz_uvloop", "quiz_gcstats"):
            if targets and extra in targets and extra not in chosen:
                chosen.append(extra)
        runs: dict[str, Any] = {}
        question_bytes = opt.question_bytes
        for target in chosen:
            print(f"[bench] {name}: {target} ...", file=sys.stderr, flush=True)
            result = await run_target(scn, target, replace(opt, question_bytes=question_bytes))
            runs[target] = result
            if target == "quiz" and result.get("game", {}).get("question_frame_bytes"):
                # The baselines send frames of the size the quiz server sent.
                question_bytes = int(result["game"]["question_frame_bytes"])
            print(f"[bench] {name}: {target}: {brief(result)}", file=sys.stderr, flush=True)
        out[name] = {"scenario": asdict(scn), "runs": runs, "ratios": ratios(runs)}
    return out


def brief(r: dict[str, Any]) -> str:
    if "game" not in r:
        return f"{r.get('status')} {r.get('reason', '')} ({r.get('wall_s')} s)"
    g = r["game"]
    return (
        f"{r['status']} {r.get('reason', '')} players={r['players']} "
        f"join/s={r['join']['rate_per_s']} fanout p50/p99/max="
        f"{g['fanout_latency_ms']['p50']}/{g['fanout_latency_ms']['p99']}/"
        f"{g['fanout_latency_ms']['max']} ms thr={g['fanout_throughput_per_s']}/s "
        f"answer p50/p99={g['answer_latency_ms']['p50']}/{g['answer_latency_ms']['p99']} ms "
        f"msgs/s={g['messages_per_s']} cpu/1k={g['server_cpu_s_per_1k_msgs']} "
        f"KiB/player={r['memory']['kib_per_player']} lag={g['health']['loop_lag_max_ms']} "
        f"errors={r['errors']['total']} bg={r.get('background_cpus_before')}/"
        f"{r.get('background_cpus_during')} ({r.get('wall_s')} s)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the < 1 minute check")
    parser.add_argument("--all", action="store_true", help="every full scenario")
    parser.add_argument("--scenario", action="append", default=[], choices=sorted(SCENARIOS))
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        choices=[
            "quiz",
            "floor",
            "peer",
            "peer_deflate",
            "quiz_uvloop",
            "quiz_redis",
            "quiz_gcstats",
        ],
        help="only these targets (default: each scenario's own)",
    )
    parser.add_argument("--out", type=Path, help="result JSON (default bench/results/<mode>.json)")
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument("--no-pin", action="store_true", help="do not pin servers/workers to CPUs")
    parser.add_argument(
        "--no-compression", action="store_true", help="clients do not offer permessage-deflate"
    )
    parser.add_argument("--client-json", choices=["orjson", "json"], default="orjson")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="wait up to S s before each run for other processes to go quiet",
    )
    parser.add_argument("--client-loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument(
        "--render",
        nargs="+",
        type=Path,
        metavar="RESULT_JSON",
        help="only render these result files into docs/performance.md",
    )
    parser.add_argument(
        "--docs",
        action="store_true",
        help="also render this run's results into docs/performance.md",
    )
    args = parser.parse_args(argv)

    if args.render:
        write_docs([json.loads(p.read_text()) for p in args.render])
        print(f"wrote {DOCS}")
        return 0

    names = list(args.scenario)
    if args.quick:
        names += [n for n in QUICK_SET if n not in names]
    if args.all:
        names += [n for n in FULL_SET if n not in names]
    if not names:
        names = list(QUICK_SET)
        args.quick = True
    if args.quick and args.quiet_wait == parser.get_default("quiet_wait"):
        args.quiet_wait = 5.0  # the quick check must stay under a minute
    mode = "quick" if args.quick and len(names) == len(QUICK_SET) else "custom"
    if args.all and not args.scenario and not args.quick:
        mode = "full"
    out_path = args.out or RESULTS / f"{mode if mode != 'custom' else 'latest'}.json"

    common.raise_fd_limit()
    ncpu = os.cpu_count() or 1
    pinned = ncpu >= 2 and not args.no_pin
    opt = Options(
        workers=args.workers,
        server_cpus={0} if pinned else None,
        worker_cpus=list(range(1, ncpu)) if pinned else None,
        compression=not args.no_compression,
        client_json=args.client_json,
        client_loop=args.client_loop,
        logdir=Path(tempfile.mkdtemp(prefix="quiz-bench-")),
        quiet_wait=args.quiet_wait,
    )
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    t0 = time.monotonic()
    scenarios = asyncio.run(run_all(names, opt, args.target or None))
    doc = {
        "started": started,
        "mode": mode,
        "command": "python -m bench.run "
        + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
        "wall_s": round(time.monotonic() - t0, 1),
        "machine": machine(),
        "options": {
            "workers": opt.workers,
            "server_cpus": sorted(opt.server_cpus) if opt.server_cpus else None,
            "worker_cpus": opt.worker_cpus,
            "compression": opt.compression,
            "client_json": opt.client_json,
            "client_loop": opt.client_loop,
        },
        "scenarios": scenarios,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=False))
    tmp.replace(out_path)
    print(render([doc]))
    print(
        f"[bench] wrote {out_path} in {doc['wall_s']} s; server logs in {opt.logdir}",
        file=sys.stderr,
    )
    if args.docs:
        write_docs([doc])
    bad = [
        f"{n}/{t}"
        for n, s in scenarios.items()
        for t, r in s["runs"].items()
        if r.get("status") not in ("ok", "pending")
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
