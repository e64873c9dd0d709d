"""``python -m quiz.generate "topic" --count 5 --difficulty easy``: try a key or a model by hand.

Reads the same settings as the server (GROQ_API_KEY, GROQ_MODEL,
GROQ_BASE_URL, LLM_TIMEOUT_SECONDS, and a ``.env`` file when python-dotenv is
installed), generates one set, and prints it with its source and timing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sys

from quiz.core.question import Slider, number
from quiz.llm import DIFFICULTIES, Difficulty, Generation
from quiz.ops.config import ConfigError, Settings, load_settings
from quiz.rooms.backends import make_source


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m quiz.generate", description="Generate one question set, as a room would."
    )
    parser.add_argument("topic", help="the quiz topic, as a host would type it")
    parser.add_argument("--count", type=int, default=5, help="number of questions (default 5)")
    parser.add_argument("--difficulty", choices=DIFFICULTIES, default="medium")
    parser.add_argument("--language", default="en", help="BCP 47 tag (default en)")
    parser.add_argument("--model", help="override GROQ_MODEL")
    parser.add_argument("--timeout", type=float, help="override LLM_TIMEOUT_SECONDS")
    parser.add_argument(
        "--sliders",
        action="store_true",
        help="let the model write slider questions too (at most one in five), "
        "as for a room that plays protocol 1.2",
    )
    parser.add_argument("--json", action="store_true", help="print the set as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    return parser


def _render(generation: Generation, topic: str, difficulty: str, model: str) -> str:
    questions = generation.questions
    lines = [
        f"topic: {topic!r} ({difficulty}), model: {model}",
        f"source: {questions.source}: {questions.llm_count} from the model, "
        f"{questions.fallback_count} from the bank [{generation.reason}], "
        f"{generation.rejected} rejected, {generation.disagreed} failed the blind check, "
        f"in {generation.elapsed * 1000:.0f} ms",
        "",
    ]
    for position, question in enumerate(questions.questions, 1):
        lines.append(f"{position}. {question.text}  [{question.source}]")
        if question.slider is not None:
            lines.extend(_render_slider(question.slider))
        for index, option in enumerate(question.options):
            mark = "*" if index in question.correct else " "
            lines.append(f"   {mark} {chr(ord('a') + index)}) {option}")
        if question.explanation:
            lines.append(f"   ({question.explanation})")
    return "\n".join(lines)


def _num(value: float) -> str:
    # 0.1 + 0.2 prints as 0.3, 1969.0 as 1969.
    return str(number(round(value, 9)))


def _render_slider(slider: Slider) -> list[str]:
    """A slider as two lines: its scale, then its answer and how close scores."""
    steps = round((slider.max - slider.min) / slider.step)
    return [
        f"   slider {_num(slider.min)} to {_num(slider.max)}, "
        f"step {_num(slider.step)} ({steps} steps)",
        f"   * {_num(slider.correct)}: full points within ±{_num(slider.tolerance)}, "
        f"none beyond ±{_num(slider.tolerance + slider.margin)}",
    ]


async def _run(
    settings: Settings,
    topic: str,
    count: int,
    difficulty: Difficulty,
    as_json: bool,
    language: str = "en",
    sliders: bool = False,
) -> int:
    source = make_source(settings)
    try:
        generation = await source.generate_detailed(
            topic, count, difficulty, language=language, sliders=sliders
        )
    finally:
        await source.aclose()
    if as_json:
        out = {
            "source": generation.questions.source,
            "reason": generation.reason,
            "llm_count": generation.questions.llm_count,
            "fallback_count": generation.questions.fallback_count,
            "elapsed_ms": round(generation.elapsed * 1000),
            "rejected": generation.rejected,
            "disagreed": generation.disagreed,
            "questions": [q.to_dict() for q in generation.questions.questions],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))  # noqa: T201
    else:
        print(_render(generation, topic, difficulty, settings.groq_model))  # noqa: T201
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; the exit status is 0, or 2 for bad arguments or settings."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        from dotenv import load_dotenv
    except ImportError:  # python-dotenv is optional here
        pass
    else:
        load_dotenv()
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    overrides: dict[str, object] = {}
    if args.model:
        overrides["groq_model"] = args.model
    if args.timeout is not None:
        if args.timeout <= 0:
            print("error: --timeout must be positive", file=sys.stderr)  # noqa: T201
            return 2
        overrides["llm_timeout_seconds"] = args.timeout
    settings = dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]
    if args.count < 1:
        print("error: --count must be at least 1", file=sys.stderr)  # noqa: T201
        return 2
    return asyncio.run(
        _run(
            settings,
            args.topic,
            args.count,
            args.difficulty,
            args.json,
            args.language,
            args.sliders,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
