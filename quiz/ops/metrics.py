"""Numbers a server reports about itself: /healthz (JSON) and /metrics (Prometheus).

:class:`ServerMetrics` is the whole interface the server uses for /metrics:
``sent`` per broadcast, ``fanned_out`` per whole-room frame (how long it
took from its first connection to its last), ``command`` per command
received, ``lag`` per loop-lag sample, ``redis_round_trip`` from Redis
mode, ``start``/``stop`` around the server's life, and ``render`` for the
endpoint. Event counts the server keeps anyway (:class:`Counters`, also in
/healthz) are read at scrape time, not counted twice. Each server has its
own ``CollectorRegistry``: tests run several servers in one process.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client import Counter as PromCounter
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from quiz.ops.tasks import Ticker

PAUSE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# A whole-room frame reaches 5 connections in microseconds, 10,000 in about 100 ms.
FANOUT_BUCKETS = (0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Counters (quiz.ops.metrics.Counters keys) exposed as quiz_<name>_total, with their help.
EVENTS = {
    "messages_in": "WebSocket messages received from clients",
    "frames_out": "WebSocket frames sent to clients",
    "bytes_out": "Bytes of WebSocket message payload sent to clients",
    "commands_forwarded": "Commands forwarded to a room's owner on another server (Redis mode)",
    "takeovers": "Rooms taken over from an owner whose lease ran out (Redis mode)",
    "redis_errors": "Redis calls that failed (Redis mode)",
    "log_gaps": "Gaps seen in a room's log while relaying it (Redis mode)",
    "rooms_owned": "Rooms this server became the owner of (created or taken over)",
    "redis_appends": "Appends to rooms' logs in Redis (one per group commit of commands)",
    "commands_logged": "Commands recorded in rooms' logs in Redis",
    "redis_forwards": "Round trips carrying forwarded commands to owners (one per batch)",
    "bad_entries": "Log or inbox entries that could not be read (should stay 0)",
}


class LoopLag:
    """How late the event loop runs a timer: a direct measure of blocking.

    Sleeps ``interval`` seconds in a loop and records by how much each wake-up
    came late. Keeps the last ``window`` samples for a p99 and the all-time max.
    """

    def __init__(
        self,
        interval: float = 0.1,
        window: int = 600,
        on_sample: Callable[[float], None] | None = None,
    ) -> None:
        self.interval = interval
        self.samples: collections.deque[float] = collections.deque(maxlen=window)
        self.max_ms = 0.0
        self.on_sample = on_sample  # called with each lag, in seconds
        self.ticker = Ticker(interval, self._sample)

    def start(self) -> None:
        self.ticker.start()

    async def stop(self) -> None:
        await self.ticker.stop()

    def _sample(self, late: float) -> None:
        lag_ms = late * 1000
        self.samples.append(lag_ms)
        self.max_ms = max(self.max_ms, lag_ms)
        if self.on_sample is not None:
            self.on_sample(late)

    def report(self) -> dict[str, float]:
        ordered = sorted(self.samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
        last = self.samples[-1] if self.samples else 0.0
        return {"last": round(last, 2), "p99": round(p99, 2), "max": round(self.max_ms, 2)}


class Counters(Counter[str]):
    """Named event counts (messages in, frames out, errors by code...)."""


class _EventsCollector(Collector):
    """Exposes a :class:`Counters` as Prometheus counters, read at scrape time."""

    def __init__(self, counters: Counters) -> None:
        self.counters = counters

    def collect(self) -> Iterator[Metric]:
        for name, help_text in EVENTS.items():
            family = CounterMetricFamily(f"quiz_{name}", help_text)
            family.add_metric([], float(self.counters.get(name, 0)))
            yield family


@cache
def command_kind(class_name: str) -> str:
    """``SubmitAnswer`` -> ``submit_answer``: the wire action a command class stands for."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


class ServerMetrics:
    """One server's Prometheus metrics, in a registry of its own."""

    def __init__(self, counters: Counters, sizes: Callable[[], dict[str, int]]) -> None:
        """``sizes`` returns ``rooms``, ``connections`` and ``players`` when scraped."""
        self.counters = counters
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_EventsCollector(counters))
        for name, help_text in (
            ("rooms", "Rooms this server serves (owned or followed)"),
            ("connections", "Open WebSocket connections"),
            ("players", "Players seated in a room through this server"),
        ):
            gauge = Gauge(f"quiz_{name}", help_text, registry=self.registry)
            gauge.set_function(lambda name=name: sizes()[name])
        self.commands = PromCounter(
            "quiz_commands",
            "Commands received from clients, by kind",
            ["kind"],
            registry=self.registry,
        )
        self._command_children: dict[type, Any] = {}
        self.loop_lag = Histogram(
            "quiz_event_loop_lag_seconds",
            "How late a 100 ms timer of the event loop fires",
            buckets=PAUSE_BUCKETS,
            registry=self.registry,
        )
        self.gc_pause = Histogram(
            "quiz_gc_pause_seconds",
            "Pauses of Python's cyclic garbage collector, by generation",
            ["generation"],
            buckets=PAUSE_BUCKETS,
            registry=self.registry,
        )
        self.redis_rtt = Histogram(
            "quiz_redis_round_trip_seconds",
            "Round trips to Redis (one per command or pipeline), blocking reads excluded",
            buckets=PAUSE_BUCKETS,
            registry=self.registry,
        )
        self.gc_pause_max = Gauge(
            "quiz_gc_pause_max_seconds",
            "The longest cyclic-GC pause since the server started",
            registry=self.registry,
        )
        self.fanout = Histogram(
            "quiz_fanout_seconds",
            "Whole-room frames: from the first connection written to the last, by message type",
            ["type"],
            buckets=FANOUT_BUCKETS,
            registry=self.registry,
        )
        self._fanout_children: dict[str, Any] = {}
        self._gc_started = 0.0
        self._gc_max = 0.0

    # What the server calls.

    def sent(self, frames: int, size: int) -> None:
        """``frames`` copies of a frame of ``size`` bytes were queued for sending."""
        self.counters["frames_out"] += frames
        self.counters["bytes_out"] += frames * size

    def command(self, command: object) -> None:
        # One labelled child per command class, looked up once: labels() takes
        # a lock and builds a key on every call, and this runs for every frame.
        child = self._command_children.get(type(command))
        if child is None:
            child = self.commands.labels(command_kind(type(command).__name__))
            self._command_children[type(command)] = child
        child.inc()

    def fanned_out(self, kind: str, seconds: float) -> None:
        """A whole-room frame of type ``kind`` went from its first connection to its
        last in ``seconds`` (the benchmark compares it with the floor's)."""
        child = self._fanout_children.get(kind)
        if child is None:  # looked up once per type, as in command()
            child = self._fanout_children[kind] = self.fanout.labels(kind)
        child.observe(seconds)

    def lag(self, seconds: float) -> None:
        self.loop_lag.observe(seconds)

    def start(self) -> None:
        """Start timing the cyclic GC (every pass, whichever server's code triggered it)."""
        gc.callbacks.append(self._on_gc)

    def stop(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)

    def redis_round_trip(self, seconds: float) -> None:
        """One round trip to Redis took ``seconds`` (Redis mode times its own calls)."""
        self.redis_rtt.observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """The exposition body and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started:
            pause = time.perf_counter() - self._gc_started
            self.gc_pause.labels(str(info.get("generation", "?"))).observe(pause)
            if pause > self._gc_max:
                self._gc_max = pause
                self.gc_pause_max.set(pause)
            self._gc_started = 0.0


class FanoutClock:
    """Times whole-room frames written in slices, for :meth:`ServerMetrics.fanned_out`.

    Wraps the one function that writes a frame to some connections. A frame
    announced with :meth:`expect` is timed from the first connection it is
    written to until the last of its ``recipients``; any other frame that
    goes through (one queued behind it for a single player) is written as is.
    """

    __slots__ = ("frames", "metrics", "write")

    def __init__(self, metrics: ServerMetrics, write: Callable[[Sequence[Any], str], None]) -> None:
        self.metrics = metrics
        self.write = write
        # id(frame) -> [type, recipients still to write, first write]: the frame
        # is alive while it waits in a send, so its id names it until then.
        self.frames: dict[int, list[Any]] = {}

    def expect(self, frame: str, kind: str, recipients: int) -> None:
        self.frames[id(frame)] = [kind, recipients, 0.0]

    def __call__(self, sockets: Sequence[Any], frame: str) -> None:
        entry = self.frames.get(id(frame))
        if entry is None:
            self.write(sockets, frame)
            return
        if not entry[2]:
            entry[2] = time.perf_counter()
        self.write(sockets, frame)
        entry[1] -= len(sockets)
        if entry[1] <= 0:
            del self.frames[id(frame)]
            self.metrics.fanned_out(entry[0], time.perf_counter() - entry[2])
