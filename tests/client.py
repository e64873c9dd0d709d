"""A small protocol v1 client for the tests: real WebSocket, real frames."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TIMEOUT = 10.0
_ids = itertools.count(1)


class Player:
    """One connection; keeps every message it has read, in order."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.inbox: list[dict[str, Any]] = []  # read but not yet taken
        self.log: list[dict[str, Any]] = []  # everything ever read
        self.player_id: str | None = None
        self.token: str | None = None
        self.room_id: str | None = None

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> Player:
        return cls(await connect(url, open_timeout=TIMEOUT, **kwargs))

    async def send(self, action: str, **fields: Any) -> None:
        await self.ws.send(json.dumps({"action": action, **fields}))

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def _read(self, timeout: float) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        message = json.loads(raw)
        self.log.append(message)
        return message

    async def expect(self, kind: str, timeout: float = TIMEOUT, **match: Any) -> dict[str, Any]:
        """The first unread message of type ``kind`` (with ``match`` fields).

        Messages passed over stay unread for later calls: the order of
        ``expect`` calls need not follow the order of arrival (``log`` has it).
        """
        for i, message in enumerate(self.inbox):
            if _matches(message, kind, match):
                del self.inbox[i]
                return message
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            message = await self._read(max(0.01, end - loop.time()))
            if _matches(message, kind, match):
                return message
            self.inbox.append(message)

    async def next(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The very next message, whatever it is."""
        if self.inbox:
            return self.inbox.pop(0)
        return await self._read(timeout)

    async def error(self, action: str, code: str, **fields: Any) -> dict[str, Any]:
        """Send and expect an error with ``code`` echoing the request_id."""
        message = await self.request_any(action, **fields)
        assert message["type"] == "error", message
        assert message["code"] == code, message
        return message

    async def request_any(
        self, action: str, *, timeout: float = TIMEOUT, **fields: Any
    ) -> dict[str, Any]:
        rid = f"r{next(_ids)}"
        await self.send(action, request_id=rid, **fields)
        return await self.expect_rid(rid, timeout)

    async def expect_rid(self, rid: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        for i, message in enumerate(self.inbox):
            if message.get("request_id") == rid:
                del self.inbox[i]
                return message
        while True:
            message = await self._read(max(0.01, end - loop.time()))
            if message.get("request_id") == rid:
                return message
            self.inbox.append(message)

    async def create(self, name: str = "Host", **settings: Any) -> dict[str, Any]:
        reply = await self.request_any("create_room", name=name, **settings)
        assert reply["type"] == "room_created", reply
        self._seat(reply)
        return reply

    async def join(self, room_id: str, name: str) -> dict[str, Any]:
        reply = await self.request_any("join_room", room_id=room_id, name=name)
        assert reply["type"] == "room_joined", reply
        self._seat(reply)
        return reply

    async def rejoin(self, room_id: str, token: str) -> dict[str, Any]:
        reply = await self.request_any("rejoin", room_id=room_id, token=token)
        assert reply["type"] == "room_joined", reply
        self._seat(reply)
        return reply

    def _seat(self, reply: dict[str, Any]) -> None:
        self.player_id = reply["player_id"]
        self.token = reply["token"]
        self.room_id = reply["room_id"]

    async def closed(self, timeout: float = TIMEOUT) -> int | None:
        """Read until the server closes; the close code."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        try:
            while True:
                await self._read(max(0.01, end - loop.time()))
        except ConnectionClosed:
            pass
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()


def _matches(message: dict[str, Any], kind: str, match: dict[str, Any]) -> bool:
    return message.get("type") == kind and all(message.get(k) == v for k, v in match.items())
