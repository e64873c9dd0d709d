"""``GET /media/<id>`` and ``HEAD``: a stored picture or sound, cached forever.

The path is ``/media/`` and 64 lowercase hex digits, nothing else: no other
name, no dot, no slash, no percent-escape reaches the store, so nothing but
stored items is reachable under ``/media/``. An item never changes (its id
is the SHA-256 of its bytes), hence ``immutable`` and a strong ``ETag`` that
is the id itself. Single byte ranges are served (206), since Safari plays
``<audio>`` only from a server that answers them. The security headers
(``nosniff``, the CSP...) are added to every response by
:func:`quiz.net.endpoints.finish`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from websockets.datastructures import MultipleValuesError
from websockets.http11 import Request, Response

from quiz.media.model import MEDIA_ID, Media
from quiz.media.store import StoreUnavailable
from quiz.net import endpoints

log = logging.getLogger("quiz.net.http")

PREFIX = "/media/"
IMMUTABLE = "public, max-age=31536000, immutable"

Fetch = Callable[[str], Awaitable[Media | None]]


async def media_response(fetch: Fetch, request: Request, path: str) -> Response:
    """The answer to a GET or HEAD of ``path`` (under :data:`PREFIX`)."""
    media_id = path[len(PREFIX) :]
    if not MEDIA_ID.fullmatch(media_id):
        return endpoints.text_response(404, "Not found.\n")
    try:
        item = await fetch(media_id)
    except StoreUnavailable:
        log.warning("media store unavailable", extra={"media": media_id[:12]})
        return endpoints.text_response(
            503, "Media are unavailable; retry shortly.\n", extra={"Retry-After": "1"}
        )
    if item is None:
        return endpoints.text_response(404, "Not found.\n")
    try:
        return _item_response(item, request)
    except MultipleValuesError:
        # Two Range or If-None-Match headers: as malformed as anywhere else.
        return endpoints.text_response(400, "Duplicate header.\n")


def _item_response(item: Media, request: Request) -> Response:
    etag = f'"{item.id}"'
    if _matches(request.headers.get("If-None-Match"), etag):
        return _cached(endpoints.response(304, b"", item.content_type), etag, size=None)
    size = len(item.body)
    wanted = _range(request, etag, size)
    if wanted is None:
        return _cached(endpoints.response(200, item.body, item.content_type), etag, size)
    if wanted == (-1, -1):
        refused = endpoints.text_response(416, "Range not satisfiable.\n")
        refused.headers["Content-Range"] = f"bytes */{size}"
        return refused
    start, end = wanted
    partial = endpoints.response(206, item.body[start : end + 1], item.content_type)
    partial.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _cached(partial, etag, size)


def _cached(response: Response, etag: str, size: int | None) -> Response:
    """``response`` with the headers of an item that never changes."""
    headers = response.headers
    del headers["Cache-Control"]  # endpoints.response's no-cache
    headers["Cache-Control"] = IMMUTABLE
    headers["ETag"] = etag
    headers["Accept-Ranges"] = "bytes"
    if size is None:
        # A 304 has no body, and must not claim a length other than the item's.
        del headers["Content-Length"]
    return response


def _matches(header: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weakly compared, as RFC 9110 asks)."""
    if header is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def _range(request: Request, etag: str, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, inclusive; None for the whole item;
    ``(-1, -1)`` when it lies outside the item (416).

    Several ranges, or a header that is not ``bytes=a-b``, get the whole item
    (RFC 9110 lets a server ignore Range); so does an ``If-Range`` that names
    another version.
    """
    header = request.headers.get("Range")
    if header is None or not header.startswith("bytes=") or "," in header:
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range.strip() != etag:
        return None
    first, dash, last = header[len("bytes=") :].strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()):
        return None
    if not first.isdigit():  # bytes=-n: the last n bytes
        if not last.isdigit() or int(last) == 0:
            return (-1, -1)
        return max(0, size - int(last)), size - 1
    start = int(first)
    if last and not last.isdigit():
        return None
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return (-1, -1)
    return start, end
