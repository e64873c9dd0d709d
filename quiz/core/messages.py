"""What the server says: message dicts, error codes, close codes, and the few
builders every part of the server shares. No I/O.

A message is a plain dict, ready to be encoded as one JSON text frame
(:func:`quiz.wire.frames.encode`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

Message = dict[str, Any]


class ErrorCode(StrEnum):
    """Every error code of the protocol (and ``not_a_player``, the project's own)."""

    BAD_JSON = "bad_json"
    BAD_MESSAGE = "bad_message"
    UNKNOWN_ACTION = "unknown_action"
    NOT_IN_ROOM = "not_in_room"
    ALREADY_IN_ROOM = "already_in_room"
    ROOM_NOT_FOUND = "room_not_found"
    ROOM_FULL = "room_full"
    NAME_TAKEN = "name_taken"
    NOT_HOST = "not_host"
    WRONG_PHASE = "wrong_phase"
    ALREADY_ANSWERED = "already_answered"
    STALE_QUESTION = "stale_question"
    INVALID_ANSWER = "invalid_answer"
    INVALID_TOKEN = "invalid_token"
    RATE_LIMITED = "rate_limited"
    SERVER_BUSY = "server_busy"
    INTERNAL_ERROR = "internal_error"
    ROOM_LOCKED = "room_locked"
    # A name the room's word filter refuses (the host can turn it off).
    NAME_NOT_ALLOWED = "name_not_allowed"
    # A presenting host or a display screen sent an action only a player has.
    NOT_A_PLAYER = "not_a_player"
    # Protocol 1.2 "Media": an upload over the size or pixel limit, bytes that
    # are no accepted image or audio, a limit per connection, address or server.
    MEDIA_TOO_LARGE = "media_too_large"
    MEDIA_UNSUPPORTED = "media_unsupported"
    MEDIA_QUOTA = "media_quota"


class CloseCode:
    """The only codes the server closes a connection with."""

    POLICY = 1008  # kept flooding after rate_limited
    TOO_BIG = 1009  # message over MAX_MESSAGE_BYTES (websockets sends it)
    RESTARTING = 1012
    KICKED = 4001
    ROOM_CLOSED = 4002
    REPLACED = 4003


def error(code: ErrorCode, message: str, request_id: str | None = None) -> Message:
    out: Message = {"type": "error", "code": str(code), "message": message}
    if request_id is not None:
        out["request_id"] = request_id
    return out


def ack(request_id: str | None) -> Message:
    out: Message = {"type": "ack"}
    if request_id is not None:
        out["request_id"] = request_id
    return out


def with_request_id(message: Message, request_id: str | None) -> Message:
    """``message`` with the request's id echoed, as every direct reply has."""
    if request_id is None:
        return message
    return {**message, "request_id": request_id}


def wrong_phase(phase: str, action: str, request_id: str | None) -> Message:
    return error(ErrorCode.WRONG_PHASE, f"{action} is not possible in phase {phase}", request_id)


def no_seat(room_id: str, request_id: str | None) -> Message:
    """The answer to every failed ``rejoin``, whether or not the room exists.

    The same code and words for a wrong token, a seat that expired, and a
    room that never was (the server sends it for those): a rejoin must not
    tell a guesser which room codes exist.
    """
    return error(ErrorCode.INVALID_TOKEN, f"no seat for this token in room {room_id}", request_id)


def no_display(request_id: str | None) -> Message:
    """The answer to every failed ``watch``: a wrong display token or no such room."""
    return error(ErrorCode.INVALID_TOKEN, "that display link is not valid", request_id)
