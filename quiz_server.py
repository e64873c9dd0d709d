"""Entry point: ``python quiz_server.py`` serves the quiz on $HOST:$PORT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from dotenv import load_dotenv
from redis.exceptions import RedisError

from quiz.ops.config import ConfigError, Settings, load_settings
from quiz.ops.logs import setup_logging
from quiz.ops.supervisor import is_worker, supervise

log = logging.getLogger("quiz")


class StartupError(Exception):
    """The server could not start serving."""


async def serve(settings: Settings) -> None:
    """Run one server process until SIGTERM or SIGINT."""
    # Imported here so that a bad environment fails before heavy imports.
    from quiz.net.endpoints import lan_urls
    from quiz.net.server import run
    from quiz.rooms.backends import make_source

    urls = lan_urls(settings.host, settings.port)
    if urls:
        # The address to type on a phone: "localhost" only works on this machine.
        log.info("players on this network open %s", " or ".join(urls))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await run(settings, stop, make_source(settings), settle_heap=True)
    except (OSError, RedisError) as exc:
        # A port in use, or REDIS_URL pointing nowhere: say which, and stop.
        raise StartupError(f"{type(exc).__name__}: {exc}") from exc


def _runner() -> asyncio.Runner:
    """uvloop when it is installed (an optional extra), else asyncio's own loop.

    Nothing depends on it; the benchmark's ``quiz_uvloop`` target measures it.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


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
    if settings.workers > 1 and not is_worker():
        return asyncio.run(supervise(settings))
    log.info("starting", extra={"settings": settings.public()})
    try:
        with _runner() as runner:
            runner.run(serve(settings))
    except StartupError as exc:
        log.error("cannot start: %s", exc)
        return 1
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
