"""Test clients for crowds behind one address: a player that honours
``rate_limited``'s ``retry_after_ms`` as a client should, and a script that
guesses room codes and tokens from the same address as fast as it may.

Different client addresses are real: the loopback network is 127.0.0.0/8,
so a client bound to 127.0.0.3 is another peer for the server.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed

from quiz.rooms.contract import ROOM_CODE_ALPHABET
from tests.client import Player

_ids = itertools.count(1)


@dataclass
class Patience:
    """What a crowd's clients went through to get in."""

    waits: int = 0  # rate_limited replies honoured (each names its wait)
    waited_ms: int = 0


async def connect_from(url: str, ip: str) -> Player:
    return await Player.connect(url, local_addr=(ip, 0))


async def enter_patiently(
    player: Player, action: str, patience: Patience, *, give_up_s: float = 120, **fields: Any
) -> dict[str, Any]:
    """Send an entry request until it is answered with anything but
    ``rate_limited``, waiting as each refusal says (the same request id)."""
    rid = f"v{next(_ids)}"
    loop = asyncio.get_running_loop()
    end = loop.time() + give_up_s
    while True:
        await player.send(action, request_id=rid, **fields)
        reply = await player.expect_rid(rid, timeout=60)
        if reply.get("code") != "rate_limited":
            return reply
        wait_ms = reply["retry_after_ms"]  # every rate_limited carries one
        patience.waits += 1
        patience.waited_ms += wait_ms
        assert loop.time() + wait_ms / 1000 < end, reply
        # The server said when: this is the client honouring it, not a test
        # waiting for something it could await.
        await asyncio.sleep(wait_ms / 1000 + random.random() * 0.05)


def keep_reading(players: list[Player]) -> list[asyncio.Task[None]]:
    """Read (and drop) what the players are sent, as a phone does, until the
    tasks are cancelled: a client that stops reading is cut by the server,
    and misses its pings."""

    async def read(player: Player) -> None:
        try:
            while True:
                await player.ws.recv()
        except ConnectionClosed:
            pass

    return [asyncio.ensure_future(read(p)) for p in players]


async def stop_reading(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def random_code(rng: random.Random) -> str:
    return "".join(rng.choice(ROOM_CODE_ALPHABET) for _ in range(5))


@dataclass
class Guesser:
    """A script at one address: ``connections`` sockets, half of them sending
    made-up room codes, half wrong tokens (for the real room, and for
    made-up ones), each as fast as it is answered; a socket turned away for
    its own wrong guesses is dropped for a new one."""

    url: str
    ip: str
    room_id: str
    connections: int = 20
    replies: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    sockets: int = 0
    spent: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stop: bool = False

    @property
    def joins_waiting(self) -> int:
        """``join_room`` guesses sent and not answered yet: held by the server."""
        answered = sum(n for key, n in self.replies.items() if key.startswith("join_room:"))
        return self.sent["join_room"] - answered

    @property
    def codes_missed(self) -> int:
        """``join_room`` lookups that found no room: what guessing costs."""
        return self.replies["join_room:room_not_found"]

    def start(self, allowance: int) -> None:
        self._allowance = allowance
        self._tasks = [asyncio.ensure_future(self._run(i)) for i in range(self.connections)]

    async def stop(self) -> None:
        self._stop = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self, n: int) -> None:
        rng = random.Random(n)
        while not self._stop:
            player = await connect_from(self.url, self.ip)
            self.sockets += 1
            try:
                await self._guess(player, rng, codes=n % 2 == 0)
            except ConnectionClosed:
                pass
            finally:
                await player.close()

    async def _guess(self, player: Player, rng: random.Random, *, codes: bool) -> None:
        for turn in itertools.count():
            if codes:
                action, fields = "join_room", {"room_id": random_code(rng), "name": "Bot"}
            elif turn % 2:
                token = secrets.token_urlsafe(24)
                action, fields = "rejoin", {"room_id": self.room_id, "token": token}
            else:
                action, fields = "rejoin", {"room_id": random_code(rng), "token": "t" * 32}
            self.sent[action] += 1
            reply = await player.request_any(action, timeout=60, **fields)
            code = reply.get("code", reply["type"])
            self.replies[f"{action}:{code}"] += 1
            assert code in {"room_not_found", "invalid_token", "rate_limited"}, reply
            if self.codes_missed >= self._allowance:
                self.spent.set()
            if code == "rate_limited" and "connection" in reply["message"]:
                return  # this socket spent its own allowance: a new one
