"""The HTTP side of the port: health, readiness, metrics, the browser client,
media (``/media/<id>``), and what a WebSocket handshake must pass (path,
origin, not shutting down)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import MultipleValuesError
from websockets.http11 import Request, Response

from quiz.net import endpoints
from quiz.net.media_http import PREFIX as MEDIA_PREFIX
from quiz.net.media_http import Fetch, media_response
from quiz.net.origin import OriginPolicy, Verdict
from quiz.rooms.contract import Health

log = logging.getLogger("quiz.net.http")


class Http:
    """``process_request`` and ``process_response`` for websockets' server."""

    def __init__(
        self,
        static: dict[str, endpoints.StaticFile],
        origins: OriginPolicy,
        server_id: str,
        health: Callable[[], dict[str, object]],
        readiness: Callable[[], Health],
        client_config: Callable[[], dict[str, object]] | None = None,
        metrics: Callable[[], tuple[bytes, str]] | None = None,
        media: Fetch | None = None,
    ) -> None:
        self.static = static
        self.origins = origins
        self.server_id = server_id
        self.health = health
        self.readiness = readiness
        self.client_config = client_config
        self.metrics = metrics
        self.media = media

    def process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | Awaitable[Response] | None:
        """A response, None to go on with the WebSocket handshake, or, for a
        media item, an awaitable of the response (websockets awaits it).

        Only ``/media/`` needs to wait (Redis, the disk); every other path,
        the handshakes of every player included, is answered without a
        coroutine.
        """
        try:
            return self._route(request)
        except MultipleValuesError as exc:
            # Two headers where one is expected (two Origin, two Upgrade...):
            # a malformed request, not a server failure.
            log.info("duplicate header", extra={"header": str(exc)[:40]})
            return endpoints.text_response(400, "Duplicate header.\n")

    def process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> Response:
        """Every response as it leaves: security headers, no body for HEAD."""
        return endpoints.finish(request, response)

    def _route(self, request: Request) -> Response | Awaitable[Response] | None:
        path = request.path.split("?", 1)[0]
        upgrade = "websocket" in request.headers.get("Upgrade", "").lower()
        if upgrade:
            if path not in ("/", "/ws"):
                return endpoints.text_response(404, "No WebSocket endpoint here; use /ws.\n")
            verdict = self.origins.check(
                request.headers.get_all("Origin"), request.headers.get_all("Host")
            )
            if verdict is Verdict.BAD_REQUEST:
                return endpoints.text_response(400, "One Origin and one Host header, please.\n")
            if verdict is Verdict.FORBID:
                return endpoints.text_response(403, "Origin not allowed.\n")
            ready = self.readiness()
            if not ready.ready and ready.reason == "shutting_down":
                return endpoints.text_response(503, "Server is restarting.\n")
            return None  # go on with the WebSocket handshake
        if request.method not in ("GET", "HEAD"):
            return endpoints.text_response(
                405, "Method not allowed.\n", extra={"Allow": "GET, HEAD"}
            )
        head = request.method == "HEAD"
        if path.startswith(MEDIA_PREFIX) and self.media is not None:
            return media_response(self.media, request, path)
        if path == "/healthz":
            return endpoints.json_response(200, self.health(), head=head)
        if path == "/metrics" and self.metrics is not None:
            body, content_type = self.metrics()
            return endpoints.response(200, body, content_type, head=head)
        if path == "/readyz":
            ready = self.readiness()
            body = {"status": ready.reason, "server_id": self.server_id}
            return endpoints.json_response(200 if ready.ready else 503, body, head=head)
        if path == "/config.json" and self.client_config is not None:
            # The browser client's settings (the web branch's one route here).
            return endpoints.json_response(200, self.client_config(), head=head)
        if path == "/ws":
            return endpoints.text_response(
                426,
                "This is the WebSocket endpoint: connect with a WebSocket client.\n",
                extra={"Upgrade": "websocket"},
            )
        return endpoints.static_response(self.static, request, path)
