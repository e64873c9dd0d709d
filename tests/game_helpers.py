"""Shared helpers for the tests that drive the game core directly.

The core compares names by the keys the I/O layer computes (quiz.wire.names);
:func:`make_seat` builds a seat as the server does, so a test's names clash and
pass the word filter exactly as they would over a socket.
"""

from __future__ import annotations

from quiz.core.commands import Command, Seat
from quiz.core.outputs import Output
from quiz.core.room import Room
from quiz.core.state import Phase
from quiz.wire.names import name_index, offensive


def make_seat(
    player_id: str,
    name: str,
    token_hash: str,
    request_id: str | None = None,
    via: str = "",
    display_token: str | None = None,
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
