"""Settings from the environment, checked once at start.

Every variable has a default that works on a laptop. A bad value raises
:class:`ConfigError` naming the variable and what it accepts; the entry point
prints that one line and exits, so a typo never starts a half-working server.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A variable of the environment has a value the server cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server reads from its environment."""

    host: str = "0.0.0.0"
    port: int = 8765
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    max_message_bytes: int = 64 * 1024
    max_players_per_room: int = 10_000
    max_rooms: int = 10_000
    allowed_origins: tuple[str, ...] = ()
    rate_limit_per_second: float = 20.0
    rate_limit_burst: int = 40
    create_room_per_minute: int = 20
    join_per_minute: int = 10_000
    join_burst: int = 500
    wrong_code_per_minute: int = 10
    server_wrong_code_per_minute: int = 30
    trusted_proxy_hops: int = 0
    abandoned_lobby_seconds: float = 30.0
    reconnect_grace_seconds: float = 120.0
    room_idle_ttl_seconds: float = 1800.0
    countdown_seconds: int = 3
    shutdown_grace_seconds: float = 5.0
    log_level: str = "INFO"
    log_format: str = "text"
    server_id: str = field(default_factory=lambda: default_server_id())
    groq_api_key: str | None = None
    groq_model: str = "openai/gpt-oss-20b"
    groq_base_url: str | None = None
    llm_timeout_seconds: float = 20.0
    llm_max_concurrency: int = 8
    redis_url: str | None = None
    redis_ssl_verify: bool = True
    redis_lease_seconds: float = 5.0
    redis_max_connections: int = 50
    workers: int = 1
    web_dir: str = ""
    # Media (protocol 1.2): pictures and sound, see quiz.media.
    media_dir: str = ""
    media_max_bytes: int = 10 * 1024 * 1024
    media_max_pixels: int = 50_000_000
    media_audio_max_seconds: float = 30.0
    media_uploads_per_hour: int = 300
    media_bytes_per_hour: int = 512 * 1024 * 1024
    media_uploading_bytes: int = 128 * 1024 * 1024
    media_upload_timeout_seconds: float = 120.0
    media_store_bytes: int = 256 * 1024 * 1024
    media_ttl_seconds: float = 86_400.0
    media_cache_bytes: int = 64 * 1024 * 1024
    media_threads: int = 1

    def public(self) -> dict[str, object]:
        """The settings without secrets, for the start-up log line."""
        hidden = {"groq_api_key", "redis_url"}
        out: dict[str, object] = {}
        for name in self.__slots__:  # type: ignore[attr-defined]
            value = getattr(self, name)
            out[name] = ("set" if value else "unset") if name in hidden else value
        return out


def default_server_id() -> str:
    """Host name plus a short random suffix: unique per process, readable in logs."""
    return f"{socket.gethostname()[:24]}-{secrets.token_hex(3)}"


def _int(lo: int, hi: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw)
        if not lo <= value <= hi:
            raise ValueError
        return value

    parse.accepts = f"a whole number from {lo} to {hi}"  # type: ignore[attr-defined]
    return parse


def _float(lo: float, hi: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = float(raw)
        if not lo <= value <= hi:  # also refuses nan
            raise ValueError
        return value

    parse.accepts = f"a number from {lo:g} to {hi:g}"  # type: ignore[attr-defined]
    return parse


def _choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise ValueError
        return value

    parse.accepts = "one of " + ", ".join(options)  # type: ignore[attr-defined]
    return parse


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError


_bool.accepts = "true or false"  # type: ignore[attr-defined]


def _text(max_len: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if not value or len(value) > max_len or any(c.isspace() for c in value):
            raise ValueError
        return value

    parse.accepts = f"1 to {max_len} characters without spaces"  # type: ignore[attr-defined]
    return parse


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if not origin.startswith(("http://", "https://")):
            raise ValueError
    return origins


_origins.accepts = "comma-separated origins such as https://quiz.example.com"  # type: ignore[attr-defined]


def _redis_url(raw: str) -> str:
    value = raw.strip()
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError
    return value


_redis_url.accepts = "a redis://, rediss:// or unix:// URL"  # type: ignore[attr-defined]


def _http_url(raw: str) -> str:
    value = raw.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError
    return value


_http_url.accepts = "an http:// or https:// URL"  # type: ignore[attr-defined]


def _level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError
    return value


_level.accepts = "DEBUG, INFO, WARNING, ERROR or CRITICAL"  # type: ignore[attr-defined]


_MIB = 1024 * 1024
_GIB = 1024 * _MIB

# variable name -> (field name, parser). Order is the order of the README table.
_VARIABLES: dict[str, tuple[str, Callable[[str], object]]] = {
    "HOST": ("host", _text(255)),
    "PORT": ("port", _int(0, 65535)),
    "PING_INTERVAL": ("ping_interval", _float(1, 3600)),
    "PING_TIMEOUT": ("ping_timeout", _float(1, 3600)),
    "MAX_MESSAGE_BYTES": ("max_message_bytes", _int(1024, 16 * 1024 * 1024)),
    "MAX_PLAYERS_PER_ROOM": ("max_players_per_room", _int(1, 100_000)),
    "MAX_ROOMS": ("max_rooms", _int(1, 1_000_000)),
    "ALLOWED_ORIGINS": ("allowed_origins", _origins),
    "RATE_LIMIT_PER_SECOND": ("rate_limit_per_second", _float(1, 10_000)),
    "RATE_LIMIT_BURST": ("rate_limit_burst", _int(1, 100_000)),
    "CREATE_ROOM_PER_MINUTE": ("create_room_per_minute", _int(1, 100_000)),
    "JOIN_PER_MINUTE": ("join_per_minute", _int(1, 1_000_000)),
    "JOIN_BURST": ("join_burst", _int(1, 1_000_000)),
    "WRONG_CODE_PER_MINUTE": ("wrong_code_per_minute", _int(1, 100_000)),
    "SERVER_WRONG_CODE_PER_MINUTE": ("server_wrong_code_per_minute", _int(1, 1_000_000)),
    "TRUSTED_PROXY_HOPS": ("trusted_proxy_hops", _int(0, 10)),
    "ABANDONED_LOBBY_SECONDS": ("abandoned_lobby_seconds", _float(1, 86_400)),
    "RECONNECT_GRACE_SECONDS": ("reconnect_grace_seconds", _float(1, 86_400)),
    "ROOM_IDLE_TTL_SECONDS": ("room_idle_ttl_seconds", _float(10, 7 * 86_400)),
    "COUNTDOWN_SECONDS": ("countdown_seconds", _int(0, 10)),
    "SHUTDOWN_GRACE_SECONDS": ("shutdown_grace_seconds", _float(0, 6)),
    "LOG_LEVEL": ("log_level", _level),
    "LOG_FORMAT": ("log_format", _choice("text", "json")),
    "SERVER_ID": ("server_id", _text(64)),
    "GROQ_API_KEY": ("groq_api_key", _text(500)),
    "GROQ_MODEL": ("groq_model", _text(200)),
    "GROQ_BASE_URL": ("groq_base_url", _http_url),
    "LLM_TIMEOUT_SECONDS": ("llm_timeout_seconds", _float(0.1, 300)),
    "LLM_MAX_CONCURRENCY": ("llm_max_concurrency", _int(1, 1000)),
    "REDIS_URL": ("redis_url", _redis_url),
    "REDIS_SSL_VERIFY": ("redis_ssl_verify", _bool),
    "REDIS_LEASE_SECONDS": ("redis_lease_seconds", _float(1, 60)),
    "REDIS_MAX_CONNECTIONS": ("redis_max_connections", _int(4, 10_000)),
    "WORKERS": ("workers", _int(1, 64)),
    "WEB_DIR": ("web_dir", _text(4096)),
    "MEDIA_DIR": ("media_dir", _text(4096)),
    "MEDIA_MAX_BYTES": ("media_max_bytes", _int(1024, 100 * _MIB)),
    # Below Pillow's own bomb threshold (Image.MAX_IMAGE_PIXELS, 89,478,485),
    # so this limit, with its clear error, is always the one that refuses.
    "MEDIA_MAX_PIXELS": ("media_max_pixels", _int(10_000, 89_000_000)),
    "MEDIA_AUDIO_MAX_SECONDS": ("media_audio_max_seconds", _float(1, 600)),
    "MEDIA_UPLOADS_PER_HOUR": ("media_uploads_per_hour", _int(1, 1_000_000)),
    "MEDIA_BYTES_PER_HOUR": ("media_bytes_per_hour", _int(1024, 1024 * _GIB)),
    "MEDIA_UPLOADING_BYTES": ("media_uploading_bytes", _int(1024, 64 * _GIB)),
    "MEDIA_UPLOAD_TIMEOUT_SECONDS": ("media_upload_timeout_seconds", _float(1, 3600)),
    "MEDIA_STORE_BYTES": ("media_store_bytes", _int(1024, 1024 * _GIB)),
    "MEDIA_TTL_SECONDS": ("media_ttl_seconds", _float(60, 365 * 86_400)),
    "MEDIA_CACHE_BYTES": ("media_cache_bytes", _int(0, 64 * _GIB)),
    "MEDIA_THREADS": ("media_threads", _int(1, 64)),
}


_SECRETS = frozenset({"GROQ_API_KEY", "REDIS_URL"})


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check every variable; raise :class:`ConfigError` on the first bad one.

    An empty value counts as unset, as platforms often define variables empty.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for variable, (name, parse) in _VARIABLES.items():
        raw = env.get(variable)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[name] = parse(raw)
        except ValueError:
            accepts = getattr(parse, "accepts", "a valid value")
            # Never echo a secret back into a log.
            shown = "(hidden)" if variable in _SECRETS else repr(raw)
            raise ConfigError(f"{variable}={shown} is invalid: expected {accepts}") from None
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.workers > 1 and not settings.redis_url:
        raise ConfigError(
            f"WORKERS={settings.workers} needs REDIS_URL: each worker would keep its own "
            "rooms in memory, and players of one game would land on different workers"
        )
    if settings.media_dir and settings.redis_url:
        raise ConfigError(
            "MEDIA_DIR is set with REDIS_URL: media on one server's disk could not be "
            "served by the others; unset MEDIA_DIR to keep media in Redis"
        )
    if settings.media_max_bytes > settings.media_uploading_bytes:
        raise ConfigError(
            f"MEDIA_MAX_BYTES={settings.media_max_bytes} is more than "
            f"MEDIA_UPLOADING_BYTES={settings.media_uploading_bytes}: "
            "no upload of the largest size could ever start"
        )
    return settings
