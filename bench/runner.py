"""One run: one scenario against one target, phase by phase; and the repeats of a list.

Phases: servers up (and redis-server for ``quiz_redis``), pictures uploaded
(media scenarios), load-generator workers up, hosts create the rooms,
players join, the games are played, the workers report. Every phase is
bounded by the scenario's timeouts. :func:`run_all` runs every scenario
``repeat`` times, the repeats outermost and each scenario's targets in an
order rotated by one each repeat (:func:`bench.scenarios.rotated`).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import common, pictures
from bench.measure import HealthPoller, Phases, Sampler, invalid_reasons, ratios, summarize
from bench.processes import (
    Proc,
    WorkerHandle,
    snapshot,
    start_redis,
    start_servers,
    stop_proc,
    wait_healthy,
    wait_quiet,
)
from bench.report import brief
from bench.scenarios import SCENARIOS, Scenario, rotated


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
    question_bytes: int = 300  # the floor's and the peer's question (the quiz's: 299)
    seed: int = 1
    repeat: int = 1


@dataclass
class Run:
    """The state of one run while its phases go on."""

    scn: Scenario
    target: str
    opt: Options
    procs: list[Proc] = field(default_factory=list)
    redis: Proc | None = None
    workers: list[WorkerHandle] = field(default_factory=list)
    poller: HealthPoller | None = None
    sampler: Sampler | None = None
    times: dict[str, Any] = field(default_factory=dict)
    out: dict[str, Any] = field(default_factory=dict)
    media: list[bytes] = field(default_factory=list)  # the scenario's pictures
    media_ids: list[str] = field(default_factory=list)  # as this target's server names them

    @property
    def kind(self) -> str:
        return "quiz" if self.target.startswith("quiz") else self.target.split("_")[0]

    @property
    def uvloop(self) -> bool:
        return self.target.endswith("_uvloop")

    @property
    def codec(self) -> str:
        return "sio" if self.kind == "peer" else "json"

    @property
    def all_procs(self) -> list[Proc]:
        return self.procs + ([self.redis] if self.redis else [])

    def mark(self, name: str) -> None:
        self.times[name] = snapshot(self.all_procs)

    def uri(self, i: int) -> tuple[str, int]:
        """Player ``i``'s server: players alternate between the servers."""
        port = self.procs[i % len(self.procs)].port
        path = "/socket.io/?EIO=4&transport=websocket" if self.codec == "sio" else "/"
        return f"ws://127.0.0.1:{port}{path}", port

    async def call_all(self, cmds: list[dict[str, Any]], limit_s: float) -> list[dict[str, Any]]:
        """Send one command to each worker (in order) and gather the replies."""
        pairs = zip(self.workers, cmds, strict=True)
        return list(await asyncio.gather(*(w.call(c, limit_s) for w, c in pairs)))


async def start_servers_for(run: Run) -> bool:
    """The target's servers, healthy; False when Redis mode is not in this server."""
    opt = run.opt
    if run.target == "quiz_redis":
        run.redis = await start_redis(opt.logdir, opt.server_cpus)
        url = f"redis://127.0.0.1:{run.redis.port}/0"
        run.procs = start_servers(run.target, 2, {"REDIS_URL": url}, opt.logdir, opt.server_cpus)
    else:
        extra = {"BENCH_UVLOOP": "1" if run.uvloop else "0"}
        if run.kind == "floor" and run.media:
            folder = opt.logdir / f"floor-media-{run.scn.name}"
            run.media_ids = pictures.write_floor_media(folder, run.media)
            extra["FLOOR_MEDIA_DIR"] = str(folder)
        run.procs = start_servers(run.target, 1, extra, opt.logdir, opt.server_cpus)
    healths = [await wait_healthy(p) for p in run.procs]
    if run.target == "quiz_redis" and not all(_on_redis(h) for h in healths):
        run.out["status"] = "error"
        run.out["reason"] = "a quiz server's /healthz does not report the Redis backend"
        return False
    if run.kind == "quiz" and run.media:
        # Through the protocol, as the editor uploads: the server stores its own
        # re-encoding, under its own ids.
        run.media_ids = [await pictures.upload(run.procs[0].port, data) for data in run.media]
    await asyncio.sleep(0.5)
    run.mark("idle")
    return True


def _on_redis(health: dict[str, Any]) -> bool:
    store = health.get("store") or {}
    return isinstance(store, dict) and store.get("backend") == "redis"


def start_workers(run: Run) -> None:
    opt = run.opt
    # Clients offer permessage-deflate as browsers do; the quiz server and the floor
    # decline it. python-socketio cannot decline it, so "peer" is run with clients that
    # do not offer it (the same uncompressed wire), "peer_deflate" with clients that do.
    compression = opt.compression and run.target != "peer"
    for wid in range(opt.workers):
        cpus = [opt.worker_cpus[wid % len(opt.worker_cpus)]] if opt.worker_cpus else None
        options = {
            "compression": compression,
            "delay": run.scn.delay,
            "seed": opt.seed,
            "cpus": cpus,
            "json": opt.client_json,
            "loop": opt.client_loop,
            "check_large_room": run.kind == "quiz",
            "media": run.scn.media,
        }
        run.workers.append(WorkerHandle(wid, options))
    run.poller = HealthPoller(run.procs[0].port)
    run.poller.start()
    servers = [p.pid for p in run.all_procs]
    run.sampler = Sampler(servers, [w.proc.pid for w in run.workers if w.proc.pid])
    run.sampler.start()


async def create_rooms(run: Run) -> dict[str, str]:
    """Each room's host creates it; returns room ids by key."""
    scn = run.scn
    settings: dict[str, Any] = {
        "topic": "general knowledge",
        "num_questions": scn.questions,
        "time_per_question": scn.time_per_question,
        "reveal_seconds": scn.reveal_seconds,
    }
    if scn.teams and run.target != "quiz_noteams":
        settings["teams"] = [f"Team {i + 1}" for i in range(scn.teams)]
    if run.kind != "quiz":
        settings["question_bytes"] = run.opt.question_bytes
        if run.media_ids:
            settings["media"] = run.media_ids
    elif run.media_ids:
        settings["questions"] = pictures.quiz_questions(run.media_ids)
        settings["topic"] = "pictures"
    specs: list[list[dict[str, Any]]] = [[] for _ in run.workers]
    for r in range(scn.rooms):
        u, p = run.uri(0)
        spec = {"key": f"r{r}", "name": f"host{r}", "uri": u, "port": p, "codec": run.codec}
        specs[r % len(run.workers)].append({**spec, "settings": settings})
    cmds = [
        {"cmd": "hosts", "rooms": s, "concurrency": scn.concurrency, "timeout": scn.join_timeout}
        for s in specs
    ]
    replies = await run.call_all(cmds, scn.join_timeout + 30)
    room_ids: dict[str, str] = {}
    for reply in replies:
        room_ids.update(reply["rooms"])
    if len(room_ids) < scn.rooms:
        raise RuntimeError(f"only {len(room_ids)} of {scn.rooms} rooms created: {replies}")
    return room_ids


async def join_players(run: Run, room_ids: dict[str, str], left: float) -> list[dict[str, Any]]:
    """Player j of room r goes to worker (r + j) % W and to server j % servers."""
    scn, n = run.scn, len(run.workers)
    specs: list[list[dict[str, Any]]] = [[] for _ in run.workers]
    for r in range(scn.rooms):
        for j in range(1, scn.size):
            u, p = run.uri(j)
            specs[(r + j) % n].append(
                {
                    "key": f"r{r}",
                    "room_id": room_ids[f"r{r}"],
                    # Two words, the number alone: a number read as
                    # leetspeak ("p0_455") can trip the room's name filter.
                    "name": f"p{r} {j}",
                    "uri": u,
                    "port": p,
                    "codec": run.codec,
                }
            )
    cmds = [
        {"cmd": "join", "players": s, "concurrency": scn.concurrency, "timeout": left}
        for s in specs
    ]
    return await run.call_all(cmds, left + 30)


async def join_phase(run: Run) -> tuple[list[dict[str, Any]], int, dict[str, int]]:
    scn = run.scn
    started = time.monotonic()
    run.mark("before_join")
    room_ids = await create_rooms(run)
    left = max(10.0, scn.join_timeout - (time.monotonic() - started))
    joins = await join_players(run, room_ids, left)
    run.mark("after_join")
    joined = scn.rooms + sum(j["joined"] for j in joins)
    failures: dict[str, int] = {}
    for j in joins:
        for k, v in j["failures"].items():
            failures[k] = failures.get(k, 0) + v
    await asyncio.sleep(1.0)  # let the last frames drain, then measure idle memory
    run.mark("settled")
    if joined < scn.players:
        run.out["status"] = "failed"
        run.out["reason"] = f"only {joined} of {scn.players} players joined in {scn.join_timeout} s"
    return joins, joined, failures


async def game_phase(run: Run) -> list[dict[str, Any]]:
    """Hosts start; everyone plays to game_over; returns each worker's results."""
    scn = run.scn
    assert run.poller is not None
    run.poller.phase = "game"
    run.mark("game_start")
    keys = [f"r{r}" for r in range(scn.rooms)]
    await run.call_all([{"cmd": "start", "keys": keys} for _ in run.workers], 30)
    per_question = scn.time_per_question + scn.reveal_seconds + 3
    timeout = 20 + scn.questions * per_question + scn.players * 0.01
    waits = await run.call_all(
        [{"cmd": "wait", "timeout": timeout} for _ in run.workers], timeout + 60
    )
    run.mark("game_end")
    run.poller.phase = "after"
    cmd = {"cmd": "results", "num_questions": scn.questions, "kind": run.kind}
    results = await run.call_all([cmd for _ in run.workers], 120)
    done, expected = sum(w["done"] for w in waits), sum(w["expected"] for w in waits)
    if done < expected and run.out["status"] == "ok":
        run.out["status"] = "failed"
        run.out["reason"] = f"{expected - done} of {expected} players did not finish the game"
    return results


async def server_state(run: Run) -> list[dict[str, Any]]:
    """Every server's /healthz with its /metrics (parsed), the first server first."""
    states = []
    for proc in run.procs:
        health = dict(await common.http_get_json(proc.port, limit_s=30))
        health["metrics"] = await common.http_get_metrics(proc.port, limit_s=30)
        states.append(health)
    return states


def cleanup(run: Run) -> None:
    for p in run.procs:
        stop_proc(p, grace=3)
    if run.redis is not None:
        stop_proc(run.redis, grace=3)
    for w in run.workers:
        w.stop()


async def run_target(
    scn: Scenario, target: str, opt: Options, media: list[bytes] | None = None
) -> dict[str, Any]:
    run = Run(scn, target, opt, out={"target": target, "status": "ok"}, media=media or [])
    run.out["background_cpus_before"] = await wait_quiet(opt.quiet_wait)
    started, (busy_start, steal_start), own_start = (
        time.monotonic(),
        common.machine_cpu_seconds(),
        time.process_time(),
    )
    try:
        if not await start_servers_for(run):
            return run.out
        start_workers(run)
        joins, joined, failures = await join_phase(run)
        servers_joined = await server_state(run)
        results = await game_phase(run)
        servers_end = await server_state(run)
        assert run.poller is not None and run.sampler is not None
        await run.poller.stop()
        await run.sampler.stop()
        # CPU the rest of the machine used meanwhile: not ours, so contention;
        # and, apart, the time the hypervisor took (which /proc/stat counts
        # as busy): on a shared VM, often the larger of the two.
        wall = time.monotonic() - started
        busy, steal = common.machine_cpu_seconds()
        busy, steal = busy - busy_start, steal - steal_start
        ours = run.times["game_end"]["cpu_s"] - run.times["idle"]["cpu_s"]
        ours += sum(r["cpu_total_s"] for r in results) + time.process_time() - own_start
        other = busy - ours - steal
        run.out["background_cpus_during"] = round(max(0.0, other) / wall, 2)
        run.out["steal_cpus_during"] = round(steal / wall, 2)
        run.out["shutdown_s"] = [stop_proc(p) for p in run.procs]
        await run.call_all([{"cmd": "close"} for _ in run.workers], 30)
        health = {"joined": servers_joined[0], "end": servers_end[0]}
        servers = {"joined": servers_joined, "end": servers_end}
        phases = Phases(
            results, joins, joined, failures, run.times, health, run.poller, servers, run.sampler
        )
        run.out.update(summarize(scn, phases))
        run.out["servers"] = len(run.procs)
        run.out["invalid"] = invalid_reasons(run.out)
        return run.out
    except Exception as exc:
        run.out["status"] = "error"
        run.out["reason"] = f"{type(exc).__name__}: {exc}"[:500]
        run.out["server_log_tail"] = [p.tail(8) for p in run.procs]
        return run.out
    finally:
        if run.poller is not None:
            await run.poller.stop()
        if run.sampler is not None:
            await run.sampler.stop()
        cleanup(run)
        run.out["wall_s"] = round(time.monotonic() - started, 1)
        run.out.setdefault("invalid", invalid_reasons(run.out))


async def run_all(names: list[str], opt: Options, targets: list[str] | None) -> dict[str, Any]:
    """Each scenario against each of its targets, ``opt.repeat`` times.

    The repeats are the outer loop, so that a slow drift of the machine
    touches every scenario alike; within a scenario, the targets run in an
    order rotated by one each repeat, so that none always runs first.
    """
    out: dict[str, Any] = {}
    media = {
        name: [pictures.picture(opt.seed * 100 + i) for i in range(scn.media["pictures"])]
        for name in names
        if (scn := SCENARIOS[name]).media
    }
    for repeat in range(opt.repeat):
        for name in names:
            scn = SCENARIOS[name]
            chosen = [t for t in scn.targets if not targets or t in targets]
            chosen += [t for t in targets or () if t not in chosen and _extra_ok(scn, t)]
            order = rotated(chosen, repeat)
            runs: dict[str, Any] = {}
            for target in order:
                print(f"[bench] {name} #{repeat + 1}: {target} ...", file=sys.stderr, flush=True)
                runs[target] = await run_target(scn, target, opt, media.get(name))
                brief_line = brief(runs[target])
                print(f"[bench] {name} #{repeat + 1}: {target}: {brief_line}", file=sys.stderr)
            entry = out.setdefault(name, {"scenario": asdict(scn), "repeats": []})
            entry["repeats"].append({"order": order, "runs": runs, "ratios": ratios(runs)})
    return out


def _extra_ok(scn: Scenario, target: str) -> bool:
    """Whether ``target``, asked for on the command line, makes sense in ``scn``."""
    if target == "quiz_redis":
        return scn.name.startswith("redis")
    if target == "quiz_noteams":
        return bool(scn.teams)
    if target.startswith("peer"):
        return not scn.media  # the peer serves no pictures
    return True
