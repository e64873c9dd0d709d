"""What this server's reader reads, and what it does with each entry.

A followed room's log is folded into its replica; an owned room's inbox
holds commands other servers forwarded, which are claimed (their fate
written once, see :mod:`quiz.rooms.cluster.forward`) and queued in inbox order.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import orjson
from redis.exceptions import RedisError

from quiz.rooms.cluster.entries import Forwarded, Origin
from quiz.rooms.cluster.forward import FATE_TTL_MS
from quiz.rooms.cluster.replica import Replica
from quiz.rooms.cluster.scripts import CLAIM, key, ref_key
from quiz.wire import codec

if TYPE_CHECKING:
    from quiz.rooms.cluster.following import Following
    from quiz.rooms.cluster.forward import Forwarder
    from quiz.rooms.cluster.node import Node

log = logging.getLogger("quiz.rooms.cluster")


class Streams:
    """The reader's streams: logs of followed rooms, inboxes of owned ones."""

    def __init__(
        self, node: Node, following: Following, forwarder: Forwarder
    ) -> None:
        self.node = node
        self.following = following
        self.forwarder = forwarder
        self.claim = node.redis.register_script(CLAIM)

    def streams(self) -> dict[str, str]:
        streams = {self.node.wake_key: self.node.wake_cursor}
        for replica in self.node.replicas.values():
            if replica.engine.closed:
                continue
            if replica.owned:
                # From what was read, not what was logged: taking is spawned
                # and must not see an entry twice.
                streams[key(replica.room_id, "inbox")] = replica.inbox_read
            elif not replica.stale:
                streams[key(replica.room_id, "log")] = replica.cursor
        return streams

    def on_stream(self, stream: str, items: list[tuple[str, dict[str, str]]]) -> None:
        if stream == self.node.wake_key:
            self.node.wake_cursor = items[-1][0]
            return
        room_id = stream.split("{", 1)[1].split("}", 1)[0]
        replica = self.node.replicas.get(room_id)
        if replica is None:
            return
        if stream.endswith(":log"):
            for stream_id, fields in items:
                if replica.owned or replica.stale:
                    break  # owned meanwhile: the takeover folded the rest
                entry = self.following.decode(room_id, stream_id, fields)
                if entry is None:
                    replica.cursor = stream_id
                else:
                    self.following.fold(replica, stream_id, entry)
            return
        if not replica.owned:
            return
        for stream_id, fields in items:
            replica.inbox_read = stream_id
            try:
                body = orjson.loads(fields["c"])
            except Exception:
                self.node.counters["bad_entries"] += 1
                log.error("skipping an inbox entry that cannot be decoded", extra={"room": room_id})
                continue
            replica.incoming.append((stream_id, body))
        if replica.incoming and not replica.taking:
            replica.taking = True
            self.node.spawn(self._take(replica))

    async def _take(self, replica: Replica) -> None:
        """Claim forwarded commands in inbox order, then queue them to apply."""
        room_id = replica.room_id
        try:
            while replica.incoming and replica.owned:
                batch = list(replica.incoming)
                replica.incoming.clear()
                jobs: list[Forwarded] = []
                deadlines: list[int] = []
                for stream_id, body in batch:
                    try:
                        jobs.append(self._job(stream_id, body))
                        deadlines.append(int(body["deadline"]))
                    except Exception:
                        self.node.counters["bad_entries"] += 1
                        log.error("skipping a forwarded command", extra={"room": room_id})
                if not jobs:
                    continue
                try:
                    taken = await self.claim(
                        keys=[ref_key(room_id, j.origin.ref) for j in jobs if j.origin],
                        args=[replica.lease or "", FATE_TTL_MS, *deadlines],
                    )
                except RedisError as exc:
                    # Left in the inbox past what the log consumed: whoever
                    # owns the room next reads them again.
                    self.node.failed(exc)
                    why = "could not take forwarded commands"
                    self.node.demote(room_id, why, lost=False)
                    return
                for job, ok in zip(jobs, taken, strict=True):
                    if ok and replica.owned:
                        replica.engine.enqueue(job)
        finally:
            replica.taking = False

    def _job(self, stream_id: str, body: dict[str, Any]) -> Forwarded:
        origin = Origin(str(body["origin"]), str(body["ref"]), stream_id)
        job = Forwarded(body["pid"], codec.command_from_dict(body["cmd"]), origin=origin)
        if origin.server == self.node.sid:
            # Our own player's command, forwarded before this server took the
            # room over: the reply goes to the player waiting here.
            waiter = self.forwarder.waiter(origin.ref)
            if waiter is not None:
                job.conn, job.token, job.done = waiter.conn, waiter.token, waiter.done
        return job
