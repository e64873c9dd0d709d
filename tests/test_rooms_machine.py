"""A hypothesis state machine that drives commands through the Rooms contract.

Each step is one command through :class:`~quiz.rooms.contract.Rooms` (create, enter,
submit, release) or a jump of the clock; beside it, the pure
:class:`~quiz.core.room.Room` gets the same commands at the same times. After
every step the contract must have answered exactly as the pure room did and
delivered exactly its outputs, in order: in memory, and in Redis where
commands go through either of two servers (the owner applies them, the
other forwards them and folds the log into its replica, whose outputs must
be the same).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import random
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from quiz.core.commands import (
    CreateRoom,
    Disconnected,
    KickPlayer,
    LeaveRoom,
    NextQuestion,
    PlayAgain,
    QuestionsReady,
    Resume,
    StartGame,
    SubmitAnswer,
    Tick,
)
from quiz.core.outputs import Generate, Output, Reply
from quiz.core.room import Room
from quiz.core.settings import RoomSettings
from quiz.llm import QuestionSource
from quiz.llm.bank import Bank
from quiz.ops.metrics import Counters, ServerMetrics
from quiz.rooms.backends import make_rooms
from quiz.rooms.contract import RoomNotFound, Rooms, RoomsEnv, limits_from, new_seat, resume
from quiz.wire.frames import encode
from tests.conftest import TEST_SETTINGS
from tests.redis_server import RedisServer

NAMES = ("Ann", "Bob", "Cy", "Dee", "Eve")
STEPS_MS = st.sampled_from([0, 300, 2_000, 21_000, 130_000])


class SteppedClock:
    """Time that moves only when the machine says so."""

    def __init__(self) -> None:
        self.now = 1_800_000_000_000
        self.timers: list[tuple[int, int, Callable[[], None], list[bool]]] = []
        self._n = 0

    def now_ms(self) -> int:
        return self.now

    def monotonic(self) -> float:
        return self.now / 1000

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> Any:
        self._n += 1
        cancelled = [False]
        self.timers.append((self.now + round(delay_s * 1000), self._n, callback, cancelled))

        class Handle:
            def cancel(self) -> None:
                cancelled[0] = True

        return Handle()

    def advance(self, ms: int) -> None:
        self.now += ms
        due = sorted(t for t in self.timers if t[0] <= self.now and not t[3][0])
        self.timers = [t for t in self.timers if t[0] > self.now and not t[3][0]]
        for _, _, callback, _ in due:
            callback()


class Recorder:
    """The contract's :class:`~quiz.rooms.contract.Delivery`, keeping what it was given."""

    def __init__(self) -> None:
        self.outputs: list[Output] = []
        self.offset = 0  # how many of the room's outputs came before this server followed it
        self.bound: dict[str, object] = {}
        self.changed = asyncio.Event()

    def deliver(
        self, room_id: str, outputs: Sequence[Output], sender: object | None, token: str | None
    ) -> str | None:
        frame = None
        for output in outputs:
            if isinstance(output, Reply):
                frame = encode(output.message)
                if output.bind is not None:
                    if sender is not None:
                        self.bound[output.bind] = sender
                    else:
                        self.bound.pop(output.bind, None)  # connected elsewhere now
            elif not isinstance(output, Generate):
                self.outputs.append(output)
                if getattr(output, "player_id", None) is not None:
                    self.bound.pop(output.player_id, None)  # released
        self.changed.set()
        return frame

    def present(self, room_id: str) -> Collection[str]:
        return self.bound.keys()


def comparable(outputs: list[Output]) -> list[str]:
    return [json.dumps(repr(o)) for o in outputs]


class ContractMachine(RuleBasedStateMachine):
    """Subclassed per backend: ``servers`` contracts sharing one store."""

    loop: asyncio.AbstractEventLoop
    redis_url: str | None = None
    bank: Bank

    def __init__(self) -> None:
        super().__init__()
        self.clock = SteppedClock()
        self.tasks: set[asyncio.Task[Any]] = set()
        n = 2 if self.redis_url else 1
        self.recorders = [Recorder() for _ in range(n)]
        self.rooms: list[Rooms] = []
        for i, recorder in enumerate(self.recorders):
            config = dataclasses.replace(
                TEST_SETTINGS, server_id="ab"[i], redis_url=self.redis_url, redis_lease_seconds=60
            )
            self.rooms.append(
                make_rooms(
                    config,
                    RoomsEnv(
                        recorder,
                        self.clock,
                        QuestionSource(bank=self.bank, rng=random.Random(5)),
                        ServerMetrics(Counters(), dict),
                        self._spawn,
                    ),
                )
            )
        self.source = QuestionSource(bank=self.bank, rng=random.Random(5))
        self.room: Room | None = None
        self.room_id = ""
        self.expected: list[Output] = []
        self.players: list[tuple[str, str, int]] = []  # (player id, token, server)
        self.rid = 0
        self.run(self._start())

    # Plumbing.

    def _spawn(self, awaitable: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(awaitable)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def run(self, coro: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coro)

    async def _start(self) -> None:
        if self.redis_url:
            client = aioredis.Redis.from_url(self.redis_url)
            await client.flushall()
            await client.aclose()
        for rooms in self.rooms:
            await rooms.start()

    async def _settle(self) -> None:
        """Wait until every background task is done and every server has
        folded every entry the owner logged."""
        async with asyncio.timeout(10):
            await self._quiet()

    async def _quiet(self) -> None:
        while True:
            while self.tasks:
                await asyncio.gather(*list(self.tasks), return_exceptions=True)
            lagging = [
                r
                for i, r in enumerate(self.recorders)
                if self._follows(i) and r.offset + len(r.outputs) < len(self.expected)
            ]
            if not lagging:
                return
            lagging[0].changed.clear()
            await lagging[0].changed.wait()

    def _follows(self, server: int) -> bool:
        """Whether ``server`` holds the room now (and so must deliver its outputs)."""
        rooms: Any = self.rooms[server]
        held = rooms.replicas if hasattr(rooms, "replicas") else rooms.rooms
        return self.room_id in held

    def _entering(self, server: int) -> None:
        """``server`` may start following the room now: from here on it must
        deliver every output (it loads the room as it is, history excluded)."""
        if not self._follows(server):
            recorder = self.recorders[server]
            recorder.outputs, recorder.offset = [], len(self.expected)

    def teardown(self) -> None:
        async def stop() -> None:
            await self._settle()
            for rooms in self.rooms:
                await rooms.stop()

        self.run(stop())

    def _next_rid(self) -> str:
        self.rid += 1
        return f"r{self.rid}"

    def _reference(self, sender: str | None, command: Any) -> Reply | None:
        assert self.room is not None
        outputs = self.room.handle(sender, command, self.clock.now)
        return self._take(outputs)

    def _take(self, outputs: list[Output]) -> Reply | None:
        reply = None
        for output in outputs:
            if isinstance(output, Reply):
                reply = output
            elif isinstance(output, Generate):
                # The owner asks its source; the reference asks a twin of it.
                result = self.run(
                    self.source.generate(
                        output.topic,
                        output.count,
                        output.difficulty,  # type: ignore[arg-type]
                        language=output.language,
                        exclude=output.exclude,
                    )
                )
                assert self.room is not None
                more = self.room.handle(
                    None, QuestionsReady(output.generation, result.questions), self.clock.now
                )
                self.expected += [o for o in more if not isinstance(o, Reply | Generate)]
            else:
                self.expected.append(output)
        return reply

    def _check(self, frame: str | None, reply: Reply | None) -> None:
        self.run(self._settle())
        assert frame == (encode(reply.message) if reply is not None else None)
        for i, recorder in enumerate(self.recorders):
            if self._follows(i):
                want = self.expected[recorder.offset :]
                assert comparable(recorder.outputs) == comparable(want)

    def _through(self, server: int, player_id: str | None, command: Any) -> str | None:
        try:
            contract = self.rooms[server]
            return self.run(contract.submit(self.room_id, player_id or "", command, object()))
        except RoomNotFound:
            return None

    # Rules.

    @initialize(server=st.integers(0, 1))
    def create(self, server: int) -> None:
        server %= len(self.rooms)
        seat, token = new_seat("Host", self._next_rid(), "ab"[server])
        command = CreateRoom("Host", RoomSettings(num_questions=2, reveal_seconds=5))
        frame = self.run(self.rooms[server].create(command, seat, object(), token))
        self.room_id = json.loads(frame or "{}")["room_id"]
        self.room, outputs = Room.create(
            self.room_id, command.settings, limits_from(TEST_SETTINGS), seat, self.clock.now
        )
        reply = self._take(outputs)
        self.players.append((seat.player_id, token, server))
        self._check(frame, reply)

    @rule(name=st.sampled_from(NAMES), server=st.integers(0, 1))
    def join(self, name: str, server: int) -> None:
        server %= len(self.rooms)
        seat, token = new_seat(name, self._next_rid(), "ab"[server])
        self._entering(server)
        try:
            frame = self.run(self.rooms[server].enter(self.room_id, seat, object(), token))
        except RoomNotFound:
            frame = None
        reply = self._reference(None, seat) if not self._closed() else None
        if reply is not None and reply.bind is not None:
            self.players.append((seat.player_id, token, server))
        self._check(frame, reply)

    @precondition(lambda self: self.players)
    @rule(data=st.data(), server=st.integers(0, 1))
    def rejoin(self, data: st.DataObject, server: int) -> None:
        server %= len(self.rooms)
        pid, token, _ = data.draw(st.sampled_from(self.players))
        command: Resume = resume(token, self._next_rid(), "ab"[server])
        self._entering(server)
        try:
            frame = self.run(self.rooms[server].enter(self.room_id, command, object(), token))
        except RoomNotFound:
            frame = None
        reply = self._reference(None, command) if not self._closed() else None
        if reply is not None and reply.bind is not None:
            self.players = [(p, t, server if p == pid else s) for p, t, s in self.players]
        self._check(frame, reply)

    def _connected(self) -> list[tuple[str, str, int]]:
        """Players whose connection is open: only they can send commands."""
        return [p for p in self.players if p[0] in self.recorders[p[2]].bound]

    @precondition(lambda self: self._connected())
    @rule(data=st.data(), which=st.integers(0, 6), answer=st.integers(0, 3))
    def command(self, data: st.DataObject, which: int, answer: int) -> None:
        pid, _, server = data.draw(st.sampled_from(self._connected()))
        rid = self._next_rid()
        assert self.room is not None
        others = [p for p, _, _ in self.players if p != pid] or [pid]
        command = [
            StartGame(rid),
            NextQuestion(rid),
            SubmitAnswer(max(self.room.state.question_index, 0), answer, rid),
            LeaveRoom(rid),
            KickPlayer(data.draw(st.sampled_from(others)), rid),
            PlayAgain(rid),
            SubmitAnswer(max(self.room.state.question_index, 0), answer, rid),
        ][which]
        frame = self._through(server, pid, command)
        reply = self._reference(pid, command) if not self._closed() else None
        self._check(frame, reply)
        if frame is not None and which == 6:
            # The same request again: the same reply, nothing else.
            before = len(self.expected)
            again = self._through(server, pid, command)
            assert again == frame
            self._check(frame, reply)
            assert len(self.expected) == before

    @precondition(lambda self: self._connected())
    @rule(data=st.data())
    def connection_lost(self, data: st.DataObject) -> None:
        pid, _, server = data.draw(st.sampled_from(self._connected()))
        via = "ab"[server]
        self.recorders[server].bound.pop(pid, None)  # as the hub does when a socket closes
        with contextlib.suppress(RoomNotFound):
            self.run(self.rooms[server].release(self.room_id, pid))
        if not self._closed() and self.room is not None and self.room.state.member(pid) is not None:
            self._reference(pid, Disconnected(via))
        self._check(None, None)

    @rule(ms=STEPS_MS)
    def time_passes(self, ms: int) -> None:
        async def advance() -> None:  # timers spawn their ticks on this loop
            self.clock.advance(ms)

        self.run(advance())
        if not self._closed():
            self._reference(None, Tick())
        self._check(None, None)

    def _closed(self) -> bool:
        return self.room is None or self.room.state.closed


MACHINE_SETTINGS = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def run_machine(redis_url: str | None, loop: asyncio.AbstractEventLoop, examples: int) -> None:
    machine = type(
        "Machine",
        (ContractMachine,),
        {"loop": loop, "redis_url": redis_url, "bank": Bank.load()},
    )
    machine.TestCase.settings = settings(MACHINE_SETTINGS, max_examples=examples)
    machine.TestCase().runTest()


def test_contract_in_memory_matches_the_pure_room() -> None:
    loop = asyncio.new_event_loop()
    try:
        run_machine(None, loop, 60)
    finally:
        loop.close()


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_contract_in_redis_matches_the_pure_room() -> None:
    loop = asyncio.new_event_loop()
    server = RedisServer()
    loop.run_until_complete(server.start())
    try:
        run_machine(server.url, loop, 30)
    finally:
        loop.run_until_complete(server.stop())
        server.cleanup()
        loop.close()
