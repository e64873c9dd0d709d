"""Rooms and commands to JSON-ready dicts and back. No I/O.

This is what makes a room portable between servers: a snapshot is
:func:`room_to_dict`, and a log entry holds the command that was applied
(:func:`command_to_dict`). Folding the logged commands over a snapshot with :meth:`Room.handle`
rebuilds the room exactly, because the rules are deterministic.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from quiz.core import commands
from quiz.core.kinds import AnswerValue
from quiz.core.parse import question_from_dict
from quiz.core.room import Room
from quiz.core.settings import RoomLimits, RoomSettings
from quiz.core.state import Answer, Phase, Player, RoomState
from quiz.wire.names import name_index

_COMMANDS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        commands.Seat,
        commands.Resume,
        commands.Disconnected,
        commands.Present,
        commands.QuestionsReady,
        commands.Tick,
        commands.StartGame,
        commands.SubmitAnswer,
        commands.NextQuestion,
        commands.KickPlayer,
        commands.LeaveRoom,
        commands.PlayAgain,
        commands.SetQuestions,
        commands.CloseQuestion,
        commands.EndGame,
        commands.LockRoom,
        commands.UnlockRoom,
        commands.GetResults,
        commands.GenerateQuestions,
        commands.GetDisplayLink,
        commands.UpdateSettings,
        commands.MovePlayer,
        commands.SetExtraTime,
    )
}


def command_to_dict(command: commands.Command) -> dict[str, Any]:
    data = {f.name: getattr(command, f.name) for f in dataclasses.fields(command)}
    if isinstance(command, commands.QuestionsReady | commands.SetQuestions):
        data["questions"] = [q.to_dict() for q in command.questions]
    if isinstance(command, commands.SubmitAnswer) and isinstance(command.answer, tuple):
        data["answer"] = list(command.answer)
    return {"t": type(command).__name__, **data}


def command_from_dict(data: dict[str, Any]) -> commands.Command:
    kind = _COMMANDS[data["t"]]
    fields = {k: v for k, v in data.items() if k != "t"}
    if kind in (commands.QuestionsReady, commands.SetQuestions):
        fields["questions"] = tuple(question_from_dict(q) for q in fields["questions"])
    if kind is commands.SubmitAnswer and isinstance(fields["answer"], list):
        fields["answer"] = tuple(fields["answer"])
    if kind is commands.Seat:
        fields["name_keys"] = tuple(fields.get("name_keys", ()))
    if kind is commands.UpdateSettings and "teams" in fields["changes"]:
        fields["changes"] = {**fields["changes"], "teams": tuple(fields["changes"]["teams"])}
    return kind(**fields)  # type: ignore[no-any-return]


def _answer_value(value: Any) -> AnswerValue:
    return tuple(value) if isinstance(value, list) else value  # type: ignore[no-any-return]


def _player_from_dict(data: dict[str, Any]) -> Player:
    player = Player(**data)
    if not player.display:
        # Derived from the name by the one name rule, not stored: a snapshot
        # stays as small as it was, and a rule that changes applies to it.
        player.keys = name_index(player.name)
    return player


_PLAYER_FIELDS = tuple(f.name for f in dataclasses.fields(Player) if f.name != "keys")


def _player_to_dict(player: Player) -> dict[str, Any]:
    # Not dataclasses.asdict, which deep-copies field by field: a snapshot
    # of 5,000 players took 83 ms with it. The history list is shared, not
    # copied: a snapshot is encoded at once.
    return {name: getattr(player, name) for name in _PLAYER_FIELDS}


def room_to_dict(room: Room) -> dict[str, Any]:
    """A snapshot: every field of the state, none of the indexes derived from them."""
    return state_to_dict(room.state)


def state_to_dict(room: RoomState) -> dict[str, Any]:
    """:func:`room_to_dict` of a room's state."""
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
        "progress_due_ms": room.progress_due_ms,
        "progress_sent_ms": room.progress_sent_ms,
        "round_over": room.round_over,
        "cutoffs": room.cutoffs,
        "timed_out": sorted(room.timed_out),
    }


def _settings(data: dict[str, Any]) -> RoomSettings:
    return RoomSettings(**{**data, "teams": tuple(data.get("teams", ()))})


def room_from_dict(data: dict[str, Any]) -> Room:
    """A room from its snapshot; a snapshot from before protocol 1.1 reads too."""
    players = [_player_from_dict(p) for p in data["players"]]
    watchers = [_player_from_dict(p) for p in data.get("watchers", [])]
    state = RoomState(
        room_id=data["room_id"],
        settings=_settings(data["settings"]),
        limits=RoomLimits(**data["limits"]),
        created_ms=data["created_ms"],
        phase=Phase(data["phase"]),
        host_id=data["host_id"],
        players={p.id: p for p in players},
        watchers={p.id: p for p in watchers},
        next_seat=data["next_seat"],
        generation=data["generation"],
        draft_generation=data.get("draft_generation"),
        quiz=tuple(question_from_dict(q) for q in data.get("quiz", [])),
        questions=tuple(question_from_dict(q) for q in data["questions"]),
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
        progress_due_ms=data.get("progress_due_ms"),
        progress_sent_ms=data.get("progress_sent_ms"),
        round_over=data.get("round_over", False),
        cutoffs=list(data.get("cutoffs", [])),
        timed_out=set(data.get("timed_out", [])),
    )
    return Room(state)
