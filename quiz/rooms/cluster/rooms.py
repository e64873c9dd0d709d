"""Rooms shared by several servers through Redis.

One server owns a room at a time (:mod:`quiz.rooms.cluster.leases`): it applies
the room's commands in batches and appends them to the room's log
(:mod:`quiz.rooms.cluster.journal`), runs its timers and asks for its questions.
Every other server with players in the room keeps a replica folded from the
log (:mod:`quiz.rooms.cluster.replica`) and forwards its players' commands to the
owner (:mod:`quiz.rooms.cluster.forward`). One reader per server blocks on every
stream it needs (:mod:`quiz.rooms.cluster.loops`); upkeep (:mod:`quiz.rooms.cluster.upkeep`)
renews leases, takes over rooms whose owner died, and reconciles presence.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from quiz.core.commands import Command, CreateRoom, Disconnected, Resume, Seat
from quiz.core.room import Room
from quiz.rooms.cluster import scripts
from quiz.rooms.cluster.entries import snapshot
from quiz.rooms.cluster.following import Following
from quiz.rooms.cluster.forward import Forwarder
from quiz.rooms.cluster.journal import RedisJournal
from quiz.rooms.cluster.leases import Leases
from quiz.rooms.cluster.loops import Loops, Reader
from quiz.rooms.cluster.node import Node
from quiz.rooms.cluster.ownership import Ownership
from quiz.rooms.cluster.replica import Replica
from quiz.rooms.cluster.scripts import key
from quiz.rooms.cluster.streams import Streams
from quiz.rooms.cluster.timing import time_round_trips
from quiz.rooms.cluster.upkeep import Upkeep
from quiz.rooms.contract import (
    Health,
    RoomNotFound,
    Rooms,
    RoomsEnv,
    Unavailable,
    limits_from,
    new_room_code,
)
from quiz.rooms.engine import Applied, EngineEnv, Job, RoomEngine
from quiz.rooms.journaled import JournaledEngine

if TYPE_CHECKING:
    from quiz.ops.config import Settings

log = logging.getLogger("quiz.rooms.cluster")

# A command fails with server_busy after this without Redis's answer; a
# stalled Redis is noticed by the health probe within about half that.
COMMAND_TIMEOUT_S = 1.0
# With every pooled connection busy, a command waits this long for one
# rather than failing at once (redis-py's plain pool raises at its limit).
POOL_WAIT_S = 1.0


class RedisRooms(Rooms):
    """The :class:`~quiz.rooms.contract.Rooms` contract over Redis."""

    def __init__(self, settings: Settings, env: RoomsEnv) -> None:
        if settings.redis_url is None:
            raise ValueError("RedisRooms needs REDIS_URL")
        self.settings = settings
        self.sid = settings.server_id
        self.clock = env.clock
        self.limits = limits_from(settings)
        lease_ms = int(settings.redis_lease_seconds * 1000)
        redis, self.reader_client, self.probe = _clients(settings)
        time_round_trips(redis, env.metrics.redis_round_trip)
        self.redis = redis
        self.loops = Loops()
        counters = env.metrics.counters
        # Built in one direction: each part gets, at construction, the parts
        # it calls. A part that finds a room out of step says so on the node,
        # and upkeep brings it back.
        node = Node(
            self.sid,
            lease_ms,
            int(settings.room_idle_ttl_seconds * 1000),
            redis,
            counters,
            env.clock,
            env.delivery,
            env.spawn,
            Leases(redis, self.sid, lease_ms, env.clock),
            self.loops,
        )
        self.node = node
        self.env = EngineEnv(env.delivery, env.clock, env.source, env.spawn, self._closed)
        # A forwarded command is answered within this, or refused: long
        # enough for a dead owner's lease to run out and a successor to take
        # the room over and apply it.
        self.forwarder = Forwarder(node, settings.redis_lease_seconds + 2)
        self.journal = RedisJournal(node, self.forwarder)
        self.following = Following(node, self.forwarder, self.env, self.journal)
        self.ownership = Ownership(node, self.following)
        streams = Streams(node, self.following, self.forwarder)
        self.reader = Reader(
            self.reader_client, streams.streams, streams.on_stream, self.loops, counters
        )
        self.upkeep = Upkeep(node, self.ownership, self.following, self.probe, self.tell)
        self._create = redis.register_script(scripts.CREATE)

    @property
    def replicas(self) -> dict[str, Replica]:
        return self.node.replicas

    # Life cycle.

    async def start(self) -> None:
        """Check Redis once (a wrong URL stops the start), then run the loops."""
        await self.node.leases.beat()
        last = await self.redis.xrevrange(self.node.wake_key, count=1)
        self.node.wake_cursor = last[0][0] if last else "0-0"
        self.node.healthy = True
        self.loops.start("reader", self.reader.run)
        self.loops.start("upkeep", self.upkeep.run)
        self.loops.start("probe", self.upkeep.probe)

    async def stop(self) -> None:
        await self.loops.stop()
        with contextlib.suppress(RedisError):
            await self.redis.delete(self.node.wake_key)
        for client in (self.reader_client, self.probe, self.redis):
            await client.aclose()

    async def hand_over(self) -> None:
        """Give up every lease now, with a fresh snapshot: the next server
        takes the rooms over at once, not after the leases run out."""
        self.node.stopping = True  # no more takeovers: this server is leaving
        for replica in list(self.replicas.values()):
            if not replica.owned or replica.lease is None:
                continue
            engine = replica.engine
            engine.active = False  # new commands are refused from now on
            engine.stop_timers()
            await engine.idle()  # the batch in flight is committed or refused
            snap = "" if replica.stale else snapshot(engine.room, replica.seq, replica.inbox_cursor)
            try:
                await self.node.leases.release(replica.room_id, replica.lease, snap)
            except RedisError:
                log.warning("could not hand over a room", extra={"room": replica.room_id})
            replica.lease = None

    # The contract.

    async def create(
        self, command: CreateRoom, seat: Seat, conn: object, token: str
    ) -> str | None:
        settings = command.settings
        self.node.check()
        if len(self.replicas) >= self.settings.max_rooms:
            raise Unavailable("this server has no room for more rooms; try again later")
        for _ in range(8):
            room_id = new_room_code()
            if room_id in self.replicas:
                continue
            now = self.clock.now_ms()
            room, outputs = Room.create(
                room_id, settings, self.limits, seat, now, quiz=command.questions
            )
            try:
                fence = await self._create(
                    keys=[key(room_id, p) for p in ("snap", "lease", "fence", "seq")],
                    args=[snapshot(room, 0, "0-0"), self.sid, self.node.lease_ms, self.node.ttl_ms],
                )
            except RedisError as exc:
                raise self.node.failed(exc) from exc
            if not fence:
                continue  # the code is taken on another server
            engine = JournaledEngine(room_id, room, self.env, self.journal)
            replica = Replica(engine, lease=f"{self.sid}:{fence}")
            self.replicas[room_id] = replica
            self.node.counters["rooms_owned"] += 1
            await self.node.wake_reader()
            log.info("room created", extra={"room": room_id, "topic": settings.topic})
            job = Job(seat.player_id, seat, conn, token)
            return replica.engine.deliver(Applied(job, now, outputs))
        raise Unavailable("could not find a free room code; try again")

    async def enter(
        self, room_id: str, command: Seat | Resume, conn: object, token: str
    ) -> str | None:
        replica, orphaned = await self.following.follow(room_id)
        if orphaned:  # its owner is gone: carry on with it here
            await self.ownership.take_over(replica)
        return await self._submit(replica, Job(None, command, conn, token))

    async def submit(
        self, room_id: str, player_id: str, command: Command, conn: object
    ) -> str | None:
        replica = self.replicas.get(room_id)
        if replica is None or replica.engine.closed:
            raise RoomNotFound(room_id)
        return await self._submit(replica, Job(player_id, command, conn))

    async def release(self, room_id: str, player_id: str) -> None:
        replica = self.replicas.get(room_id)
        if replica is not None:
            await self.tell(replica, player_id, Disconnected(self.sid))
            self.ownership.forget_if_unused(replica)

    def health(self) -> Health:
        if not self.node.healthy:
            return Health(False, "redis_unreachable")
        if self.loops.down:
            return Health(False, "redis_" + "_".join(sorted(self.loops.down)) + "_down")
        return Health(True)

    def metrics(self) -> dict[str, object]:
        return {
            "backend": "redis",
            "healthy": self.node.healthy,
            "owned": sum(1 for r in self.replicas.values() if r.owned),
            "followed": sum(1 for r in self.replicas.values() if not r.owned),
            "waiting_replies": len(self.forwarder.waiters),
            "loops_down": sorted(self.loops.down),
        }

    @property
    def count(self) -> int:
        return len(self.replicas)

    # Commands.

    async def _submit(self, replica: Replica, job: Job) -> str | None:
        self.node.check()
        if replica.owned:
            return await replica.engine.submit(job)
        replica.forwarding += 1
        try:
            return await self.forwarder.send(
                replica.room_id, job.player_id, job.command, job.conn, job.token
            )
        finally:
            replica.forwarding -= 1
            self.ownership.forget_if_unused(replica)

    async def tell(self, replica: Replica, player_id: str | None, command: Command) -> None:
        """A command of the server's own about a player; no reply awaited."""
        self.node.check()
        if replica.owned:
            await replica.engine.submit(Job(player_id, command))
        else:
            await self.forwarder.send(replica.room_id, player_id, command, reply=False)

    def _closed(self, engine: RoomEngine) -> None:
        replica = self.replicas.get(engine.room_id)
        if replica is not None and replica.engine is engine:
            del self.replicas[engine.room_id]


def _options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {"decode_responses": True, "socket_connect_timeout": 2}
    if str(settings.redis_url).startswith("rediss://") and not settings.redis_ssl_verify:
        # Managed Redis with a self-signed certificate (Heroku): encrypted,
        # not verified. Opt-in only, through REDIS_SSL_VERIFY=false.
        options["ssl_cert_reqs"] = "none"
    return options


def redis_client(
    settings: Settings,
    max_connections: int,
    *,
    decode_responses: bool = True,
    socket_timeout: float = COMMAND_TIMEOUT_S,
) -> aioredis.Redis:
    """A client of ``REDIS_URL`` for commands, with a pool of ``max_connections``.

    Replies are text unless ``decode_responses`` is False (media are bytes).
    """
    if settings.redis_url is None:
        raise ValueError("no REDIS_URL")
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=max_connections,
        timeout=POOL_WAIT_S,
        socket_timeout=socket_timeout,
        # One quick retry on a broken connection (Redis restarted), none on a
        # timeout: a stalled Redis must turn into server_busy, not a longer wait.
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1, (RedisConnectionError,)),
        health_check_interval=10,
        **{**_options(settings), "decode_responses": decode_responses},
    )
    return aioredis.Redis(connection_pool=pool)


def _clients(settings: Settings) -> tuple[aioredis.Redis, aioredis.Redis, aioredis.Redis]:
    """The command pool, the reader's own connection, the health probe's."""
    assert settings.redis_url is not None
    options = _options(settings)
    commands = redis_client(settings, settings.redis_max_connections)
    # Blocking reads get their own connection with no socket timeout:
    # XREAD BLOCK would otherwise time out as a failure.
    reader = aioredis.Redis.from_url(
        settings.redis_url, socket_timeout=None, retry=Retry(NoBackoff(), 0), **options
    )
    probe = aioredis.Redis.from_url(
        settings.redis_url, socket_timeout=0.5, retry=Retry(NoBackoff(), 0), **options
    )
    return commands, reader, probe
