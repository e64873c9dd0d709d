"""Protocol 1.2 over real sockets: teams, rounds, `slider` and `order`, extra time.

A real server on an ephemeral port, real WebSocket clients; the room keeps
time by a clock the test moves by hand, so deadlines and reveals never wait.
"""

from __future__ import annotations

from typing import Any

from tests.client import Player
from tests.clock import ManualClock
from tests.conftest import Harness, StartServer

QUIZ: list[dict[str, Any]] = [
    {"text": "Capital of France?", "options": ["Rome", "Paris", "Oslo"], "correct": 1},
    {
        "kind": "slider",
        "text": "Moon landing?",
        "min": 1950,
        "max": 2000,
        "step": 1,
        "correct": 1969,
        "tolerance": 1,
        "margin": 10,
    },
    {
        "kind": "order",
        "text": "Nearest the Sun first",
        "options": ["Mercury", "Venus", "Earth", "Mars"],
        "round": "Space",
    },
    {"kind": "true_false", "text": "The Moon is a planet.", "correct": False},
]
TEAMS = ["Owls", "Foxes", "Bears"]


async def seat_teams(quiz: Harness, **settings: Any) -> list[Player]:
    """A host who presents and six players, two a team (the last two pick none)."""
    host = await quiz.player()
    await host.create("Host", host_plays=False, teams=TEAMS, questions=QUIZ, **settings)
    players = []
    for i, team in enumerate([0, 0, 1, 1, None, None]):
        p = await quiz.player()
        fields: dict[str, Any] = {"room_id": host.room_id, "name": f"P{i}"}
        if team is not None:
            fields["team"] = team
        reply = await p.request_any("join_room", **fields)
        assert reply["type"] == "room_joined", reply
        p._seat(reply)
        players.append(p)
    return [host, *players]


async def test_a_team_game_in_two_rounds_with_a_slider_and_an_order(
    start_server: StartServer,
) -> None:
    clock = ManualClock()
    quiz = await start_server(clock=clock, countdown_seconds=1)
    host, *players = await seat_teams(quiz, reveal_seconds=0, team_score="mean")
    joined = players[-1].log[0]  # the last to join sees everyone's team
    assert joined["type"] == "room_joined"
    teams = {p["id"]: p["team"] for p in joined["room"]["players"]}
    # The last two were placed in the smallest teams: Bears, then the first tie.
    assert [teams[p.player_id] for p in players] == [0, 0, 1, 1, 2, 2]
    await host.request_any("start_game")
    start = await players[0].expect("round_start")
    assert start == {"type": "round_start", "round": 0, "title": None, "questions": 2}
    clock.advance(1000)  # the countdown
    points: dict[str, int] = {p.player_id: 0 for p in players}

    async def play(index: int, answers: list[Any]) -> dict[str, Any]:
        for p, answer in zip(players, answers, strict=True):
            await p.expect("question", question_index=index)
            reply = await p.request_any("submit_answer", question_index=index, answer=answer)
            assert reply["type"] == "answer_received", reply
        for p in players:
            mine = await p.expect("your_result", question_index=index)
            points[p.player_id] += mine["points"]
            assert mine["score"] == points[p.player_id]
            assert "team" in mine and "team_rank" in mine
        return await host.expect("question_result", question_index=index)

    # Round 0: a choice, then a slider (1969 right; 1975 is 5 past the
    # tolerance of 1, so earns (1 - 5/10) of the points, without the streak).
    result = await play(0, [1, 1, 0, 1, 1, 0])
    assert [t["team"] for t in result["teams"]][:1] == [0]
    await host.request_any("next_question")
    result = await play(1, [1969, 1969, 1975, 1950, 1970, 2000])
    assert result["correct_value"] == 1969 and "answer_counts" not in result
    assert sum(b["count"] for b in result["histogram"]) == 6
    await host.request_any("next_question")
    over = await players[0].expect("round_over", round=0)
    assert over["title"] is None and len(over["teams"]) == 3
    # Round 1, "Space": its title, a countdown, then the order question.
    await host.request_any("next_question")
    space = await players[0].expect("round_start", round=1)
    assert space["title"] == "Space" and space["questions"] == 2
    clock.advance(1000)
    question = await players[0].expect("question", question_index=2)
    shown = question["options"]
    assert sorted(shown) == sorted(QUIZ[2]["options"]) and shown != QUIZ[2]["options"]
    right = [shown.index(item) for item in QUIZ[2]["options"]]
    players[0].inbox.insert(0, question)  # play() reads it again
    result = await play(2, [right, right, right[::-1], right, right[::-1], right])
    assert result["correct_order"] == right and result["answer_counts"] == [4, 2]
    await host.request_any("next_question")
    await play(3, [1, 0, 1, 1, 1, 1])
    await host.request_any("next_question")
    await players[0].expect("round_over", round=1)
    await host.request_any("next_question")
    over = await players[0].expect("game_over")
    # Teams: the mean of their members' scores.
    by_team: dict[int, list[int]] = {}
    for p in players:
        by_team.setdefault(teams[p.player_id], []).append(points[p.player_id])
    for entry in over["teams"]:
        members = by_team[entry["team"]]
        assert entry["score"] == (2 * sum(members) + len(members)) // (2 * len(members))
        assert entry["players"] == len(members)
    # The results: a team column and table; every player's points add up.
    results = await host.request_any("get_results")
    assert results["type"] == "results" and len(results["teams"]) == 3
    for row in results["players"]:
        assert row["team"] == teams[row["id"]]
        assert sum(a["points"] for a in row["answers"] if a) == points[row["id"]] == row["score"]
    assert results["questions"][1]["histogram"] == result_histogram(results)


def result_histogram(results: dict[str, Any]) -> list[dict[str, Any]]:
    return results["questions"][1]["histogram"]


async def test_teams_in_the_lobby_the_host_moves_a_player(quiz: Harness) -> None:
    host, *players = await seat_teams(quiz)
    reply = await host.request_any("move_player", player_id=players[0].player_id, team=2)
    assert reply["type"] == "ack"
    state = await players[1].expect("room_state")
    mine = next(p for p in state["room"]["players"] if p["id"] == players[0].player_id)
    assert mine["team"] == 2
    assert [t["players"] for t in state["room"]["teams"]] == [1, 2, 3]
    await host.error("move_player", "bad_message", player_id=players[0].player_id, team=9)
    await players[1].error("move_player", "not_host", player_id=players[0].player_id, team=0)
    # The host renames the teams: as many as before, everyone stays.
    await host.request_any("update_settings", teams=["A", "B", "C"])
    state = await players[1].expect("room_state")
    assert [t["name"] for t in state["room"]["teams"]] == ["A", "B", "C"]
    assert [t["players"] for t in state["room"]["teams"]] == [1, 2, 3]
    await host.error("update_settings", "bad_message", teams=["A", "a"])


async def test_extra_time_over_sockets(start_server: StartServer) -> None:
    clock = ManualClock()
    quiz = await start_server(clock=clock, countdown_seconds=0)
    host = await quiz.player()
    await host.create("Host", questions=[QUIZ[0], QUIZ[0]], time_per_question=20)
    slow, quick = await quiz.player(), await quiz.player()
    await slow.join(host.room_id, "Slow")
    await quick.join(host.room_id, "Quick")
    reply = await host.request_any("set_extra_time", player_id=slow.player_id, factor=2)
    assert reply["type"] == "ack"
    note = await host.expect("extra_time")
    assert note == {"type": "extra_time", "player_id": slow.player_id, "factor": 2}
    await host.request_any("start_game")
    mine = await slow.expect("question", question_index=0)
    theirs = await quick.expect("question", question_index=0)
    assert mine["time_limit_ms"] == 40_000 and theirs["time_limit_ms"] == 20_000
    assert mine["deadline_ms"] - theirs["deadline_ms"] == 20_000
    # The host and Quick answer by 20 s; Slow at 30 s of their 40: still
    # time, and speed points against their own time.
    clock.advance(15_000)
    await quick.request_any("submit_answer", question_index=0, answer=1)
    await host.request_any("submit_answer", question_index=0, answer=1)
    clock.advance(15_000)
    late = await quick.request_any("submit_answer", question_index=0, answer=1)
    assert late["code"] == "already_answered"
    reply = await slow.request_any("submit_answer", question_index=0, answer=1)
    assert reply["type"] == "answer_received"
    # Everyone answered: the question closes at once, before 40 s.
    slow_result = await slow.expect("your_result", question_index=0)
    quick_result = await quick.expect("your_result", question_index=0)
    assert slow_result["points"] == quick_result["points"] == 625
    # Nobody but the host hears who has more time.
    assert not any(m["type"] == "extra_time" for m in quick.log + slow.log)
