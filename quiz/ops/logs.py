"""Logging set-up: plain text lines or JSON lines, chosen by LOG_FORMAT."""

from __future__ import annotations

import json
import logging
import re
import sys
import time

# Attributes every LogRecord has; anything else was passed with ``extra=``.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# A value printed bare in a text line; anything else is quoted and escaped,
# so a topic such as "x room=FAKE1 level=CRITICAL" cannot forge fields.
_BARE = re.compile(r"[\w.:/@+\-\[\],]+", re.ASCII)


def text_value(value: object) -> str:
    """One ``extra`` value for a text line: bare when plain, else a JSON string."""
    text = str(value)
    if _BARE.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=True)


def _one_line(text: str) -> str:
    # A message (ours, or a library's) never spans lines or holds control
    # characters that a terminal would act on.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class JsonFormatter(logging.Formatter):
    """One JSON object a line, with the ``extra`` fields of the call."""

    def __init__(self, server_id: str) -> None:
        super().__init__()
        self.server_id = server_id

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "server_id": self.server_id,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        line = json.dumps(out, default=str, ensure_ascii=False)
        # Text that is not Unicode (a lone surrogate) would make the stream's
        # UTF-8 encoder fail and the line be lost: escape it instead.
        return line.encode("utf-8", "backslashreplace").decode("utf-8")


class TextFormatter(logging.Formatter):
    """``time level logger: message key=value ...``"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        extra = [
            f"{k}={text_value(v)}"
            for k, v in record.__dict__.items()
            if k not in _STANDARD and not k.startswith("_")
        ]
        line = _one_line(line)
        return f"{line} {' '.join(extra)}" if extra else line


class NoFrames(logging.Filter):
    """Drops websockets' DEBUG lines: they print every frame, tokens and names included."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("websockets") and record.levelno < logging.INFO)


def setup_logging(level: str, fmt: str, server_id: str) -> None:
    """Route every logger to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(server_id) if fmt == "json" else TextFormatter())
    handler.addFilter(NoFrames())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # websockets logs every handshake failure at INFO; our own lines say what
    # matters per connection, so keep its chatter for DEBUG.
    if level != "DEBUG":
        logging.getLogger("websockets").setLevel(logging.WARNING)
        # httpx (under the groq SDK) logs every request at INFO.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    else:
        # Even at DEBUG, never websockets' frame dumps: they hold every
        # token and name sent (NoFrames on the handler is the second lock).
        logging.getLogger("websockets").setLevel(logging.INFO)
