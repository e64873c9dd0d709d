"""Rooms shared by several servers through Redis.

One server owns a room at a time (:mod:`quiz.cluster.leases`): it applies
the room's commands in batches and appends them to the room's log
(:mod:`quiz.cluster.journal`), runs its timers and asks for its questions.
Every other server with players in the room keeps a replica folded from the
log (:mod:`quiz.cluster.replica`) and forwards its players' commands to the
owner (:mod:`quiz.cluster.forward`). One reader per server blocks on every
stream it needs (:mod:`quiz.cluster.loops`); upkeep (:mod:`quiz.cluster.upkeep`)
renews leases, takes over rooms whose owner died, and reconciles presence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from llm import RedisQuestionCache
from quiz import codec
from quiz.cluster import scripts
from quiz.cluster.forward import FATE_TTL_MS, Forwarder
from quiz.cluster.journal import Entry, RedisJournal, rebuild, snapshot
from quiz.cluster.leases import Leases
from quiz.cluster.loops import Loops, Reader
from quiz.cluster.replica import Replica, Stale
from quiz.cluster.scripts import key, ref_key, wake_key
from quiz.cluster.upkeep import Upkeep
from quiz.engine import Applied, EngineEnv, Job, Origin, RoomEngine
from quiz.game import (
    Command,
    Disconnected,
    Output,
    Release,
    Resume,
    Room,
    RoomClosed,
    Seat,
    Send,
    Tick,
)
from quiz.local_rooms import limits_from
from quiz.protocol import CloseCode, CreateRoom
from quiz.rooms import Health, RoomNotFound, Rooms, Unavailable, new_room_code

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from llm import QuestionSource
    from quiz.clock import Clock
    from quiz.config import Settings
    from quiz.metrics import Counters
    from quiz.rooms import Delivery

log = logging.getLogger("quiz.cluster")

# A command fails with server_busy after this without Redis's answer; a
# stalled Redis is noticed by the health probe within about half that.
COMMAND_TIMEOUT_S = 1.0
# With every pooled connection busy, a command waits this long for one
# rather than failing at once (redis-py's plain pool raises at its limit).
POOL_WAIT_S = 1.0


class RedisRooms(Rooms):
    """The :class:`~quiz.rooms.Rooms` contract over Redis."""

    def __init__(
        self,
        settings: Settings,
        delivery: Delivery,
        source: QuestionSource,
        clock: Clock,
        counters: Counters,
        spawn: Callable[[Awaitable[Any]], None],
    ) -> None:
        assert settings.redis_url is not None
        self.settings = settings
        self.sid = settings.server_id
        self.delivery = delivery
        self.clock = clock
        self.counters = counters
        self.spawn = spawn
        self.limits = limits_from(settings)
        self.lease_ms = int(settings.redis_lease_seconds * 1000)
        self.ttl_ms = int(settings.room_idle_ttl_seconds * 1000)
        self.redis, self.reader_client, self.probe = _clients(settings)
        # Generated question sets are shared by every server.
        source.use_cache(RedisQuestionCache(self.redis))
        self.journal = RedisJournal(self, self.redis, self.ttl_ms)
        self.env = EngineEnv(delivery, clock, source, spawn, self.journal, self._closed)
        self.leases = Leases(self.redis, self.sid, self.lease_ms)
        # A forwarded command is answered within this, or refused: long
        # enough for a dead owner's lease to run out and a successor to take
        # the room over and apply it.
        self.forwarder = Forwarder(self, self.redis, settings.redis_lease_seconds + 2)
        self.loops = Loops()
        self.reader = Reader(
            self.reader_client, self._streams, self._on_stream, self.loops, self._error
        )
        self.upkeep = Upkeep(self)
        self._create = self.redis.register_script(scripts.CREATE)
        self._claim = self.redis.register_script(scripts.CLAIM)
        self.replicas: dict[str, Replica] = {}
        self._following: dict[str, asyncio.Lock] = {}
        self.healthy = False
        self.stopping = False
        self.wake_key = wake_key(self.sid)
        self.wake_cursor = "0-0"

    # Life cycle.

    async def start(self) -> None:
        """Check Redis once (a wrong URL stops the start), then run the loops."""
        await self.leases.beat()
        last = await self.redis.xrevrange(self.wake_key, count=1)
        self.wake_cursor = last[0][0] if last else "0-0"
        self.healthy = True
        self.loops.start("reader", self.reader.run)
        self.loops.start("upkeep", self.upkeep.run)
        self.loops.start("probe", self.upkeep.probe)

    async def stop(self) -> None:
        await self.loops.stop()
        with contextlib.suppress(RedisError):
            await self.redis.delete(self.wake_key)
        for client in (self.reader_client, self.probe, self.redis):
            await client.aclose()

    async def hand_over(self) -> None:
        """Give up every lease now, with a fresh snapshot: the next server
        takes the rooms over at once, not after the leases run out."""
        self.stopping = True  # no more takeovers: this server is leaving
        for replica in list(self.replicas.values()):
            if not replica.owned or replica.lease is None:
                continue
            engine = replica.engine
            engine.active = False  # new commands are refused from now on
            engine.stop_timers()
            await engine.idle()  # the batch in flight is committed or refused
            snap = "" if replica.stale else snapshot(engine.room, replica.seq, replica.inbox_cursor)
            try:
                await self.leases.release(replica.room_id, replica.lease, snap)
            except RedisError:
                log.warning("could not hand over a room", extra={"room": replica.room_id})
            replica.lease = None

    # The contract.

    async def create(
        self, command: CreateRoom, seat: Seat, conn: object, token: str
    ) -> str | None:
        settings = command.settings
        self._check()
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
                    args=[snapshot(room, 0, "0-0"), self.sid, self.lease_ms, self.ttl_ms],
                )
            except RedisError as exc:
                raise self.failed(exc) from exc
            if not fence:
                continue  # the code is taken on another server
            replica = Replica(RoomEngine(room_id, room, self.env), lease=f"{self.sid}:{fence}")
            self.replicas[room_id] = replica
            self.counters["rooms_owned"] += 1
            await self.wake_reader()
            log.info("room created", extra={"room": room_id, "topic": settings.topic})
            job = Job(seat.player_id, seat, conn, token)
            return replica.engine.deliver(Applied(job, now, outputs))
        raise Unavailable("could not find a free room code; try again")

    async def enter(
        self, room_id: str, command: Seat | Resume, conn: object, token: str
    ) -> str | None:
        replica = await self._follow(room_id)
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
            self.forget_if_unused(replica)

    def health(self) -> Health:
        if not self.healthy:
            return Health(False, "redis_unreachable")
        if self.loops.down:
            return Health(False, "redis_" + "_".join(sorted(self.loops.down)) + "_down")
        return Health(True)

    def metrics(self) -> dict[str, object]:
        return {
            "backend": "redis",
            "healthy": self.healthy,
            "owned": sum(1 for r in self.replicas.values() if r.owned),
            "followed": sum(1 for r in self.replicas.values() if not r.owned),
            "waiting_replies": len(self.forwarder.waiters),
            "loops_down": sorted(self.loops.down),
        }

    @property
    def count(self) -> int:
        return len(self.replicas)

    # Commands.

    def _check(self) -> None:
        # Fail fast while Redis is known to be away: the player hears
        # server_busy now, not after a timeout.
        if not self.healthy:
            raise Unavailable("the game store is unreachable; retry shortly")

    async def _submit(self, replica: Replica, job: Job) -> str | None:
        self._check()
        if replica.owned:
            return await replica.engine.submit(job)
        replica.forwarding += 1
        try:
            return await self.forwarder.send(
                replica.room_id, job.player_id, job.command, job.conn, job.token
            )
        finally:
            replica.forwarding -= 1
            self.forget_if_unused(replica)

    async def tell(self, replica: Replica, player_id: str | None, command: Command) -> None:
        """A command of the server's own about a player; no reply awaited."""
        self._check()
        if replica.owned:
            await replica.engine.submit(Job(player_id, command))
        else:
            await self.forwarder.send(replica.room_id, player_id, command, reply=False)

    # Following rooms.

    async def _follow(self, room_id: str) -> Replica:
        """This server's replica of ``room_id``, loaded from Redis if need be."""
        replica = self.replicas.get(room_id)
        if replica is not None and not replica.engine.closed:
            return replica
        self._check()
        lock = self._following.setdefault(room_id, asyncio.Lock())
        try:
            async with lock:
                replica = self.replicas.get(room_id)
                if replica is None:
                    replica, holder = await self._load(room_id)
                    if holder is None:  # its owner is gone: carry on with it here
                        await self.take_over(replica)
            return replica
        finally:
            if not lock.locked():
                self._following.pop(room_id, None)

    async def _load(self, room_id: str) -> tuple[Replica, str | None]:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.get(key(room_id, "snap"))
                pipe.xrange(key(room_id, "log"))
                pipe.get(key(room_id, "lease"))
                snap_raw, items, holder = await pipe.execute()
        except RedisError as exc:
            raise self.failed(exc) from exc
        if snap_raw is None:
            raise RoomNotFound(room_id)
        snap = json.loads(snap_raw)
        entries = [e for e in (self.decode(room_id, i, f) for i, f in items) if e is not None]
        room, seq, inbox = rebuild(snap, entries)
        if room.closed:
            raise RoomNotFound(room_id)
        replica = Replica(
            RoomEngine(room_id, room, self.env, active=False),
            seq=seq,
            cursor=items[-1][0] if items else "0-0",
            inbox_cursor=inbox,
            snapshot_seq=snap["seq"],
        )
        self.replicas[room_id] = replica
        await self.wake_reader()
        return replica, holder

    async def refold(self, replica: Replica) -> None:
        """Fold the room anew from its snapshot and log (after a failed
        commit or a gap); players here get what they had not seen, then
        a fresh room state."""
        room_id = replica.room_id
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(key(room_id, "snap"))
            pipe.xrange(key(room_id, "log"))
            snap_raw, items = await pipe.execute()
        if snap_raw is None:
            self.vanished(room_id)
            return
        snap = json.loads(snap_raw)
        delivered = replica.seq
        entries = [(i, e) for i, f in items if (e := self.decode(room_id, i, f)) is not None]
        quiet = [e for _, e in entries if e.seq <= delivered]
        room, seq, inbox = rebuild(snap, quiet)
        engine = replica.engine
        engine.room = room
        replica.seq, replica.inbox_cursor, replica.snapshot_seq = seq, inbox, snap["seq"]
        replica.cursor = items[-1][0] if items else replica.cursor
        replica.stale = False
        for stream_id, entry in entries:
            if entry.seq > replica.seq:
                self.fold(replica, stream_id, entry)
        # What they missed while this server's state was not the log's.
        now = self.clock.now_ms()
        states = [
            Send({"type": "room_state", "room": room.state_for(pid, now)}, to=pid)
            for pid in list(self.delivery.present(room_id))
            if room.member(pid) is not None
        ]
        self.delivery.deliver(room_id, states, None, None)

    def fold(self, replica: Replica, stream_id: str, entry: Entry) -> None:
        waiter = self.forwarder.waiter(entry.ref) if entry.origin == self.sid else None
        try:
            frame = replica.fold(
                stream_id, entry, waiter.conn if waiter else None, waiter.token if waiter else None
            )
        except Stale:
            self.counters["log_gaps"] += 1
            self.spawn(self.upkeep.resync(replica))
            return
        if waiter is not None and not waiter.done.done():
            waiter.done.set_result(frame)

    def decode(self, room_id: str, stream_id: str, fields: dict[str, str]) -> Entry | None:
        try:
            return Entry.decode(fields["e"])
        except Exception as exc:
            # One bad entry must not silence the room (or the server): say
            # so, skip it, go on with the next.
            self.counters["bad_entries"] += 1
            log.error(
                "skipping a log entry that cannot be decoded",
                extra={"room": room_id, "entry": stream_id, "error": type(exc).__name__},
            )
            return None

    # Ownership.

    async def take_over(self, replica: Replica) -> None:
        """Own ``replica``'s room if nobody does; give the lease back if that fails."""
        async with replica.lock:
            if replica.owned or replica.engine.closed or self.stopping:
                return
            try:
                status, holder = await self.leases.acquire(replica.room_id)
            except RedisError as exc:
                self.failed(exc)
                return
            if status == -1:
                self.vanished(replica.room_id)
                return
            if status == 0 and holder != replica.lease:
                return  # another server holds it
            replica.lease = holder
            try:
                await self._catch_up(replica)
            except Exception as exc:
                log.warning(
                    "taking a room over failed; giving its lease back",
                    extra={"room": replica.room_id, "error": type(exc).__name__},
                )
                with contextlib.suppress(RedisError):
                    await self.leases.release(replica.room_id, holder, "")
                replica.lease = None
                if isinstance(exc, RedisError):
                    self.failed(exc)
                return
            self._activate(replica, taken=status == 1)

    async def _catch_up(self, replica: Replica) -> None:
        if replica.stale:
            await self.refold(replica)
            return
        items = await self.redis.xrange(key(replica.room_id, "log"), min=f"({replica.cursor}")
        for stream_id, fields in items:
            entry = self.decode(replica.room_id, stream_id, fields)
            if entry is not None:
                replica.fold(stream_id, entry, None, None)

    def _activate(self, replica: Replica, *, taken: bool) -> None:
        engine = replica.engine
        engine.active = True
        replica.inbox_read = replica.inbox_cursor
        replica.incoming.clear()
        self.counters["rooms_owned"] += 1
        if taken:
            self.counters["takeovers"] += 1
            log.info("room taken over", extra={"room": replica.room_id, "lease": replica.lease})
        engine.schedule()
        engine.resume_generation()
        self.spawn(self.wake_reader())

    def demote(self, room_id: str, why: str, *, lost: bool = True) -> None:
        """This server lost the room (or its state ran ahead of the log):
        stop running it, fold it anew from the log, keep its players."""
        replica = self.replicas.get(room_id)
        if replica is None or not replica.owned:
            return
        log.warning("lost a room's lease", extra={"room": room_id, "why": why})
        replica.engine.active = False
        replica.engine.stop_timers()
        if lost:
            replica.lease = None
        # else the lease is still ours: upkeep takes the room back as soon as
        # its state is the log's again, without waiting for the lease to run out.
        replica.stale = True
        replica.incoming.clear()
        self.spawn(self.upkeep.resync(replica))

    def vanished(self, room_id: str) -> None:
        """The room is gone from Redis (expired, or its data lost): let its players go."""
        replica = self.replicas.get(room_id)
        if replica is None:
            return
        log.warning("room vanished from redis", extra={"room": room_id})
        outputs: list[Output] = [
            Release(pid, CloseCode.ROOM_CLOSED, "room closed")
            for pid in list(self.delivery.present(room_id))
        ]
        outputs.append(RoomClosed("vanished"))
        replica.engine.deliver(Applied(Job(None, Tick()), self.clock.now_ms(), outputs))

    def forget_if_unused(self, replica: Replica) -> None:
        """A followed room with no player here any more is no longer read."""
        if (
            not replica.owned
            and not replica.forwarding
            and not replica.lock.locked()
            and not self.delivery.present(replica.room_id)
            and self.replicas.get(replica.room_id) is replica
        ):
            del self.replicas[replica.room_id]

    def _closed(self, engine: RoomEngine) -> None:
        replica = self.replicas.get(engine.room_id)
        if replica is not None and replica.engine is engine:
            del self.replicas[engine.room_id]

    # The reader's streams.

    def _streams(self) -> dict[str, str]:
        streams = {self.wake_key: self.wake_cursor}
        for replica in self.replicas.values():
            if replica.engine.closed:
                continue
            if replica.owned:
                # From what was read, not what was logged: taking is spawned
                # and must not see an entry twice.
                streams[key(replica.room_id, "inbox")] = replica.inbox_read
            elif not replica.stale:
                streams[key(replica.room_id, "log")] = replica.cursor
        return streams

    def _on_stream(self, stream: str, items: list[tuple[str, dict[str, str]]]) -> None:
        if stream == self.wake_key:
            self.wake_cursor = items[-1][0]
            return
        room_id = stream.split("{", 1)[1].split("}", 1)[0]
        replica = self.replicas.get(room_id)
        if replica is None:
            return
        if stream.endswith(":log"):
            for stream_id, fields in items:
                if replica.owned or replica.stale:
                    break  # owned meanwhile: the takeover folded the rest
                entry = self.decode(room_id, stream_id, fields)
                if entry is None:
                    replica.cursor = stream_id
                else:
                    self.fold(replica, stream_id, entry)
            return
        if not replica.owned:
            return
        for stream_id, fields in items:
            replica.inbox_read = stream_id
            try:
                body = json.loads(fields["c"])
            except Exception:
                self.counters["bad_entries"] += 1
                log.error("skipping an inbox entry that cannot be decoded", extra={"room": room_id})
                continue
            replica.incoming.append((stream_id, body))
        if replica.incoming and not replica.taking:
            replica.taking = True
            self.spawn(self._take(replica))

    async def _take(self, replica: Replica) -> None:
        """Claim forwarded commands in inbox order, then queue them to apply."""
        room_id = replica.room_id
        try:
            while replica.incoming and replica.owned:
                batch = list(replica.incoming)
                replica.incoming.clear()
                jobs: list[Job] = []
                deadlines: list[int] = []
                for stream_id, body in batch:
                    try:
                        jobs.append(self._job(stream_id, body))
                        deadlines.append(int(body["deadline"]))
                    except Exception:
                        self.counters["bad_entries"] += 1
                        log.error("skipping a forwarded command", extra={"room": room_id})
                if not jobs:
                    continue
                try:
                    taken = await self._claim(
                        keys=[ref_key(room_id, j.origin.ref) for j in jobs if j.origin],
                        args=[replica.lease or "", FATE_TTL_MS, *deadlines],
                    )
                except RedisError as exc:
                    # Left in the inbox past what the log consumed: whoever
                    # owns the room next reads them again.
                    self.failed(exc)
                    self.demote(room_id, "could not take forwarded commands", lost=False)
                    return
                for job, ok in zip(jobs, taken, strict=True):
                    if ok and replica.owned:
                        replica.engine.enqueue(job)
        finally:
            replica.taking = False

    def _job(self, stream_id: str, body: dict[str, Any]) -> Job:
        origin = Origin(str(body["origin"]), str(body["ref"]), stream_id)
        job = Job(body["pid"], codec.command_from_dict(body["cmd"]), origin=origin)
        if origin.server == self.sid:
            # Our own player's command, forwarded before this server took the
            # room over: the reply goes to the player waiting here.
            waiter = self.forwarder.waiter(origin.ref)
            if waiter is not None:
                job.conn, job.token, job.done = waiter.conn, waiter.token, waiter.done
        return job

    # Redis.

    async def wake_reader(self) -> None:
        """Make the reader pick up a change in the streams it reads."""
        # The reader blocks on a fixed set of streams; a line in its own
        # wake stream makes it come back and read the new set.
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.xadd(self.wake_key, {"w": "1"}, maxlen=16, approximate=True)
                # Every key expires: a server killed with -9 leaves nothing behind.
                pipe.pexpire(self.wake_key, 10 * self.lease_ms)
                await pipe.execute()
        except RedisError as exc:
            self.failed(exc)

    def redis_now_ms(self) -> int:
        """Redis's clock, as last measured against ours."""
        return time.time_ns() // 1_000_000 + self.leases.offset_ms

    def failed(self, exc: Exception) -> Unavailable:
        self._error()
        if self.healthy:
            log.warning("redis call failed", extra={"error": f"{type(exc).__name__}: {exc}"[:200]})
        self.healthy = False
        return Unavailable("the game store is unreachable; retry shortly")

    def _error(self) -> None:
        self.counters["redis_errors"] += 1


def _clients(settings: Settings) -> tuple[aioredis.Redis, aioredis.Redis, aioredis.Redis]:
    """The command pool, the reader's own connection, the health probe's."""
    assert settings.redis_url is not None
    options: dict[str, Any] = {"decode_responses": True, "socket_connect_timeout": 2}
    if settings.redis_url.startswith("rediss://") and not settings.redis_ssl_verify:
        # Managed Redis with a self-signed certificate (Heroku): encrypted,
        # not verified. Opt-in only, through REDIS_SSL_VERIFY=false.
        options["ssl_cert_reqs"] = "none"
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        timeout=POOL_WAIT_S,
        socket_timeout=COMMAND_TIMEOUT_S,
        # One quick retry on a broken connection (Redis restarted), none on a
        # timeout: a stalled Redis must turn into server_busy, not a longer wait.
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1, (RedisConnectionError,)),
        health_check_interval=10,
        **options,
    )
    commands = aioredis.Redis(connection_pool=pool)
    # Blocking reads get their own connection with no socket timeout:
    # XREAD BLOCK would otherwise time out as a failure.
    reader = aioredis.Redis.from_url(
        settings.redis_url, socket_timeout=None, retry=Retry(NoBackoff(), 0), **options
    )
    probe = aioredis.Redis.from_url(
        settings.redis_url, socket_timeout=0.5, retry=Retry(NoBackoff(), 0), **options
    )
    return commands, reader, probe
