"""The HTTP side of the port: health, readiness, metrics, the browser client, and
what a WebSocket handshake must pass (path, origin, not shutting down)."""

from __future__ import annotations

from collections.abc import Callable

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from quiz import endpoints
from quiz.rooms import Health


class Http:
    """``process_request`` for websockets' server, and nothing else."""

    def __init__(
        self,
        static: dict[str, endpoints.StaticFile],
        allowed_origins: set[str],
        server_id: str,
        health: Callable[[], dict[str, object]],
        readiness: Callable[[], Health],
        metrics: Callable[[], tuple[bytes, str]],
    ) -> None:
        self.static = static
        self.allowed_origins = allowed_origins
        self.server_id = server_id
        self.health = health
        self.readiness = readiness
        self.metrics = metrics

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        upgrade = "websocket" in request.headers.get("Upgrade", "").lower()
        if upgrade:
            if path not in ("/", "/ws"):
                return endpoints.text_response(404, "No WebSocket endpoint here; use /ws.\n")
            if not self._origin_allowed(request):
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
        if path == "/healthz":
            return endpoints.json_response(200, self.health(), head=head)
        if path == "/metrics":
            body, content_type = self.metrics()
            return endpoints.response(200, body, content_type, head=head)
        if path == "/readyz":
            ready = self.readiness()
            body = {"status": ready.reason, "server_id": self.server_id}
            return endpoints.json_response(200 if ready.ready else 503, body, head=head)
        if path == "/ws":
            return endpoints.text_response(
                426,
                "This is the WebSocket endpoint: connect with a WebSocket client.\n",
                extra={"Upgrade": "websocket"},
            )
        return endpoints.static_response(self.static, request, path)

    def _origin_allowed(self, request: Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None or not self.allowed_origins:
            return True  # not a browser, or no list: anyone
        if origin.rstrip("/") in self.allowed_origins:
            return True
        # The page this server serves itself is always welcome.
        host = request.headers.get("Host", "")
        return origin.split("://", 1)[-1] == host
