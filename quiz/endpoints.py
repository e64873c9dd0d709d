"""Plain HTTP on the WebSocket port: health, readiness and the browser client.

websockets answers HTTP through ``process_request``; this module builds the
responses. The static files are read once at start, so serving them never
touches the disk inside the event loop.
"""

from __future__ import annotations

import email.utils
import hashlib
import http
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

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
    for key, value in SECURITY_HEADERS.items():
        if key not in response.headers:
            response.headers[key] = value
    if request.method == "HEAD" and response.body:
        # The headers of the GET, Content-Length included, without its body.
        return Response(response.status_code, response.reason_phrase, response.headers, b"")
    return response
