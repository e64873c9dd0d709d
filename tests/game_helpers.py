"""Shared helpers for the tests that drive the game core directly.

The core compares names by the keys the I/O layer computes (quiz.wire.names);
:func:`make_seat` builds a seat as the server does, so a test's names clash and
pass the word filter exactly as they would over a socket.

Besides: rooms (:func:`make_room`, :func:`seat`, :func:`start`), answers
(:func:`answer`, :func:`correct`, :func:`wrong`), questions
(:func:`make_questions`, :func:`questions`), and filters over what
:meth:`Room.handle` returned (:func:`sends`, :func:`send_outputs`,
:func:`one`, :func:`reply`, :func:`error_code`, :func:`walk`,
:func:`keys_deep`). What an answer should score is
:mod:`tests.scoring_oracle`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quiz.core.commands import Command, QuestionsReady, Seat, StartGame, SubmitAnswer
from quiz.core.outputs import Generate, Output, Reply, Send
from quiz.core.question import Question
from quiz.core.room import Room
from quiz.core.settings import RoomLimits, RoomSettings
from quiz.core.state import Phase
from quiz.wire.names import name_index, offensive


def make_seat(
    player_id: str,
    name: str,
    token_hash: str,
    request_id: str | None = None,
    via: str = "",
    display_token: str | None = None,
    team: int | None = None,
) -> Seat:
    """A seat as :func:`quiz.rooms.contract.new_seat` makes one, with the given ids."""
    if display_token is not None:
        return Seat(player_id, name, token_hash, request_id, via, display_token)
    return Seat(
        player_id,
        name,
        token_hash,
        request_id,
        via,
        name_keys=name_index(name),
        flagged=offensive(name),
        team=team,
    )


def track_transitions(room: Room) -> list[tuple[Phase, Phase]]:
    """A list that always holds the phase changes of the room's last ``handle`` call."""
    last: list[tuple[Phase, Phase]] = []
    room.state.on_transition = lambda before, after: last.append((before, after))
    handle = room.handle

    def handle_and_record(sender: str | None, command: Command, now_ms: int) -> list[Output]:
        last.clear()
        return handle(sender, command, now_ms)

    room.handle = handle_and_record  # type: ignore[method-assign]
    return last


# Questions.


def make_questions(shapes: list[tuple[int, int]]) -> tuple[Question, ...]:
    """``choice`` questions of ``(number of options, correct index)``."""
    return tuple(
        Question(f"Question {i}?", tuple(f"opt{i}-{k}" for k in range(n)), c)
        for i, (n, c) in enumerate(shapes)
    )


def questions(n: int, options: int = 4) -> tuple[Question, ...]:
    """``n`` questions; question i has correct option i % options."""
    return make_questions([(options, correct(i, options)) for i in range(n)])


def correct(i: int, options: int = 4) -> int:
    """The right option of :func:`questions`' question ``i``."""
    return i % options


def wrong(i: int, options: int = 4) -> int:
    """A wrong option of :func:`questions`' question ``i``."""
    return (i + 1) % options


# Rooms.


def make_room(
    n: int = 1,
    *,
    quiz: tuple[Question, ...] = (),
    now: int = 0,
    limits: RoomLimits | None = None,
    **settings: Any,
) -> tuple[Room, list[str]]:
    """A room with a host ``p0`` ("Host") and ``n - 1`` more players ``p1``
    ("P1")...; no countdown, the host moves on from each result (unless
    ``limits`` or ``settings`` say otherwise); ``quiz``: the host's own."""
    settings.setdefault("num_questions", 3)
    settings.setdefault("reveal_seconds", 0)
    room, out = Room.create(
        "ROOM1",
        RoomSettings(**settings),
        limits or RoomLimits(countdown_ms=0),
        make_seat("p0", "Host", "h0"),
        now,
        quiz=quiz,
    )
    assert out[0].bind == "p0"
    ids = ["p0"]
    for i in range(1, n):
        seat(room, i, now)
        ids.append(f"p{i}")
    return room, ids


def seat(room: Room, i: int, now: int) -> list[Output]:
    """Player ``p<i>`` ("P<i>", token hash ``h<i>``) joins."""
    out = room.handle(None, make_seat(f"p{i}", f"P{i}", f"h{i}"), now)
    assert reply(out).get("type") == "room_joined", out
    return out


def start(room: Room, now: int, qs: tuple[Question, ...] | None = None) -> list[Output]:
    """Host starts, the questions arrive at once; returns the outputs of both."""
    out = room.handle(room.state.host_id, StartGame(), now)
    gen = [o for o in out if isinstance(o, Generate)]
    assert len(gen) == 1
    qs = qs if qs is not None else questions(room.state.settings.num_questions)
    return out + room.handle(None, QuestionsReady(gen[0].generation, qs), now)


def answer(
    room: Room,
    pid: str,
    option: Any,
    now: int,
    index: int | None = None,
    rid: str | None = None,
) -> list[Output]:
    """``pid`` answers ``option`` to question ``index`` (default: the open one)."""
    qi = room.state.question_index if index is None else index
    return room.handle(pid, SubmitAnswer(qi, option, rid), now)


# What came out.


def send_outputs(out: list[Any], kind: str) -> list[Send]:
    """The :class:`Send` outputs of messages of ``kind``."""
    return [o for o in out if isinstance(o, Send) and o.message["type"] == kind]


def sends(out: list[Any], kind: str, to: str | None = "*") -> list[dict[str, Any]]:
    """Messages of ``kind`` sent to ``to`` (None: the room); ``to="*"``: to anyone."""
    return [s.message for s in send_outputs(out, kind) if to == "*" or s.to == to]


def one(out: list[Any], kind: str, to: str | None = "*") -> dict[str, Any]:
    """The one message of ``kind`` sent to ``to`` (see :func:`sends`)."""
    found = sends(out, kind, to)
    assert len(found) == 1, (kind, out)
    return found[0]


def reply(out: list[Any]) -> dict[str, Any]:
    """The one direct reply."""
    replies = [o.message for o in out if isinstance(o, Reply)]
    assert len(replies) == 1, out
    return replies[0]


def error_code(out: list[Any]) -> str | None:
    """The direct reply's error code, None if it is no error."""
    message = reply(out)
    return message["code"] if message["type"] == "error" else None


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every dict nested in ``value``, ``value`` itself included."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from walk(v)


def keys_deep(value: Any) -> set[str]:
    """Every key of every dict nested in ``value``."""
    return {key for d in walk(value) for key in d}
