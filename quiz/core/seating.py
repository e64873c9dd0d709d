"""Who is in a room: joining, watching, leaving, presence, the host, the lock. No I/O.

Every step here costs O(1) in the room's size (name and token lookups are
indexes), except a host's departure, which looks for an heir. In a large
room (over 100 players) presence goes to the host only; the others get
``room_size`` at most once a second, at a time kept in the state
(``room_size_due_ms``) like every other deadline.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from quiz.core.commands import KickPlayer, MovePlayer, Resume, Seat, SetExtraTime
from quiz.core.messages import CloseCode, ErrorCode, Message, ack, error, no_display, no_seat
from quiz.core.outputs import Output, Release, Reply, Send
from quiz.core.state import LARGE_COUNT_MS, WATCHERS_MAX, Player, RoomState

NO_SUCH_PLAYER = "player_id: no such player in this room"

if TYPE_CHECKING:
    from quiz.core.asking import Asking
    from quiz.core.teams import Teams
    from quiz.core.views import Views


class Seating:
    """Who is in the room. Changes the seats, the host, the lock, presence,
    teams and extra time; asks asking to recount answers when a player comes
    or goes mid-question."""

    def __init__(self, state: RoomState, views: Views, asking: Asking, teams: Teams) -> None:
        self.state = state
        self.views = views
        self.asking = asking
        self.teams = teams

    def join(self, seat: Seat, now_ms: int, out: list[Output]) -> None:
        rid = seat.request_id
        if seat.display_token is not None:
            self.watch(seat, now_ms, out)
            return
        if self.state.locked:
            out.append(Reply(error(ErrorCode.ROOM_LOCKED, "this room is locked", rid)))
            return
        if len(self.state.players) >= self.state.limits.max_players:
            out.append(Reply(error(ErrorCode.ROOM_FULL, "this room is full", rid)))
            return
        if not seat.name_keys:
            raise ValueError("a player's seat comes with its name keys (quiz.wire.names)")
        if self.state.settings.profanity_filter and seat.flagged:
            why = "that name is not allowed in this room; pick another"
            out.append(Reply(error(ErrorCode.NAME_NOT_ALLOWED, why, rid)))
            return
        # One rule for "the same name" (case, look-alikes): quiz.wire.names',
        # whose keys the seat carries.
        if any(key in self.state.names for key in seat.name_keys):
            out.append(Reply(error(ErrorCode.NAME_TAKEN, "that name is taken in this room", rid)))
            return
        self.state.last_activity_ms = now_ms
        player = self.seat(seat)
        out.append(
            Reply(self.views.joined_message("room_joined", player, rid, now_ms), bind=player.id)
        )
        self.presence({"type": "player_joined", "player": player.public()}, player.id, now_ms, out)

    def watch(self, seat: Seat, now_ms: int, out: list[Output]) -> None:
        rid = seat.request_id
        # Constant time: the token is the only key to a room's screen.
        if not hmac.compare_digest(str(seat.display_token), self.state.display_token):
            out.append(Reply(no_display(rid)))
            return
        if len(self.state.watchers) >= WATCHERS_MAX:
            out.append(Reply(error(ErrorCode.ROOM_FULL, "this room has enough screens", rid)))
            return
        self.state.last_activity_ms = now_ms
        watcher = self.seat(seat, display=True)
        out.append(
            Reply(self.views.joined_message("watching", watcher, rid, now_ms), bind=watcher.id)
        )

    def seat(self, seat: Seat, *, display: bool = False, plays: bool = True) -> Player:
        name = "" if display else seat.name
        player = Player(
            seat.player_id,
            name,
            seat.token_hash,
            self.state.next_seat,
            via=seat.via,
            display=display,
            keys=() if display else seat.name_keys,
        )
        self.state.next_seat += 1
        if display or not plays:
            self.state.watchers[player.id] = player
        else:
            self.state.players[player.id] = player
            self.teams.place(player, seat.team)
            self.state.connected_count += 1
        self.state.empty_since_ms = None
        self.state.index(player)
        return player

    def resume(self, resume: Resume, now_ms: int, out: list[Output]) -> None:
        player = self.state.find_token(resume.token_hash)
        if player is None:
            out.append(Reply(no_seat(self.state.room_id, resume.request_id)))
            return
        self.state.last_activity_ms = now_ms
        was_connected = player.connected
        player.via = resume.via
        self.state.set_connected(player, True)
        kind = "watching" if player.display else "room_joined"
        message = self.views.joined_message(kind, player, resume.request_id, now_ms)
        message["resumed"] = True
        # The I/O layer closes an older connection of this player with 4003.
        out.append(Reply(message, bind=player.id))
        if not was_connected and player.id in self.state.players:
            reconnected = {"type": "player_reconnected", "player": player.public()}
            self.presence(reconnected, player.id, now_ms, out)
            self.asking.progress_changed(now_ms, out)

    def disconnected(self, player_id: str, via: str, now_ms: int, out: list[Output]) -> None:
        player = self.state.member(player_id)
        assert player is not None
        if not player.connected or (via and player.via != via):
            return
        self.state.set_connected(player, False)
        self.state.absent[player_id] = now_ms
        self.state.note_if_empty(now_ms)
        if player_id in self.state.players:
            gone = {"type": "player_disconnected", "player": player.public()}
            self.presence(gone, player_id, now_ms, out)
            self.asking.progress_changed(now_ms, out)

    def present(self, player_id: str, via: str, now_ms: int, out: list[Output]) -> None:
        player = self.state.member(player_id)
        assert player is not None
        if player.connected:
            # Through this server, or through another on a newer connection,
            # which wins: nothing to reconcile.
            return
        player.via = via
        self.state.set_connected(player, True)
        if player_id in self.state.players:
            back = {"type": "player_reconnected", "player": player.public()}
            self.presence(back, player_id, now_ms, out)
            self.asking.progress_changed(now_ms, out)

    def _named(self, player_id: str, rid: str | None, out: list[Output]) -> Player | None:
        """The player a host command names, or None with the error replied."""
        player = self.state.players.get(player_id)
        if player is None:
            out.append(Reply(error(ErrorCode.BAD_MESSAGE, NO_SUCH_PLAYER, rid)))
        return player

    def kick(self, sender: str, command: KickPlayer, now_ms: int, out: list[Output]) -> None:
        rid = command.request_id
        if command.player_id == sender:
            why = "player_id: the host cannot kick themself"
            out.append(Reply(error(ErrorCode.BAD_MESSAGE, why, rid)))
            return
        if self.state.member(command.player_id) is None:
            out.append(Reply(error(ErrorCode.BAD_MESSAGE, NO_SUCH_PLAYER, rid)))
            return
        out.append(Reply(ack(rid)))
        self.remove(command.player_id, "kicked", CloseCode.KICKED, now_ms, out)

    def move(self, command: MovePlayer, now_ms: int, out: list[Output]) -> None:
        """The host puts a player in another team (the lobby only)."""
        rid = command.request_id
        player = self._named(command.player_id, rid, out)
        if player is None:
            return
        if not 0 <= command.team < len(self.state.settings.teams):
            why = f"team: this room has {len(self.state.settings.teams)} teams"
            out.append(Reply(error(ErrorCode.BAD_MESSAGE, why, rid)))
            return
        out.append(Reply(ack(rid)))
        if player.team != command.team:
            self.teams.move(player, command.team)
            self.state.top_states = None  # a listed entry changed
            out.append(Send({"type": "room_state", "room": self.views.state_for(None, now_ms)}))

    def extra_time(self, command: SetExtraTime, out: list[Output]) -> None:
        """The host gives a player more time, from the next question on.

        Only the host hears of it (and the player, through their own
        deadline): who needs more time is nobody else's business.
        """
        rid = command.request_id
        player = self._named(command.player_id, rid, out)
        if player is None:
            return
        out.append(Reply(ack(rid)))
        player.extra = command.factor
        message = {"type": "extra_time", "player_id": player.id, "factor": command.factor}
        out.append(Send(message, to=self.state.host_id))

    def lock(self, locked: bool, request_id: str | None, now_ms: int, out: list[Output]) -> None:
        out.append(Reply(ack(request_id)))
        if self.state.locked != locked:
            self.state.locked = locked
            out.append(Send({"type": "room_state", "room": self.views.state_for(None, now_ms)}))

    def remove(
        self, player_id: str, reason: str, close_code: int | None, now_ms: int, out: list[Output]
    ) -> None:
        player = self.state.member(player_id)
        assert player is not None
        was_connected = player.connected
        playing = player_id in self.state.players
        if was_connected:
            self.state.set_connected(player, False)
        if playing:
            self.teams.leave(player)
            del self.state.players[player_id]
        else:
            del self.state.watchers[player_id]
        self.state.unindex(player)
        self.state.absent.pop(player_id, None)
        self.state.answers.pop(player_id, None)
        self.state.eligible.discard(player_id)
        self.state.seen_requests.pop(player_id, None)
        if self.state.top_ids is not None and player_id in self.state.top_ids:
            self.state.top_ids = None
        if self.state.final_board is not None and any(
            e["player_id"] == player_id for e in self.state.final_board
        ):
            self.state.final_board = None
        message = {"type": "player_left", "player": player.public(), "reason": reason}
        # The one who goes hears it too, before the room lets go of them.
        if was_connected and not player.display:
            out.append(Send(message, to=player_id))
        out.append(Release(player_id, close_code, reason))
        if not self.state.players and not any(not w.display for w in self.state.watchers.values()):
            self.state.close("empty", out)  # display screens alone do not keep a room
            return
        if playing:
            self.presence(message, player_id, now_ms, out)
        if player_id == self.state.host_id:
            self.pass_host(out)
        self.state.note_if_empty(now_ms)
        if playing:
            self.asking.progress_changed(now_ms, out)

    def pass_host(self, out: list[Output]) -> None:
        """The longest-seated connected player becomes host (any player if none is)."""
        seats = list(self.state.players.values()) or [
            w for w in self.state.watchers.values() if not w.display
        ]
        connected = [p for p in seats if p.connected]
        heir = min(connected or seats, key=lambda p: p.seat)
        self.state.host_id = heir.id
        out.append(Send({"type": "host_changed", "host_id": heir.id}))

    # Presence in large rooms.

    def presence(self, message: Message, player_id: str, now_ms: int, out: list[Output]) -> None:
        """A player came, went or dropped: tell the room, or in a large room the host."""
        if not self.state.is_large():
            out.append(Send(message, exclude=frozenset({player_id})))
            return
        if self.state.host_id != player_id:
            out.append(Send(message, to=self.state.host_id))
        if self.state.room_size_due_ms is None:
            self.state.room_size_due_ms = max(now_ms, self.state.room_size_sent_ms + LARGE_COUNT_MS)
        if self.state.room_size_due_ms <= now_ms:
            self.send_room_size(now_ms, out)

    def send_room_size(self, now_ms: int, out: list[Output]) -> None:
        """``room_size`` to everyone but the host, if it changed since the last one."""
        self.state.room_size_due_ms = None
        size = [len(self.state.players), self.state.connected_count]
        if size == self.state.room_size_sent:
            return
        self.state.room_size_sent, self.state.room_size_sent_ms = size, now_ms
        message = {"type": "room_size", "players": size[0], "connected": size[1]}
        out.append(
            Send(
                message,
                exclude=frozenset({self.state.host_id}),
                count="room_size",
                spread_ms=LARGE_COUNT_MS,
            )
        )

    def expire_absent(self, due_ms: int, now_ms: int, out: list[Output]) -> None:
        """Seats gone longer than the grace period leave (reason ``timeout``)."""
        # In time order (see next_wakeup_ms): stop at the first still in grace.
        while self.state.absent and not self.state.closed:
            pid, gone = next(iter(self.state.absent.items()))
            if gone + self.state.limits.grace_ms > due_ms:
                return
            self.remove(pid, "timeout", None, now_ms, out)
