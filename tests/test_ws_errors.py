"""Every error code and bad input: a clear error, and everything carries on."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from quiz.core.room import Room
from tests.client import Player
from tests.clock import ManualClock
from tests.conftest import Harness, StartServer


async def still_works(quiz: Harness, player: Player | None = None) -> None:
    """The same connection (if given) and another room still work."""
    if player is not None:
        reply = await player.request_any("no_such_action")
        assert reply["code"] == "unknown_action"
    other = await quiz.player()
    await other.create("Proof")
    friend = await quiz.player()
    await friend.join(other.room_id, "Friend")


async def test_bad_frames_get_their_error_and_everything_carries_on(quiz: Harness) -> None:
    # What each bad frame is told is tests/test_protocol.py's; this is the
    # path over a socket, once, from a seated player in a live room.
    host, p1 = await quiz.room(2, time_per_question=60, reveal_seconds=0)
    await p1.send("submit_answer", question_index="first", answer=0, request_id="bad-1")
    refused = await p1.expect_rid("bad-1")
    assert refused["type"] == "error" and refused["code"] == "bad_message"
    assert refused["message"].startswith("question_index:")
    await p1.send_raw("{not json")
    assert (await p1.expect("error"))["code"] == "bad_json"
    await p1.send_raw(b'{"action": "leave_room"}')
    binary = await p1.expect("error")
    assert binary["code"] == "bad_message" and "binary" in binary["message"]
    # The connection stays seated and the room plays on.
    assert (await host.request_any("start_game"))["type"] == "ack"
    await p1.expect("question", question_index=0)
    ok = await p1.request_any("submit_answer", question_index=0, answer=1)
    assert ok["type"] == "answer_received"
    # Nobody else heard of the bad frames.
    assert not any(m["type"] == "error" for m in host.log)
    await still_works(quiz, p1)


async def test_two_mebibyte_frame_closes_with_1009(quiz: Harness) -> None:
    player = await quiz.player(max_size=None)
    await player.send_raw(json.dumps({"action": "create_room", "name": "x" * (2 << 20)}))
    assert await player.closed() == 1009
    await still_works(quiz)


async def test_flood_gets_rate_limited_then_1008(start_server: StartServer) -> None:
    quiz = await start_server(rate_limit_per_second=5, rate_limit_burst=10)
    player = await quiz.player()
    frame = json.dumps({"action": "no_such_action"})
    for _ in range(10):
        await player.send_raw(frame)
    await player.send_raw(frame)
    codes = [(await player.next())["code"] for _ in range(11)]
    assert codes == ["unknown_action"] * 10 + ["rate_limited"]
    # Keep flooding: the server gives up on the connection.
    for _ in range(30):
        await player.send_raw(frame)
    assert await player.closed() == 1008
    await still_works(quiz)


async def test_errors_of_room_membership(quiz: Harness) -> None:
    outsider = await quiz.player()
    for action, fields in [
        ("start_game", {}),
        ("submit_answer", {"question_index": 0, "answer": 0}),
        ("next_question", {}),
        ("kick_player", {"player_id": "p1"}),
        ("leave_room", {}),
        ("play_again", {}),
    ]:
        await outsider.error(action, "not_in_room", **fields)
    await outsider.error("join_room", "room_not_found", room_id="ZZZZZ", name="x")
    # A failed rejoin never says whether the room exists (see test_hostile_limits).
    await outsider.error("rejoin", "invalid_token", room_id="ZZZZZ", token="t" * 32)
    host, p1 = await quiz.room(2)
    await host.error("create_room", "already_in_room", name="again")
    await p1.error("join_room", "already_in_room", room_id=host.room_id, name="again")
    await p1.error("rejoin", "already_in_room", room_id=host.room_id, token=host.token)
    await outsider.error("join_room", "name_taken", room_id=host.room_id, name="p1")
    await outsider.error("join_room", "name_taken", room_id=host.room_id, name=" HOST ")


async def test_host_only_and_phase_errors(quiz: Harness) -> None:
    players = await quiz.room(2, num_questions=2, reveal_seconds=0, time_per_question=60)
    host, p1 = players
    for action, fields in [
        ("start_game", {}),
        ("next_question", {}),
        ("kick_player", {"player_id": host.player_id}),
        ("play_again", {}),
    ]:
        await p1.error(action, "not_host", **fields)
    await host.error("next_question", "wrong_phase")
    await host.error("play_again", "wrong_phase")
    await host.error("submit_answer", "wrong_phase", question_index=0, answer=0)
    await host.error("kick_player", "bad_message", player_id="nobody")
    await host.error("kick_player", "bad_message", player_id=host.player_id)
    await host.request_any("start_game")
    await p1.expect("question")
    await host.error("start_game", "wrong_phase")
    await p1.error("submit_answer", "stale_question", question_index=1, answer=0)
    await p1.error("submit_answer", "invalid_answer", question_index=0, answer=4)
    await p1.error("submit_answer", "invalid_answer", question_index=0, answer=-1)
    await p1.error("submit_answer", "bad_message", question_index=0, answer=10**12)
    await p1.error("submit_answer", "bad_message", question_index=0, answer=False)
    await p1.request_any("submit_answer", question_index=0, answer=0)
    await p1.error("submit_answer", "already_answered", question_index=0, answer=1)


async def test_room_full(start_server: StartServer) -> None:
    quiz = await start_server(max_players_per_room=2)
    host, _ = await quiz.room(2)
    third = await quiz.player()
    await third.error("join_room", "room_full", room_id=host.room_id, name="Third")
    await still_works(quiz, third)


async def test_server_busy_when_max_rooms(start_server: StartServer) -> None:
    quiz = await start_server(max_rooms=1)
    first = await quiz.player()
    await first.create("One")
    second = await quiz.player()
    await second.error("create_room", "server_busy", name="Two")
    # Joining the existing room still works.
    await second.join(first.room_id, "Two")


async def test_internal_error_keeps_connection(
    quiz: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, _p1 = await quiz.room(2)
    real = Room.handle

    def failing(self: Room, sender, command, now_ms):  # type: ignore[no-untyped-def]
        # Fault injection: the real rules, except that next_question blows up.
        if type(command).__name__ == "NextQuestion":
            raise RuntimeError("injected")
        return real(self, sender, command, now_ms)

    monkeypatch.setattr(Room, "handle", failing)
    err = await host.error("next_question", "internal_error")
    assert "request_id" in err
    assert (await host.request_any("start_game"))["type"] == "ack"


async def test_room_closed_after_idle_ttl_closes_with_4002(
    manual: tuple[Harness, ManualClock],
) -> None:
    quiz, clock = manual
    host, p1 = await quiz.room(2)
    # 30 minutes (ROOM_IDLE_TTL_SECONDS) after the last command, not before.
    assert clock.advance(1_799_999) == 0
    assert (await host.request_any("lock_room"))["type"] == "ack"  # activity: starts over
    assert clock.advance(1_799_999) == 0
    assert clock.advance(1) == 1
    assert await p1.closed() == 4002
    assert await host.closed() == 4002
    assert quiz.server.rooms.count == 0


async def test_origin_outside_allowed_is_refused_with_403(start_server: StartServer) -> None:
    quiz = await start_server(allowed_origins=("https://quiz.example",))
    with pytest.raises(InvalidStatus) as info:
        await connect(quiz.url, origin="https://evil.example")
    assert info.value.response.status_code == 403
    ok = await connect(quiz.url, origin="https://quiz.example")
    await ok.close()
    # The page the server serves itself is always allowed.
    same = await connect(quiz.url, origin=f"http://127.0.0.1:{quiz.server.port}")
    await same.close()
