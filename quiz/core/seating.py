"""Who is in a room: joining, watching, leaving, presence, the host, the lock. No I/O.

Every step here costs O(1) in the room's size (name and token lookups are
indexes), except a host's departure, which looks for an heir. In a large
room (over 100 players) presence goes to the host only; the others get
``room_size`` at most once a second, at a time kept in the state
(``room_size_due_ms``) like every other deadline.
"""

from __future__ import annotations

import hmac

from quiz.core.commands import Output, Release, Reply, Resume, Seat, Send
from quiz.core.state import ROOM_SIZE_INTERVAL_MS, WATCHERS_MAX, Player, RoomState
from quiz.wire.names import name_index, offensive
from quiz.wire.protocol import ErrorCode, KickPlayer, Message, ack, error


class SeatRules(RoomState):
    """The part of a room that seats and unseats."""

    def _join(self, seat: Seat, now_ms: int, out: list[Output]) -> None:
        rid = seat.request_id
        if seat.display_token is not None:
            self._watch(seat, now_ms, out)
            return
        if self.locked:
            out.append(Reply(error(ErrorCode.ROOM_LOCKED, "this room is locked", rid)))
            return
        if len(self.players) >= self.limits.max_players:
            out.append(Reply(error(ErrorCode.ROOM_FULL, "this room is full", rid)))
            return
        if self.settings.profanity_filter and offensive(seat.name):
            why = "that name is not allowed in this room; pick another"
            out.append(Reply(error(ErrorCode.NAME_NOT_ALLOWED, why, rid)))
            return
        # One rule for "the same name" (case, look-alikes): quiz.wire.names.
        if any(key in self.names for key in name_index(seat.name)):
            out.append(Reply(error(ErrorCode.NAME_TAKEN, "that name is taken in this room", rid)))
            return
        self.last_activity_ms = now_ms
        player = self._seat(seat)
        out.append(Reply(self._joined_message("room_joined", player, rid, now_ms), bind=player.id))
        self._presence({"type": "player_joined", "player": player.public()}, player.id, now_ms, out)

    def _watch(self, seat: Seat, now_ms: int, out: list[Output]) -> None:
        rid = seat.request_id
        # Constant time: the token is the only key to a room's screen.
        if not hmac.compare_digest(str(seat.display_token), self.display_token):
            out.append(Reply(no_display(rid)))
            return
        if len(self.watchers) >= WATCHERS_MAX:
            out.append(Reply(error(ErrorCode.ROOM_FULL, "this room has enough screens", rid)))
            return
        self.last_activity_ms = now_ms
        watcher = self._seat(seat, display=True)
        out.append(Reply(self._joined_message("watching", watcher, rid, now_ms), bind=watcher.id))

    def _seat(self, seat: Seat, *, display: bool = False, plays: bool = True) -> Player:
        name = "" if display else seat.name
        player = Player(
            seat.player_id, name, seat.token_hash, self.next_seat, via=seat.via, display=display
        )
        self.next_seat += 1
        if display or not plays:
            self.watchers[player.id] = player
        else:
            self.players[player.id] = player
            self.connected_count += 1
        self.empty_since_ms = None
        self._index(player)
        return player

    def _resume(self, resume: Resume, now_ms: int, out: list[Output]) -> None:
        player = self.find_token(resume.token_hash)
        if player is None:
            out.append(Reply(no_seat(self.room_id, resume.request_id)))
            return
        self.last_activity_ms = now_ms
        was_connected = player.connected
        player.via = resume.via
        self._set_connected(player, True)
        kind = "watching" if player.display else "room_joined"
        message = self._joined_message(kind, player, resume.request_id, now_ms)
        message["resumed"] = True
        # The I/O layer closes an older connection of this player with 4003.
        out.append(Reply(message, bind=player.id))
        if not was_connected and player.id in self.players:
            reconnected = {"type": "player_reconnected", "player": player.public()}
            self._presence(reconnected, player.id, now_ms, out)
            self._progress_changed(now_ms, out)

    def _disconnected(self, player_id: str, via: str, now_ms: int, out: list[Output]) -> None:
        player = self.member(player_id)
        assert player is not None
        if not player.connected or (via and player.via != via):
            return
        self._set_connected(player, False)
        self.absent[player_id] = now_ms
        self._note_if_empty(now_ms)
        if player_id in self.players:
            gone = {"type": "player_disconnected", "player": player.public()}
            self._presence(gone, player_id, now_ms, out)
            self._progress_changed(now_ms, out)

    def _present(self, player_id: str, via: str, now_ms: int, out: list[Output]) -> None:
        player = self.member(player_id)
        assert player is not None
        if player.connected:
            # Through this server, or through another on a newer connection,
            # which wins: nothing to reconcile.
            return
        player.via = via
        self._set_connected(player, True)
        if player_id in self.players:
            back = {"type": "player_reconnected", "player": player.public()}
            self._presence(back, player_id, now_ms, out)
            self._progress_changed(now_ms, out)

    def _kick(self, sender: str, command: KickPlayer, now_ms: int, out: list[Output]) -> None:
        rid = command.request_id
        if command.player_id == sender:
            why = "player_id: the host cannot kick themself"
            out.append(Reply(error(ErrorCode.BAD_MESSAGE, why, rid)))
            return
        if self.member(command.player_id) is None:
            why = "player_id: no such player in this room"
            out.append(Reply(error(ErrorCode.BAD_MESSAGE, why, rid)))
            return
        out.append(Reply(ack(rid)))
        self._remove(command.player_id, "kicked", 4001, now_ms, out)

    def _lock(self, locked: bool, request_id: str | None, now_ms: int, out: list[Output]) -> None:
        out.append(Reply(ack(request_id)))
        if self.locked != locked:
            self.locked = locked
            out.append(Send({"type": "room_state", "room": self.state_for(None, now_ms)}))

    def _remove(
        self, player_id: str, reason: str, close_code: int | None, now_ms: int, out: list[Output]
    ) -> None:
        player = self.member(player_id)
        assert player is not None
        was_connected = player.connected
        playing = player_id in self.players
        if was_connected:
            self._set_connected(player, False)
        if playing:
            del self.players[player_id]
        else:
            del self.watchers[player_id]
        del self.tokens[player.token_hash]
        if not player.display:
            for key in name_index(player.name):
                if self.names.get(key) == player.id:
                    del self.names[key]
        self.absent.pop(player_id, None)
        self.answers.pop(player_id, None)
        self.eligible.discard(player_id)
        self.seen_requests.pop(player_id, None)
        if self.top_ids is not None and player_id in self.top_ids:
            self.top_ids = None
        if self.final_board is not None and any(
            e["player_id"] == player_id for e in self.final_board
        ):
            self.final_board = None
        message = {"type": "player_left", "player": player.public(), "reason": reason}
        # The one who goes hears it too, before the room lets go of them.
        if was_connected and not player.display:
            out.append(Send(message, to=player_id))
        out.append(Release(player_id, close_code, reason))
        if not self.players and not any(not w.display for w in self.watchers.values()):
            self._close("empty", out)  # display screens alone do not keep a room
            return
        if playing:
            self._presence(message, player_id, now_ms, out)
        if player_id == self.host_id:
            self._pass_host(out)
        self._note_if_empty(now_ms)
        if playing:
            self._progress_changed(now_ms, out)

    def _pass_host(self, out: list[Output]) -> None:
        """The longest-seated connected player becomes host (any player if none is)."""
        seats = list(self.players.values()) or [w for w in self.watchers.values() if not w.display]
        connected = [p for p in seats if p.connected]
        heir = min(connected or seats, key=lambda p: p.seat)
        self.host_id = heir.id
        out.append(Send({"type": "host_changed", "host_id": heir.id}))

    # Presence in large rooms.

    def _presence(self, message: Message, player_id: str, now_ms: int, out: list[Output]) -> None:
        """A player came, went or dropped: tell the room, or in a large room the host."""
        if not self.is_large():
            out.append(Send(message, exclude=player_id))
            return
        if self.host_id != player_id:
            out.append(Send(message, to=self.host_id))
        if self.room_size_due_ms is None:
            self.room_size_due_ms = max(now_ms, self.room_size_sent_ms + ROOM_SIZE_INTERVAL_MS)
        if self.room_size_due_ms <= now_ms:
            self._send_room_size(now_ms, out)

    def _send_room_size(self, now_ms: int, out: list[Output]) -> None:
        """``room_size`` to everyone but the host, if it changed since the last one."""
        self.room_size_due_ms = None
        size = [len(self.players), self.connected_count]
        if size == self.room_size_sent:
            return
        self.room_size_sent, self.room_size_sent_ms = size, now_ms
        message = {"type": "room_size", "players": size[0], "connected": size[1]}
        out.append(Send(message, exclude=self.host_id))

    def _expire_absent(self, due_ms: int, now_ms: int, out: list[Output]) -> None:
        """Seats gone longer than the grace period leave (reason ``timeout``)."""
        # In time order (see next_wakeup_ms): stop at the first still in grace.
        while self.absent and not self.closed:
            pid, gone = next(iter(self.absent.items()))
            if gone + self.limits.grace_ms > due_ms:
                return
            self._remove(pid, "timeout", None, now_ms, out)


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
