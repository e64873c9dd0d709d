"""Rooms shared by several servers through Redis.

One server owns a room at a time: it holds the :class:`~quiz.game.Room`,
applies its commands, runs its timers, and appends every applied command
with its outputs to the room's log, a Redis Stream. Ownership is a lease
(``SET NX PX``, renewed) whose value carries a fencing number that grows
with every new owner; every write checks the lease in the same Lua script,
so an owner that lost its lease (paused, partitioned) cannot write.

Other servers with players in the room follow it: they forward their
players' commands to the owner through the room's inbox Stream, and relay
the log's entries to their players in log order. A direct reply travels in
the log entry too, addressed to the server and request that asked.

The log is the truth: a snapshot (the room as JSON, with its sequence
number) plus the entries after it rebuild the room, because the rules are
deterministic. When a lease runs out, a server with players in the room (or
the one a ``rejoin`` reaches) takes the room over from the log; commands in
the inbox that the old owner had not logged are applied by the new one, and
those it had logged are not applied again.

Keys, all with ``{room}`` as hash tag so one room's keys share a slot:
``quiz:{R}:snap`` (snapshot), ``:log`` (stream), ``:inbox`` (stream),
``:seq`` (last logged sequence number), ``:lease`` (``server:fence``),
``:fence`` (counter). Each carries the room's idle TTL, refreshed by every
append; a closed room's keys expire a minute after its last entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from quiz import codec
from quiz.game import Command, Disconnected, Output, QuestionsReady, Room, RoomClosed, Tick

if TYPE_CHECKING:
    from quiz.config import Settings
    from quiz.server import Client, LocalRoom, QuizServer

log = logging.getLogger("quiz.cluster")

# Log entries between snapshots: at least 50, and at least one per player,
# so a big room (a snapshot of 10,000 players is megabytes) writes about one
# snapshot a question rather than hundreds.
SNAPSHOT_EVERY = 50
CLOSED_TTL_MS = 60_000
MAINTENANCE_INTERVAL = 1.0
READ_BLOCK_MS = 5_000

_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fence = redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[2], ARGV[2] .. ':' .. fence, 'PX', ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[4], ARGV[5], 'PX', ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return fence
"""

# Returns {1, token} when taken, {0, holder} when held, {-1, ''} when the
# room is gone.
_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder then return {0, holder} end
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1, ''} end
local fence = redis.call('INCR', KEYS[2])
local token = ARGV[1] .. ':' .. fence
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {1, token}
"""

# The fenced write: only the lease holder appends, and only the next number.
_APPEND = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local last = tonumber(redis.call('GET', KEYS[4]) or '0')
if last + 1 ~= tonumber(ARGV[2]) then return -2 end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'e', ARGV[3])
redis.call('SET', KEYS[4], ARGV[2], 'PX', ARGV[5])
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
else
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
end
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[5], ARGV[5])
redis.call('PEXPIRE', KEYS[6], ARGV[5])
return id
"""

_APPEND_KEYS = ("lease", "log", "snap", "seq", "fence", "inbox")

# Forward a command only to a room that exists: after Redis lost its data,
# followers learn the room is gone instead of waiting for an owner forever.
_FORWARD = """
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', 10000, '*', 'c', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'KEEPTTL') end
redis.call('DEL', KEYS[1])
return 1
"""


class NotOwner(Exception):
    """This server does not (or no longer) own the room."""


class Unavailable(Exception):
    """Redis cannot be reached now; the player gets ``server_busy``."""


class RoomGone(Exception):
    """The room no longer exists in Redis (expired, closed, or data lost)."""


def key(room_id: str, part: str) -> str:
    return f"quiz:{{{room_id}}}:{part}"


@dataclass(slots=True)
class Pending:
    """A command forwarded to another server's room, waiting for its reply."""

    client: Client | None
    token: str | None
    done: asyncio.Future[str | None] = field(default_factory=asyncio.Future)


class Cluster:
    """This server's side of the Redis protocol above."""

    def __init__(self, settings: Settings, server: QuizServer) -> None:
        assert settings.redis_url is not None
        self.server = server
        self.sid = settings.server_id
        self.lease_ms = int(settings.redis_lease_seconds * 1000)
        self.ttl_ms = int(settings.room_idle_ttl_seconds * 1000)
        options: dict[str, Any] = {"decode_responses": True, "socket_connect_timeout": 2}
        if settings.redis_url.startswith("rediss://") and not settings.redis_ssl_verify:
            # Managed Redis with a self-signed certificate (Heroku): encrypted,
            # not verified. Opt-in only, through REDIS_SSL_VERIFY=false.
            options["ssl_cert_reqs"] = "none"
        # Commands fail fast (one quick retry) so that a player waits seconds,
        # not minutes, for a server_busy while Redis is away.
        self.redis = aioredis.Redis.from_url(
            settings.redis_url,
            socket_timeout=2,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1),
            health_check_interval=10,
            **options,
        )
        # Blocking reads get their own connection with no socket timeout:
        # XREAD BLOCK would otherwise time out as a failure.
        self.reader = aioredis.Redis.from_url(
            settings.redis_url, socket_timeout=None, retry=Retry(ExponentialBackoff(), 0), **options
        )
        self._create = self.redis.register_script(_CREATE)
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._append = self.redis.register_script(_APPEND)
        self._renew = self.redis.register_script(_RENEW)
        self._release = self.redis.register_script(_RELEASE)
        self._forward = self.redis.register_script(_FORWARD)
        self.pending: dict[str, Pending] = {}
        self.healthy = False
        self.stopping = False
        self.wake_key = f"quiz:server:{self.sid}:wake"
        self.wake_cursor = "0-0"
        self._tasks: list[asyncio.Task[None]] = []
        self.counters = server.counters

    # Life cycle.

    async def start(self) -> None:
        """Check Redis once (a wrong URL stops the start), then run the loops."""
        await self.redis.set(self.alive_key(self.sid), "1", px=3 * self.lease_ms)
        self.healthy = True
        last = await self.redis.xrevrange(self.wake_key, count=1)
        self.wake_cursor = last[0][0] if last else "0-0"
        self._tasks = [
            asyncio.create_task(self._read_loop(), name="redis-reader"),
            asyncio.create_task(self._maintain_loop(), name="redis-maintenance"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, RedisError):
                await task
        with contextlib.suppress(RedisError):
            await self.redis.delete(self.wake_key)
        await self.reader.aclose()
        await self.redis.aclose()

    async def hand_over(self) -> None:
        """Give up every lease now, with a fresh snapshot: at shutdown, the
        next server takes the rooms over at once, not after the lease runs out."""
        self.stopping = True  # no more takeovers: this server is leaving
        for lr in list(self.server.rooms.values()):
            # Under the room's lock: no command is between its apply and its
            # append, so the snapshot is exactly the log's state.
            async with lr.lock:
                await self._hand_over(lr)

    async def _hand_over(self, lr: LocalRoom) -> None:
        if lr.room is None or lr.lease is None:
            return
        snap = self._snapshot(lr, lr.seq)
        try:
            await self._release(
                keys=[key(lr.room_id, "lease"), key(lr.room_id, "snap")], args=[lr.lease, snap]
            )
        except RedisError:
            log.warning("could not hand over a room", extra={"room": lr.room_id})
        lr.room = None
        lr.lease = None

    # Creating and finding rooms.

    async def create(self, lr: LocalRoom) -> bool:
        """Store a new room; False if the code is taken on some server."""
        assert lr.room is not None
        try:
            fence = await self._create(
                keys=[key(lr.room_id, p) for p in ("snap", "lease", "fence", "seq")],
                args=[self._snapshot(lr, 0), self.sid, self.lease_ms, self.ttl_ms, lr.seq],
            )
        except RedisError as exc:
            raise self._failed(exc) from exc
        if not fence:
            return False
        lr.lease = f"{self.sid}:{fence}"
        self.counters["rooms_owned"] += 1
        return True

    async def follow(self, lr: LocalRoom) -> bool:
        """Start relaying an existing room to this server; False if there is none."""
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.exists(key(lr.room_id, "snap"))
                pipe.xrevrange(key(lr.room_id, "log"), count=1)
                exists, last = await pipe.execute()
        except RedisError as exc:
            raise self._failed(exc) from exc
        if not exists:
            return False
        if last:
            lr.cursor = last[0][0]
            lr.seq = json.loads(last[0][1]["e"])["seq"]
        else:
            lr.cursor = "0-0"
        await self._wake()
        return True

    # Applying and forwarding.

    async def append(
        self,
        lr: LocalRoom,
        player_id: str | None,
        command: Command,
        now_ms: int,
        outputs: list[Output],
        origin: tuple[str, str, str] | None,
    ) -> None:
        """Log one applied command; raise NotOwner if the lease was lost."""
        if lr.lease is None:
            raise NotOwner(lr.room_id)
        seq = lr.seq + 1
        closing = any(isinstance(o, RoomClosed) for o in outputs)
        entry = {
            "seq": seq,
            "now": now_ms,
            "pid": player_id,
            "cmd": codec.command_to_dict(command),
            "out": [codec.output_to_dict(o) for o in outputs],
            "origin": origin[0] if origin else self.sid,
            "ref": origin[1] if origin else "",
            "inbox": origin[2] if origin else lr.inbox_cursor,
        }
        every = max(SNAPSHOT_EVERY, len(lr.room.players)) if lr.room is not None else SNAPSHOT_EVERY
        due = seq - lr.snapshot_seq >= every
        snap = self._snapshot(lr, seq) if due or closing else ""
        try:
            result = await self._append(
                keys=[
                    key(lr.room_id, p) for p in ("lease", "log", "snap", "seq", "fence", "inbox")
                ],
                args=[
                    lr.lease,
                    seq,
                    json.dumps(entry, separators=(",", ":")),
                    snap,
                    CLOSED_TTL_MS if closing else self.ttl_ms,
                    # Keeps every entry since the last snapshot, with room to spare.
                    2 * every + 100,
                ],
            )
        except RedisError as exc:
            raise self._failed(exc) from exc
        if result in (-1, -2):
            why = "lease lost" if result == -1 else f"sequence {seq} is not next"
            raise NotOwner(why)
        lr.seq = seq
        if snap:
            lr.snapshot_seq = seq
        lr.cursor = result
        if origin:
            lr.inbox_cursor = origin[2]

    async def forward(
        self,
        lr: LocalRoom,
        player_id: str | None,
        command: Command,
        client: Client | None,
        token: str | None,
    ) -> str | None:
        """Send a command to the room's owner; the reply frame, when one is due."""
        ref = secrets.token_hex(8)
        wants_reply = not isinstance(command, Disconnected | Tick | QuestionsReady)
        if wants_reply:
            self.pending[ref] = Pending(client, token)
        body = json.dumps(
            {
                "origin": self.sid,
                "ref": ref,
                "pid": player_id,
                "cmd": codec.command_to_dict(command),
            },
            separators=(",", ":"),
        )
        try:
            sent = await self._forward(
                keys=[key(lr.room_id, "inbox"), key(lr.room_id, "snap")], args=[body, self.ttl_ms]
            )
        except RedisError as exc:
            self.pending.pop(ref, None)
            raise self._failed(exc) from exc
        if not sent:
            self.pending.pop(ref, None)
            raise RoomGone(lr.room_id)
        self.counters["commands_forwarded"] += 1
        if not wants_reply:
            return None
        try:
            # An owner that died needs its lease to run out and a successor
            # to take the room: that is how long a reply may take.
            async with asyncio.timeout(self.lease_ms / 1000 + 3):
                return await self.pending[ref].done
        except TimeoutError:
            raise Unavailable("no owner answered") from None
        finally:
            self.pending.pop(ref, None)

    async def ensure_owner(self, lr: LocalRoom) -> bool:
        """Own the room if nobody does (or we still do after an error).

        False if another server holds it; :class:`RoomGone` if it no longer exists.
        """
        if lr.room is not None:
            return True
        try:
            status, holder = await self._acquire(
                keys=[key(lr.room_id, "lease"), key(lr.room_id, "fence"), key(lr.room_id, "snap")],
                args=[self.sid, self.lease_ms],
            )
        except RedisError as exc:
            raise self._failed(exc) from exc
        if status == -1:
            raise RoomGone(lr.room_id)
        if status == 0 and holder != lr.lease:
            return False  # another server holds it
        lr.lease = holder
        try:
            await self._load(lr)
        except RedisError as exc:
            lr.lease = None
            raise self._failed(exc) from exc
        if status == 1:
            self.counters["takeovers"] += 1
            log.info("room taken over", extra={"room": lr.room_id, "lease": holder})
        self.counters["rooms_owned"] += 1
        await self._wake()
        return True

    async def _load(self, lr: LocalRoom) -> None:
        """Rebuild the room from its snapshot and the log after it.

        Entries this server had not relayed yet are delivered to its players
        first, so they miss nothing across the change of owner.
        """
        snap_raw = await self.redis.get(key(lr.room_id, "snap"))
        if snap_raw is None:
            raise NotOwner(lr.room_id)
        snap = json.loads(snap_raw)
        log_items = [
            (stream_id, json.loads(fields["e"]))
            for stream_id, fields in await self.redis.xrange(key(lr.room_id, "log"))
        ]
        room, seq, inbox = rebuild(snap, [entry for _, entry in log_items])
        for stream_id, entry in log_items:
            if stream_order(stream_id) > stream_order(lr.cursor):
                self.server.deliver_relayed(lr, entry)
                lr.cursor = stream_id
        lr.room, lr.seq, lr.inbox_cursor = room, seq, inbox
        lr.snapshot_seq = snap["seq"]
        self.server.resume_owned(lr)

    def _snapshot(self, lr: LocalRoom, seq: int) -> str:
        """The room as JSON, as of log entry ``seq``."""
        assert lr.room is not None
        return json.dumps(
            {"seq": seq, "inbox": lr.inbox_cursor, "room": codec.room_to_dict(lr.room)},
            separators=(",", ":"),
        )

    def demote(self, lr: LocalRoom, why: str) -> None:
        """This server lost the room: keep its players, follow the log."""
        if lr.room is None:
            return
        log.warning("lost a room's lease", extra={"room": lr.room_id, "why": why})
        lr.room = None
        lr.lease = None
        self.server.room_demoted(lr)
        self._spawn_wake()

    # Loops.

    async def _read_loop(self) -> None:
        """Relay followed rooms' logs and feed owned rooms' inboxes, in order."""
        backoff = 0.1
        while True:
            streams: dict[str, str] = {self.wake_key: self.wake_cursor}
            for lr in self.server.rooms.values():
                if lr.room is None:
                    streams[key(lr.room_id, "log")] = lr.cursor
                else:
                    # Read from what was read, not what was applied: applying
                    # is spawned, and must not see an entry twice.
                    streams[key(lr.room_id, "inbox")] = lr.inbox_read
            try:
                result = await self.reader.xread(streams, count=500, block=READ_BLOCK_MS)
                backoff = 0.1
            except RedisError as exc:
                self.counters["redis_errors"] += 1
                log.warning(
                    "redis reader lost its connection; reconnecting",
                    extra={"error": type(exc).__name__},
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            for stream, items in result or []:
                if stream == self.wake_key:
                    self.wake_cursor = items[-1][0]
                    continue
                room_id = stream.split("{", 1)[1].split("}", 1)[0]
                lr = self.server.rooms.get(room_id)
                if lr is None:
                    continue
                if stream.endswith(":log"):
                    for stream_id, fields in items:
                        if lr.room is not None:
                            break  # became the owner meanwhile: _load relayed the rest
                        lr.cursor = stream_id
                        self.server.deliver_relayed(lr, json.loads(fields["e"]))
                else:
                    for stream_id, fields in items:
                        if lr.room is None:
                            break
                        self.server.apply_forwarded(lr, stream_id, json.loads(fields["c"]))
                        lr.inbox_read = stream_id

    async def _maintain_loop(self) -> None:
        """Health, lease renewals, and takeovers of orphaned rooms.

        Runs three times a lease (at most once a second): a renewal may be
        late by two thirds of the lease before the lease is lost.
        """
        interval = min(MAINTENANCE_INTERVAL, self.lease_ms / 3000)
        while True:
            await asyncio.sleep(interval)
            try:
                await self._maintain()
                if not self.healthy:
                    log.info("redis reachable again")
                self.healthy = True
            except RedisError as exc:
                if self.healthy:
                    log.warning("redis unreachable", extra={"error": type(exc).__name__})
                self.counters["redis_errors"] += 1
                self.healthy = False

    async def _maintain(self) -> None:
        # The heartbeat doubles as the health check. It outlives a graceful
        # stop on purpose (see QuizServer._depart), and lapses 3 leases after
        # a crash.
        await self.redis.set(self.alive_key(self.sid), "1", px=3 * self.lease_ms)
        owned = [lr for lr in self.server.rooms.values() if lr.room is not None and lr.lease]
        followed = [lr for lr in self.server.rooms.values() if lr.room is None]
        if owned:
            async with self.redis.pipeline(transaction=False) as pipe:
                for lr in owned:
                    await self._renew(
                        keys=[key(lr.room_id, "lease")], args=[lr.lease, self.lease_ms], client=pipe
                    )
                renewed = await pipe.execute()
            for lr, ok in zip(owned, renewed, strict=True):
                if not ok:
                    self.demote(lr, "renewal refused")
            await self._mark_stranded(owned)
        if followed and not self.stopping:
            holders = await self.redis.mget([key(lr.room_id, "lease") for lr in followed])
            for lr, holder in zip(followed, holders, strict=True):
                if holder is None:
                    self.server.spawn(self.server.take_over(lr))

    async def wake(self) -> None:
        """Make the reader pick up a change in the rooms this server serves."""
        await self._wake()

    async def _mark_stranded(self, owned: list[LocalRoom]) -> None:
        """Players connected through a server that died are disconnected now.

        Nobody else would tell: the dead server cannot, and without this a
        question would wait for them to its deadline, game after game.
        """
        via: dict[str, list[tuple[LocalRoom, str]]] = {}
        for lr in owned:
            if lr.room is None:
                continue
            for player in lr.room.players.values():
                if player.connected and player.via and player.via != self.sid:
                    via.setdefault(player.via, []).append((lr, player.id))
        if not via:
            return
        servers = list(via)
        alive = await self.redis.mget([self.alive_key(sid) for sid in servers])
        for sid, beat in zip(servers, alive, strict=True):
            if beat is not None:
                continue
            log.warning(
                "a server stopped beating; its players are disconnected",
                extra={"server": sid, "players": len(via[sid])},
            )
            for lr, player_id in via[sid]:
                self.server.spawn(self.server.apply(lr, Disconnected(sid), player_id=player_id))

    @staticmethod
    def alive_key(sid: str) -> str:
        return f"quiz:server:{sid}:alive"

    async def _wake(self) -> None:
        # The reader blocks on a fixed set of streams; a line in its own wake
        # stream makes it come back and read the new set.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(self.wake_key, {"w": "1"}, maxlen=16, approximate=True)
            # Every key expires: a server killed with -9 leaves nothing behind.
            pipe.pexpire(self.wake_key, 10 * self.lease_ms)
            await pipe.execute()

    def _spawn_wake(self) -> None:
        async def wake() -> None:
            with contextlib.suppress(RedisError):
                await self._wake()

        self.server.spawn(wake())

    def _failed(self, exc: Exception) -> Unavailable:
        self.counters["redis_errors"] += 1
        self.healthy = False
        log.warning("redis call failed", extra={"error": f"{type(exc).__name__}: {exc}"[:200]})
        return Unavailable(str(exc))

    def metrics(self) -> dict[str, object]:
        return {
            "healthy": self.healthy,
            "owned": sum(1 for lr in self.server.rooms.values() if lr.room is not None),
            "followed": sum(1 for lr in self.server.rooms.values() if lr.room is None),
        }


def stream_order(stream_id: str) -> tuple[int, int]:
    """A stream entry id ("1700000000000-3") as something that sorts right."""
    ms, _, n = stream_id.partition("-")
    return int(ms), int(n or 0)


def rebuild(snapshot: dict[str, Any], entries: list[dict[str, Any]]) -> tuple[Room, int, str]:
    """The room folded from a snapshot and the log entries after it.

    Returns the room, the last sequence number applied and the last inbox
    entry consumed. Entries the snapshot already holds are skipped; a gap
    in the numbers is an error, never a silently different room.
    """
    room = codec.room_from_dict(snapshot["room"])
    seq, inbox = snapshot["seq"], snapshot["inbox"]
    for entry in entries:
        if entry["seq"] <= seq:
            continue
        if entry["seq"] != seq + 1:
            raise RuntimeError(f"room {room.room_id}: log gap after {seq}")
        room.handle(entry["pid"], codec.command_from_dict(entry["cmd"]), entry["now"])
        seq, inbox = entry["seq"], entry["inbox"] or inbox
    return room, seq, inbox
