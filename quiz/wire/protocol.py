"""Protocol v1.1: incoming frames to the core's typed commands.

No I/O here. :func:`parse` turns one raw frame into one command or raises
:class:`ProtocolError` with the error code and a message that names the
field. Every range in ``shared/protocol.md`` is checked here and only here;
the game core receives commands it can trust to be well-formed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from quiz.core.commands import (
    ClientCommand,
    CloseQuestion,
    CreateRoom,
    EndGame,
    GenerateQuestions,
    GetDisplayLink,
    GetResults,
    JoinRoom,
    KickPlayer,
    LeaveRoom,
    LockRoom,
    MovePlayer,
    NextQuestion,
    PlayAgain,
    Rejoin,
    SetExtraTime,
    SetQuestions,
    StartGame,
    SubmitAnswer,
    UnlockRoom,
    UpdateSettings,
    UploadMedia,
    Watch,
)
from quiz.core.kinds import ANSWER_MAX
from quiz.core.messages import ErrorCode
from quiz.core.parse import QuestionError, parse_quiz
from quiz.core.question import DIFFICULTIES, Question
from quiz.core.settings import RoomSettings
from quiz.wire import names

# Wire limits, from the protocol.
# Deeper than this, a message is refused (bad_message) before any field is
# read: real messages nest 4 levels (v1.1 questions), and every level costs.
MAX_DEPTH = 32
# Integers with more digits than this are refused as out of range without
# being converted: int() of a long digit string is quadratic, and Python
# refuses past 4300 digits with an error that would look like bad JSON.
INT_DIGITS_MAX = 32
REQUEST_ID_MAX = 64
NAME_MAX = names.NAME_MAX
TOPIC_MAX = 100
ROOM_ID_MAX = 16
TOKEN_MAX = 128
PLAYER_ID_MAX = 64
INDEX_MAX = 1_000_000
LANGUAGE_MAX = 35
DRAFT_MAX = 50
DISPLAY_TOKEN_MAX = 64
# upload_media: any size is well-formed (MEDIA_MAX_BYTES is the server's
# to enforce, as media_too_large); a content type is a short MIME type.
UPLOAD_SIZE_MAX = 2**53 - 1  # the largest integer a JavaScript client has
CONTENT_TYPE_MAX = 127
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
TEAMS_MIN, TEAMS_MAX = 2, 12
TEAM_NAME_MAX = 30
# An order question's answer lists up to 6 items; a multi's up to 4.
LIST_ANSWER_MAX = 6
SLIDER_MAX = 1e12
EXTRA_TIME_FACTORS = (1, 1.5, 2)


class ProtocolError(Exception):
    """A message the server will not apply; becomes an ``error`` reply."""

    def __init__(self, code: ErrorCode, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


@dataclass(slots=True)
class _Fields:
    """Typed access to one message's fields, raising ``bad_message`` by name."""

    data: dict[str, Any]
    request_id: str | None = field(default=None)

    def _bad(self, name: str, why: str) -> ProtocolError:
        return ProtocolError(ErrorCode.BAD_MESSAGE, f"{name}: {why}", self.request_id)

    def _get(self, name: str, default: Any) -> Any:
        # Omitted: the default. An explicit null is refused, as docs/protocol.md
        # says: a client that sends null most likely meant something else.
        if name not in self.data:
            return default
        value = self.data[name]
        if value is None:
            raise self._bad(name, "must not be null: omit the field for its default")
        return value

    def text(
        self, name: str, max_len: int, *, default: str | None = None, words: bool = False
    ) -> str:
        value = self._get(name, default)
        if value is None:
            raise self._bad(name, "required")
        if not isinstance(value, str):
            raise self._bad(name, "must be a string")
        if words:
            # Free text (a topic): control characters become spaces, runs of
            # white space fold to one, so "a\n\tb" is the topic "a b".
            value = " ".join("".join(" " if _is_control(c) else c for c in value).split())
        else:
            value = value.strip()
            # isprintable() is False for every control (and for more): only
            # then is each character looked at.
            if not value.isprintable() and any(_is_control(c) for c in value):
                raise self._bad(name, "must not contain control characters")
        if not 1 <= len(value) <= max_len:
            raise self._bad(name, f"must be 1 to {max_len} characters")
        return value

    def name(self, name: str) -> str:
        """A player's name: the one rule of quiz.wire.names."""
        value = self.text(name, NAME_MAX * 4)  # room for what NFKC folds away
        try:
            return names.clean_name(value)
        except names.BadName as exc:
            raise self._bad(name, str(exc)) from None

    def integer(self, name: str, lo: int, hi: int, *, default: int | None = None) -> int:
        value = self._get(name, default)
        if value is None:
            raise self._bad(name, "required")
        if isinstance(value, _HugeInt):
            raise self._bad(name, f"must be from {lo} to {hi}")
        # bool is an int in Python, and 3.0 is a float in JSON terms: neither
        # is the whole number the protocol asks for.
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(name, "must be a whole number")
        if not lo <= value <= hi:
            raise self._bad(name, f"must be from {lo} to {hi}")
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self._get(name, default)
        if not isinstance(value, bool):
            raise self._bad(name, "must be true or false")
        return value

    def language(self, name: str) -> str:
        """A BCP 47 tag, checked for its shape (language, then subtags).

        The shape only: whether a generator speaks the language is the
        question source's concern, and it falls back to English.
        """
        value = self.text(name, LANGUAGE_MAX, default="en")
        parts = value.split("-")
        if not (2 <= len(parts[0]) <= 8 and parts[0].isascii() and parts[0].isalpha()) or not all(
            1 <= len(p) <= 8 and p.isascii() and p.isalnum() for p in parts[1:]
        ):
            raise self._bad(name, "must be a BCP 47 language tag such as en or pt-BR")
        return value

    def quiz(self, name: str, *, required: bool) -> tuple[Question, ...]:
        if name not in self.data and not required:
            return ()
        value = self._get(name, None)
        try:
            return parse_quiz(value, name)
        except QuestionError as exc:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, str(exc), self.request_id) from None

    def choice(self, name: str, options: tuple[str, ...], *, default: str) -> str:
        value = self._get(name, default)
        if not isinstance(value, str) or value not in options:
            raise self._bad(name, "must be one of " + ", ".join(options))
        return value


def _is_control(char: str) -> bool:
    # Cc: C0/C1 controls, including newlines and tabs. Zl/Zp: line and
    # paragraph separators, which break a one-line name just as well.
    return unicodedata.category(char) in {"Cc", "Zl", "Zp"}


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity by default; JSON does not.
    raise ValueError(f"invalid constant {name}")


class _HugeInt:
    """A JSON integer too long to convert: valid JSON, out of every range.

    Not an int and not a str, so every typed field refuses it.
    """

    __slots__ = ("digits",)

    def __init__(self, digits: str) -> None:
        self.digits = len(digits)


def _parse_int(digits: str) -> int | _HugeInt:
    if len(digits) > INT_DIGITS_MAX:
        return _HugeInt(digits)
    return int(digits)


class _BadText(Exception):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(why)
        self.path = path
        self.why = why


def _clean_text(value: str, path: str) -> str:
    """``value`` in NFC, or :class:`_BadText` if it is not Unicode text.

    JSON's ``\\ud800`` escapes decode to lone surrogates, which are not
    characters: they cannot be encoded as UTF-8, so one of them seated in a
    room would make every frame that carries it fail to send.
    """
    if value.isascii():  # the usual case, already NFC
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _BadText(path, "must be valid Unicode text (no lone surrogates)") from None
    return unicodedata.normalize("NFC", value)


def _clean_tree(value: Any, path: str = "", depth: int = 0) -> Any:
    """Every string of a parsed message, keys included, checked and in NFC."""
    if isinstance(value, str):
        return _clean_text(value, path or "message")
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise _BadText(path or "message", f"nests deeper than {MAX_DEPTH} levels")
        if isinstance(value, list):
            return [_clean_tree(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
        out = {}
        for key, item in value.items():
            try:
                clean = _clean_text(key, path)
            except _BadText:
                raise _BadText(path or "message", "a field name is not valid Unicode") from None
            label = clean if len(clean) <= 40 else clean[:40] + "..."
            out[clean] = _clean_tree(item, f"{path}.{label}" if path else label, depth + 1)
        return out
    return value


def _request_id_of(data: dict[str, Any]) -> str | None:
    """The message's request_id, if it is one the server can echo."""
    rid = data.get("request_id")
    if isinstance(rid, str) and 1 <= len(rid) <= REQUEST_ID_MAX:
        try:
            return _clean_text(rid, "request_id")
        except _BadText:
            return None
    return None


def parse(raw: str | bytes) -> ClientCommand:
    """One frame to one command, or :class:`ProtocolError`.

    Every string that reaches a command is valid Unicode in NFC: checked here,
    once, for every field (known or not) and every field name.
    """
    if isinstance(raw, bytes):
        # An upload's bytes never reach here (quiz.media.uploads takes them).
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE,
            "binary frames are accepted only after upload_media: send JSON as text",
        )
    data = _decode_plain(raw)
    if data is None:
        data = _decode_checked(raw)
    return _command(data)


# A frame that is short, ASCII, free of escapes, shallow and without long
# numbers (every answer a phone sends) holds only strings that are already
# clean and NFC, numbers that json would read the same, and no nesting past
# MAX_DEPTH (each level opens with a bracket): orjson decodes it, five to
# ten times faster than json with the hooks below, and nothing else is to
# check. Every other frame, and every frame orjson refuses, takes the
# checked path, whose refusal names what is wrong.
_PLAIN_MAX = 512
_LONG_NUMBER = re.compile(r"\d{19}")  # past 64 bits orjson reads a float


def _decode_plain(raw: str) -> dict[str, Any] | None:
    if (
        len(raw) > _PLAIN_MAX
        or not raw.isascii()
        or "\\" in raw
        or raw.count("{") + raw.count("[") > MAX_DEPTH
        or _LONG_NUMBER.search(raw)
    ):
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _decode_checked(raw: str) -> dict[str, Any]:
    """Any frame: a JSON object with every string clean, or :class:`ProtocolError`."""
    try:
        data = json.loads(raw, parse_constant=_reject_constant, parse_int=_parse_int)
    except RecursionError:
        # Valid JSON (or not: the parser gave up before it knew), nested past
        # what the parser's stack allows.
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE, f"message: nests deeper than {MAX_DEPTH} levels"
        ) from None
    except ValueError:
        raise ProtocolError(ErrorCode.BAD_JSON, "the message is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "the message must be a JSON object")
    try:
        clean: dict[str, Any] = _clean_tree(data)
    except _BadText as exc:
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE, f"{exc.path[:80]}: {exc.why}", _request_id_of(data)
        ) from None
    return clean


def _command(data: dict[str, Any]) -> ClientCommand:
    request_id = data.get("request_id")
    if request_id is not None and (
        not isinstance(request_id, str) or not 1 <= len(request_id) <= REQUEST_ID_MAX
    ):
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE,
            f"request_id: must be a string of 1 to {REQUEST_ID_MAX} characters",
        )
    fields = _Fields(data, request_id)
    action = data.get("action")
    if not isinstance(action, str):
        raise fields._bad("action", "required, a string")
    builder = _BUILDERS.get(action)
    if builder is None:
        raise ProtocolError(ErrorCode.UNKNOWN_ACTION, f"unknown action {action[:40]!r}", request_id)
    return builder(fields)


def _time_per_question(f: _Fields) -> int:
    value = f.integer("time_per_question", 0, 120)
    if 0 < value < 5:
        raise f._bad("time_per_question", "must be 0 (no limit) or from 5 to 120")
    return value


# Every room setting a client may choose, checked the same way by
# create_room (absent: RoomSettings' default) and update_settings (absent:
# unchanged). Only called for a field that is present (null is refused).
def _teams(f: _Fields) -> tuple[str, ...]:
    """2 to 12 team names, each 1 to 30 characters, distinct by what a person
    sees (the name rule); update_settings may send [] for no teams."""
    value = f._get("teams", None)
    if not isinstance(value, list):
        raise f._bad("teams", f"must be a list of {TEAMS_MIN} to {TEAMS_MAX} names")
    if not value and f.data.get("action") == "update_settings":
        return ()
    if not TEAMS_MIN <= len(value) <= TEAMS_MAX:
        raise f._bad("teams", f"must hold {TEAMS_MIN} to {TEAMS_MAX} names")
    chosen: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(value):
        if not isinstance(raw, str):
            raise f._bad(f"teams[{i}]", "must be a string")
        name = " ".join(raw.split())
        if not 1 <= len(name) <= TEAM_NAME_MAX or any(_is_control(c) for c in name):
            raise f._bad(f"teams[{i}]", f"must be 1 to {TEAM_NAME_MAX} characters")
        keys = set(names.name_index(name))
        if keys & seen:
            raise f._bad(f"teams[{i}]", "looks like another team's name")
        seen |= keys
        chosen.append(name)
    return tuple(chosen)


_SETTINGS: dict[str, Any] = {
    "topic": lambda f: f.text("topic", TOPIC_MAX, words=True),
    "num_questions": lambda f: f.integer("num_questions", 1, 50),
    "time_per_question": _time_per_question,
    "difficulty": lambda f: f.choice("difficulty", DIFFICULTIES, default="medium"),
    "reveal_seconds": lambda f: f.integer("reveal_seconds", 0, 60),
    "host_plays": lambda f: f.boolean("host_plays", default=True),
    "speed_points": lambda f: f.boolean("speed_points", default=True),
    "streak_bonus": lambda f: f.boolean("streak_bonus", default=True),
    "language": lambda f: f.language("language"),
    "show_question_text": lambda f: f.boolean("show_question_text", default=True),
    "profanity_filter": lambda f: f.boolean("profanity_filter", default=True),
    "teams": _teams,
    "team_score": lambda f: f.choice("team_score", ("mean", "sum"), default="mean"),
    "leaderboard": lambda f: f.choice("leaderboard", ("question", "round"), default="question"),
}


def _chosen_settings(f: _Fields) -> dict[str, Any]:
    # Present: checked (an explicit null is refused there, as for every field).
    return {name: check(f) for name, check in _SETTINGS.items() if name in f.data}


def _create_room(f: _Fields) -> CreateRoom:
    settings = RoomSettings(**_chosen_settings(f))
    name = f.name("name")
    return CreateRoom(name, settings, f.request_id, f.quiz("questions", required=False))


def _update_settings(f: _Fields) -> UpdateSettings:
    if "host_plays" in f.data:
        # Whether the host plays decides who is a player: fixed at creation.
        raise f._bad("host_plays", "is chosen with create_room and cannot change")
    return UpdateSettings(_chosen_settings(f), f.request_id)


def _join_room(f: _Fields) -> JoinRoom:
    team = f.integer("team", 0, TEAMS_MAX - 1) if "team" in f.data else None
    return JoinRoom(f.text("room_id", ROOM_ID_MAX).upper(), f.name("name"), f.request_id, team)


def _rejoin(f: _Fields) -> Rejoin:
    return Rejoin(f.text("room_id", ROOM_ID_MAX).upper(), f.text("token", TOKEN_MAX), f.request_id)


def _submit_answer(f: _Fields) -> SubmitAnswer:
    index = f.integer("question_index", 0, INDEX_MAX)
    value = f.data.get("answer")
    answer: int | float | tuple[int, ...] | str
    if isinstance(value, float):
        # A slider's value; whether it fits the open question is the room's
        # to say (a choice question takes no fraction).
        if not abs(value) <= SLIDER_MAX:  # also NaN
            raise f._bad("answer", "must be a finite number")
        answer = value
    elif isinstance(value, str):
        # Shapes that fit no question are invalid_answer, as the protocol
        # says; a wrong JSON type (object, float, bool) stays bad_message.
        if not 1 <= len(value) <= ANSWER_MAX:
            why = f"answer: must be 1 to {ANSWER_MAX} characters"
            raise ProtocolError(ErrorCode.INVALID_ANSWER, why, f.request_id)
        answer = value
    elif isinstance(value, list):
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
            raise f._bad("answer", "a list must hold option indexes")
        if not 1 <= len(value) <= LIST_ANSWER_MAX or len(set(value)) != len(value):
            why = f"answer: must be 1 to {LIST_ANSWER_MAX} distinct indexes"
            raise ProtocolError(ErrorCode.INVALID_ANSWER, why, f.request_id)
        # In the player's order: an order question's answer is the order.
        answer = tuple(value)
    else:
        answer = f.integer("answer", -INDEX_MAX, INDEX_MAX)
    return SubmitAnswer(index, answer, f.request_id)


def _set_questions(f: _Fields) -> SetQuestions:
    topic = f.text("topic", TOPIC_MAX, words=True) if "topic" in f.data else None
    return SetQuestions(f.quiz("questions", required=True), topic, f.request_id)


def _generate_questions(f: _Fields) -> GenerateQuestions:
    return GenerateQuestions(
        f.text("topic", TOPIC_MAX, words=True),
        f.integer("count", 1, DRAFT_MAX, default=10),
        f.choice("difficulty", DIFFICULTIES, default="medium"),  # type: ignore[arg-type]
        f.language("language"),
        f.request_id,
    )


def _watch(f: _Fields) -> Watch:
    return Watch(
        f.text("room_id", ROOM_ID_MAX).upper(),
        f.text("display_token", DISPLAY_TOKEN_MAX),
        f.request_id,
    )


def _upload_media(f: _Fields) -> UploadMedia:
    size = f.integer("size", 1, UPLOAD_SIZE_MAX)
    content_type = f.text("content_type", CONTENT_TYPE_MAX).lower()
    # Parameters (";charset=...") mean nothing for a file's bytes: dropped.
    content_type = content_type.split(";", 1)[0].strip()
    if not _CONTENT_TYPE.fullmatch(content_type):
        raise f._bad("content_type", "must be a media type such as image/jpeg")
    return UploadMedia(size, content_type, f.request_id)


def _kick_player(f: _Fields) -> KickPlayer:
    return KickPlayer(f.text("player_id", PLAYER_ID_MAX), f.request_id)


def _move_player(f: _Fields) -> MovePlayer:
    team = f.integer("team", 0, TEAMS_MAX - 1)
    return MovePlayer(f.text("player_id", PLAYER_ID_MAX), team, f.request_id)


def _set_extra_time(f: _Fields) -> SetExtraTime:
    factor = f._get("factor", None)
    if isinstance(factor, bool) or factor not in EXTRA_TIME_FACTORS:
        raise f._bad("factor", "must be 1, 1.5 or 2")
    return SetExtraTime(f.text("player_id", PLAYER_ID_MAX), float(factor), f.request_id)


# Commands that carry nothing but their request_id.
_BARE = (
    StartGame,
    NextQuestion,
    LeaveRoom,
    PlayAgain,
    CloseQuestion,
    EndGame,
    LockRoom,
    UnlockRoom,
    GetResults,
    GetDisplayLink,
)
_BUILDERS: dict[str, Callable[[_Fields], ClientCommand]] = {
    **{cls.action: (lambda f, cls=cls: cls(f.request_id)) for cls in _BARE},
    CreateRoom.action: _create_room,
    JoinRoom.action: _join_room,
    Rejoin.action: _rejoin,
    SubmitAnswer.action: _submit_answer,
    KickPlayer.action: _kick_player,
    SetQuestions.action: _set_questions,
    GenerateQuestions.action: _generate_questions,
    UpdateSettings.action: _update_settings,
    MovePlayer.action: _move_player,
    SetExtraTime.action: _set_extra_time,
    Watch.action: _watch,
    UploadMedia.action: _upload_media,
}
