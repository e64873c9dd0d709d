"""Rooms, commands and outputs to JSON-ready dicts and back. No I/O.

This is what makes a room portable between servers: a snapshot is
:func:`room_to_dict`, and a log entry holds the command that was applied
(:func:`command_to_dict`) and what it yielded (:func:`output_to_dict`).
Folding the logged commands over a snapshot with :meth:`Room.handle`
rebuilds the room exactly, because the rules are deterministic.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from llm.types import Question
from quiz import game, protocol
from quiz.game import Answer, Limits, Output, Phase, Player, Room
from quiz.protocol import RoomSettings

_COMMANDS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        game.Seat,
        game.Resume,
        game.Disconnected,
        game.Present,
        game.QuestionsReady,
        game.Tick,
        protocol.StartGame,
        protocol.SubmitAnswer,
        protocol.NextQuestion,
        protocol.KickPlayer,
        protocol.LeaveRoom,
        protocol.PlayAgain,
    )
}


def command_to_dict(command: game.Command) -> dict[str, Any]:
    if isinstance(command, game.QuestionsReady):
        return {
            "t": "QuestionsReady",
            "generation": command.generation,
            "questions": [q.to_dict() for q in command.questions],
        }
    data = {f.name: getattr(command, f.name) for f in dataclasses.fields(command)}
    return {"t": type(command).__name__, **data}


def command_from_dict(data: dict[str, Any]) -> game.Command:
    kind = _COMMANDS[data["t"]]
    fields = {k: v for k, v in data.items() if k != "t"}
    if kind is game.QuestionsReady:
        return game.QuestionsReady(
            fields["generation"], tuple(Question.from_dict(q) for q in fields["questions"])
        )
    return kind(**fields)  # type: ignore[no-any-return]


def output_to_dict(output: Output) -> dict[str, Any]:
    data = {f.name: getattr(output, f.name) for f in dataclasses.fields(output)}
    return {"t": type(output).__name__, **data}


_OUTPUTS: dict[str, type] = {
    cls.__name__: cls
    for cls in (game.Send, game.Reply, game.Release, game.Generate, game.RoomClosed)
}


def output_from_dict(data: dict[str, Any]) -> Output:
    kind = _OUTPUTS[data["t"]]
    return kind(**{k: v for k, v in data.items() if k != "t"})  # type: ignore[no-any-return]


def room_to_dict(room: Room) -> dict[str, Any]:
    return {
        "room_id": room.room_id,
        "settings": room.settings.to_dict(),
        "limits": dataclasses.asdict(room.limits),
        "created_ms": room.created_ms,
        "phase": str(room.phase),
        "host_id": room.host_id,
        "players": [dataclasses.asdict(p) for p in room.players.values()],
        "next_seat": room.next_seat,
        "generation": room.generation,
        "questions": [q.to_dict() for q in room.questions],
        "question_index": room.question_index,
        "question_started_ms": room.question_started_ms,
        "deadline_ms": room.deadline_ms,
        "phase_ends_ms": room.phase_ends_ms,
        "answers": {pid: [a.option, a.at_ms] for pid, a in room.answers.items()},
        "eligible": sorted(room.eligible),
        "able": room.able,
        "answered": room.answered,
        "absent": room.absent,
        "last_result": room.last_result,
        "last_activity_ms": room.last_activity_ms,
        "closed": room.closed,
        "seen_requests": {
            pid: {rid: [at, reply] for rid, (at, reply) in entries.items()}
            for pid, entries in room.seen_requests.items()
        },
    }


def room_from_dict(data: dict[str, Any]) -> Room:
    players = [Player(**p) for p in data["players"]]
    return Room(
        room_id=data["room_id"],
        settings=RoomSettings(**data["settings"]),
        limits=Limits(**data["limits"]),
        created_ms=data["created_ms"],
        phase=Phase(data["phase"]),
        host_id=data["host_id"],
        players={p.id: p for p in players},
        next_seat=data["next_seat"],
        generation=data["generation"],
        questions=tuple(Question.from_dict(q) for q in data["questions"]),
        question_index=data["question_index"],
        question_started_ms=data["question_started_ms"],
        deadline_ms=data["deadline_ms"],
        phase_ends_ms=data["phase_ends_ms"],
        answers={pid: Answer(option, at) for pid, (option, at) in data["answers"].items()},
        eligible=set(data["eligible"]),
        able=data["able"],
        answered=data["answered"],
        absent=dict(data["absent"]),
        last_result=data["last_result"],
        last_activity_ms=data["last_activity_ms"],
        closed=data["closed"],
        seen_requests={
            pid: {rid: (at, reply) for rid, (at, reply) in entries.items()}
            for pid, entries in data["seen_requests"].items()
        },
    )
