"""The benchmark's measurements: /healthz polling, percentiles, one run's summary, ratios."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from bench import common
from bench.scenarios import Scenario


class HealthPoller:
    """Polls /healthz of the main server every ``interval`` s while a run lasts."""

    def __init__(self, port: int, interval: float = 0.5) -> None:
        self.port = port
        self.interval = interval
        self.samples: list[dict[str, Any]] = []
        self.phase = "join"
        self.task: asyncio.Task[None] | None = None
        self.stopping = False

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        for _ in range(100_000):  # bounded: the run's own timeouts end it long before
            if self.stopping:
                return
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
        # Not by cancellation alone: on Python 3.11, asyncio.wait_for returns the
        # inner result and drops a cancel that lands as the fetch completes, so the
        # loop went on polling and ``await self.task`` never returned (the run hung
        # after the game, its players idle; seen with the peer, whose /healthz
        # answers late under load). The flag ends the loop after the current fetch.
        self.stopping = True
        task = self.task
        if task is not None:
            task.cancel()
            await asyncio.wait({task}, timeout=15)
            if task.done() and not task.cancelled():
                task.exception()  # retrieved, so asyncio does not log it

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


class Sampler:
    """CPU of the servers and of the load generator, sampled every ``interval`` s.

    Each sample is (wall ms, servers' CPU s, workers' CPU s), from
    /proc/<pid>/task/*/schedstat (nanoseconds): the CPU of a window of a
    few hundred ms (one question's answers) is read from two samples.
    """

    def __init__(self, servers: list[int], workers: list[int], interval: float = 0.05) -> None:
        self.servers = servers
        self.workers = workers
        self.interval = interval
        self.samples: list[tuple[float, float, float]] = []
        self.task: asyncio.Task[None] | None = None
        self.stopping = False

    def read(self) -> tuple[float, float, float]:
        def total(pids: list[int]) -> float:
            cpu = 0.0
            for pid in pids:
                with contextlib.suppress(OSError, ValueError):
                    cpu += common.proc_sched_seconds(pid)[0]
            return cpu

        return time.time() * 1000, total(self.servers), total(self.workers)

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        for _ in range(1_000_000):  # bounded: the run's timeouts end it long before
            if self.stopping:
                return
            self.samples.append(self.read())
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        self.stopping = True
        if self.task is not None:
            await asyncio.wait({self.task}, timeout=5)
        self.samples.append(self.read())


def cpu_between(samples: list[tuple[float, float, float]], col: int, t0: float, t1: float) -> float:
    """CPU seconds of column ``col`` (1: servers, 2: workers) between wall times
    ``t0`` and ``t1`` (ms), interpolated between the samples around them."""
    return _cpu_at(samples, col, t1) - _cpu_at(samples, col, t0)


def _cpu_at(samples: list[tuple[float, float, float]], col: int, t: float) -> float:
    if not samples:
        return 0.0
    times = [s[0] for s in samples]
    i = bisect.bisect_left(times, t)
    if i <= 0:
        return samples[0][col]
    if i >= len(samples):
        return samples[-1][col]
    (ta, *a), (tb, *b) = samples[i - 1], samples[i]
    va, vb = a[col - 1], b[col - 1]
    return va + (vb - va) * (t - ta) / max(tb - ta, 1e-9)


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
class Phases:
    """What the coordinator saw of one run, for :func:`summarize`."""

    results: list[dict[str, Any]]  # one per load-generator worker
    joins: list[dict[str, Any]]
    joined: int
    join_failures: dict[str, int]
    times: dict[str, Any]  # /proc snapshots at the phase boundaries
    health: dict[str, Any]  # the first server's /healthz (with "metrics"): "joined", "end"
    poller: HealthPoller
    servers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # every server's
    sampler: Sampler | None = None


def merged(results: list[dict[str, Any]], key: str) -> dict[str, int]:
    """Sum the workers' counters under ``key``."""
    total: dict[str, int] = {}
    for r in results:
        for k, v in (r.get(key) or {}).items():
            total[k] = total.get(k, 0) + v
    return total


def _questions(results: list[dict[str, Any]]) -> dict[tuple[str, int], list[Any]]:
    """(room, question) -> [server_time_ms, every receipt ms], over the workers."""
    per_q: dict[tuple[str, int], list[Any]] = {}
    for r in results:
        for key, index, server_ms, receipts in r["fanout"]:
            entry = per_q.setdefault((key, index), [server_ms, []])
            entry[1].extend(receipts)
    return per_q


def fanout(results: list[dict[str, Any]], single_room: bool) -> dict[str, Any]:
    """Latency and throughput of every (room, question) ``question`` fan-out, at the clients."""
    latencies: list[float] = []
    complete_ms: list[float] = []
    throughput: list[float] = []
    for server_ms, receipts in _questions(results).values():
        lat = [t - server_ms for t in receipts]
        latencies.extend(lat)
        span = max(lat)
        complete_ms.append(span)
        throughput.append(len(lat) / max(span, 1.0) * 1000)
    return {
        "fanout_latency_ms": dist(latencies),
        "fanout_complete_ms_median": round(statistics.median(complete_ms), 1)
        if complete_ms
        else None,
        "fanout_throughput_per_s": round(statistics.median(throughput), 1)
        if throughput and single_room
        else None,
        "questions_measured": len(complete_ms),
    }


def join_summary(ph: Phases) -> dict[str, Any]:
    results, times = ph.results, ph.times
    msgs_join = merged(results, "msgs_join")
    join_first = min(r["join_first_ms"] for r in results)
    join_last = max(r["join_last_ms"] for r in results)
    join_s = max(0.001, (join_last - join_first) / 1000)
    delivered = sum(msgs_join.values())
    cpu = times["after_join"]["cpu_s"] - times["before_join"]["cpu_s"]
    return {
        "seconds": round(join_s, 2),
        "rate_per_s": round(ph.joined / join_s, 1),
        "latency_ms": dist([x for r in results for x in r["join_lat"]]),
        "failures": ph.join_failures,
        "messages_delivered": delivered,
        "messages_by_type": msgs_join,
        "server_cpu_s": round(cpu, 2),
        "server_cpu_s_per_1k_msgs": round(cpu / max(1, delivered) * 1000, 4),
        "health": ph.poller.summary("join"),
    }


def memory_summary(ph: Phases) -> dict[str, Any]:
    times, joined = ph.times, max(1, ph.joined)
    idle, settled = times["idle"]["rss"], times["settled"]["rss"]
    return {
        "rss_idle_mib": round(idle / 2**20, 1),
        "rss_joined_mib": round(settled / 2**20, 1),
        "connections": ph.health["joined"].get("connections", ph.joined),
        "kib_per_player": round((settled - idle) / joined / 1024, 1),
        # Right after the last game_over, the same connections, still open: what the
        # game's buffers left behind (a game_over carrying everyone filled them).
        "rss_after_game_mib": round(times["game_end"]["rss"] / 2**20, 1),
        "kib_per_player_after_game": round((times["game_end"]["rss"] - idle) / joined / 1024, 1),
        # The target: RSS after game_over against RSS with everyone seated and idle.
        "after_game_vs_joined": round(times["game_end"]["rss"] / max(1, settled), 2),
    }


def game_summary(scn: Scenario, ph: Phases) -> dict[str, Any]:
    results, times = ph.results, ph.times
    msgs_game = merged(results, "msgs_game")
    game_started = min(r["game_started_ms"] for r in results if r["game_started_ms"])
    game_ended = max(r["game_ended_ms"] for r in results)
    game_s = max(0.001, (game_ended - game_started) / 1000)
    delivered = sum(msgs_game.values())
    cpu = times["game_end"]["cpu_s"] - times["game_start"]["cpu_s"]
    qbytes = [x for r in results for x in r["question_bytes"]]
    return {
        "seconds": round(game_s, 2),
        "messages_delivered": delivered,
        "messages_per_s": round(delivered / game_s, 1),
        "bytes_delivered": sum(r["bytes_game"] for r in results),
        "messages_by_type": msgs_game,
        "server_cpu_s": round(cpu, 2),
        "server_cpu_s_per_1k_msgs": round(cpu / max(1, delivered) * 1000, 4),
        **fanout(results, scn.rooms == 1),
        "question_frame_bytes": round(statistics.mean(qbytes), 1) if qbytes else None,
        "answer_latency_ms": dist([x for r in results for x in r["answer_lat"]]),
        "health": ph.poller.summary("game"),
    }


def errors_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    errors, missing = merged(results, "errors"), merged(results, "missing")
    lost = sum(r["lost"] for r in results)
    return {
        "by_kind": errors,
        "lost_connections": lost,
        "missing_messages": missing,
        "total": sum(errors.values()) + lost + sum(missing.values()),
    }


def media_summary(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Pictures fetched ahead (protocol 1.2): how long a fetch took, and whether each
    question's picture was there when the question came (fair timing)."""
    parts = [r["media"] for r in results if r.get("media")]
    if not parts:
        return None
    waits = [w for p in parts for w in p["picture_wait_ms"]]
    failed: dict[str, int] = {}
    for p in parts:
        for k, v in p["failed"].items():
            failed[k] = failed.get(k, 0) + v
    return {
        "fetches": sum(p["fetches"] for p in parts),
        "failed": failed,
        "mib": round(sum(p["bytes"] for p in parts) / 2**20, 1),
        # What a client that fetched the picture when its question came would
        # have waited, after the question was already on its screen.
        "fetch_ms": dist([x for p in parts for x in p["fetch_ms"]]),
        # What the players did wait: 0 for a picture fetched ahead in time.
        "pictures_shown": len(waits) + sum(p["still_waiting"] for p in parts),
        "late": sum(p["late"] for p in parts),
        "never_came": sum(p["still_waiting"] for p in parts),
        "picture_wait_ms": dist(waits),
    }


def loadgen_summary(results: list[dict[str, Any]], delivered_game: int) -> dict[str, Any]:
    cpu_game = sum(r["cpu_game_s"] for r in results)
    return {
        "workers": len(results),
        "cpu_game_s": round(cpu_game, 2),
        "cpu_us_per_msg_game": round(cpu_game / max(1, delivered_game) * 1e6, 1),
        "cpu_total_s": round(sum(r["cpu_total_s"] for r in results), 2),
        "json": results[0]["json"],
        "loop": results[0]["loop"],
    }


def gc_summary(metrics: dict[str, float] | None) -> dict[str, Any] | None:
    """Cyclic-GC passes, their total and longest pause, from the server's /metrics."""
    if not metrics:
        return None
    out: dict[str, Any] = {"max_pause_s": metrics.get("quiz_gc_pause_max_seconds")}
    for gen in ("0", "1", "2"):
        out[f"gen{gen}_passes"] = metrics.get(f"quiz_gc_pause_seconds_count{{generation={gen}}}")
        total = metrics.get(f"quiz_gc_pause_seconds_sum{{generation={gen}}}")
        out[f"gen{gen}_total_s"] = round(total, 3) if total is not None else None
    return out


def _counter(servers: list[dict[str, Any]], name: str) -> float:
    """A counter summed over every server of the run (two in Redis mode)."""
    return float(sum((s.get("counters") or {}).get(name, 0) for s in servers))


def _metric(servers: list[dict[str, Any]], name: str) -> float:
    return float(sum((s.get("metrics") or {}).get(name, 0.0) for s in servers))


# Above this share of its core, the load generator is the bottleneck of a figure.
LOADGEN_BUSY = 0.9
# The clients saw a fan-out end this much later than the server wrote its last
# frame: the generator was still reading.
FANOUT_CLIENT_BOUND = 1.25
FANOUT_SLACK_MS = 10.0  # a small room's question is read within the loopback's latency


def fanout_bound(server_ms: float | None, client_ms: float | None) -> bool:
    """Whether the clients, not the server, set the pace of a question's fan-out:
    they finished reading it more than :data:`FANOUT_CLIENT_BOUND` times (and
    10 ms) later than the server finished writing it."""
    if not server_ms or not client_ms:
        return False
    return client_ms > FANOUT_CLIENT_BOUND * server_ms and client_ms - server_ms > FANOUT_SLACK_MS


def answer_windows(
    results: list[dict[str, Any]], sampler: Sampler | None, workers: int
) -> dict[str, Any]:
    """Server CPU per answer handled, in the windows where the server did little else.

    For each question of a one-room scenario: from the moment the last player
    had the question (its fan-out over) to the last acknowledgement. What the
    server does meanwhile is the answers' work: read, handle, acknowledge, and
    the progress counts they cause. The generator's share of its cores in the
    same windows says whether it, not the server, set the pace.
    """
    if sampler is None or not sampler.samples:
        return {}
    acks: dict[tuple[str, int], list[float]] = {}
    for r in results:
        for key, index, _sent, acked in r.get("acks") or ():
            acks.setdefault((key, index), []).append(acked)
    cpu = gen = span = 0.0
    handled = 0
    for qkey, (_server_ms, receipts) in _questions(results).items():
        times = acks.get(qkey)
        if not times or not receipts:
            continue
        start, end = max(receipts), max(times)
        inside = sum(1 for t in times if t >= start)
        if end <= start or inside == 0:
            continue
        handled += inside
        span += (end - start) / 1000
        cpu += cpu_between(sampler.samples, 1, start, end)
        gen += cpu_between(sampler.samples, 2, start, end)
    if not handled or span <= 0:
        return {}
    return {
        "answers": handled,
        "seconds": round(span, 2),
        "server_cpu_s": round(cpu, 3),
        "cpu_us_per_answer": round(cpu / handled * 1e6, 1),
        "loadgen_busy": round(gen / span / max(1, workers), 2),
    }


def server_summary(scn: Scenario, ph: Phases, game: dict[str, Any]) -> dict[str, Any]:
    """What the servers measured of themselves (/proc, /healthz, /metrics)."""
    times = ph.times
    joined, end = ph.servers.get("joined", []), ph.servers.get("end", [])
    frames = _counter(end, "frames_out") - _counter(joined, "frames_out")
    cpu_join = times["after_join"]["cpu_s"] - times["before_join"]["cpu_s"]
    cpu_game = times["game_end"]["cpu_s"] - times["game_start"]["cpu_s"]
    # The question's fan-out time as the server saw it: first frame written to last.
    key = "quiz_fanout_seconds_{}{{type=question}}"
    count = _metric(end, key.format("count")) - _metric(joined, key.format("count"))
    total = _metric(end, key.format("sum")) - _metric(joined, key.format("sum"))
    fanout_ms = round(total / count * 1000, 1) if count else None
    # One room only: the windows of many rooms overlap, and would count their CPU twice.
    windows = answer_windows(ph.results, ph.sampler, len(ph.results)) if scn.rooms == 1 else {}
    samples = ph.sampler.samples if ph.sampler else []
    join_t0, join_t1 = times["before_join"]["wall_ms"], times["after_join"]["wall_ms"]
    join_busy = cpu_between(samples, 2, join_t0, join_t1) / max(0.001, (join_t1 - join_t0) / 1000)
    out: dict[str, Any] = {
        "cpu_s": {
            "join": round(cpu_join, 2),
            "game": round(cpu_game, 2),
            "total": round(times["game_end"]["cpu_s"] - times["idle"]["cpu_s"], 2),
        },
        # Time the servers' threads were runnable but not running: contention.
        "runqueue_wait_s": round(times["game_end"]["wait_s"] - times["idle"]["wait_s"], 2),
        # Each process alone (two quiz servers and redis-server in Redis mode).
        "cpu_s_game_by_process": {
            name: round(cpu - times["game_start"]["by_proc"].get(name, 0.0), 3)
            for name, cpu in times["game_end"].get("by_proc", {}).items()
        },
        "frames_sent_game": int(frames),
        "commands_game": int(_counter(end, "messages_in") - _counter(joined, "messages_in")),
        # Every Redis command or pipeline of the servers in the game (/metrics).
        "redis_round_trips_game": int(
            _metric(end, "quiz_redis_round_trip_seconds_count")
            - _metric(joined, "quiz_redis_round_trip_seconds_count")
        ),
        "cpu_us_per_frame_game": round(cpu_game / frames * 1e6, 2) if frames > 0 else None,
        "fanout_ms": fanout_ms,
        "fanouts_timed": int(count),
        "answers": windows,
        "loadgen_busy_join": round(join_busy / max(1, len(ph.results)), 2) if samples else None,
    }
    client_ms = game.get("fanout_complete_ms_median")
    out["generator_bound"] = {
        "join": bool(out["loadgen_busy_join"] and out["loadgen_busy_join"] > LOADGEN_BUSY),
        "answers": bool(windows and windows["loadgen_busy"] > LOADGEN_BUSY),
        # The clients finished reading a question well after the server had
        # written it to the last of them: the client-side fan-out figures
        # (deliveries/s, latency) measure the generator.
        "fanout": fanout_bound(fanout_ms, client_ms),
    }
    return out


def summarize(scn: Scenario, ph: Phases) -> dict[str, Any]:
    """One run's figures, from the workers' results and the coordinator's samples."""
    game = game_summary(scn, ph)
    joined, end = (
        ph.servers.get("joined") or [ph.health["joined"]],
        ph.servers.get("end") or [ph.health["end"]],
    )
    return {
        "players": ph.joined,
        "deflate_connections": sum(r.get("deflate_connections", 0) for r in ph.results),
        "join": join_summary(ph),
        "memory": memory_summary(ph),
        "game": game,
        "server": server_summary(scn, ph, game),
        "errors": errors_summary(ph.results),
        "large_room": merged(ph.results, "large_room"),
        "media": media_summary(ph.results),
        "server_counters": {
            "joined": [s.get("counters") for s in joined],
            "end": [s.get("counters") for s in end],
        },
        "gc": {
            "joined": gc_summary(joined[0].get("metrics")),
            "end": gc_summary(end[0].get("metrics")),
        },
        "server_metrics": {"joined": joined[0].get("metrics"), "end": end[0].get("metrics")},
        "loadgen": loadgen_summary(ph.results, game["messages_delivered"]),
    }


def invalid_reasons(run: dict[str, Any]) -> list[str]:
    """Why a run does not count (empty: it counts): it failed, an error of any
    kind occurred, a large-room rule was broken, or a picture did not come."""
    reasons: list[str] = []
    if run.get("status") != "ok":
        reasons.append(f"{run.get('status')}: {run.get('reason', '')}".strip())
    errors = run.get("errors") or {}
    if errors.get("total"):
        kinds = {**errors.get("by_kind", {}), **errors.get("missing_messages", {})}
        if errors.get("lost_connections"):
            kinds["lost_connections"] = errors["lost_connections"]
        listed = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        reasons.append(f"{errors['total']} errors ({listed})")
    broken = {k: v for k, v in (run.get("large_room") or {}).items() if v}
    if broken:
        reasons.append(
            "large-room rule broken: " + ", ".join(f"{k} {v}" for k, v in broken.items())
        )
    media = run.get("media") or {}
    if media.get("failed") or media.get("never_came"):
        reasons.append(
            f"pictures failed: {media.get('failed')}, never came {media.get('never_came')}"
        )
    return reasons


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _get(run: dict[str, Any], *path: str) -> Any:
    value: Any = run
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


# Figure -> where it is in a run; the ratios of one target's over another's.
FIGURES: dict[str, tuple[str, ...]] = {
    "join_rate": ("join", "rate_per_s"),
    "answer_p99": ("game", "answer_latency_ms", "p99"),
    "fanout_throughput": ("game", "fanout_throughput_per_s"),
    "fanout_p50": ("game", "fanout_latency_ms", "p50"),
    "server_fanout_ms": ("server", "fanout_ms"),
    "cpu_us_per_answer": ("server", "answers", "cpu_us_per_answer"),
    "cpu_us_per_frame": ("server", "cpu_us_per_frame_game"),
    "game_cpu_s": ("server", "cpu_s", "game"),
    "loop_lag_game_max": ("game", "health", "loop_lag_max_ms"),
}
PAIRS = (
    ("quiz", "floor"),
    ("quiz", "peer"),
    ("quiz", "peer_deflate"),
    ("quiz_uvloop", "floor_uvloop"),
    ("quiz", "quiz_noteams"),
)


def ratios(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Within one repeat: each target's figures over its reference's, where both runs
    count (:func:`invalid_reasons`); Redis mode against one server."""
    ok = {t: r for t, r in runs.items() if not invalid_reasons(r)}
    out: dict[str, Any] = {}
    for a, b in PAIRS:
        if a not in ok or b not in ok:
            continue
        entry = {
            name: r
            for name, path in FIGURES.items()
            if (r := _ratio(_get(ok[a], *path), _get(ok[b], *path))) is not None
        }
        out[f"{a}_vs_{b}"] = entry
    redis, quiz = ok.get("quiz_redis"), ok.get("quiz")
    if redis and quiz:
        a, b = _get(redis, *FIGURES["fanout_p50"]), _get(quiz, *FIGURES["fanout_p50"])
        if a is not None and b is not None:
            out["redis_added_p50_ms"] = round(a - b, 2)
        out["redis_join_rate"] = _ratio(
            _get(redis, "join", "rate_per_s"), _get(quiz, "join", "rate_per_s")
        )
    return out
