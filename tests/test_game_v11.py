"""Protocol 1.1 in the pure core: kinds, host quiz, presenting host, displays,
host actions, results, large rooms, abandoned lobbies."""

from __future__ import annotations

from typing import Any

import pytest

from quiz.core.commands import (
    CloseQuestion,
    Disconnected,
    EndGame,
    GenerateQuestions,
    GetDisplayLink,
    GetResults,
    KickPlayer,
    LeaveRoom,
    LockRoom,
    NextQuestion,
    PlayAgain,
    QuestionsReady,
    Resume,
    SetQuestions,
    StartGame,
    Tick,
    UnlockRoom,
)
from quiz.core.outputs import Generate, Release, RoomClosed
from quiz.core.question import Question
from quiz.core.room import Room
from quiz.core.settings import RoomLimits
from quiz.core.state import Phase
from quiz.wire import codec
from tests.game_helpers import (
    answer,
    error_code,
    make_room,
    make_seat,
    one,
    reply,
    send_outputs,
)

CHOICE = Question("Capital of France?", ("Rome", "Paris", "Oslo"), 1, source="host")
MULTI = Question("Primes?", ("2", "4", "5", "9"), (0, 2), kind="multi", source="host")
TF = Question("Water is wet?", ("True", "False"), 0, kind="true_false", source="host")
TEXT = Question(
    "Author of Faust?", (), (), kind="text", answers=("Goethe", "J. W. von Goethe"), source="host"
)
POLL = Question("Best pet?", ("cat", "dog"), (), kind="poll", points=0, source="host")
DOUBLE = Question("2+2?", ("3", "4"), 1, points=2, source="host", time_limit=10)
ZERO = Question("Warm-up: 1+1?", ("2", "3"), 0, points=0, source="host")
QUIZ = (CHOICE, MULTI, TF, TEXT, POLL)
RIGHT: dict[str, Any] = {
    "choice": 1,
    "multi": (0, 2),
    "true_false": 0,
    "text": "göethe!",
    "poll": 1,
}
WRONG: dict[str, Any] = {"choice": 0, "multi": (0,), "true_false": 1, "text": "Schiller", "poll": 0}


def make(n: int = 2, quiz: tuple[Question, ...] = QUIZ, now: int = 1_000, **kw: Any) -> Room:
    """:func:`make_room` with this module's defaults: two players, :data:`QUIZ`."""
    room, _ = make_room(n, quiz=quiz, now=now, **kw)
    return room


def test_a_host_quiz_plays_in_order_without_generating() -> None:
    room = make()
    out = room.handle("p0", StartGame(), 2_000)
    assert not [o for o in out if isinstance(o, Generate)]
    assert one(out, "questions_generated")["source"] == "host"
    first = one(out, "question")  # countdown 0: the first question opens at once
    assert first["kind"] == "choice" and first["points"] == 1
    assert first["options"] == ["Rome", "Paris", "Oslo"]
    assert "correct" not in first
    kinds = []
    for question in QUIZ:
        assert room.state.phase is Phase.QUESTION
        kinds.append(room.state.questions[room.state.question_index].kind)
        answer(room, "p0", RIGHT[question.kind], 2_100)
        out = answer(room, "p1", WRONG[question.kind], 2_200)
        assert room.state.phase is Phase.REVEAL
        room.handle("p0", NextQuestion(), 2_300)
    assert kinds == ["choice", "multi", "true_false", "text", "poll"]
    assert room.state.phase is Phase.FINISHED


def test_text_question_has_no_options_and_counts_right_and_wrong() -> None:
    room = make(3, quiz=(TEXT,))
    out = room.handle("p0", StartGame(), 0)
    question = one(out, "question")
    assert question["kind"] == "text" and "options" not in question
    answer(room, "p0", "  GOETHE ", 100)
    answer(room, "p1", "j.w. von goethe", 200)
    out = answer(room, "p2", "Schiller", 300)
    result = one(out, "question_result")
    assert result["answer_counts"] == [2, 1]
    assert result["accepted_answers"] == ["Goethe", "J. W. von Goethe"]
    assert result["correct_answer"] is None and result["correct_answers"] == []
    assert one(out, "your_result", "p1")["correct"] is True
    assert one(out, "your_result", "p2")["correct"] is False


def test_multi_needs_exactly_the_right_set_and_counts_each_option() -> None:
    room = make(3, quiz=(MULTI,))
    room.handle("p0", StartGame(), 0)
    answer(room, "p0", (0, 2), 100)
    answer(room, "p1", (0, 2, 3), 100)
    out = answer(room, "p2", (2,), 100)
    result = one(out, "question_result")
    assert result["answer_counts"] == [2, 0, 3, 1]
    assert result["correct_answers"] == [0, 2] and result["correct_answer"] is None
    assert [one(out, "your_result", p)["correct"] for p in ("p0", "p1", "p2")] == [
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("question", "bad"),
    [
        (CHOICE, (1,)),
        (CHOICE, "Paris"),
        (CHOICE, 3),
        (MULTI, 1),
        (MULTI, (0, 4)),
        (MULTI, "2"),
        (TF, 2),
        (TF, (0,)),
        (TEXT, 0),
        (TEXT, (0,)),
        (TEXT, "x" * 101),
        (POLL, 2),
        (POLL, "cat"),
    ],
)
def test_an_answer_of_the_wrong_shape_is_invalid(question: Question, bad: Any) -> None:
    room = make(quiz=(question,))
    room.handle("p0", StartGame(), 0)
    out = answer(room, "p1", bad, 100, rid="r")
    assert error_code(out) == "invalid_answer"
    assert "p1" not in room.state.answers


def test_a_poll_scores_nothing_and_leaves_streaks_alone() -> None:
    room = make(quiz=(CHOICE, POLL, CHOICE))
    room.handle("p0", StartGame(), 0)
    answer(room, "p0", 1, 100)
    answer(room, "p1", 1, 100)
    room.handle("p0", NextQuestion(), 200)
    before = {p.id: (p.score, p.streak) for p in room.state.players.values()}
    out = answer(room, "p0", 0, 300)  # p1 does not answer the poll
    out += room.handle(None, Tick(), room.state.deadline_ms or 0)
    result = one(out, "question_result")
    assert result["kind"] == "poll" and result["correct_answer"] is None
    assert result["answer_counts"] == [1, 0]
    mine = one(out, "your_result", "p0")
    assert mine["points"] == 0 and mine["correct"] is None and mine["streak"] == 1
    assert {p.id: (p.score, p.streak) for p in room.state.players.values()} == before
    room.handle("p0", NextQuestion(), 30_000)
    out = answer(room, "p0", 1, 30_100)
    out += answer(room, "p1", 1, 30_100)
    # The streak carried over the poll: the second correct answer in a row,
    # and p1's survived the poll it did not answer.
    assert one(out, "your_result", "p0")["streak"] == 2
    assert one(out, "your_result", "p1")["streak"] == 2


def test_points_multiplier_speed_points_and_own_time_limit() -> None:
    room = make(quiz=(DOUBLE, ZERO), time_per_question=20)
    out = room.handle("p0", StartGame(), 0)
    question = one(out, "question")
    assert question["time_limit_ms"] == 10_000 and question["deadline_ms"] == 10_000
    assert question["points"] == 2
    answer(room, "p0", 1, 5_000)  # half the time: 750 x 2
    out = answer(room, "p1", 0, 5_000)
    assert one(out, "your_result", "p0")["points"] == 1500
    room.handle("p0", NextQuestion(), 6_000)
    out = answer(room, "p0", 0, 6_100)
    out += answer(room, "p1", 0, 6_100)
    # Worth nothing, and no streak bonus either; the streak still grows.
    assert one(out, "your_result", "p0")["points"] == 0
    assert one(out, "your_result", "p0")["streak"] == 2


def test_without_speed_points_or_time_limit_a_right_answer_scores_full() -> None:
    room = make(quiz=(CHOICE, CHOICE), speed_points=False, streak_bonus=False)
    room.handle("p0", StartGame(), 0)
    out = answer(room, "p0", 1, 19_000)
    out += answer(room, "p1", 1, 19_000)
    assert one(out, "your_result", "p0")["points"] == 1000
    room.handle("p0", NextQuestion(), 20_000)
    out = answer(room, "p0", 1, 39_000)
    out += answer(room, "p1", 1, 39_000)
    assert one(out, "your_result", "p0")["points"] == 1000  # no streak bonus


def test_no_time_limit_waits_for_everyone_or_the_host() -> None:
    room = make(3, quiz=(CHOICE, CHOICE), time_per_question=0)
    out = room.handle("p0", StartGame(), 0)
    question = one(out, "question")
    assert question["time_limit_ms"] is None and question["deadline_ms"] is None
    answer(room, "p1", 1, 100)
    assert room.next_wakeup_ms() == room.state.last_activity_ms + room.state.limits.idle_ttl_ms
    room.handle(None, Tick(), 600_000)
    assert room.state.phase is Phase.QUESTION
    assert error_code(room.handle("p1", CloseQuestion("c"), 600_001)) == "not_host"
    out = room.handle("p0", CloseQuestion("c"), 600_002)
    assert reply(out)["type"] == "ack" and room.state.phase is Phase.REVEAL
    # A right answer with no time limit scores full points, however late.
    assert one(out, "your_result", "p1")["points"] == 1000
    assert error_code(room.handle("p0", CloseQuestion("c2"), 600_003)) == "wrong_phase"


def test_presenting_host_never_plays_nor_counts() -> None:
    room = make(3, quiz=(CHOICE,), host_plays=False)
    assert "p0" not in room.state.players and room.state.host_id == "p0"
    state = room.views.state_for("p0", 0)
    assert state["host_plays"] is False and state["player_count"] == 2
    assert "p0" not in [p["id"] for p in state["players"]]
    out = room.handle("p0", StartGame(), 0)
    assert one(out, "question")
    assert error_code(answer(room, "p0", 1, 10, rid="x")) == "not_a_player"
    out = answer(room, "p1", 1, 100)
    assert one(out, "answer_progress")["total"] == 2
    out = answer(room, "p2", 0, 100)
    board = one(out, "question_result")["leaderboard"]
    assert [e["player_id"] for e in board] == ["p1", "p2"]
    assert not [s for s in send_outputs(out, "your_result") if s.to == "p0"]
    room.handle("p0", NextQuestion(), 200)
    assert room.state.phase is Phase.FINISHED


def test_presenting_host_leaving_hands_over_to_a_player_and_keeps_the_room() -> None:
    room = make(2, quiz=(CHOICE,), host_plays=False)
    out = room.handle("p0", LeaveRoom(), 10)
    assert room.state.host_id == "p1" and one(out, "host_changed")["host_id"] == "p1"
    assert not room.state.closed
    alone = make(1, quiz=(CHOICE,), host_plays=False)
    assert not alone.state.closed  # a presenter waiting for players keeps the room
    out = alone.handle("p0", LeaveRoom(), 10)
    assert alone.state.closed and [o for o in out if isinstance(o, RoomClosed)]


def test_host_actions_are_the_hosts_and_check_the_phase() -> None:
    room = make(2, quiz=(CHOICE, CHOICE))
    for command in (
        SetQuestions((CHOICE,)),
        CloseQuestion(),
        EndGame(),
        LockRoom(),
        UnlockRoom(),
        GetResults(),
        GenerateQuestions("space", 5, "easy", "en"),
        GetDisplayLink(),
    ):
        assert error_code(room.handle("p1", command, 0)) == "not_host", command
    assert error_code(room.handle("p0", EndGame(), 0)) == "wrong_phase"
    assert error_code(room.handle("p0", GetResults(), 0)) == "wrong_phase"
    room.handle("p0", StartGame(), 0)
    assert error_code(room.handle("p0", SetQuestions((CHOICE,)), 0)) == "wrong_phase"
    assert (
        error_code(room.handle("p0", GenerateQuestions("x", 1, "easy", "en"), 0)) == "wrong_phase"
    )
    assert error_code(room.handle("p0", GetResults(), 0)) == "wrong_phase"  # nothing closed yet


def test_set_questions_in_the_lobby_replaces_the_quiz_and_topic() -> None:
    room = make(2, quiz=())
    out = room.handle("p0", SetQuestions((TF, TEXT), "Literature"), 5)
    assert reply(out)["type"] == "ack"
    state = one(out, "room_state")["room"]
    assert state["topic"] == "Literature" and state["total_questions"] == 2
    out = room.handle("p0", StartGame(), 6)
    assert not [o for o in out if isinstance(o, Generate)]
    assert room.state.questions == (TF, TEXT)


def test_true_false_options_follow_the_room_language() -> None:
    bare = Question("Ist Wasser nass?", (), 0, kind="true_false", source="host")
    room = make(quiz=(bare,), language="de-AT")
    assert room.state.quiz[0].options == ("Wahr", "Falsch")


def test_end_game_from_every_phase_of_a_game() -> None:
    for phase in (Phase.GENERATING, Phase.COUNTDOWN, Phase.QUESTION, Phase.REVEAL):
        quiz = () if phase is Phase.GENERATING else (CHOICE, CHOICE)
        room = make(2, quiz=quiz, limits=RoomLimits(countdown_ms=3_000))
        room.handle("p0", StartGame(), 0)
        if phase in (Phase.QUESTION, Phase.REVEAL):
            room.handle(None, Tick(), 3_000)
        if phase is Phase.REVEAL:
            answer(room, "p0", 1, 3_100)
            answer(room, "p1", 1, 3_100)
        assert room.state.phase is phase
        scores = {p.id: p.score for p in room.state.players.values()}
        out = room.handle("p0", EndGame("e"), 4_000)
        assert reply(out)["type"] == "ack" and room.state.phase is Phase.FINISHED
        over = one(out, "game_over")
        assert over["player_count"] == 2
        assert {e["player_id"]: e["score"] for e in over["leaderboard"]} == scores
        assert room.next_wakeup_ms() == room.state.last_activity_ms + room.state.limits.idle_ttl_ms


def test_lock_refuses_joins_but_not_rejoins() -> None:
    room = make(2, quiz=(CHOICE,))
    out = room.handle("p0", LockRoom("l"), 10)
    assert one(out, "room_state")["room"]["locked"] is True
    assert error_code(room.handle(None, make_seat("p9", "Late", "h9", "j"), 20)) == "room_locked"
    room.handle("p1", Disconnected(), 30)
    out = room.handle(None, Resume("h1", "r"), 40)
    assert reply(out)["type"] == "room_joined"
    out = room.handle("p0", UnlockRoom("u"), 50)
    assert one(out, "room_state")["room"]["locked"] is False
    assert reply(room.handle(None, make_seat("p9", "Late", "h9", "j"), 60))["type"] == "room_joined"


def test_draft_questions_go_to_the_host_only_and_are_not_played() -> None:
    room = make(2, quiz=())
    out = room.handle("p0", GenerateQuestions("volcanoes", 3, "hard", "fr"), 10)
    (gen,) = [o for o in out if isinstance(o, Generate)]
    assert gen.draft and gen.topic == "volcanoes" and gen.count == 3 and gen.language == "fr"
    assert room.state.phase is Phase.LOBBY
    drafted = (CHOICE, TF)
    out = room.handle(None, QuestionsReady(gen.generation, drafted), 20)
    (draft,) = send_outputs(out, "questions_draft")
    assert draft.to == "p0"
    assert draft.message["questions"] == [q.to_dict() for q in drafted]
    assert room.state.quiz == () and room.state.phase is Phase.LOBBY
    # A second delivery (a retry) is not sent again.
    assert not send_outputs(
        room.handle(None, QuestionsReady(gen.generation, drafted), 30), "questions_draft"
    )


def test_generate_carries_language_and_the_texts_already_played() -> None:
    room = make(2, quiz=(), language="pt-BR", num_questions=2)
    out = room.handle("p0", StartGame(), 0)
    (gen,) = [o for o in out if isinstance(o, Generate)]
    assert gen.language == "pt-BR" and gen.exclude == () and not gen.draft
    first = (CHOICE, TF)
    room.handle(None, QuestionsReady(gen.generation, first), 0)
    room.handle("p0", EndGame(), 10)
    room.handle("p0", PlayAgain(), 20)
    out = room.handle("p0", StartGame(), 30)
    (gen,) = [o for o in out if isinstance(o, Generate)]
    assert gen.exclude == (CHOICE.text, TF.text)
    # And through a snapshot: the next owner still knows what was played.
    again = codec.room_from_dict(codec.room_to_dict(room))
    assert again.state.played == room.state.played


def test_results_equal_the_sum_of_your_result_points() -> None:
    room = make(3, quiz=(CHOICE, MULTI, TEXT, POLL, DOUBLE))
    out = room.handle("p0", StartGame(), 0)
    points: dict[str, int] = {"p0": 0, "p1": 0, "p2": 0}
    t = 0
    for question in (CHOICE, MULTI, TEXT, POLL, DOUBLE):
        t += 1_000
        out = answer(room, "p0", RIGHT[question.kind], t)
        if question is not DOUBLE:
            out += answer(room, "p1", WRONG[question.kind], t + 700)
        else:
            out += answer(room, "p1", 1, t + 3_000)
        out += room.handle(None, Tick(), room.state.deadline_ms or 0)  # p2 never answers
        for s in send_outputs(out, "your_result"):
            points[str(s.to)] += s.message["points"]
        t = room.state.deadline_ms or t
        out = room.handle("p0", NextQuestion(), t + 1)
        t += 1
    results = reply(room.handle("p0", GetResults("g"), t + 1))
    assert results["type"] == "results" and results["request_id"] == "g"
    assert len(results["questions"]) == 5
    assert results["questions"][1]["correct_answers"] == [0, 2]
    assert results["questions"][2]["accepted_answers"] == ["Goethe", "J. W. von Goethe"]
    for row in results["players"]:
        scored = sum(a["points"] for a in row["answers"] if a is not None)
        assert scored == row["score"] == points[row["id"]]
        assert len(row["answers"]) == 5
    p2 = next(r for r in results["players"] if r["id"] == "p2")
    assert p2["answers"] == [None] * 5
    p0 = next(r for r in results["players"] if r["id"] == "p0")
    assert p0["answers"][1]["answer"] == [0, 2] and p0["answers"][3]["correct"] is None
    # The history survives a snapshot: results after a failover are the same.
    again = codec.room_from_dict(codec.room_to_dict(room))
    # (A fresh request id: a repeated one would get the remembered reply.)
    assert reply(again.handle("p0", GetResults("g2"), t + 2)) == {**results, "request_id": "g2"}


def test_display_watches_with_the_token_and_has_no_controls() -> None:
    room = make(2, quiz=(CHOICE,))
    link = reply(room.handle("p0", GetDisplayLink("d"), 0))
    assert link["type"] == "display_link" and len(link["display_token"]) >= 32
    bad = room.handle(None, make_seat("d1", "", "hd", "w", display_token="nope"), 0)
    assert error_code(bad) == "invalid_token"
    out = room.handle(None, make_seat("d1", "", "hd", "w", display_token=link["display_token"]), 0)
    watching = reply(out)
    assert watching["type"] == "watching" and watching["is_host"] is False
    assert watching["room"]["player_count"] == 2
    assert not send_outputs(out, "player_joined")
    assert "d1" not in room.state.players and "d1" in room.state.watchers
    assert error_code(room.handle("d1", StartGame("s"), 0)) == "not_host"
    room.handle("p0", StartGame(), 0)
    assert error_code(answer(room, "d1", 1, 1, rid="a")) == "not_a_player"
    answer(room, "p0", 1, 2)
    out = answer(room, "p1", 1, 3)
    assert all(e["player_id"] != "d1" for e in one(out, "question_result")["leaderboard"])
    # A display that drops can come back with its own token.
    room.handle("d1", Disconnected(), 4)
    assert reply(room.handle(None, Resume("hd", "r"), 5))["type"] == "watching"
    # Displays alone do not keep a room.
    room.handle("p1", LeaveRoom(), 6)
    out = room.handle("p0", LeaveRoom(), 7)
    assert room.state.closed and Release("d1", 4002, "empty") in out


def test_a_never_started_room_with_nobody_connected_closes_quickly() -> None:
    room = make(2, quiz=(), limits=RoomLimits(abandoned_ms=30_000))
    room.handle("p0", Disconnected(), 1_000)
    assert room.next_wakeup_ms() == room.state.absent["p0"] + room.state.limits.grace_ms
    room.handle("p1", Disconnected(), 2_000)
    assert room.next_wakeup_ms() == 32_000
    room.handle(None, Resume("h1"), 10_000)  # someone came back: no longer empty
    room.handle("p1", Disconnected(), 11_000)
    assert room.next_wakeup_ms() == 41_000
    out = room.handle(None, Tick(), 41_000)
    assert room.state.closed and RoomClosed("abandoned") in out
    # A room that has played is left to the grace period and the idle expiry.
    played = make(2, quiz=(CHOICE,))
    played.handle("p0", StartGame(), 0)
    played.handle("p0", EndGame(), 1)
    played.handle("p0", PlayAgain(), 2)
    played.handle("p0", Disconnected(), 3)
    played.handle("p1", Disconnected(), 4)
    played.handle(None, Tick(), 60_000)
    assert not played.state.closed


def test_large_room_presence_goes_to_the_host_and_room_size_is_throttled() -> None:
    room = make(100, quiz=(CHOICE,))
    out = room.handle(None, make_seat("p100", "P100", "h100"), 5_000)  # the 101st: large now
    joined = send_outputs(out, "player_joined")
    assert [s.to for s in joined] == ["p0"]
    (size,) = send_outputs(out, "room_size")
    assert size.exclude == {"p0"} and size.message == {
        "type": "room_size",
        "players": 101,
        "connected": 101,
    }
    # Within the second: presence to the host, room_size waits for its time.
    out = room.handle(None, make_seat("p101", "P101", "h101"), 5_100)
    assert not send_outputs(out, "room_size") and room.state.room_size_due_ms == 6_000
    out = room.handle("p5", Disconnected(), 5_200)
    assert [s.to for s in send_outputs(out, "player_disconnected")] == ["p0"]
    assert room.next_wakeup_ms() == 6_000
    out = room.handle(None, Tick(), 6_000)
    assert [s.message for s in send_outputs(out, "room_size")] == [
        {"type": "room_size", "players": 102, "connected": 101}
    ]
    assert room.next_wakeup_ms() != 6_000
    # No change, nothing sent.
    out = room.handle("p5", LeaveRoom(), 8_000) + room.handle(
        None, make_seat("p5b", "X", "hx"), 8_000
    )
    assert [s.to for s in send_outputs(out, "player_joined")] == ["p0"]


def test_large_room_state_lists_100_the_recipient_among_them() -> None:
    room = make(150, quiz=(CHOICE,), now=0)
    room.handle("p0", StartGame(), 0)
    for i in range(150):
        answer(room, f"p{i}", 1 if i >= 140 else 0, 100)
    assert room.state.phase is Phase.REVEAL
    state = room.views.state_for("p120", 200)
    ids = [p["id"] for p in state["players"]]
    assert len(ids) == 100 and state["player_count"] == 150
    assert ids[:10] == [f"p{i}" for i in range(140, 150)]
    assert ids[10:99] == [f"p{i}" for i in range(89)]  # then by seat, 99 in all
    assert ids[-1] == "p120"
    assert len(room.views.state_for("p1", 200)["players"]) == 100  # p1 is in the best 100
    room.handle("p0", NextQuestion(), 300)
    over_board = room.views.final_leaderboard()
    assert len(over_board) == 100 and over_board[0]["rank"] == 1


def test_large_room_state_lists_what_is_true_now() -> None:
    """The list is kept between joins; a listed player's presence and the
    scores still show as they are."""
    room = make(150, quiz=(CHOICE,), now=0)
    first = room.views.state_for("p120", 10)["players"]
    assert first[5] == {"id": "p5", "name": "P5", "score": 0, "connected": True}
    room.handle("p5", Disconnected(), 20)
    again = room.views.state_for("p121", 30)["players"]
    assert again[5]["connected"] is False and again[-1]["id"] == "p121"
    assert first[5]["connected"] is True and first[-1]["id"] == "p120"  # not shared
    room.handle("p0", StartGame(), 40)
    answer(room, "p149", 1, 50)
    room.handle("p0", CloseQuestion(), 60)
    best = room.views.state_for(None, 70)["players"][0]
    assert best["id"] == "p149" and best["score"] > 0


def test_a_snapshot_keeps_every_1_1_field() -> None:
    room = make(3, quiz=QUIZ, host_plays=False)
    room.handle("p0", LockRoom(), 0)
    room.handle("p0", StartGame(), 0)
    answer(room, "p1", 1, 10)
    answer(room, "p2", 0, 20)
    room.handle("p0", NextQuestion(), 30)
    answer(room, "p1", (0, 2), 40)
    again = codec.room_from_dict(codec.room_to_dict(room))
    assert codec.room_to_dict(again) == codec.room_to_dict(room)
    assert again.state.watchers.keys() == {"p0"} and again.state.locked
    assert again.state.answers["p1"].option == (0, 2)
    assert again.state.names == room.state.names and again.state.tokens == room.state.tokens
    assert again.state.connected_count == room.state.connected_count


def test_kick_reaches_a_display_too() -> None:
    room = make(2, quiz=(CHOICE,))
    token = room.state.display_token
    room.handle(None, make_seat("d1", "", "hd", display_token=token), 0)
    out = room.handle("p0", KickPlayer("d1", "k"), 1)
    assert reply(out)["type"] == "ack"
    assert Release("d1", 4001, "kicked") in out and "d1" not in room.state.watchers
