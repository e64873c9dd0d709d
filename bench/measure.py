"""The benchmark's measurements: /healthz polling, percentiles, one run's summary, ratios."""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from dataclasses import dataclass
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
    health: dict[str, Any]  # /healthz bodies: after the join and at the end
    poller: HealthPoller


def merged(results: list[dict[str, Any]], key: str) -> dict[str, int]:
    """Sum the workers' counters under ``key``."""
    total: dict[str, int] = {}
    for r in results:
        for k, v in r.get(key, {}).items():
            total[k] = total.get(k, 0) + v
    return total


def fanout(results: list[dict[str, Any]], single_room: bool) -> dict[str, Any]:
    """Latency and throughput of every (room, question) ``question`` fan-out."""
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
    return {
        "fanout_latency_ms": dist(latencies),
        "fanout_complete_ms_median": round(statistics.median(complete_ms), 1)
        if complete_ms
        else None,
        "fanout_throughput_per_s": round(statistics.median(throughput), 1)
        if throughput and single_room
        else None,
        "questions_measured": len(per_q),
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


def summarize(scn: Scenario, ph: Phases) -> dict[str, Any]:
    """One run's figures, from the workers' results and the coordinator's samples."""
    game = game_summary(scn, ph)
    return {
        "players": ph.joined,
        "deflate_connections": sum(r.get("deflate_connections", 0) for r in ph.results),
        "join": join_summary(ph),
        "memory": memory_summary(ph),
        "game": game,
        "errors": errors_summary(ph.results),
        "large_room": merged(ph.results, "large_room"),
        "server_counters": {
            "joined": ph.health["joined"].get("counters"),
            "end": ph.health["end"].get("counters"),
        },
        "gc": {k: gc_summary(ph.health[k].get("metrics")) for k in ("joined", "end")},
        "server_metrics": {k: ph.health[k].get("metrics") for k in ("joined", "end")},
        "loadgen": loadgen_summary(ph.results, game["messages_delivered"]),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def ratios(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Quiz against floor and peer (and Redis mode against one server), where both ran fine."""
    quiz = runs.get("quiz")
    out: dict[str, Any] = {}
    if not quiz or quiz.get("status") != "ok":
        return out
    for base in ("floor", "peer", "peer_deflate", "quiz_uvloop"):
        ref = runs.get(base)
        if not ref or ref.get("status") != "ok":
            continue
        q, b = quiz["game"], ref["game"]
        pairs = {
            "fanout_throughput": (q["fanout_throughput_per_s"], b["fanout_throughput_per_s"]),
            "fanout_p50_latency": (q["fanout_latency_ms"]["p50"], b["fanout_latency_ms"]["p50"]),
            "answer_p99_latency": (q["answer_latency_ms"]["p99"], b["answer_latency_ms"]["p99"]),
            "join_rate": (quiz["join"]["rate_per_s"], ref["join"]["rate_per_s"]),
            "cpu_per_1k_msgs": (q["server_cpu_s_per_1k_msgs"], b["server_cpu_s_per_1k_msgs"]),
        }
        entry = {k: r for k, (a, c) in pairs.items() if (r := _ratio(a, c)) is not None}
        out[f"quiz_vs_{base}"] = entry
    redis = runs.get("quiz_redis")
    if redis and redis.get("status") == "ok":
        a, b = redis["game"]["fanout_latency_ms"]["p50"], quiz["game"]["fanout_latency_ms"]["p50"]
        if a is not None and b is not None:
            out["redis_added_p50_ms"] = round(a - b, 2)
        out["redis_join_rate"] = _ratio(redis["join"]["rate_per_s"], quiz["join"]["rate_per_s"])
    return out
