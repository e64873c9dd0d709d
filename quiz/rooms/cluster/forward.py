"""Commands this server's players send to rooms that another server owns.

A forwarded command goes to the room's inbox stream; the owner takes it
(``CLAIM``), applies it and logs it, and this server folds the log entry
into its replica, which yields the reply for the player here.

One outcome that both ends agree on: the command's fate key is written
once, by whoever comes first. The owner writes "taken" before applying; a
sender that waited long enough writes "refused" (``CANCEL``) and tells its
player ``server_busy``. A refused command is never applied, whenever it
reaches an owner; a taken one is applied, by that owner or its successor.
A command also carries a deadline on Redis's clock, past which no owner
takes it, for the case where the sender cannot even write the refusal.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from quiz.core.commands import Command
from quiz.rooms.cluster import scripts
from quiz.rooms.cluster.scripts import key, ref_key
from quiz.rooms.contract import RoomNotFound, Unavailable
from quiz.wire import codec
from quiz.wire.frames import encode

if TYPE_CHECKING:
    from quiz.rooms.cluster.node import Node

log = logging.getLogger("quiz.rooms.cluster")

# Once taken, the owner's log entry is at most a commit and a read away.
TAKEN_GRACE_S = 3.0
# How long the fate of a command is kept: longer than any wait for it.
FATE_TTL_MS = 120_000
CANCEL_RETRY_S = 0.5
CANCEL_TRIES = 60


@dataclass(eq=False, slots=True)
class Waiter:
    """A player here waiting for the reply to a forwarded command."""

    conn: object | None
    token: str | None
    done: asyncio.Future[str | None]


class Forwarder:
    """The inbox side of this server: batches sends, waits for replies."""

    def __init__(self, node: Node, wait_s: float) -> None:
        self.node = node
        self.wait_s = wait_s
        self.waiters: dict[str, Waiter] = {}
        self.outbox: dict[str, list[tuple[str, str]]] = {}
        self.flushing: set[str] = set()
        self._forward = node.redis.register_script(scripts.FORWARD)
        self._cancel = node.redis.register_script(scripts.CANCEL)

    async def send(
        self,
        room_id: str,
        player_id: str | None,
        command: Command,
        conn: object | None = None,
        token: str | None = None,
        *,
        reply: bool = True,
    ) -> str | None:
        """Forward one command; the reply frame once the owner applied it.

        Raises :class:`Unavailable` when it was not (and will not be) applied.
        """
        ref = secrets.token_hex(8)
        deadline = self.node.redis_now_ms() + int(self.wait_s * 1000)
        body = encode(
            {
                "origin": self.node.sid,
                "ref": ref,
                "pid": player_id,
                "cmd": codec.command_to_dict(command),
                "deadline": deadline,
            }
        )
        waiter = Waiter(conn, token, asyncio.get_running_loop().create_future())
        if reply:
            self.waiters[ref] = waiter
        # Commands that arrive together travel together: one script call
        # carries everything queued for a room while the last one was out.
        self.outbox.setdefault(room_id, []).append((ref, body))
        if room_id not in self.flushing:
            self.flushing.add(room_id)
            self.node.spawn(self._flush(room_id))
        if not reply:
            return None
        try:
            try:
                async with asyncio.timeout(self.wait_s):
                    return await asyncio.shield(waiter.done)
            except TimeoutError:
                pass
            if await self._refused(room_id, ref):
                raise Unavailable("the room's server did not answer in time; retry")
            # An owner took it: its log entry is on its way.
            try:
                async with asyncio.timeout(TAKEN_GRACE_S):
                    return await asyncio.shield(waiter.done)
            except TimeoutError:
                log.warning("a forwarded command was taken but never seen", extra={"ref": ref})
                raise Unavailable("the room's server did not answer in time") from None
        finally:
            self.waiters.pop(ref, None)

    def waiter(self, ref: str) -> Waiter | None:
        return self.waiters.get(ref) if ref else None

    async def _flush(self, room_id: str) -> None:
        # One send at a time per room, so a room's inbox holds its commands
        # in the order this server received them.
        try:
            await asyncio.sleep(0)  # let the commands of this loop turn join the batch
            while batch := self.outbox.pop(room_id, None):
                await self._send_batch(room_id, batch)
        finally:
            self.flushing.discard(room_id)

    async def _send_batch(self, room_id: str, batch: list[tuple[str, str]]) -> None:
        try:
            sent = await self._forward(
                keys=[key(room_id, "inbox"), key(room_id, "snap")],
                args=[self.node.ttl_ms, *(body for _, body in batch)],
            )
        except RedisError as exc:
            error = self.node.failed(exc)
            # The commands may still reach the inbox once Redis answers:
            # refuse them for good, so that they never take effect.
            self.node.spawn(self._refuse_later(room_id, [ref for ref, _ in batch]))
            self._fail(batch, error)
            return
        if not sent:
            self._fail(batch, RoomNotFound(room_id))
            self.node.vanished(room_id)
            return
        self.node.counters["commands_forwarded"] += len(batch)
        self.node.counters["redis_forwards"] += 1

    def _fail(self, batch: list[tuple[str, str]], error: Exception) -> None:
        for ref, _ in batch:
            waiter = self.waiters.get(ref)
            if waiter is not None and not waiter.done.done():
                waiter.done.set_exception(error)

    async def _refused(self, room_id: str, ref: str) -> bool:
        """Refuse ``ref`` for good; False if an owner took it first."""
        try:
            return bool(await self._cancel(keys=[ref_key(room_id, ref)], args=[FATE_TTL_MS]))
        except RedisError as exc:
            self.node.spawn(self._refuse_later(room_id, [ref]))
            raise self.node.failed(exc) from exc

    async def _refuse_later(self, room_id: str, refs: list[str]) -> None:
        for _ in range(CANCEL_TRIES):
            await asyncio.sleep(CANCEL_RETRY_S)
            try:
                for ref in refs:
                    if not await self._cancel(keys=[ref_key(room_id, ref)], args=[FATE_TTL_MS]):
                        log.warning(
                            "a command reported failed was applied", extra={"room": room_id}
                        )
                return
            except RedisError:
                continue
