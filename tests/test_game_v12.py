"""Protocol 1.2 in the game core: teams, rounds, `slider` and `order`, extra time.

The room is driven directly (quiz.core.room.Room), with time as an argument.
"""

from __future__ import annotations

from typing import Any

import pytest

from quiz.core.commands import (
    Disconnected,
    GenerateQuestions,
    LeaveRoom,
    MovePlayer,
    NextQuestion,
    Resume,
    SetExtraTime,
    StartGame,
    SubmitAnswer,
    Tick,
    UpdateSettings,
)
from quiz.core.kinds import credit, histogram, shown_order
from quiz.core.outputs import Generate
from quiz.core.parse import QuestionError, parse_question
from quiz.core.question import Question, Slider
from quiz.core.room import Room
from quiz.core.settings import RoomLimits, RoomSettings
from quiz.core.state import Phase
from quiz.wire import codec
from tests.game_helpers import make_seat, one, reply, sends

T_MS = 20_000


def q(data: dict[str, Any]) -> Question:
    return parse_question({"text": "Q?", **data}, "q")


CHOICE = q({"options": ["a", "b", "c"], "correct": 1})
SLIDER = q({"kind": "slider", "min": 0, "max": 100, "step": 1, "correct": 50, "tolerance": 5})
ORDER = q({"kind": "order", "options": ["one", "two", "three", "four"]})


def room_with(quiz: tuple[Question, ...], n: int = 3, **settings: Any) -> tuple[Room, list[str]]:
    """A room whose host p0 plays, with players p1.. and ``quiz`` as its questions."""
    settings.setdefault("reveal_seconds", 0)
    settings.setdefault("time_per_question", T_MS // 1000)
    room, _ = Room.create(
        "ROOM1",
        RoomSettings(**settings),
        RoomLimits(countdown_ms=0),
        make_seat("p0", "Host", "h0"),
        0,
        quiz=quiz,
    )
    for i in range(1, n):
        room.handle(None, make_seat(f"p{i}", f"P{i}", f"h{i}"), 0)
    return room, [f"p{i}" for i in range(n)]


# --- teams ---------------------------------------------------------------------------


def test_players_go_to_the_smallest_team_or_the_one_they_pick() -> None:
    room, _ = room_with((CHOICE,), n=1, teams=("Red", "Blue", "Green"))
    assert room.state.players["p0"].team == 0
    out = room.handle(None, make_seat("p1", "Ann", "h1", team=2), 0)
    assert reply(out)["room"]["players"][1]["team"] == 2
    for i, team in ((2, 1), (3, 0), (4, 1)):  # fewest first, the first on a tie
        room.handle(None, make_seat(f"p{i}", f"P{i}", f"h{i}"), 0)
        assert room.state.players[f"p{i}"].team == team
    out = room.handle(None, make_seat("p9", "Nine", "h9", team=7), 0)  # no such team
    assert room.state.players["p9"].team == 2
    teams = reply(out)["room"]["teams"]
    assert [(t["name"], t["players"]) for t in teams] == [("Red", 2), ("Blue", 2), ("Green", 2)]


def test_team_score_is_the_mean_or_the_sum_and_follows_moves_and_leaves() -> None:
    for mode in ("mean", "sum"):
        room, _ = room_with((CHOICE, CHOICE), n=3, teams=("A", "B"), team_score=mode)
        # p0 and p2 in A, p1 in B.
        room.handle("p0", MovePlayer("p2", 0), 0)
        assert [p.team for p in room.state.players.values()] == [0, 1, 0]
        room.handle("p0", StartGame(), 0)
        room.handle("p0", SubmitAnswer(0, 1), 100)  # right, fast: 1000
        room.handle("p1", SubmitAnswer(0, 1), 100)  # right: 1000
        out = room.handle("p2", SubmitAnswer(0, 0), 100)  # wrong: 0
        result = one(out, "question_result")
        a, b = sorted(result["teams"], key=lambda t: t["team"])
        expected_a = 500 if mode == "mean" else 1000
        assert (a["score"], b["score"]) == (expected_a, 1000)
        assert one(out, "your_result", to="p2")["team_rank"] == (2 if mode == "mean" else 1)
        # A player who leaves stops counting for the team.
        room.handle("p2", LeaveRoom(), 200)
        a, b = room.views.state_for(None, 200)["teams"]
        assert (a["players"], a["score"]) == (1, 1000)


def test_the_host_moves_players_only_in_the_lobby_and_only_between_teams_that_exist() -> None:
    room, _ = room_with((CHOICE,), n=2, teams=("A", "B"))
    assert reply(room.handle("p1", MovePlayer("p0", 1), 0))["code"] == "not_host"
    # A player picks their own team.
    assert reply(room.handle("p1", MovePlayer("p1", 1), 0))["type"] == "ack"
    assert room.state.players["p1"].team == 1
    assert reply(room.handle("p0", MovePlayer("p1", 5), 0))["code"] == "bad_message"
    assert reply(room.handle("p0", MovePlayer("zz", 0), 0))["code"] == "bad_message"
    out = room.handle("p0", MovePlayer("p1", 0), 0)
    assert reply(out)["type"] == "ack"
    assert [p["team"] for p in one(out, "room_state")["room"]["players"]] == [0, 0]
    room.handle("p0", StartGame(), 0)
    assert reply(room.handle("p0", MovePlayer("p1", 1), 10))["code"] == "wrong_phase"


def test_a_player_who_rejoins_is_still_in_their_team() -> None:
    room, _ = room_with((CHOICE,), n=3, teams=("A", "B"))
    before = room.state.players["p1"].team
    room.handle("p1", Disconnected(), 10)
    room.handle(None, Resume("h1"), 20)
    assert room.state.players["p1"].team == before
    assert room.state.team_members == [2, 1]


def test_new_teams_in_the_lobby_deal_the_players_again() -> None:
    room, _ = room_with((CHOICE,), n=4, teams=("A", "B"))
    room.handle("p0", UpdateSettings({"teams": ("X", "Y", "Z")}), 0)
    assert [p.team for p in room.state.players.values()] == [0, 1, 2, 0]
    assert room.state.team_members == [2, 1, 1]
    room.handle("p0", UpdateSettings({"teams": ()}), 0)
    assert all(p.team is None for p in room.state.players.values())
    assert "teams" not in room.views.state_for(None, 0)


def test_teams_survive_a_snapshot() -> None:
    room, _ = room_with((CHOICE,), n=3, teams=("A", "B"), team_score="sum")
    room.handle("p0", StartGame(), 0)
    room.handle("p0", SubmitAnswer(0, 1), 10)
    again = codec.room_from_dict(codec.room_to_dict(room))
    assert again.state.team_members == room.state.team_members
    assert again.state.team_totals == room.state.team_totals
    assert again.state.settings.teams == ("A", "B")


# --- rounds --------------------------------------------------------------------------


def test_rounds_open_with_their_title_and_close_with_their_standings() -> None:
    quiz = (
        CHOICE,
        Question("R1 second?", ("a", "b"), 0, source="host"),
        Question("Flags", ("a", "b"), 0, source="host", round="Flags"),
    )
    room, _ = room_with(quiz, n=2, reveal_seconds=5)
    out = room.handle("p0", StartGame(), 0)
    first = one(out, "round_start")
    assert first == {"type": "round_start", "round": 0, "title": None, "questions": 2}
    assert one(out, "question")["round"] == 0  # after a countdown of 0 s
    room.handle("p0", SubmitAnswer(0, 1), 10)
    room.handle("p1", SubmitAnswer(0, 1), 10)
    out = room.handle(None, Tick(), 5_010)  # the reveal is over: question 1
    assert one(out, "question")["question_index"] == 1
    room.handle("p0", SubmitAnswer(1, 0), 5_020)
    out = room.handle("p1", SubmitAnswer(1, 0), 5_020)
    one(out, "question_result")
    out = room.handle(None, Tick(), 10_020)  # the round ends: its standings
    over = one(out, "round_over")
    assert (over["round"], over["title"]) == (0, None)
    assert [e["player_id"] for e in over["leaderboard"]] == ["p0", "p1"]
    assert room.state.phase is Phase.REVEAL
    out = room.handle("p0", NextQuestion(), 11_000)  # the host moves on: the next round
    assert one(out, "round_start") == {
        "type": "round_start",
        "round": 1,
        "title": "Flags",
        "questions": 1,
    }
    assert one(out, "countdown")["seconds"] == 0  # the title's time (0 s in this room)
    assert one(out, "question")["question_index"] == 2
    room.handle("p0", SubmitAnswer(2, 0), 11_010)
    room.handle("p1", SubmitAnswer(2, 0), 11_010)
    out = room.handle("p0", NextQuestion(), 11_100)
    assert one(out, "round_over")["title"] == "Flags"
    out = room.handle("p0", NextQuestion(), 11_200)
    assert one(out, "game_over")


def test_standings_only_between_rounds_when_the_host_asks() -> None:
    room, _ = room_with((CHOICE,), n=2, leaderboard="round", teams=("A", "B"))
    room.handle("p0", StartGame(), 0)
    room.handle("p0", SubmitAnswer(0, 1), 10)
    out = room.handle("p1", SubmitAnswer(0, 1), 10)
    result = one(out, "question_result")
    assert "leaderboard" not in result and "teams" not in result
    assert one(out, "your_result", to="p0")["rank"] == 1  # a player still sees their own


def test_a_quiz_without_rounds_plays_as_before() -> None:
    room, _ = room_with((CHOICE, CHOICE), n=1)
    out = room.handle("p0", StartGame(), 0)
    assert not sends(out, "round_start")
    room.handle(None, Tick(), 0)
    room.handle("p0", SubmitAnswer(0, 1), 10)
    out = room.handle("p0", NextQuestion(), 20)
    assert one(out, "question")["question_index"] == 1 and not sends(out, "round_over")


# --- slider --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "share"),
    [(50, 1.0), (55, 1.0), (45, 1.0), (56, 0.9), (60, 0.5), (65, 0.0), (30, 0.0), (100, 0.0)],
)
def test_slider_credit_falls_linearly_past_the_tolerance(answer: float, share: float) -> None:
    # tolerance 5, margin (100 - 0) / 10 = 10: full within 45..55, nothing from 65 on.
    assert credit(SLIDER, answer) == pytest.approx(share)


def test_slider_edges_with_fractional_steps() -> None:
    fine = q({"kind": "slider", "min": 0, "max": 1, "step": 0.1, "correct": 0.3, "margin": 0.2})
    assert credit(fine, 0.3) == 1.0
    assert credit(fine, 0.4) == pytest.approx(0.5)
    assert credit(fine, 0.5) == 0.0  # exactly at tolerance + margin: nothing
    assert credit(fine, 0.6) == 0.0


def test_slider_points_closeness_and_streak() -> None:
    room, _ = room_with((SLIDER, SLIDER), n=3, speed_points=False)
    room.handle("p0", StartGame(), 0)
    room.handle("p0", SubmitAnswer(0, 52), 10)  # within tolerance: right, 1000
    room.handle("p1", SubmitAnswer(0, 60), 10)  # half: 500, not right
    out = room.handle("p2", SubmitAnswer(0, 99), 10)  # far: 0
    mine = {pid: one(out, "your_result", to=pid) for pid in ("p0", "p1", "p2")}
    assert [(m["points"], m["correct"]) for m in mine.values()] == [
        (1000, True),
        (500, False),
        (0, False),
    ]
    result = one(out, "question_result")
    assert result["correct_value"] == 50 and "answer_counts" not in result
    buckets = result["histogram"]
    assert 1 < len(buckets) <= 20 and sum(b["count"] for b in buckets) == 3
    assert buckets[0]["from"] == 0 and buckets[-1]["to"] == 100


def test_slider_answers_must_be_on_the_grid() -> None:
    room, _ = room_with((SLIDER,), n=1)
    room.handle("p0", StartGame(), 0)
    for bad in (50.5, -1, 101, "50", (50,)):
        assert reply(room.handle("p0", SubmitAnswer(0, bad), 10))["code"] == "invalid_answer"


def test_histogram_buckets_hold_whole_steps() -> None:
    year = q({"kind": "slider", "min": 1900, "max": 2000, "step": 1, "correct": 1969})
    buckets = histogram(year, [1900, 1969, 1969, 2000])
    assert len(buckets) == 17 and buckets[0] == {"from": 1900, "to": 1905, "count": 1}
    assert buckets[-1] == {"from": 1996, "to": 2000, "count": 1}
    small = histogram(q({"kind": "slider", "min": 0, "max": 4, "step": 1, "correct": 2}), [2])
    assert [(b["from"], b["to"]) for b in small] == [(i, i) for i in range(5)]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"min": 10, "max": 10}, "q.max"),
        ({"step": 0}, "q.step"),
        ({"step": 0.001}, "q.step"),  # 100,000 steps
        ({"correct": 50.5}, "q.correct"),
        ({"correct": 101}, "q.correct"),
        ({"tolerance": -1}, "q.tolerance"),
        ({"margin": 0}, "q.margin"),
        ({"options": ["a", "b"]}, "q.options"),
        ({"min": True}, "q.min"),
    ],
)
def test_bad_sliders_are_refused_naming_the_field(data: dict[str, Any], path: str) -> None:
    base = {"kind": "slider", "min": 0, "max": 100, "step": 1, "correct": 50}
    with pytest.raises(QuestionError) as refused:
        q({**base, **data})
    assert refused.value.path == path


# --- order ---------------------------------------------------------------------------


def test_order_is_shown_shuffled_the_same_for_everyone_and_right_only_when_whole() -> None:
    room, _ = room_with((ORDER,), n=3)
    out = room.handle("p0", StartGame(), 0)
    (question,) = sends(out, "question")
    shown = question["options"]
    assert sorted(shown) == sorted(ORDER.options) and shown != list(ORDER.options)
    right = [shown.index(item) for item in ORDER.options]  # shown indexes, right order
    room.handle("p0", SubmitAnswer(0, tuple(right)), 10)
    wrong = right[1:] + right[:1]
    room.handle("p1", SubmitAnswer(0, tuple(wrong)), 10)
    assert room.views.state_for("p1", 10)["your_answer"] == wrong  # as sent
    out = room.handle("p2", SubmitAnswer(0, tuple(right[::-1])), 10)
    result = one(out, "question_result")
    assert result["correct_order"] == right
    assert result["answer_counts"] == [1, 2]
    assert one(out, "your_result", to="p0")["correct"] is True
    assert one(out, "your_result", to="p1")["correct"] is False


def test_order_answers_must_name_every_item_once() -> None:
    room, _ = room_with((ORDER,), n=1)
    room.handle("p0", StartGame(), 0)
    for bad in ((0, 1, 2), (0, 1, 2, 2), (0, 1, 2, 4), 1):
        assert reply(room.handle("p0", SubmitAnswer(0, bad), 10))["code"] == "invalid_answer"


def test_the_shown_order_is_never_the_right_one() -> None:
    two = q({"kind": "order", "options": ["a", "b"]})
    assert all(shown_order(two, f"R:{i}") == (1, 0) for i in range(50))
    six = q({"kind": "order", "options": list("abcdef")})
    orders = {shown_order(six, f"R:{i}") for i in range(50)}
    assert tuple(range(6)) not in orders and len(orders) > 10


# --- extra time ----------------------------------------------------------------------


def test_extra_time_gives_a_later_deadline_and_points_against_the_own_time() -> None:
    room, _ = room_with((CHOICE, CHOICE), n=3)
    out = room.handle("p0", SetExtraTime("p2", 2.0), 0)
    assert reply(out)["type"] == "ack"
    assert one(out, "extra_time", to="p0") == {
        "type": "extra_time",
        "player_id": "p2",
        "factor": 2.0,
    }
    assert room.views.state_for("p0", 0)["extra_time"] == {"p2": 2.0}
    assert "extra_time" not in room.views.state_for("p1", 0)  # the host's business
    out = room.handle("p0", StartGame(), 0)
    (everyone,) = sends(out, "question", to=None)
    mine = one(out, "question", to="p2")
    assert everyone["deadline_ms"] == T_MS and mine["deadline_ms"] == 2 * T_MS
    assert mine["time_limit_ms"] == 2 * T_MS
    # p1 answers at 15 s of 20: half-way points; p2 at 30 s of their 40: the same.
    room.handle("p1", SubmitAnswer(0, 1), 15_000)
    assert room.state.phase is Phase.QUESTION
    out = room.handle("p0", SubmitAnswer(0, 1), 19_000)
    assert room.state.phase is Phase.QUESTION  # p2 still has time
    # Past 20 s, p0 and p1 can no longer answer; p2 can.
    out = room.handle("p2", SubmitAnswer(0, 1), 30_000)
    assert room.state.phase is Phase.REVEAL  # everyone answered: closed early
    points = {pid: one(out, "your_result", to=pid)["points"] for pid in ("p1", "p2")}
    assert points["p1"] == points["p2"] == 625


def test_a_player_whose_time_ran_out_is_not_waited_for() -> None:
    room, _ = room_with((CHOICE,), n=3)
    room.handle("p0", SetExtraTime("p2", 1.5), 0)
    room.handle("p0", StartGame(), 0)
    room.handle("p2", SubmitAnswer(0, 1), 1_000)
    room.handle("p0", SubmitAnswer(0, 1), 2_000)
    # p1 never answers: at their deadline (20 s) nobody else is left to wait for.
    out = room.handle(None, Tick(), T_MS)
    assert room.state.phase is Phase.REVEAL, out
    assert one(out, "your_result", to="p1")["answered"] is False
    late = room_with((CHOICE,), n=2)[0]
    late.handle("p0", SetExtraTime("p1", 2.0), 0)
    late.handle("p0", StartGame(), 0)
    out = late.handle("p0", SubmitAnswer(0, 1), T_MS + 1)
    assert reply(out)["code"] == "stale_question"  # p0's own time is up
    assert late.next_wakeup_ms() == 2 * T_MS


def test_extra_time_applies_from_the_next_question_and_only_for_players() -> None:
    room, _ = room_with((CHOICE, CHOICE), n=2)
    room.handle("p0", StartGame(), 0)
    room.handle("p0", SetExtraTime("p1", 2.0), 10)
    assert room.state.deadline_ms == T_MS  # this question keeps its time
    assert reply(room.handle("p0", SetExtraTime("nobody", 2.0), 10))["code"] == "bad_message"
    assert reply(room.handle("p1", SetExtraTime("p1", 2.0), 10))["code"] == "not_host"


def test_slider_and_order_round_trip_through_json() -> None:
    for question in (SLIDER, ORDER, q({"options": ["a", "b"], "correct": 0, "round": "R"})):
        again = parse_question(question.to_dict(), "q", source=question.source)
        assert again == question
    assert SLIDER.slider == Slider(0, 100, 1, 50, 5, 10)


def test_only_a_draft_may_ask_for_sliders() -> None:
    # A draft goes to the host's (1.2) editor; a generated game must stay
    # answerable by a client that knows no slider.
    room, _ = room_with((), n=1)
    out = room.handle("p0", GenerateQuestions("space", 5, "easy", "en"), 0)
    (draft,) = [o for o in out if isinstance(o, Generate)]
    assert draft.draft and draft.sliders
    out = room.handle("p0", StartGame(), 10)
    (game,) = [o for o in out if isinstance(o, Generate)]
    assert not game.draft and not game.sliders


def test_a_screen_that_comes_back_during_a_rounds_countdown_sees_that_round() -> None:
    quiz = (CHOICE, Question("Flags", ("a", "b"), 0, source="host", round="Flags"))
    room, _ = Room.create(
        "ROOM1",
        RoomSettings(reveal_seconds=0),
        RoomLimits(countdown_ms=3_000),
        make_seat("p0", "Host", "h0"),
        0,
        quiz=quiz,
    )
    room.handle("p0", StartGame(), 0)
    room.handle(None, Tick(), 3_000)
    room.handle("p0", SubmitAnswer(0, 1), 3_010)
    room.handle("p0", NextQuestion(), 3_100)  # round 0's standings
    room.handle("p0", NextQuestion(), 3_200)  # round 1's title, and its countdown
    assert room.state.phase is Phase.COUNTDOWN
    assert room.views.state_for("p0", 3_300)["round"]["title"] == "Flags"
