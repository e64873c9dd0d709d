"""Whole games over real WebSockets against a real server on an ephemeral port."""

from __future__ import annotations

from tests.client import Player
from tests.clock import ManualClock
from tests.conftest import Harness, StartServer


async def start(host: Player, players: list[Player]) -> list[dict]:
    """Start the game; every player's first question."""
    reply = await host.request_any("start_game")
    assert reply["type"] == "ack"
    for p in players:
        await p.expect("generating_questions")
        generated = await p.expect("questions_generated")
        assert generated["source"] == "fallback"
        await p.expect("countdown")
    return [await p.expect("question") for p in players]


async def test_whole_game_with_scores_and_game_over(quiz: Harness) -> None:
    players = await quiz.room(3, num_questions=3, reveal_seconds=0, time_per_question=30)
    host, _p1, _p2 = players
    questions = await start(host, players)
    for qi in range(3):
        q = questions[0] if qi == 0 else await host.expect("question", question_index=qi)
        assert "correct" not in q and "correct_answer" not in q
        assert q["total_questions"] == 3
        assert isinstance(q["deadline_ms"], int) and isinstance(q["server_time_ms"], int)
        assert q["deadline_ms"] - q["server_time_ms"] == 30_000
        # The host answers 0, P1 answers 1, P2 answers 2: exactly one may be right.
        for i, p in enumerate(players):
            r = await p.request_any("submit_answer", question_index=qi, answer=i)
            assert r == {
                "type": "answer_received",
                "question_index": qi,
                "request_id": r["request_id"],
            }
        results = [await p.expect("question_result", question_index=qi) for p in players]
        # The same room-wide result for everyone.
        assert all(r == results[0] for r in results)
        result = results[0]
        assert result["answer_counts"][:3] == [1, 1, 1]
        mine = [await p.expect("your_result", question_index=qi) for p in players]
        for i, m in enumerate(mine):
            assert m["correct"] == (i == result["correct_answer"])
            assert m["answered"] is True
            assert (m["points"] > 0) == m["correct"]
        if qi < 2:
            assert (await host.request_any("next_question"))["type"] == "ack"
    assert (await host.request_any("next_question"))["type"] == "ack"
    overs = [await p.expect("game_over") for p in players]
    board = overs[0]["leaderboard"]
    assert sorted(e["player_id"] for e in board) == sorted(p.player_id for p in players)
    assert [e["rank"] for e in board] == sorted(e["rank"] for e in board)
    assert all(o == overs[0] for o in overs)


async def test_early_close_when_everyone_answered(
    manual: tuple[Harness, ManualClock],
) -> None:
    quiz, clock = manual
    players = await quiz.room(2, time_per_question=120, reveal_seconds=0)
    host, p1 = players
    await start(host, players)
    await host.request_any("submit_answer", question_index=0, answer=0)
    progress = await p1.expect("answer_progress", answered=1)
    assert progress["total"] == 2
    await p1.request_any("submit_answer", question_index=0, answer=1)
    # The clock has not moved: the last answer closed the question, no timer.
    result = await p1.expect("question_result")
    assert sum(result["answer_counts"]) == 2
    assert clock.fired == 0


async def test_deadline_closes_the_question(manual: tuple[Harness, ManualClock]) -> None:
    quiz, clock = manual
    players = await quiz.room(3, time_per_question=5, reveal_seconds=0)
    host, p1, p2 = players
    questions = await start(host, players)
    assert questions[0]["server_time_ms"] == clock.now_ms()
    assert questions[0]["deadline_ms"] == clock.now_ms() + 5000
    await host.request_any("submit_answer", question_index=0, answer=0)
    # A millisecond before the deadline: no timer fires, an answer still counts.
    assert clock.advance(4999) == 0
    ok = await p1.request_any("submit_answer", question_index=0, answer=1)
    assert ok["type"] == "answer_received"
    # P2 never answers: the deadline closes the question.
    assert clock.advance(1) == 1
    result = await p2.expect("question_result")
    assert result["answer_counts"][:2] == [1, 1]
    yours = await p2.expect("your_result")
    assert yours == {**yours, "answered": False, "correct": False, "points": 0, "streak": 0}
    error = await p2.request_any("submit_answer", question_index=0, answer=1)
    assert error["code"] == "wrong_phase"


async def test_reveal_auto_advances(manual: tuple[Harness, ManualClock]) -> None:
    quiz, clock = manual
    players = await quiz.room(2, num_questions=2, reveal_seconds=7, time_per_question=30)
    host, p1 = players
    await start(host, players)
    for p in players:
        await p.request_any("submit_answer", question_index=0, answer=0)
    result = await p1.expect("question_result")
    assert result["next_at_ms"] == clock.now_ms() + 7000
    # Nobody sends next_question: at next_at_ms the room moves on by itself.
    assert clock.advance(6999) == 0
    assert clock.advance(1) == 1
    q = await p1.expect("question", question_index=1)
    assert q["server_time_ms"] == result["next_at_ms"]
    for p in players:
        await p.request_any("submit_answer", question_index=1, answer=0)
    last = await p1.expect("question_result", question_index=1)
    # The last question's reveal ends the game, at its next_at_ms too.
    assert last["next_at_ms"] == clock.now_ms() + 7000
    assert clock.advance(6999) == 0
    assert clock.advance(1) == 1
    over = await p1.expect("game_over")
    assert {e["player_id"] for e in over["leaderboard"]} == {host.player_id, p1.player_id}


async def test_countdown_opens_the_first_question_at_its_end(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    quiz = await start_server(clock=clock, countdown_seconds=3)
    players = await quiz.room(2, time_per_question=30)
    host, p1 = players
    assert (await host.request_any("start_game"))["type"] == "ack"
    countdown = await p1.expect("countdown")
    assert countdown["seconds"] == 3
    assert countdown["ends_ms"] == clock.now_ms() + 3000
    # An answer during the countdown is refused: no question is open yet.
    assert clock.advance(2999) == 0
    early = await p1.request_any("submit_answer", question_index=0, answer=0)
    assert early["code"] == "wrong_phase"
    assert clock.advance(1) == 1
    q = await p1.expect("question", question_index=0)
    assert q["server_time_ms"] == countdown["ends_ms"]
    assert q["deadline_ms"] == countdown["ends_ms"] + 30_000


async def test_late_joiner_plays_from_next_question(quiz: Harness) -> None:
    players = await quiz.room(2, num_questions=2, reveal_seconds=0, time_per_question=30)
    host, _p1 = players
    await start(host, players)
    late = await quiz.player()
    joined = await late.join(host.room_id, "Late")
    assert joined["room"]["phase"] == "question"
    err = await late.request_any("submit_answer", question_index=0, answer=0)
    assert err["code"] == "wrong_phase"
    # The late joiner does not hold the question open.
    for p in players:
        await p.request_any("submit_answer", question_index=0, answer=0)
    await late.expect("question_result")
    yours = await late.expect("your_result")
    assert yours["answered"] is False
    await host.request_any("next_question")
    await late.expect("question", question_index=1)
    ok = await late.request_any("submit_answer", question_index=1, answer=0)
    assert ok["type"] == "answer_received"


async def test_play_again_resets_scores(quiz: Harness) -> None:
    players = await quiz.room(2, num_questions=1, reveal_seconds=0, time_per_question=30)
    host, p1 = players
    await start(host, players)
    for p in players:
        await p.request_any("submit_answer", question_index=0, answer=0)
    await host.expect("question_result")
    await host.request_any("next_question")
    await p1.expect("game_over")
    assert (await host.request_any("play_again"))["type"] == "ack"
    state = await p1.expect("room_state")
    assert state["room"]["phase"] == "lobby"
    assert all(p["score"] == 0 for p in state["room"]["players"])
    # And a second game starts.
    await start(host, players)


async def test_kick_closes_with_4001(quiz: Harness) -> None:
    host, p1, p2 = await quiz.room(3)
    assert (await host.request_any("kick_player", player_id=p1.player_id))["type"] == "ack"
    left = await p2.expect("player_left")
    assert left["player"]["id"] == p1.player_id and left["reason"] == "kicked"
    assert await p1.closed() == 4001
    # The kicked token is gone with the seat.
    again = await quiz.player()
    err = await again.request_any("rejoin", room_id=host.room_id, token=p1.token)
    assert err["code"] == "invalid_token"


async def test_leave_hands_host_over(quiz: Harness) -> None:
    host, p1, p2 = await quiz.room(3)
    assert (await host.request_any("leave_room"))["type"] == "ack"
    changed = await p2.expect("host_changed")
    assert changed["host_id"] == p1.player_id  # the longest seated
    assert (await p2.expect("player_left"))["reason"] == "left"
    # The one who left keeps the connection and may join another room.
    other = await quiz.player()
    await other.create("Other")
    joined = await host.join(other.room_id, "Former host")
    assert joined["is_host"] is False
    # The new host can act as host.
    assert (await p1.request_any("start_game"))["type"] == "ack"


async def test_rejoin_with_token_restores_player(quiz: Harness) -> None:
    players = await quiz.room(2, num_questions=2, reveal_seconds=0, time_per_question=60)
    host, p1 = players
    await start(host, players)
    await p1.request_any("submit_answer", question_index=0, answer=2)
    await p1.close()
    gone = await host.expect("player_disconnected")
    assert gone["player"]["id"] == p1.player_id
    back = await quiz.player()
    reply = await back.rejoin(host.room_id.lower(), p1.token)  # case-insensitive code
    assert reply["resumed"] is True and reply["player_id"] == p1.player_id
    assert reply["room"]["phase"] == "question"
    assert reply["room"]["your_answer"] == 2
    assert reply["room"]["question"]["question_index"] == 0
    assert (await host.expect("player_reconnected"))["player"]["id"] == p1.player_id
    err = await back.request_any("submit_answer", question_index=0, answer=1)
    assert err["code"] == "already_answered"


async def test_rejoin_on_a_newer_connection_closes_the_old_with_4003(quiz: Harness) -> None:
    host, p1 = await quiz.room(2)
    newer = await quiz.player()
    await newer.rejoin(host.room_id, p1.token)
    assert await p1.closed() == 4003
    # No disconnect was reported: the player never left.
    ack = await newer.request_any("leave_room")
    assert ack["type"] == "ack"
    left = await host.expect("player_left")
    assert not any(m["type"] == "player_disconnected" for m in host.log)
    assert left["player"]["id"] == p1.player_id


async def test_rejoin_after_grace_is_refused_and_host_handed_over(
    manual: tuple[Harness, ManualClock],
) -> None:
    quiz, clock = manual
    host, p1, p2 = await quiz.room(3)
    await host.close()
    gone = await p1.expect("player_disconnected")
    assert gone["player"]["id"] == host.player_id
    # Within the 120 s grace the seat is kept, and so is the host's role.
    assert clock.advance(119_999) == 0
    await p1.error("start_game", "not_host")
    assert clock.advance(1) == 1
    changed = await p1.expect("host_changed")
    assert changed["host_id"] == p1.player_id  # the longest seated
    left = await p2.expect("player_left")
    assert left["player"]["id"] == host.player_id and left["reason"] == "timeout"
    again = await quiz.player()
    err = await again.request_any("rejoin", room_id=host.room_id, token=host.token)
    assert err["code"] == "invalid_token"


async def test_rejoin_within_grace_keeps_the_seat(manual: tuple[Harness, ManualClock]) -> None:
    quiz, clock = manual
    host, p1 = await quiz.room(2)
    await host.close()
    await p1.expect("player_disconnected")
    clock.advance(119_999)
    back = await quiz.player()
    reply = await back.rejoin(host.room_id, host.token)
    assert reply["resumed"] is True and reply["is_host"] is True
    await p1.expect("player_reconnected")
    # The grace timer went with the absence: nothing is due at 120 s.
    assert clock.advance(1) == 0
    assert (await back.request_any("start_game"))["type"] == "ack"


async def test_wrong_token_is_refused_and_connection_goes_on(quiz: Harness) -> None:
    host, _ = await quiz.room(2)
    p = await quiz.player()
    err = await p.request_any("rejoin", room_id=host.room_id, token="x" * 40)
    assert err["code"] == "invalid_token"
    assert "request_id" in err
    await p.join(host.room_id, "Still here")


async def test_request_id_is_idempotent_across_rejoin(quiz: Harness) -> None:
    players = await quiz.room(3, time_per_question=60, reveal_seconds=0)
    host, p1, _ = players
    await start(host, players)
    await p1.send("submit_answer", question_index=0, answer=0, request_id="same-1")
    first = await p1.expect_rid("same-1")
    assert first["type"] == "answer_received"
    await p1.send("submit_answer", question_index=0, answer=1, request_id="same-1")
    assert await p1.expect_rid("same-1") == first
    # After a reconnect, the retry still counts once.
    await p1.close()
    back = await quiz.player()
    await back.rejoin(host.room_id, p1.token)
    await back.send("submit_answer", question_index=0, answer=1, request_id="same-1")
    assert await back.expect_rid("same-1") == first
    for p in (host, players[2]):
        await p.request_any("submit_answer", question_index=0, answer=3)
    result = await host.expect("question_result")
    assert sum(result["answer_counts"]) == 3
    assert result["answer_counts"][0] == 1 and result["answer_counts"][1] == 0
