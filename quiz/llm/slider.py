"""The `slider` questions the model may write: the grid it must use, and the tolerance we set.

The model gives ``min``, ``max``, ``step`` and ``correct``; it never gives a
tolerance or a margin. :func:`fit` checks the grid against the rules below
and returns the tolerance and margin the server puts on the question (the
one place they are decided; ``docs/llm.md`` explains them):

* **A grid a phone can use.** ``step`` is 1, 2 or 5 times a power of ten
  (0.1, 0.5, 1, 2, 5, 10, 50, ...), ``min`` and ``max`` are multiples of it,
  and the slider has 10 to 200 steps: fewer is a multiple-choice question in
  disguise, more cannot be set with a thumb.
* **The tolerance**: one step per 50 steps of the grid, rounded (halves up),
  at least one step: about 2 % of the range, always a whole number of steps,
  so "within the tolerance" is a set of grid values a player can hit.
* **The margin**: a tenth of the range, the protocol's own default, written
  out so the cached question does not depend on a default.
* **No give-away by position.** ``correct`` is more than the tolerance away
  from ``min``, from ``max`` and from the middle of the range: a player who
  leaves the slider where it starts (the middle, for a plain range input) or
  pushes it to an end must not score full points.

The share of sliders in a set is capped here too (:func:`max_sliders`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from quiz.core.question import number

MIN_STEPS = 10
MAX_STEPS = 200
# One step of tolerance per this many steps of the grid: 2 % of the range.
STEPS_PER_TOLERANCE_STEP = 50
# The margin is this share of the range: the protocol's default ((max - min) / 10).
MARGIN_SHARE = 0.1
ROUND_STEPS = (1, 2, 5)
# At most one slider in this many questions of a set (and of a model's reply).
SLIDER_SHARE = 5

# Grid arithmetic is in floats (a step of 0.1): values this close count as equal.
_EPSILON = 1e-6


class SliderRefused(ValueError):
    """Why a slider the model wrote is not played (the message is the logged reason)."""


@dataclass(frozen=True, slots=True)
class Fit:
    """What the server adds to a valid slider: its tolerance and its margin."""

    tolerance: float
    margin: float


def tolerance_steps(steps: int) -> int:
    """The tolerance of a grid of ``steps`` steps, in steps: round(steps / 50), at least 1."""
    return max(1, math.floor(steps / STEPS_PER_TOLERANCE_STEP + 0.5))


def max_sliders(count: int) -> int:
    """The most sliders a set of ``count`` questions may hold: one in five, rounded down."""
    return max(count, 0) // SLIDER_SHARE


def _whole(value: float) -> bool:
    return abs(value - round(value)) < _EPSILON


def _round_step(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step) + _EPSILON)
    return any(abs(mantissa - m) < _EPSILON for m in ROUND_STEPS)


def _snap(value: float) -> float:
    # 3 * 0.1 is 0.30000000000000004: keep what a person would write.
    return round(value, 9)


def _show(value: float) -> str:
    return str(number(_snap(value)))


def fit(low: float, high: float, step: float, correct: float) -> Fit:
    """The tolerance and margin of a slider the model wrote, or :class:`SliderRefused`.

    Checks the rules of the module docstring that the protocol does not
    (it allows 10,000 steps of any size, and any ``correct`` on the grid);
    whether ``correct`` is on the grid is left to the one parser of
    questions, which the question passes next.
    """
    if not (high > low and step > 0):
        raise SliderRefused(f"slider: min {_show(low)}, max {_show(high)}, step {_show(step)}")
    span = (high - low) / step
    if span > MAX_STEPS + _EPSILON:
        raise SliderRefused(f"slider: {math.floor(span)} steps, at most {MAX_STEPS}")
    if span < MIN_STEPS - _EPSILON:
        raise SliderRefused(f"slider: {_show(span)} steps, at least {MIN_STEPS}")
    if not _round_step(step):
        raise SliderRefused(f"slider: step {_show(step)} is not 1, 2 or 5 times a power of ten")
    if not (_whole(low / step) and _whole(high / step)):
        raise SliderRefused(
            f"slider: min {_show(low)} and max {_show(high)} must be multiples of "
            f"the step {_show(step)}"
        )
    if not low <= correct <= high:
        raise SliderRefused(
            f"slider: correct {_show(correct)} is outside {_show(low)} to {_show(high)}"
        )
    steps = round(span)
    tolerance = tolerance_steps(steps)
    at = (correct - low) / step  # the answer's place on the grid, in steps
    if at <= tolerance + _EPSILON or steps - at <= tolerance + _EPSILON:
        raise SliderRefused(
            f"slider: correct {_show(correct)} is within the tolerance of an end "
            f"({_show(low)} to {_show(high)}): given away"
        )
    if abs(at - steps / 2) <= tolerance + _EPSILON:
        raise SliderRefused(
            f"slider: correct {_show(correct)} is within the tolerance of the middle "
            f"of {_show(low)} to {_show(high)}: given away"
        )
    return Fit(_snap(tolerance * step), _snap((high - low) * MARGIN_SHARE))
