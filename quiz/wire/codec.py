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
from quiz.core import room as game
from quiz.core.kinds import AnswerValue
from quiz.core.room import Answer, Limits, Output, Phase, Player, Room
from quiz.wire import protocol
from quiz.wire.protocol import RoomSettings

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
        protocol.SetQuestions,
        protocol.CloseQuestion,
        protocol.EndGame,
        protocol.LockRoom,
        protocol.UnlockRoom,
        protocol.GetResults,
        protocol.GenerateQuestions,
        protocol.GetDisplayLink,
        protocol.UpdateSettings,
    )
}


def command_to_dict(command: game.Command) -> dict[str, Any]:
    data = {f.name: getattr(command, f.name) for f in dataclasses.fields(command)}
    if isinstance(command, game.QuestionsReady | protocol.SetQuestions):
        data["questions"] = [q.to_dict() for q in command.questions]
    if isinstance(command, protocol.SubmitAnswer) and isinstance(command.answer, tuple):
        data["answer"] = list(command.answer)
    return {"t": type(command).__name__, **data}


def command_from_dict(data: dict[str, Any]) -> game.Command:
    kind = _COMMANDS[data["t"]]
    fields = {k: v for k, v in data.items() if k != "t"}
    if kind in (game.QuestionsReady, protocol.SetQuestions):
        fields["questions"] = tuple(Question.from_dict(q) for q in fields["questions"])
    if kind is protocol.SubmitAnswer and isinstance(fields["answer"], list):
        fields["answer"] = tuple(fields["answer"])
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
    fields = {k: v for k, v in data.items() if k != "t"}
    if kind is game.Generate:
        fields["exclude"] = tuple(fields.get("exclude", ()))
    return kind(**fields)  # type: ignore[no-any-return]


def _answer_value(value: Any) -> AnswerValue:
    return tuple(value) if isinstance(value, list) else value  # type: ignore[no-any-return]


def _player_from_dict(data: dict[str, Any]) -> Player:
    return Player(**data)


_PLAYER_FIELDS = tuple(f.name for f in dataclasses.fields(Player))


def _player_to_dict(player: Player) -> dict[str, Any]:
    # Not dataclasses.asdict, which deep-copies field by field: a snapshot
    # of 5,000 players took 83 ms with it. The history list is shared, not
    # copied: a snapshot is encoded at once.
    return {name: getattr(player, name) for name in _PLAYER_FIELDS}


def room_to_dict(room: Room) -> dict[str, Any]:
    """A snapshot: every field of the state, none of the indexes derived from them."""
    return {
        "room_id": room.room_id,
        "settings": room.settings.to_dict(),
        "limits": dataclasses.asdict(room.limits),
        "created_ms": room.created_ms,
        "phase": str(room.phase),
        "host_id": room.host_id,
        "players": [_player_to_dict(p) for p in room.players.values()],
        "watchers": [_player_to_dict(p) for p in room.watchers.values()],
        "next_seat": room.next_seat,
        "generation": room.generation,
        "draft_generation": room.draft_generation,
        "quiz": [q.to_dict() for q in room.quiz],
        "questions": [q.to_dict() for q in room.questions],
        "question_index": room.question_index,
        "question_started_ms": room.question_started_ms,
        "deadline_ms": room.deadline_ms,
        "phase_ends_ms": room.phase_ends_ms,
        "answers": {
            pid: [list(a.option) if isinstance(a.option, tuple) else a.option, a.at_ms]
            for pid, a in room.answers.items()
        },
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
        "locked": room.locked,
        "display_token": room.display_token,
        "started": room.started,
        "empty_since_ms": room.empty_since_ms,
        "played": room.played,
        "counts": room.counts,
        "final_board": room.final_board,
        "room_size_due_ms": room.room_size_due_ms,
        "room_size_sent_ms": room.room_size_sent_ms,
        "room_size_sent": room.room_size_sent,
    }


def room_from_dict(data: dict[str, Any]) -> Room:
    """A room from its snapshot; a snapshot from before protocol 1.1 reads too."""
    players = [_player_from_dict(p) for p in data["players"]]
    watchers = [_player_from_dict(p) for p in data.get("watchers", [])]
    return Room(
        room_id=data["room_id"],
        settings=RoomSettings(**data["settings"]),
        limits=Limits(**data["limits"]),
        created_ms=data["created_ms"],
        phase=Phase(data["phase"]),
        host_id=data["host_id"],
        players={p.id: p for p in players},
        watchers={p.id: p for p in watchers},
        next_seat=data["next_seat"],
        generation=data["generation"],
        draft_generation=data.get("draft_generation"),
        quiz=tuple(Question.from_dict(q) for q in data.get("quiz", [])),
        questions=tuple(Question.from_dict(q) for q in data["questions"]),
        question_index=data["question_index"],
        question_started_ms=data["question_started_ms"],
        deadline_ms=data["deadline_ms"],
        phase_ends_ms=data["phase_ends_ms"],
        answers={
            pid: Answer(_answer_value(option), at) for pid, (option, at) in data["answers"].items()
        },
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
        locked=data.get("locked", False),
        display_token=data.get("display_token", ""),
        started=data.get("started", data["generation"] > 0),
        empty_since_ms=data.get("empty_since_ms"),
        played=list(data.get("played", [])),
        counts=list(data.get("counts", [])),
        final_board=data.get("final_board"),
        room_size_due_ms=data.get("room_size_due_ms"),
        room_size_sent_ms=data.get("room_size_sent_ms", 0),
        room_size_sent=list(data.get("room_size_sent", [])),
    )
