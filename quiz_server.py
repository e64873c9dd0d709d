"""Entry point: ``python quiz_server.py`` serves the quiz on $HOST:$PORT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from dotenv import load_dotenv

from quiz.config import ConfigError, Settings, load_settings
from quiz.logs import setup_logging

log = logging.getLogger("quiz")


async def serve(settings: Settings) -> None:
    """Run one server process until SIGTERM or SIGINT."""
    # Imported here so that a bad environment fails before heavy imports.
    from llm import QuestionSource
    from quiz.server import run

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await run(settings, stop, QuestionSource.from_settings(settings))


def main() -> int:
    load_dotenv()
    try:
        settings = load_settings()
    except ConfigError as exc:
        # One line, naming the variable: the whole diagnosis a deploy log needs.
        logging.basicConfig(format="%(message)s")
        log.error("configuration error: %s", exc)
        return 2
    setup_logging(settings.log_level, settings.log_format, settings.server_id)
    log.info("starting", extra={"settings": settings.public()})
    asyncio.run(serve(settings))
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
