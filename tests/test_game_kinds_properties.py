"""Property tests of scoring across every question kind (protocol 1.1).

Random quizzes of every kind, random players, answers and times: the score
is always the sum of the points each your_result gave, results agree with
it, a poll never changes a score or a streak, and points follow the rules
(multiplier, speed points, streak bonus) as the scoring oracle
(tests/scoring_oracle.py) computes them.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from quiz.core.commands import (
    CloseQuestion,
    GetResults,
    NextQuestion,
    StartGame,
    Tick,
)
from quiz.core.question import Question
from quiz.core.state import Phase
from tests.game_helpers import answer, make_room, reply, send_outputs
from tests.scoring_oracle import Standing

KIND_QUESTIONS: dict[str, Question] = {
    "choice": Question("c?", ("a", "b", "c", "d"), 2, source="host"),
    "multi": Question("m?", ("a", "b", "c"), (0, 1), kind="multi", source="host"),
    "true_false": Question("t?", ("True", "False"), 1, kind="true_false", source="host"),
    "text": Question("x?", (), (), kind="text", answers=("Zoë", "Zoe B"), source="host"),
    "poll": Question("p?", ("a", "b"), (), kind="poll", points=0, source="host"),
}
ANSWERS: dict[str, list[Any]] = {
    "choice": [0, 1, 2, 3],
    "multi": [(0,), (1,), (0, 1), (0, 2), (0, 1, 2)],
    "true_false": [0, 1],
    "text": ["zoe", "ZOË", "zoe b", "Zoey", "x"],
    "poll": [0, 1],
}
RIGHT = {"choice": {2}, "multi": {(0, 1)}, "true_false": {1}, "text": {"zoe", "ZOË", "zoe b"}}


@st.composite
def quizzes(draw: st.DrawFn) -> tuple[Question, ...]:
    out = []
    for kind in draw(st.lists(st.sampled_from(sorted(KIND_QUESTIONS)), min_size=1, max_size=6)):
        base = KIND_QUESTIONS[kind]
        points = 0 if kind == "poll" else draw(st.sampled_from((0, 1, 2)))
        limit = draw(st.sampled_from((None, 5, 30)))
        out.append(
            Question(
                base.text,
                base.options,
                base.correct,
                source="host",
                kind=base.kind,
                answers=base.answers,
                time_limit=limit,
                points=points,
            )
        )
    return tuple(out)


@settings(max_examples=150, deadline=None)
@given(
    quiz=quizzes(),
    n=st.integers(1, 4),
    speed=st.booleans(),
    streaks=st.booleans(),
    room_limit=st.sampled_from((0, 10)),
    data=st.data(),
)
def test_every_kind_scores_by_the_rules(
    quiz: tuple[Question, ...], n: int, speed: bool, streaks: bool, room_limit: int, data: Any
) -> None:
    room, ids = make_room(
        n, quiz=quiz, time_per_question=room_limit, speed_points=speed, streak_bonus=streaks
    )
    now = 1_000
    room.handle("p0", StartGame(), now)
    summed = dict.fromkeys(ids, 0)
    model = {pid: Standing() for pid in ids}
    for index, q in enumerate(quiz):
        assert room.state.phase is Phase.QUESTION and room.state.question_index == index
        start = room.state.question_started_ms
        seconds = q.time_limit or room_limit
        limit_ms = seconds * 1000 if seconds else None
        given_answers: dict[str, tuple[Any, int]] = {}
        for pid in ids:
            if data.draw(st.booleans()):
                value = data.draw(st.sampled_from(ANSWERS[q.kind]))
                at = start + data.draw(st.integers(0, (limit_ms or 60_000) - 1))
                given_answers[pid] = (value, at)
        out: list[Any] = []
        for pid, (value, at) in sorted(given_answers.items(), key=lambda kv: kv[1][1]):
            out += answer(room, pid, value, at)
        if room.state.phase is Phase.QUESTION:
            if limit_ms is None:
                out += room.handle("p0", CloseQuestion(), start + 60_000)
            else:
                out += room.handle(None, Tick(), start + limit_ms)
        results = {s.to: s.message for s in send_outputs(out, "your_result")}
        for pid in ids:
            mine = results[pid]
            summed[pid] += mine["points"]
            assert mine["score"] == summed[pid]
            value, at = given_answers.get(pid, (None, start))
            # A poll is never right or wrong (None): it scores nothing and
            # leaves the streak as it was.
            right = None if q.kind == "poll" else value in RIGHT[q.kind]
            points = model[pid].answer(
                right,
                at - start,
                limit_ms,
                points=q.points,
                speed_points=speed,
                streak_bonus_on=streaks,
            )
            assert mine["correct"] is right
            assert mine["points"] == points, (q, value, at - start)
            assert mine["streak"] == model[pid].streak
        now = room.state.phase_ends_ms or (start + 120_000)
        room.handle("p0", NextQuestion(), now)
    assert room.state.phase is Phase.FINISHED
    assert {p.id: p.score for p in room.state.players.values()} == summed
    assert summed == {pid: standing.score for pid, standing in model.items()}
    for pid, standing in model.items():  # the tie-break time too
        assert room.state.players[pid].correct_ms == standing.correct_ms, pid
    results = reply(room.handle("p0", GetResults("g"), now + 1))
    for row in results["players"]:
        assert sum(a["points"] for a in row["answers"] if a) == row["score"] == summed[row["id"]]
