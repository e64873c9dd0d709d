"""Repeated runs into one figure: the median, the range, and how often a target was met.

Nothing is picked: every figure of the page is the median over the valid
repeats (a run with an error, a broken large-room rule or a missing
picture is not counted: :func:`bench.measure.invalid_reasons`), shown with
its min to max; a target counts as met only when its median meets it, and
"met in k of n" says in how many repeats it did.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Repeat = dict[str, Any]  # {"order": [...], "runs": {target: run}, "ratios": {...}}


@dataclass(frozen=True)
class Spread:
    """A figure over the repeats: median, lowest, highest, how many."""

    median: float
    low: float
    high: float
    n: int


def spread(values: Iterable[float | None]) -> Spread | None:
    """The median and range of the values that exist; None when none does."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return None
    return Spread(statistics.median(present), min(present), max(present), len(present))


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either is missing or b is 0."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def meets(value: float, limit: float, at_least: bool) -> bool:
    return value >= limit if at_least else value <= limit


@dataclass(frozen=True)
class Sample:
    """One repeat's value of a target, and whether the load generator bound it."""

    value: float
    bound: bool = False


@dataclass(frozen=True)
class Verdict:
    """A target over all repeats."""

    spread: Spread | None
    met_in: int  # repeats whose own value met the target (and was not generator-bound)
    counted: int  # repeats that gave a value
    bound: int  # of those, bound by the load generator
    verdict: str  # "met", "not met", "not measured", "generator-bound"


def judge(
    samples: list[Sample | None], limit: float, at_least: bool, every_run: bool = False
) -> Verdict:
    """The verdict on one target from each repeat's sample (None: no valid value).

    Met only when the median meets the limit, and, for a target that must
    hold in every run (0 errors), when every repeat met it; a target whose
    value the load generator bound in most repeats is not counted at all.
    """
    present = [s for s in samples if s is not None]
    sp = spread(s.value for s in present)
    bound = sum(1 for s in present if s.bound)
    met_in = sum(1 for s in present if not s.bound and meets(s.value, limit, at_least))
    if sp is None:
        return Verdict(None, 0, 0, 0, "not measured")
    if bound * 2 > len(present):
        return Verdict(sp, met_in, len(present), bound, "generator-bound")
    ok = meets(sp.median, limit, at_least)
    if every_run:
        ok = ok and met_in == len(samples)
    return Verdict(sp, met_in, len(present), bound, "met" if ok else "not met")


def figure_spread(
    repeats: list[Repeat], target: str, get: Callable[[dict[str, Any]], float | None]
) -> Spread | None:
    """A run figure of ``target`` over the repeats where its run counted."""
    values = []
    for rep in repeats:
        run = rep["runs"].get(target)
        if run is not None and not run.get("invalid"):
            values.append(get(run))
    return spread(values)


def discarded(scenarios: dict[str, Any]) -> list[tuple[str, int, str, list[str]]]:
    """Every run not counted: (scenario, repeat from 1, target, why)."""
    out = []
    for name, scn in scenarios.items():
        for i, rep in enumerate(scn.get("repeats", []), 1):
            for target, run in rep["runs"].items():
                if run.get("invalid"):
                    out.append((name, i, target, list(run["invalid"])))
    return out
