"""Which browser pages may open a WebSocket: the ``Origin`` check. Pure.

A browser sends the page's origin with every WebSocket handshake, and a
script on any page may open a socket to any server: the check is the only
thing that keeps another site's page from playing in our rooms with its
visitors' browsers. Other clients send what they like, so the check is about
browsers only; a handshake without ``Origin`` (a bot, a load generator) is
accepted.

With ``ALLOWED_ORIGINS`` unset, every origin is accepted. With it set:

- an origin is compared as scheme, host and port, lower-cased, default port
  dropped, and only ``http`` and ``https`` origins can match (``evil://host``
  never does);
- the page this server serves itself is accepted when the origin names the
  host the request was sent to (``Host``) *and* that host is one the server
  knows as its own: a host of ``ALLOWED_ORIGINS`` or a loopback name. A page
  whose ``Host`` is whatever the page says (DNS rebinding: evil.example made
  to resolve to this server) names a host the server does not know, and is
  refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


class Verdict(Enum):
    ALLOW = "allow"
    FORBID = "forbid"  # 403
    BAD_REQUEST = "bad_request"  # 400: the headers cannot be read as one origin


def normalize(origin: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) origin, or None if it is not one."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    # An origin is scheme://host[:port]: anything more is not one.
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6, written as in a Host header
    return scheme, host, port or _DEFAULT_PORTS[scheme]


def _host_port(host_header: str, default_port: int) -> tuple[str, int] | None:
    parsed = normalize(f"http://{host_header}")
    if parsed is None:
        return None
    _, host, port = parsed
    # "Host: example.com" means the default port of the origin's scheme.
    if ":" not in host_header.rsplit("]", 1)[-1]:
        port = default_port
    return host, port


class OriginPolicy:
    """The allow-list of ``ALLOWED_ORIGINS``, ready to check handshakes."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = {n for n in (normalize(o) for o in allowed) if n is not None}
        self.own_hosts = LOOPBACK_HOSTS | {host for _, host, _ in self.allowed}

    def check(self, origins: list[str], hosts: list[str]) -> Verdict:
        """The verdict for a handshake with these ``Origin`` and ``Host`` header values."""
        if len(origins) > 1 or len(hosts) > 1:
            return Verdict.BAD_REQUEST  # which one would the browser have meant?
        if not origins or not self.allowed:
            return Verdict.ALLOW  # not a browser, or no list: anyone
        origin = normalize(origins[0])
        if origin is None:
            return Verdict.FORBID  # "null", another scheme, garbage
        if origin in self.allowed:
            return Verdict.ALLOW
        # The page this server served itself, under a name it knows as its own.
        scheme, host, port = origin
        if hosts and host in self.own_hosts:
            target = _host_port(hosts[0], _DEFAULT_PORTS[scheme])
            if target == (host, port):
                return Verdict.ALLOW
        return Verdict.FORBID
