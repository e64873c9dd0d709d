"""The targets (issue 22, and the benchmark's share of issues 24 and 25), judged over repeats.

Each target reads one figure from each repeat of its scenario (a ratio of
two runs of the same repeat, or one run's figure), only from runs that
count; :func:`bench.aggregate.judge` makes the verdict: met when the
median meets it, "met in k of n", and not counted when the load generator
bound the figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.aggregate import Repeat, Sample, Verdict, judge, ratio

Value = Callable[[Repeat], Sample | None]


@dataclass(frozen=True)
class Target:
    label: str
    scenario: str
    value: Value
    unit: str
    limit: float
    at_least: bool  # True: value >= limit is met; False: value <= limit
    every_run: bool = False  # must hold in every repeat, not only in the median


def _valid(rep: Repeat, target: str) -> dict[str, Any] | None:
    run = rep["runs"].get(target)
    return run if run is not None and not run.get("invalid") else None


def _get(run: dict[str, Any], *path: str) -> Any:
    value: Any = run
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _bound(run: dict[str, Any], what: str) -> bool:
    return bool(_get(run, "server", "generator_bound", what))


def versus(a: str, b: str, *path: str, bound: str | None = None) -> Value:
    """Target ``a``'s figure at ``path`` over ``b``'s, in the same repeat."""

    def value(rep: Repeat) -> Sample | None:
        ra, rb = _valid(rep, a), _valid(rep, b)
        if ra is None or rb is None:
            return None
        r = ratio(_get(ra, *path), _get(rb, *path))
        if r is None:
            return None
        return Sample(r, bool(bound) and (_bound(ra, bound) or _bound(rb, bound)))

    return value


def figure(target: str, *path: str, bound: str | None = None) -> Value:
    """One run's figure at ``path``."""

    def value(rep: Repeat) -> Sample | None:
        run = _valid(rep, target)
        if run is None:
            return None
        v = _get(run, *path)
        if v is None:
            return None
        return Sample(float(v), bool(bound) and _bound(run, bound))

    return value


def redis_errors(rep: Repeat) -> Sample | None:
    """Errors of the two Redis-mode servers' run, counted even when they make it invalid."""
    run = rep["runs"].get("quiz_redis")
    if run is None:
        return None
    if "errors" not in run:
        return Sample(1.0)  # the run failed before its clients could count: not 0
    return Sample(float(run["errors"]["total"]))


def late_pictures(rep: Repeat) -> Sample | None:
    """Questions whose picture a player did not have when it opened (any run)."""
    run = rep["runs"].get("quiz")
    media = (run or {}).get("media")
    if not media:
        return None
    return Sample(float(media["late"] + media["never_came"]))


def redis_join(rep: Repeat) -> Sample | None:
    return versus("quiz_redis", "quiz", "join", "rate_per_s", bound="join")(rep)


JOIN = ("join", "rate_per_s")
ACK = ("game", "answer_latency_ms", "p99")
PER_ANSWER = ("server", "answers", "cpu_us_per_answer")
FANOUT = ("server", "fanout_ms")
LAG_JOIN = ("join", "health", "loop_lag_max_ms")
LAG_GAME = ("game", "health", "loop_lag_max_ms")

TARGETS: list[Target] = [
    *(
        Target(
            "join rate >= 0.7 x floor",
            s,
            versus("quiz", "floor", *JOIN, bound="join"),
            "x",
            0.7,
            True,
        )
        for s in ("room_1000", "room_5000", "room_10000")
    ),
    Target(
        "loop lag max <= 100 ms while the room fills",
        "room_5000",
        figure("quiz", *LAG_JOIN),
        "ms",
        100,
        False,
    ),
    *(
        Target(
            "answer -> answer_received p99 <= 2 x floor",
            s,
            versus("quiz", "floor", *ACK, bound="answers"),
            "x",
            2.0,
            False,
        )
        for s in ("room_1000", "room_5000", "room_10000", "burst_5000")
    ),
    *(
        Target(
            "server CPU per answer <= 3 x floor",
            s,
            versus("quiz", "floor", *PER_ANSWER),
            "x",
            3.0,
            False,
        )
        for s in ("room_5000", "room_10000", "burst_5000")
    ),
    Target(
        "server fan-out time of a question <= 1.5 x floor",
        "room_10000",
        versus("quiz", "floor", *FANOUT),
        "x",
        1.5,
        False,
    ),
    *(
        Target(
            "<= 16 KiB per idle player",
            s,
            figure("quiz", "memory", "kib_per_player"),
            "KiB",
            16.0,
            False,
        )
        for s in ("room_1000", "room_5000", "room_10000")
    ),
    Target(
        "RSS after game_over <= 1.3 x seated",
        "room_10000",
        figure("quiz", "memory", "after_game_vs_joined"),
        "x",
        1.3,
        False,
    ),
    *(
        Target(
            "Redis, two servers: 0 errors in every run",
            s,
            redis_errors,
            "",
            0,
            False,
            every_run=True,
        )
        for s in ("redis_1000", "redis_5000")
    ),
    *(
        Target("Redis join rate >= 0.5 x one server", s, redis_join, "x", 0.5, True)
        for s in ("redis_1000", "redis_5000")
    ),
    Target(
        "every picture there before its question (fair timing), every run",
        "media_5000",
        late_pictures,
        "late",
        0,
        False,
        every_run=True,
    ),
    Target(
        "loop lag max <= 100 ms while 5,000 fetch pictures",
        "media_5000",
        figure("quiz", *LAG_GAME),
        "ms",
        100,
        False,
    ),
    Target(
        "answer p99 <= 2 x floor while 5,000 fetch pictures",
        "media_5000",
        versus("quiz", "floor", *ACK, bound="answers"),
        "x",
        2.0,
        False,
    ),
    Target(
        "10 teams: server CPU per answer <= 1.1 x no teams",
        "room_10000",
        versus("quiz", "quiz_noteams", *PER_ANSWER),
        "x",
        1.1,
        False,
    ),
    Target(
        "10 teams: answer p99 <= 1.5 x no teams",
        "room_10000",
        versus("quiz", "quiz_noteams", *ACK, bound="answers"),
        "x",
        1.5,
        False,
    ),
]


def judged(target: Target, scenarios: dict[str, Any]) -> Verdict:
    """The verdict on ``target`` over its scenario's repeats."""
    repeats = (scenarios.get(target.scenario) or {}).get("repeats") or []
    samples = [target.value(rep) for rep in repeats]
    return judge(samples, target.limit, target.at_least, target.every_run)


def fmt_value(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:,.2f}x"
    if unit in ("", "late"):
        return f"{value:,.0f}"
    return f"{value:,.1f} {unit}"


def targets_table(scenarios: dict[str, Any]) -> str:
    """Markdown: each target with its median, min to max, met in k of n, verdict."""
    lines = [
        "| target | scenario | median | range (min to max) | met in | verdict |",
        "|---|---|---:|---:|---:|---|",
    ]
    for t in TARGETS:
        v = judged(t, scenarios)
        if v.spread is None:
            lines.append(f"| {t.label} | {t.scenario} | - | - | - | **not measured** |")
            continue
        sp = v.spread
        runs = len((scenarios.get(t.scenario) or {}).get("repeats") or [])
        met = f"{v.met_in} of {runs}"
        if v.bound:
            met += f" ({v.bound} bound by the generator)"
        verdict = {
            "met": "met",
            "not met": "**not met**",
            "generator-bound": "bound by the load generator: not counted",
        }[v.verdict]
        lines.append(
            f"| {t.label} | {t.scenario} | {fmt_value(sp.median, t.unit)} "
            f"| {fmt_value(sp.low, t.unit)} to {fmt_value(sp.high, t.unit)} | {met} | {verdict} |"
        )
    return "\n".join(lines)


def tally(scenarios: dict[str, Any]) -> tuple[int, int]:
    """Targets met, out of all targets."""
    verdicts = [judged(t, scenarios).verdict for t in TARGETS]
    return sum(1 for v in verdicts if v == "met"), len(verdicts)
