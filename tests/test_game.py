"""Unit tests of the pure game core: Room driven directly, no sockets, no clock."""

from __future__ import annotations

from typing import Any

import pytest

from quiz.core.commands import (
    Disconnected,
    KickPlayer,
    LeaveRoom,
    NextQuestion,
    PlayAgain,
    QuestionsReady,
    Resume,
    StartGame,
    Tick,
)
from quiz.core.outputs import Generate, Release, Reply, RoomClosed, Send
from quiz.core.question import Question
from quiz.core.room import Room
from quiz.core.scoring import points_for, streak_bonus
from quiz.core.settings import RoomLimits
from quiz.core.state import LEGAL_TRANSITIONS, Phase
from tests import scoring_oracle as oracle
from tests.game_helpers import (
    answer,
    correct,
    error_code,
    keys_deep,
    make_room,
    make_seat,
    one,
    questions,
    reply,
    seat,
    sends,
    start,
    track_transitions,
    wrong,
)

T_MS = 20_000  # time_per_question=20, the default


def play_question(room: Room, picks: dict[str, tuple[int, bool]], t0: int) -> list[Any]:
    """Answer the open question: ``picks[pid] = (ms after t0, right?)``; closes it."""
    qi = room.state.question_index
    out: list[Any] = []
    for pid, (dt, right) in sorted(picks.items(), key=lambda kv: kv[1][0]):
        out += answer(room, pid, correct(qi) if right else wrong(qi), t0 + dt)
    if room.state.phase is Phase.QUESTION:
        out += room.handle(None, Tick(), room.state.deadline_ms)
    assert room.state.phase is not Phase.QUESTION
    return out


# Scoring.

# (t, T, points) worked out by hand from round(1000 * (1 - (t / T) / 2)).
POINTS_BY_HAND = [
    (0, 20_000, 1000),
    (499, 20_000, 1000),
    (500, 20_000, 988),  # 987.5 rounds up
    (1_000, 20_000, 975),
    (10_000, 20_000, 750),
    (19_999, 20_000, 500),  # 500.025
    (20_000, 20_000, 500),
    (1_285, 5_000, 872),  # 871.5: the float formula gave 871
    (2_535, 5_000, 747),  # 746.5
    (1_010, 20_000, 975),  # 974.75
    (1_030, 20_000, 974),  # 974.25
    (500, 5_000, 950),
    (60_000, 120_000, 750),
    (500, 10_000, 975),
    (2_570, 10_000, 872),  # 871.5
]


@pytest.mark.parametrize(("t", "limit", "points"), POINTS_BY_HAND)
def test_points_formula(t, limit, points):
    assert points_for(t, limit) == points


def test_the_oracle_against_values_worked_by_hand():
    # The oracle (tests/scoring_oracle.py) judges every scoring test that
    # computes what an answer earns; here it is held to values worked out by
    # hand, as the code is above.
    for t, limit, points in POINTS_BY_HAND:
        assert oracle.base_points(t, limit) == points, (t, limit)
    bonuses = [oracle.streak_bonus(s) for s in range(0, 9)]
    assert bonuses == [0, 0, 100, 200, 300, 400, 500, 500, 500]
    scored = oracle.score_answer
    assert scored(True, 0, 10_000, 1) == oracle.Scored(1100, 2)
    assert scored(True, 0, 10_000, 8) == oracle.Scored(1500, 9)  # capped at +500
    assert scored(False, 100, 10_000, 5) == oracle.Scored(0, 0)
    assert scored(None, 100, 10_000, 5) == oracle.Scored(0, 5)  # a poll
    assert scored(True, 5_000, 10_000, 0, points=2) == oracle.Scored(1500, 1)
    assert scored(True, 100, 10_000, 3, points=0) == oracle.Scored(0, 4)
    assert scored(True, 19_000, 20_000, 1, speed_points=False) == oracle.Scored(1100, 2)
    assert scored(True, 600_000, None, 0) == oracle.Scored(1000, 1)  # no time limit
    assert scored(True, 0, 20_000, 4, streak_bonus_on=False) == oracle.Scored(1000, 5)
    # docs/protocol.md's worked example (T = 20 s): 1000, 925, 892, 0, 750.
    me = oracle.Standing()
    plays = [(True, 300), (True, 7_020), (True, 12_340), (False, 0), (True, 10_000)]
    assert [me.answer(right, t, 20_000) for right, t in plays] == [1000, 925, 892, 0, 750]
    assert (me.score, me.streak, me.correct_ms) == (3567, 1, 300 + 7_020 + 12_340 + 10_000)
    # Ranks: by score, then less time; equal on both share a rank, the next skips.
    table = {
        "a": oracle.Standing(score=900, correct_ms=5),
        "b": oracle.Standing(score=900, correct_ms=5),
        "c": oracle.Standing(score=500),
        "d": oracle.Standing(score=900, correct_ms=4),
    }
    assert oracle.ranked(table) == [("d", 1), ("a", 2), ("b", 2), ("c", 4)]


@pytest.mark.parametrize("limit", [5_000, 7_000, 20_000, 33_000])
def test_points_formula_agrees_with_the_oracle_at_every_millisecond(limit):
    for t in range(0, limit + 1):
        assert points_for(t, limit) == oracle.base_points(t, limit), (t, limit)


def test_streak_bonus_values():
    assert [streak_bonus(s) for s in range(0, 9)] == [0, 0, 100, 200, 300, 400, 500, 500, 500]


@pytest.mark.parametrize(
    ("t", "points"),
    [(0, 1000), (499, 1000), (500, 988), (1_000, 975), (10_000, 750), (19_999, 500)],
)
def test_points_through_the_room(t, points):
    room, _ = make_room(1, num_questions=1)
    out = start(room, 1_000)
    assert room.state.phase is Phase.QUESTION
    assert one(out, "question")["deadline_ms"] == 1_000 + T_MS
    out = answer(room, "p0", correct(0), 1_000 + t)
    result = one(out, "your_result", to="p0")
    assert result["correct"] is True
    assert result["answered"] is True
    assert result["points"] == points
    assert result["score"] == points
    assert room.state.players["p0"].score == points


def test_wrong_answer_scores_nothing():
    room, _ = make_room(1, num_questions=1)
    start(room, 0)
    out = answer(room, "p0", wrong(0), 100)
    result = one(out, "your_result", to="p0")
    assert (result["answered"], result["correct"], result["points"], result["score"]) == (
        True,
        False,
        0,
        0,
    )


def test_streak_bonus_capped_and_reset_by_wrong_and_by_missing_answer():
    room, _ = make_room(1, num_questions=12)
    t = 0
    start(room, t)
    # 7 right (bonus 0..500, capped), 1 wrong, 2 right, 1 missing, 1 right.
    plan = ["r"] * 7 + ["w", "r", "r", "-", "r"]
    expected_points = [1000, 1100, 1200, 1300, 1400, 1500, 1500, 0, 1000, 1100, 0, 1000]
    expected_streaks = [1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 0, 1]
    score = 0
    for i, (what, points, streak) in enumerate(
        zip(plan, expected_points, expected_streaks, strict=True)
    ):
        assert room.state.question_index == i and room.state.phase is Phase.QUESTION
        if what == "-":
            out = room.handle(None, Tick(), room.state.deadline_ms)
        else:
            out = answer(room, "p0", correct(i) if what == "r" else wrong(i), t + 100)
        score += points
        result = one(out, "your_result", to="p0")
        assert result["points"] == points, i  # the bonus is inside points
        assert result["streak"] == streak, i
        assert result["score"] == score, i
        assert result["answered"] is (what != "-")
        assert room.state.phase is Phase.REVEAL  # reveal_seconds=0: the host moves on
        t += 30_000
        room.handle("p0", NextQuestion(), t)
    assert room.state.phase is Phase.FINISHED
    assert room.state.players["p0"].score == sum(expected_points)


def test_late_joiner_streak_untouched_while_not_eligible():
    room, _ = make_room(1, num_questions=3)
    start(room, 0)
    answer(room, "p0", correct(0), 100)
    room.handle("p0", NextQuestion(), 1_000)  # question 1 opens at 1000
    seat(room, 1, 1_100)
    out = answer(room, "p0", correct(1), 1_200)
    late = one(out, "your_result", to="p1")
    assert late == {
        "type": "your_result",
        "kind": "choice",
        "question_index": 1,
        "answered": False,
        "correct": False,
        "points": 0,
        "score": 0,
        "rank": 2,
        "streak": 0,
    }


# Ranking.


def test_ties_rank_by_score_then_time_and_share_ranks():
    room, ids = make_room(4, num_questions=1)
    start(room, 0)
    # p0, p1, p2 all get 1000 (under 0.5 s); p0 and p1 took 100 ms, p2 200 ms.
    picks = {"p0": (100, True), "p1": (100, True), "p2": (200, True), "p3": (150, False)}
    out = play_question(room, picks, 0)
    board = one(out, "question_result")["leaderboard"]
    assert [(e["player_id"], e["score"], e["rank"]) for e in board] == [
        ("p0", 1000, 1),
        ("p1", 1000, 1),
        ("p2", 1000, 3),
        ("p3", 0, 4),
    ]
    assert [one(out, "your_result", to=p)["rank"] for p in ids] == [1, 1, 3, 4]
    assert room.views.ranks() == {"p0": 1, "p1": 1, "p2": 3, "p3": 4}


def test_score_outranks_time():
    room, _ = make_room(3, num_questions=2)
    start(room, 0)
    # Question 0: p1 fast (1000), p2 slow (750), p0 wrong.
    play_question(room, {"p1": (100, True), "p2": (10_000, True), "p0": (50, False)}, 0)
    room.handle("p0", NextQuestion(), 20_000)
    # Question 1: only p2 right, slowly again: 750 + 750 + 100 streak > 1000.
    out = play_question(
        room, {"p2": (10_000, True), "p1": (200, False), "p0": (300, False)}, 20_000
    )
    board = one(out, "question_result")["leaderboard"]
    assert [(e["player_id"], e["score"], e["rank"]) for e in board] == [
        ("p2", 750 + 750 + 100, 1),
        ("p1", 1000, 2),
        ("p0", 0, 3),
    ]


def test_equal_score_slower_total_ranks_lower():
    room, _ = make_room(2, num_questions=1)
    start(room, 0)
    # Both under 0.5 s: same score, p1 faster in total time.
    out = play_question(room, {"p0": (400, True), "p1": (300, True)}, 0)
    board = one(out, "question_result")["leaderboard"]
    assert [(e["player_id"], e["rank"]) for e in board] == [("p1", 1), ("p0", 2)]


def test_leaderboard_top_10_in_result_everyone_in_game_over():
    room, ids = make_room(12, num_questions=1, reveal_seconds=1)
    out = start(room, 0)
    for k, pid in enumerate(ids):
        out = answer(room, pid, correct(0), 1_000 + 500 * k)  # distinct scores
    result = one(out, "question_result")
    assert len(result["leaderboard"]) == 10
    assert [e["player_id"] for e in result["leaderboard"]] == ids[:10]
    assert [e["rank"] for e in result["leaderboard"]] == list(range(1, 11))
    # Those outside the top 10 still hear their own rank.
    assert one(out, "your_result", to="p11")["rank"] == 12
    assert len(sends(out, "your_result")) == 12
    out = room.handle(None, Tick(), room.state.phase_ends_ms)
    assert room.state.phase is Phase.FINISHED
    board = one(out, "game_over")["leaderboard"]
    assert [e["player_id"] for e in board] == ids
    assert [e["rank"] for e in board] == list(range(1, 13))
    scores = [e["score"] for e in board]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 12


# Closing a question.


def test_deadline_tick_closes_and_not_before():
    room, _ = make_room(2, num_questions=2)
    moves = track_transitions(room)
    start(room, 5_000)
    deadline = room.state.deadline_ms
    assert deadline == 5_000 + T_MS
    assert room.next_wakeup_ms() == deadline
    out = room.handle(None, Tick(), deadline - 1)
    assert out == [] and room.state.phase is Phase.QUESTION
    out = room.handle(None, Tick(), deadline)
    assert room.state.phase is Phase.REVEAL
    assert moves == [(Phase.QUESTION, Phase.REVEAL)]
    result = one(out, "question_result")
    assert result["answer_counts"] == [0, 0, 0, 0]
    assert one(out, "your_result", to="p1")["answered"] is False


def test_answer_at_or_after_deadline_is_refused():
    for late in (0, 1, 7_000):
        room, _ = make_room(2, num_questions=2)
        start(room, 0)
        deadline = room.state.deadline_ms
        out = answer(room, "p1", correct(0), deadline + late)
        # The command first applies what is due: the question closes, then
        # the answer finds it closed.
        assert one(out, "question_result")["answer_counts"] == [0, 0, 0, 0]
        assert one(out, "your_result", to="p1")["answered"] is False
        assert error_code(out) == "wrong_phase"
        assert room.state.players["p1"].score == 0
    # One millisecond before: accepted, scored at 500 + (1 ms worth) = 500.
    room, _ = make_room(2, num_questions=2)
    start(room, 0)
    out = answer(room, "p1", correct(0), room.state.deadline_ms - 1)
    assert reply(out)["type"] == "answer_received"
    out = room.handle(None, Tick(), room.state.deadline_ms)
    assert one(out, "your_result", to="p1")["points"] == 500


def test_early_close_when_every_connected_eligible_player_answered():
    room, _ = make_room(3, num_questions=2)
    start(room, 0)
    out = room.handle("p2", Disconnected(), 10)
    progress = one(out, "answer_progress")
    assert (progress["answered"], progress["total"]) == (0, 2)
    out = answer(room, "p0", correct(0), 300)  # counts go out PROGRESS_MS apart
    progress = one(out, "answer_progress")
    assert (progress["answered"], progress["total"]) == (1, 2)
    assert room.state.phase is Phase.QUESTION
    out = answer(room, "p1", wrong(0), 600)
    assert room.state.phase is Phase.REVEAL
    progress = one(out, "answer_progress")
    assert (progress["answered"], progress["total"]) == (2, 2)
    result = one(out, "question_result")
    assert result["answer_counts"] == [1, 1, 0, 0]
    assert result["correct_answer"] == correct(0)
    # The disconnected player gets no your_result, and loses nothing but the streak.
    assert sends(out, "your_result", to="p2") == []
    assert len(sends(out, "your_result")) == 2


def test_all_disconnected_waits_for_deadline():
    room, _ = make_room(2, num_questions=1)
    start(room, 0)
    answer(room, "p0", correct(0), 100)
    room.handle("p0", Disconnected(), 200)
    room.handle("p1", Disconnected(), 300)
    assert room.state.phase is Phase.QUESTION  # nobody connected: wait for them
    room.handle(None, Tick(), room.state.deadline_ms)
    assert room.state.phase is Phase.REVEAL
    assert room.state.players["p0"].score == 1000  # answered before dropping: counts


def test_disconnect_after_answering_closes_when_rest_answered():
    room, _ = make_room(3, num_questions=1)
    start(room, 0)
    answer(room, "p0", correct(0), 100)
    answer(room, "p1", correct(0), 100)
    out = room.handle("p2", Disconnected(), 150)
    assert room.state.phase is Phase.REVEAL
    assert one(out, "question_result")["answer_counts"][correct(0)] == 2


def test_answer_progress_total_excludes_disconnected_and_counts_them_back():
    room, _ = make_room(4, num_questions=1)
    start(room, 0)
    room.handle("p3", Disconnected(), 5)
    out = answer(room, "p0", correct(0), 300)
    assert one(out, "answer_progress")["total"] == 3
    out = room.handle(None, Resume("h3"), 600)
    progress = one(out, "answer_progress")
    assert (progress["answered"], progress["total"]) == (1, 4)
    assert reply(out)["resumed"] is True
    assert one(out, "player_reconnected")["player"]["id"] == "p3"


def test_late_joiner_cannot_answer_current_question_but_plays_the_next():
    room, _ = make_room(2, num_questions=2)
    start(room, 0)
    seat(room, 2, 50)
    assert room.views.state_for("p2", 50)["phase"] == "question"
    out = answer(room, "p2", correct(0), 100)
    assert error_code(out) == "wrong_phase"
    out = answer(room, "p0", correct(0), 200)
    assert one(out, "answer_progress")["total"] == 2  # the late joiner is not waited for
    out = answer(room, "p1", correct(0), 300)
    assert room.state.phase is Phase.REVEAL
    assert one(out, "question_result")["answer_counts"][correct(0)] == 2
    room.handle("p0", NextQuestion(), 1_000)
    assert room.state.question_index == 1
    answer(room, "p0", wrong(1), 1_100)
    answer(room, "p1", wrong(1), 1_100)
    assert room.state.phase is Phase.QUESTION  # now p2 must answer too
    out = answer(room, "p2", correct(1), 1_200)
    assert one(out, "your_result", to="p2")["points"] == 1000
    assert room.state.players["p2"].score == 1000


# Host, kick, leave.


def test_host_handover_on_leave_to_longest_seated_connected():
    room, _ = make_room(4, num_questions=1)
    room.handle("p1", Disconnected(), 10)
    out = room.handle("p0", LeaveRoom("bye"), 20)
    assert reply(out) == {"type": "ack", "request_id": "bye"}
    assert Release("p0", None, "left") in out
    assert room.state.host_id == "p2"  # p1 was seated earlier but is not connected
    assert one(out, "host_changed") == {"type": "host_changed", "host_id": "p2"}
    left = sends(out, "player_left")
    assert all(m["reason"] == "left" and m["player"]["id"] == "p0" for m in left)
    assert "p0" not in room.state.players
    # The new host can start; the old one is no longer in the room.
    assert error_code(room.handle("p2", StartGame(), 30)) is None
    assert error_code(room.handle("p0", StartGame(), 30)) == "not_in_room"


def test_host_handover_after_grace_period():
    limits = RoomLimits(countdown_ms=0, grace_ms=10_000)
    room, _ = make_room(3, limits=limits)
    room.handle("p0", Disconnected(), 1_000)
    assert room.next_wakeup_ms() == 11_000
    out = room.handle(None, Tick(), 10_999)
    assert room.state.host_id == "p0" and out == []
    out = room.handle(None, Tick(), 11_000)
    assert "p0" not in room.state.players
    assert Release("p0", None, "timeout") in out
    assert one(out, "player_left")["reason"] == "timeout"
    assert one(out, "host_changed")["host_id"] == "p1"
    assert room.state.host_id == "p1"


def test_grace_expiry_removes_player_and_resume_within_grace_restores():
    limits = RoomLimits(countdown_ms=0, grace_ms=10_000)
    room, _ = make_room(3, limits=limits)
    room.handle("p1", Disconnected(), 0)
    room.handle("p2", Disconnected(), 0)
    out = room.handle(None, Resume("h1", "r"), 9_999)
    joined = reply(out)
    assert joined["type"] == "room_joined" and joined["resumed"] is True
    assert joined["player_id"] == "p1" and joined["request_id"] == "r"
    assert room.state.players["p1"].connected
    out = room.handle(None, Tick(), 10_000)
    assert set(room.state.players) == {"p0", "p1"}
    assert Release("p2", None, "timeout") in out
    assert sends(out, "host_changed") == []
    out = room.handle(None, Resume("h2"), 10_001)
    assert error_code(out) == "invalid_token"


def test_kick():
    room, _ = make_room(3)
    out = room.handle("p1", KickPlayer("p2", "k0"), 10)
    assert error_code(out) == "not_host" and "p2" in room.state.players
    out = room.handle("p0", KickPlayer("p0"), 10)
    assert error_code(out) == "bad_message"
    out = room.handle("p0", KickPlayer("nobody"), 10)
    assert error_code(out) == "bad_message"
    out = room.handle("p0", KickPlayer("p2", "k1"), 20)
    assert reply(out) == {"type": "ack", "request_id": "k1"}
    assert Release("p2", 4001, "kicked") in out
    to_kicked = one(out, "player_left", to="p2")
    assert to_kicked["reason"] == "kicked"
    to_room = one(out, "player_left", to=None)
    assert to_room == {
        "type": "player_left",
        "player": {"id": "p2", "name": "P2"},
        "reason": "kicked",
    }
    assert "p2" not in room.state.players
    assert room.state.host_id == "p0"
    assert error_code(room.handle("p2", LeaveRoom(), 30)) == "not_in_room"
    assert error_code(room.handle(None, Resume("h2"), 30)) == "invalid_token"


def test_kick_during_question_removes_their_answer_and_may_close():
    room, _ = make_room(3, num_questions=1)
    start(room, 0)
    answer(room, "p1", correct(0), 100)
    answer(room, "p0", correct(0), 150)
    out = room.handle("p0", KickPlayer("p2"), 200)  # the only one left to answer
    assert room.state.phase is Phase.REVEAL
    assert one(out, "question_result")["answer_counts"][correct(0)] == 2
    out = room.handle("p0", KickPlayer("p1"), 300)
    assert "p1" not in room.state.players


def test_last_player_leaving_closes_the_room():
    room, _ = make_room(1)
    out = room.handle("p0", LeaveRoom(), 10)
    assert Release("p0", None, "left") in out
    assert isinstance(out[-1], RoomClosed) and out[-1].reason == "empty"
    assert room.state.closed and room.next_wakeup_ms() is None
    assert error_code(room.handle(None, make_seat("p9", "Late", "h9"), 20)) == "room_not_found"


# Phases.


def test_full_game_phases_and_transitions():
    limits = RoomLimits(countdown_ms=3_000)
    room, _ = make_room(2, limits=limits, num_questions=2, reveal_seconds=2)
    moves = track_transitions(room)
    out = room.handle("p0", StartGame("s"), 0)
    assert reply(out) == {"type": "ack", "request_id": "s"}
    assert moves == [(Phase.LOBBY, Phase.GENERATING)]
    assert one(out, "generating_questions") == {
        "type": "generating_questions",
        "topic": "general knowledge",
        "num_questions": 2,
    }
    gen = next(o for o in out if isinstance(o, Generate))
    assert (gen.count, gen.difficulty) == (2, "medium")
    # A late answer to an older request is ignored.
    assert room.handle(None, QuestionsReady(gen.generation - 1, questions(2)), 50) == []
    assert room.state.phase is Phase.GENERATING
    out = room.handle(None, QuestionsReady(gen.generation, questions(2)), 100)
    assert moves == [(Phase.GENERATING, Phase.COUNTDOWN)]
    assert one(out, "questions_generated")["source"] == "fallback"
    assert one(out, "countdown")["seconds"] == 3
    assert room.next_wakeup_ms() == 3_100
    assert room.handle(None, Tick(), 3_099) == []
    out = room.handle(None, Tick(), 3_100)
    assert moves == [(Phase.COUNTDOWN, Phase.QUESTION)]
    q = one(out, "question")
    assert q["question_index"] == 0 and q["deadline_ms"] == 3_100 + T_MS
    assert q["server_time_ms"] == 3_100 and q["time_limit_ms"] == T_MS
    seen: list[tuple[Phase, Phase]] = []
    for now in range(3_100, 200_000, 250):
        room.handle(None, Tick(), now)
        seen += moves
    assert seen == [
        (Phase.QUESTION, Phase.REVEAL),
        (Phase.REVEAL, Phase.QUESTION),
        (Phase.QUESTION, Phase.REVEAL),
        (Phase.REVEAL, Phase.FINISHED),
    ]
    assert set(seen) <= LEGAL_TRANSITIONS
    assert room.state.phase is Phase.FINISHED


def test_empty_question_set_returns_to_lobby():
    room, _ = make_room(1)
    moves = track_transitions(room)
    out = room.handle("p0", StartGame(), 0)
    gen = next(o for o in out if isinstance(o, Generate))
    out = room.handle(None, QuestionsReady(gen.generation, ()), 10)
    assert room.state.phase is Phase.LOBBY
    assert moves == [(Phase.GENERATING, Phase.LOBBY)]
    assert one(out, "room_state")["room"]["phase"] == "lobby"


def test_reveal_auto_advances_after_reveal_seconds():
    room, _ = make_room(1, num_questions=2, reveal_seconds=3)
    moves = track_transitions(room)
    start(room, 0)
    out = answer(room, "p0", correct(0), 400)
    assert one(out, "question_result")["next_at_ms"] == 3_400
    assert room.next_wakeup_ms() == 3_400
    assert room.handle(None, Tick(), 3_399) == [] and room.state.phase is Phase.REVEAL
    out = room.handle(None, Tick(), 3_400)
    assert moves == [(Phase.REVEAL, Phase.QUESTION)]
    assert room.state.phase is Phase.QUESTION and room.state.question_index == 1
    assert one(out, "question")["question_index"] == 1
    answer(room, "p0", correct(1), 3_500)
    assert room.handle(None, Tick(), 6_499) == []
    out = room.handle(None, Tick(), 6_500)
    assert moves == [(Phase.REVEAL, Phase.FINISHED)]
    assert room.state.phase is Phase.FINISHED
    assert one(out, "game_over")["leaderboard"][0]["score"] == 1000 + 1100


def test_reveal_zero_waits_for_host_next_question():
    room, _ = make_room(2, num_questions=2, reveal_seconds=0)
    start(room, 0)
    out = room.handle("p0", NextQuestion(), 10)
    assert error_code(out) == "wrong_phase"  # the question is still open
    answer(room, "p0", correct(0), 100)
    out = answer(room, "p1", correct(0), 200)
    assert "next_at_ms" not in one(out, "question_result")
    assert room.state.phase_ends_ms is None
    # Only idle expiry is pending: nothing moves by itself.
    assert room.next_wakeup_ms() == 200 + room.state.limits.idle_ttl_ms
    assert room.handle(None, Tick(), 1_000_000) == []
    assert room.state.phase is Phase.REVEAL
    assert error_code(room.handle("p1", NextQuestion(), 1_000_001)) == "not_host"
    assert room.state.phase is Phase.REVEAL
    out = room.handle("p0", NextQuestion("n"), 1_000_002)
    assert reply(out) == {"type": "ack", "request_id": "n"}
    assert one(out, "question")["question_index"] == 1
    answer(room, "p0", correct(1), 1_000_100)
    answer(room, "p1", correct(1), 1_000_100)
    out = room.handle("p0", NextQuestion(), 1_000_200)
    assert room.state.phase is Phase.FINISHED
    assert len(one(out, "game_over")["leaderboard"]) == 2


def test_play_again_resets_scores_and_returns_to_lobby():
    room, _ = make_room(2, num_questions=1)
    moves = track_transitions(room)
    start(room, 0)
    answer(room, "p0", correct(0), 100)
    answer(room, "p1", correct(0), 600)
    room.handle("p0", NextQuestion(), 1_000)
    assert room.state.phase is Phase.FINISHED
    assert room.state.players["p0"].score > 0
    assert error_code(room.handle("p1", PlayAgain(), 1_100)) == "not_host"
    out = room.handle("p0", PlayAgain("again"), 1_200)
    assert reply(out) == {"type": "ack", "request_id": "again"}
    assert moves == [(Phase.FINISHED, Phase.LOBBY)]
    state = one(out, "room_state")["room"]
    assert state["phase"] == "lobby"
    assert [p["score"] for p in state["players"]] == [0, 0]
    assert all(p.score == p.streak == p.correct_ms == 0 for p in room.state.players.values())
    assert error_code(room.handle("p0", PlayAgain(), 1_300)) == "wrong_phase"
    # A new game plays from a clean slate: no streak bonus carried over.
    start(room, 2_000)
    out = answer(room, "p0", correct(0), 2_100)
    assert room.state.phase is Phase.QUESTION
    out = answer(room, "p1", correct(0), 2_100)
    assert one(out, "your_result", to="p0")["points"] == 1000
    assert one(out, "your_result", to="p0")["streak"] == 1


# Idempotency.


def test_request_id_repeat_returns_cached_reply_and_applies_nothing():
    room, _ = make_room(3, num_questions=1)
    start(room, 0)
    first = answer(room, "p1", wrong(0), 100, rid="a1")
    assert reply(first) == {"type": "answer_received", "question_index": 0, "request_id": "a1"}
    # The retry, even with another answer: the same reply, nothing applied.
    again = answer(room, "p1", correct(0), 200, rid="a1")
    assert again == [Reply(reply(first))]
    assert room.state.answers["p1"].option == wrong(0)
    # Without the request id it is a new request: already answered.
    assert error_code(answer(room, "p1", correct(0), 300)) == "already_answered"
    # Another player's same request id is theirs, not a repeat.
    other = answer(room, "p2", correct(0), 300, rid="a1")
    assert reply(other)["type"] == "answer_received" and "p2" in room.state.answers


def test_request_id_cached_error_is_repeated_too():
    room, _ = make_room(2, num_questions=1)
    out = room.handle("p1", StartGame("x"), 0)
    assert error_code(out) == "not_host"
    assert room.handle("p1", StartGame("x"), 10) == out


def test_request_id_expires_after_60_seconds():
    room, _ = make_room(1, num_questions=4, reveal_seconds=0)
    start(room, 0)
    answer(room, "p0", correct(0), 100)
    out = room.handle("p0", NextQuestion("n"), 1_000)
    assert room.state.question_index == 1
    answer(room, "p0", correct(1), 1_100)
    assert room.state.phase is Phase.REVEAL
    out = room.handle("p0", NextQuestion("n"), 1_000 + 59_999)
    assert out == [Reply({"type": "ack", "request_id": "n"})]
    assert room.state.phase is Phase.REVEAL and room.state.question_index == 1
    out = room.handle("p0", NextQuestion("n"), 1_000 + 60_001)
    assert room.state.phase is Phase.QUESTION and room.state.question_index == 2
    assert one(out, "question")["question_index"] == 2


def test_request_id_survives_rejoin():
    room, _ = make_room(2, num_questions=1)
    start(room, 0)
    first = answer(room, "p1", correct(0), 100, rid="same")
    room.handle("p1", Disconnected(), 200)
    room.handle(None, Resume("h1"), 300)
    assert answer(room, "p1", wrong(0), 400, rid="same") == [Reply(reply(first))]


# Idle expiry.


def test_idle_ttl_closes_the_room():
    limits = RoomLimits(countdown_ms=0, idle_ttl_ms=100_000)
    room, _ = make_room(3, limits=limits)
    room.handle("p2", Disconnected(), 5_000)
    room.handle("p1", StartGame(), 10_000)  # not_host, but activity all the same
    assert room.next_wakeup_ms() == 110_000
    assert room.handle(None, Tick(), 109_999) == []
    out = room.handle(None, Tick(), 110_000)
    assert room.state.closed
    releases = [o for o in out if isinstance(o, Release)]
    assert sorted((r.player_id, r.close_code) for r in releases) == [("p0", 4002), ("p1", 4002)]
    assert isinstance(out[-1], RoomClosed)
    assert room.next_wakeup_ms() is None
    assert error_code(room.handle("p0", StartGame(), 110_001)) == "room_not_found"


def test_idle_ttl_applies_on_any_command_first():
    limits = RoomLimits(countdown_ms=0, idle_ttl_ms=100_000)
    room, _ = make_room(1, limits=limits)
    out = room.handle(None, make_seat("p5", "Late", "h5"), 200_000)
    assert room.state.closed and "p5" not in room.state.players
    assert [type(o) for o in out] == [Release, RoomClosed]


# Errors.


def test_room_full():
    room, _ = make_room(2, limits=RoomLimits(countdown_ms=0, max_players=2))
    out = room.handle(None, make_seat("p2", "Third", "h2"), 0)
    assert error_code(out) == "room_full"
    assert not any(isinstance(o, Reply) and o.bind for o in out)
    assert "p2" not in room.state.players and len(room.state.players) == 2
    room.handle("p1", LeaveRoom(), 10)
    assert reply(room.handle(None, make_seat("p2", "Third", "h2"), 20))["type"] == "room_joined"


@pytest.mark.parametrize("name", ["Host", "host", "HOST", "hOsT"])
def test_name_taken_case_insensitive(name):
    room, _ = make_room(1)
    out = room.handle(None, make_seat("p1", name, "h1"), 0)
    assert error_code(out) == "name_taken"
    assert list(room.state.players) == ["p0"]


def test_name_taken_casefold():
    room, _ = make_room(1)
    room.handle(None, make_seat("p1", "Straße", "h1"), 0)
    assert error_code(room.handle(None, make_seat("p2", "STRASSE", "h2"), 0)) == "name_taken"
    assert reply(room.handle(None, make_seat("p3", "Host2", "h3"), 0))["type"] == "room_joined"


def test_not_host():
    room, _ = make_room(2)
    for command in (StartGame("r"), NextQuestion(), PlayAgain(), KickPlayer("p0")):
        out = room.handle("p1", command, 0)
        assert error_code(out) == "not_host", command
    assert reply(room.handle("p1", StartGame("r2"), 0))["request_id"] == "r2"
    assert room.state.phase is Phase.LOBBY and "p0" in room.state.players


def test_wrong_phase():
    room, _ = make_room(2)
    assert error_code(answer(room, "p0", 0, 0, index=0)) == "wrong_phase"
    assert error_code(room.handle("p0", NextQuestion(), 0)) == "wrong_phase"
    out = room.handle("p0", StartGame(), 0)
    assert error_code(room.handle("p0", StartGame(), 1)) == "wrong_phase"  # generating
    gen = next(o for o in out if isinstance(o, Generate))
    room.handle(None, QuestionsReady(gen.generation, questions(3)), 2)
    assert room.state.phase is Phase.QUESTION
    assert error_code(room.handle("p0", StartGame(), 3)) == "wrong_phase"
    assert error_code(room.handle("p0", PlayAgain(), 3)) == "wrong_phase"


def test_stale_question():
    room, _ = make_room(2, num_questions=3)
    start(room, 0)
    out = answer(room, "p1", correct(1), 10, index=1)
    assert error_code(out) == "stale_question"
    assert "p1" not in room.state.answers
    answer(room, "p0", correct(0), 20)
    answer(room, "p1", correct(0), 20)
    room.handle("p0", NextQuestion(), 30)
    assert error_code(answer(room, "p1", correct(0), 40, index=0)) == "stale_question"


@pytest.mark.parametrize(("options", "bad"), [(4, 4), (4, -1), (2, 2), (3, 999_999)])
def test_invalid_answer(options, bad):
    qs = tuple(Question(f"Q{i}", tuple(f"o{k}" for k in range(options)), 0) for i in range(2))
    room, _ = make_room(2, num_questions=2)
    start(room, 0, qs)
    out = answer(room, "p1", bad, 10)
    assert error_code(out) == "invalid_answer"
    assert "p1" not in room.state.answers
    # The player may still answer properly.
    assert reply(answer(room, "p1", options - 1, 20))["type"] == "answer_received"


def test_already_answered_only_first_counts():
    room, _ = make_room(2, num_questions=1)
    start(room, 0)
    assert reply(answer(room, "p1", wrong(0), 100))["type"] == "answer_received"
    out = answer(room, "p1", correct(0), 200)
    assert error_code(out) == "already_answered"
    assert sends(out, "answer_progress") == []
    out = answer(room, "p0", correct(0), 300)
    result = one(out, "question_result")
    assert result["answer_counts"][wrong(0)] == 1 and result["answer_counts"][correct(0)] == 1
    assert one(out, "your_result", to="p1")["correct"] is False
    assert room.state.players["p1"].score == 0


def test_invalid_token():
    room, _ = make_room(2)
    out = room.handle(None, Resume("no-such-hash", "r9"), 0)
    assert reply(out) == {
        "type": "error",
        "code": "invalid_token",
        "message": reply(out)["message"],
        "request_id": "r9",
    }
    assert not any(isinstance(o, Reply) and o.bind for o in out)


def test_not_in_room():
    room, _ = make_room(1)
    assert error_code(room.handle("ghost", StartGame(), 0)) == "not_in_room"
    assert error_code(room.handle(None, LeaveRoom(), 0)) == "not_in_room"
    assert error_code(room.handle("ghost", Disconnected(), 0)) == "not_in_room"


# Secrecy.


def test_question_messages_never_hold_the_correct_answer():
    room, _ = make_room(2, num_questions=2)
    out = start(room, 0)
    seat_out = seat(room, 2, 10)
    resume_out = room.handle(None, Resume("h1"), 20)
    messages = [o.message for o in out + seat_out + resume_out if isinstance(o, Send | Reply)]
    messages.append(room.views.state_for("p1", 30))
    messages.append(room.views.state_for(None, 30))
    questions_seen = [m for m in messages if m.get("type") == "question"]
    assert questions_seen, messages
    states = [m for m in messages if m.get("phase") == "question"]
    states += [m["room"] for m in messages if m.get("room", {}).get("phase") == "question"]
    assert len(states) >= 4
    for m in questions_seen + states:
        assert not keys_deep(m) & {"correct", "correct_answer", "answer"}, m
    # The question the players see: its text and options, nothing else from the bank.
    q = questions_seen[0]
    assert q["question"] == "Question 0?" and q["options"] == [f"opt0-{k}" for k in range(4)]
    # Only the result, once closed, names it.
    answer(room, "p0", correct(0), 100)
    out = answer(room, "p1", correct(0), 100)
    assert one(out, "question_result")["correct_answer"] == correct(0)
    for m in [o.message for o in out if isinstance(o, Send)]:
        if m["type"] not in ("question_result", "your_result"):
            assert not keys_deep(m) & {"correct", "correct_answer"}, m


def test_answer_from_a_disconnected_player_does_not_close_early():
    # An answer that reaches the room after the player was marked gone counts
    # for scoring, but the question waits for the connected players.
    room, _ = make_room(2, num_questions=1)
    start(room, 0)
    room.handle("p1", Disconnected(), 10)
    out = answer(room, "p1", correct(0), 300)
    assert reply(out)["type"] == "answer_received"
    progress = one(out, "answer_progress")
    assert (progress["answered"], progress["total"]) == (0, 1)
    assert room.state.phase is Phase.QUESTION
    out = room.handle(None, Resume("h1"), 600)
    progress = one(out, "answer_progress")
    assert (progress["answered"], progress["total"]) == (1, 2)
    out = answer(room, "p0", wrong(0), 900)
    assert room.state.phase is Phase.REVEAL
    assert one(out, "your_result", to="p1")["points"] == 1000
