"""The issue's targets, checked against one run, next to the numbers before it.

"Before" is what docs/performance.md reported before the big-rooms work
(runs of 2026-11-22/23, quiz code ``c22f8dee8c79``/``dc30e4abb47b``): fixed
text, quoted as it was measured then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Doc = dict[str, Any]


@dataclass(frozen=True)
class Target:
    label: str
    scenario: str
    before: str
    value: Callable[[Doc], float | None]  # the figure, from the scenario's runs and ratios
    unit: str
    limit: float
    at_least: bool  # True: value >= limit is met; False: value <= limit


def _run(doc: Doc, target: str) -> Doc | None:
    run = doc["runs"].get(target)
    return run if run and run.get("status") == "ok" else None


def _ratio(base: str, key: str) -> Callable[[Doc], float | None]:
    return lambda doc: doc.get("ratios", {}).get(f"quiz_vs_{base}", {}).get(key)


def _lag_join(doc: Doc) -> float | None:
    run = _run(doc, "quiz")
    return run["join"]["health"]["loop_lag_max_ms"] if run else None


def _kib(doc: Doc) -> float | None:
    run = _run(doc, "quiz")
    return run["memory"]["kib_per_player"] if run else None


def _rss_after(doc: Doc) -> float | None:
    run = _run(doc, "quiz")
    return run["memory"]["after_game_vs_joined"] if run else None


def _redis_errors(doc: Doc) -> float | None:
    run = doc["runs"].get("quiz_redis")
    if not run or "errors" not in run:
        return None
    missing = run["players"] < doc["scenario"]["rooms"] * doc["scenario"]["size"]
    return run["errors"]["total"] + (1 if missing else 0)


def _get(key: str) -> Callable[[Doc], float | None]:
    return lambda doc: doc.get("ratios", {}).get(key)


JOIN, FAN_FLOOR, FAN_PEER = (
    _ratio("floor", "join_rate"),
    _ratio("floor", "fanout_throughput"),
    _ratio("peer", "fanout_throughput"),
)
ACK = _ratio("floor", "answer_p99_latency")
REDIS_P50, REDIS_JOIN = _get("redis_added_p50_ms"), _get("redis_join_rate")
BEFORE_FIX = "before the join fix"

# label, scenario, before, figure, unit, limit, at least (else at most)
_ROWS: list[tuple[str, str, str, Callable[[Doc], float | None], str, float, bool]] = [
    ("join rate >= 0.5 x floor", "room_1000", "221 vs 4,970 joins/s: 0.04x", JOIN, "x", 0.5, True),
    ("join rate >= 0.5 x floor", "room_5000", "25 vs 2,019: 0.01x", JOIN, "x", 0.5, True),
    ("join rate >= 0.5 x floor", "room_10000", "15.5 vs 2,406: 0.006x", JOIN, "x", 0.5, True),
    (
        "loop lag max <= 250 ms while the room fills",
        "room_5000",
        "3,903 ms",
        _lag_join,
        "ms",
        250,
        False,
    ),
    ("fan-out >= 0.9 x floor", "room_5000", "1.40x", FAN_FLOOR, "x", 0.9, True),
    ("fan-out >= 3 x python-socketio", "room_5000", "2.55x", FAN_PEER, "x", 3.0, True),
    ("fan-out >= 0.9 x floor", "room_10000", "0.50x", FAN_FLOOR, "x", 0.9, True),
    ("fan-out >= 3 x python-socketio", "room_10000", "1.79x", FAN_PEER, "x", 3.0, True),
    (
        "answer -> answer_received p99 <= 2 x floor",
        "room_1000",
        "12.8 vs 0.7 ms: 18.2x",
        ACK,
        "x",
        2.0,
        False,
    ),
    (
        "answer -> answer_received p99 <= 2 x floor",
        "room_5000",
        "243 vs 26 ms: 9.4x",
        ACK,
        "x",
        2.0,
        False,
    ),
    (
        "answer -> answer_received p99 <= 2 x floor",
        "room_10000",
        "1,696 vs 229 ms: 7.4x",
        ACK,
        "x",
        2.0,
        False,
    ),
    (
        "answer -> answer_received p99 <= 2 x floor",
        "burst_5000",
        "103 vs 59 ms: 1.75x",
        ACK,
        "x",
        2.0,
        False,
    ),
    ("<= 17 KiB per idle player", "room_1000", "15.9 KiB", _kib, "KiB", 17.0, False),
    ("<= 17 KiB per idle player", "room_5000", "16.9 KiB", _kib, "KiB", 17.0, False),
    ("<= 17 KiB per idle player", "room_10000", "16.9 KiB", _kib, "KiB", 17.0, False),
    (
        "RSS after game_over <= 1.5 x seated",
        "room_10000",
        "1,682 vs 214 MiB: 7.9x",
        _rss_after,
        "x",
        1.5,
        False,
    ),
    (
        "Redis, two servers: 0 errors",
        "redis_1000",
        f"0 (under load); 9 failed joins {BEFORE_FIX}",
        _redis_errors,
        "",
        0,
        False,
    ),
    ("Redis, two servers: 0 errors", "redis_5000", "not run", _redis_errors, "", 0, False),
    (
        "Redis relay <= +5 ms fan-out p50",
        "redis_1000",
        f"+15.9 ms (under load); +2.1 ms {BEFORE_FIX}",
        REDIS_P50,
        "ms",
        5.0,
        False,
    ),
    ("Redis relay <= +5 ms fan-out p50", "redis_5000", "not run", REDIS_P50, "ms", 5.0, False),
    (
        "Redis join rate >= 0.5 x one server",
        "redis_1000",
        f"115.5 vs 254.3: 0.45x ({BEFORE_FIX})",
        REDIS_JOIN,
        "x",
        0.5,
        True,
    ),
    ("Redis join rate >= 0.5 x one server", "redis_5000", "not run", REDIS_JOIN, "x", 0.5, True),
]


TARGETS = [Target(*row) for row in _ROWS]


def _fmt(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:,.2f}x"
    return f"{value:,.1f} {unit}" if unit else f"{value:,.0f}"


def targets_table(docs: list[Doc]) -> str:
    """Markdown: each target, before, after (from the last doc that ran its scenario)."""
    scenarios: dict[str, Doc] = {}
    for doc in docs:
        scenarios.update(doc["scenarios"])
    lines = [
        "| target | scenario | before | after | verdict |",
        "|---|---|---|---|---|",
    ]
    for t in TARGETS:
        scn = scenarios.get(t.scenario)
        value = t.value(scn) if scn else None
        if value is None:
            after, verdict = "not measured", "**not measured**"
        else:
            met = value >= t.limit if t.at_least else value <= t.limit
            after, verdict = _fmt(value, t.unit), "met" if met else "**not met**"
        lines.append(f"| {t.label} | {t.scenario} | {t.before} | {after} | {verdict} |")
    return "\n".join(lines)
