"""Rooms in this process's memory: the default, one server process."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from quiz.core.commands import CreateRoom, Disconnected, Resume, Seat
from quiz.core.room import Room
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

if TYPE_CHECKING:
    from quiz.ops.config import Settings

log = logging.getLogger("quiz.rooms.memory")


class LocalRooms(Rooms):
    """Every room lives here and dies with the process."""

    def __init__(self, settings: Settings, env: RoomsEnv) -> None:
        self.settings = settings
        self.server_id = settings.server_id
        self.limits = limits_from(settings)
        self.clock = env.clock
        self.rooms: dict[str, RoomEngine] = {}
        self.env = EngineEnv(env.delivery, env.clock, env.source, env.spawn, self._closed)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for engine in self.rooms.values():
            engine.stop_timers()

    async def create(
        self, command: CreateRoom, seat: Seat, conn: object, token: str
    ) -> str | None:
        settings = command.settings
        if len(self.rooms) >= self.settings.max_rooms:
            raise Unavailable("this server has no room for more rooms; try again later")
        room_id = new_room_code()
        while room_id in self.rooms:
            room_id = new_room_code()
        now = self.clock.now_ms()
        room, outputs = Room.create(
            room_id, settings, self.limits, seat, now, quiz=command.questions
        )
        engine = RoomEngine(room_id, room, self.env)
        self.rooms[room_id] = engine
        log.info("room created", extra={"room": room_id, "topic": settings.topic})
        return engine.deliver(Applied(Job(seat.player_id, seat, conn, token), 0, outputs))

    async def enter(
        self, room_id: str, command: Seat | Resume, conn: object, token: str
    ) -> str | None:
        return await self._engine(room_id).submit(Job(None, command, conn, token))

    async def submit(self, room_id: str, player_id: str, command: Any, conn: object) -> str | None:
        return await self._engine(room_id).submit(Job(player_id, command, conn))

    async def release(self, room_id: str, player_id: str) -> None:
        engine = self.rooms.get(room_id)
        if engine is not None:
            await engine.run(Disconnected(self.server_id), player_id)

    async def hand_over(self) -> None:
        # Nowhere to hand over to: stop the clocks, so nothing moves while
        # the players are told to come back.
        for engine in self.rooms.values():
            engine.stop_timers()

    def health(self) -> Health:
        return Health(True)

    def metrics(self) -> dict[str, object]:
        return {"backend": "memory", "rooms": len(self.rooms)}

    @property
    def count(self) -> int:
        return len(self.rooms)

    def _engine(self, room_id: str) -> RoomEngine:
        engine = self.rooms.get(room_id)
        if engine is None or engine.closed:
            raise RoomNotFound(room_id)
        return engine

    def _closed(self, engine: RoomEngine) -> None:
        if self.rooms.get(engine.room_id) is engine:
            del self.rooms[engine.room_id]
