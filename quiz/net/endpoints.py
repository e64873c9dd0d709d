"""Plain HTTP on the WebSocket port: health, readiness and the browser client.

websockets answers HTTP through ``process_request``; this module builds the
responses. The static files are read once at start, so serving them never
touches the disk inside the event loop.
"""

from __future__ import annotations

import email.utils
import functools
import hashlib
import http
import ipaddress
import json
import mimetypes
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

if TYPE_CHECKING:
    from quiz.llm.bank import Bank
    from quiz.ops.config import Settings

# The client is served by this server only: nothing may load from elsewhere,
# and nothing a player typed can run as script even if it were rendered as HTML.
# Sent on every HTTP response (see finish), errors included: a 404 page is a
# page too. connect-src 'self' allows ws:// and wss:// to this same host
# (CSP Level 3 maps 'self' to them), and no other.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
}

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    content_type: str
    etag: str


def load_static(folder: Path) -> dict[str, StaticFile]:
    """Every file under ``folder`` by its URL path; ``/`` is ``index.html``."""
    files: dict[str, StaticFile] = {}
    if not folder.is_dir():
        return files
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.parts):
            continue
        body = path.read_bytes()
        content_type = _TYPES.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        files["/" + path.relative_to(folder).as_posix()] = StaticFile(body, content_type, etag)
    if "/index.html" in files:
        files["/"] = files["/index.html"]
    return files


def response(
    status: int,
    body: bytes,
    content_type: str,
    *,
    head: bool = False,
    extra: dict[str, str] | None = None,
) -> Response:
    """An HTTP response; for HEAD, the headers of the GET with no body."""
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-cache"),
            ("Connection", "close"),
        ]
    )
    for key, value in (extra or {}).items():
        headers[key] = value
    phrase = http.HTTPStatus(status).phrase
    return Response(status, phrase, headers, b"" if head else body)


def json_response(status: int, data: dict[str, object], *, head: bool = False) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    return response(status, body, "application/json", head=head)


def text_response(status: int, text: str, *, extra: dict[str, str] | None = None) -> Response:
    return response(status, text.encode(), "text/plain; charset=utf-8", extra=extra)


def static_response(files: dict[str, StaticFile], request: Request, path: str) -> Response:
    """A file of the client, 304 when the browser has it, 404 when there is none."""
    found = files.get(path)
    if found is None:
        return text_response(404, "Not found.\n")
    if request.headers.get("If-None-Match") == found.etag:
        return response(304, b"", found.content_type, extra={"ETag": found.etag})
    return response(
        200,
        found.body,
        found.content_type,
        head=request.method == "HEAD",
        extra={"ETag": found.etag},
    )


def finish(request: Request, response: Response) -> Response:
    """Every response as it leaves: security headers, and no body for HEAD.

    websockets calls this (``process_response``) for every response of the
    handshake path: ours, its own refusals (400, 426, 500) and the 101.
    """
    if response.status_code == 101:
        # Switching to WebSocket: no document for a browser to frame, sniff
        # or run, so the page headers would protect nothing, and each
        # connection keeps its 101 for its lifetime (about 1 KiB each,
        # measured with tracemalloc: 10 MiB in a room of 10,000).
        return response
    for key, value in SECURITY_HEADERS.items():
        if key not in response.headers:
            response.headers[key] = value
    if request.method == "HEAD" and response.body:
        # The headers of the GET, Content-Length included, without its body.
        return Response(response.status_code, response.reason_phrase, response.headers, b"")
    return response


# The page's configuration (/config.json): what the create form offers and
# the address other devices on the network can join at.

_LAN_PROBE = ("192.0.2.1", 9)  # TEST-NET-1: connecting a UDP socket sends nothing


@functools.cache
def lan_addresses() -> tuple[str, ...]:
    """This machine's address on the local network (IPv4), if it has one.

    A connected UDP socket reveals the interface the default route uses,
    without a packet and without DNS (gethostbyname may block on a resolver).
    Computed once: addresses of a running server rarely change.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_LAN_PROBE)
            address = str(probe.getsockname()[0])
    except OSError:
        return ()
    if ipaddress.ip_address(address).is_loopback or address == "0.0.0.0":
        return ()
    return (address,)


def lan_urls(bind_host: str, port: int) -> list[str]:
    """The URLs a phone on the same network opens, when the server listens there."""
    if bind_host not in ("0.0.0.0", "::", ""):
        try:
            if ipaddress.ip_address(bind_host).is_loopback:
                return []  # listening on loopback only: no other device can join
            return [f"http://{bind_host}:{port}/"]
        except ValueError:
            return [f"http://{bind_host}:{port}/"]
    return [f"http://{address}:{port}/" for address in lan_addresses()]


def client_config(settings: Settings, bank: Bank, port: int) -> dict[str, object]:
    """GET /config.json: what the browser client reads at start.

    ``llm``: whether a Groq key is configured (else the form offers the bank's
    categories instead of a free topic); ``categories``: the bank's, by key
    and name; ``lan_urls``: where other devices on the network reach this
    server (the lobby shows them when the page was opened on localhost).
    """
    return {
        "llm": bool(settings.groq_api_key),
        "categories": [
            {"key": c.key, "name": c.name}
            for c in sorted(bank.categories.values(), key=lambda c: c.name)
        ],
        "lan_urls": lan_urls(settings.host, port),
    }
