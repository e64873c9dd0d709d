"""The benchmark's own logic, without a load: medians and ratios, what counts as a
valid run, verdicts over repeats, the order of targets, provenance and --render."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench import aggregate, measure, provenance, report, run, scaling, targets
from bench.aggregate import Sample, judge, spread
from bench.scenarios import SCENARIOS, rotated

# --- medians, ranges, ratios -------------------------------------------------------------


def test_spread_is_the_median_and_range_of_the_values_that_exist() -> None:
    sp = spread([3.0, None, 1.0, 2.0])
    assert sp == aggregate.Spread(median=2.0, low=1.0, high=3.0, n=3)
    assert spread([4.0, 1.0]) == aggregate.Spread(2.5, 1.0, 4.0, 2)  # even: the mean of two
    assert spread([None, None]) is None


def test_a_ratio_needs_both_figures_and_a_divisor() -> None:
    assert aggregate.ratio(3.0, 2.0) == 1.5
    assert aggregate.ratio(None, 2.0) is None
    assert aggregate.ratio(3.0, None) is None
    assert aggregate.ratio(3.0, 0) is None


def test_a_target_is_met_only_when_its_median_meets_it() -> None:
    # Met in 1 of 3 (the best run) is not met: nothing is picked.
    samples = [Sample(0.9), Sample(0.5), Sample(0.6)]
    verdict = judge(samples, 0.7, at_least=True)
    assert (verdict.verdict, verdict.met_in, verdict.counted) == ("not met", 1, 3)
    assert verdict.spread is not None and verdict.spread.median == 0.6
    # Met in 2 of 3, the median meets it.
    verdict = judge([Sample(0.9), Sample(0.5), Sample(0.8)], 0.7, at_least=True)
    assert (verdict.verdict, verdict.met_in) == ("met", 2)
    # At most: the median 1.8 <= 2.
    assert judge([Sample(1.8), Sample(2.5), Sample(1.1)], 2.0, at_least=False).verdict == "met"


def test_a_missing_repeat_is_not_measured_and_every_run_targets_need_all() -> None:
    assert judge([None, None], 1.0, True).verdict == "not measured"
    # 0 errors in every run: a median of 0 with one run of 3 errors is not met.
    verdict = judge([Sample(0), Sample(3), Sample(0)], 0, at_least=False, every_run=True)
    assert (verdict.verdict, verdict.met_in) == ("not met", 2)
    # A repeat that gave no value at all also fails an every-run target.
    assert judge([Sample(0), None, Sample(0)], 0, False, every_run=True).verdict == "not met"
    assert judge([Sample(0)] * 3, 0, False, every_run=True).verdict == "met"


def test_figures_bound_by_the_generator_do_not_count() -> None:
    bound = [Sample(0.5, bound=True), Sample(0.5, bound=True), Sample(0.5)]
    verdict = judge(bound, 1.0, at_least=False)
    assert verdict.verdict == "generator-bound"
    assert (verdict.met_in, verdict.bound) == (1, 2)
    # One bound run of three: judged on the median, the bound run not counted as met.
    verdict = judge([Sample(0.5, bound=True), Sample(0.5), Sample(0.5)], 1.0, at_least=False)
    assert (verdict.verdict, verdict.met_in) == ("met", 2)


# --- valid runs ----------------------------------------------------------------------------


def _run(**figures: Any) -> dict[str, Any]:
    """A run as bench.measure.summarize writes it, with a few figures set."""
    out: dict[str, Any] = {
        "status": "ok",
        "players": 1000,
        "join": {"rate_per_s": figures.get("join", 1000.0), "health": {"loop_lag_max_ms": 10}},
        "game": {
            "answer_latency_ms": {"p50": 1.0, "p99": figures.get("p99", 10.0), "max": 20.0},
            "fanout_latency_ms": {"p50": figures.get("fanout_p50", 50.0)},
            "fanout_throughput_per_s": 30000.0,
            "health": {"loop_lag_max_ms": 20},
        },
        "server": {
            "fanout_ms": figures.get("fanout_ms", 80.0),
            "answers": {"cpu_us_per_answer": figures.get("per_answer", 100.0)},
            "cpu_us_per_frame_game": 10.0,
            "cpu_s": {"join": 1.0, "game": 2.0},
            "generator_bound": {"join": False, "answers": figures.get("bound", False)},
        },
        "memory": {"kib_per_player": 14.0, "after_game_vs_joined": 1.1},
        "errors": {"total": 0, "by_kind": {}, "missing_messages": {}, "lost_connections": 0},
        "large_room": {},
        "media": None,
    }
    if figures.get("errors"):
        out["errors"] = {
            "total": figures["errors"],
            "by_kind": {"error_internal_error": figures["errors"]},
            "missing_messages": {},
            "lost_connections": 0,
        }
    out["invalid"] = measure.invalid_reasons(out)
    return out


def test_a_run_with_an_error_is_invalid_and_gives_no_ratio() -> None:
    bad = _run(errors=2)
    assert bad["invalid"] == ["2 errors (error_internal_error 2)"]
    assert measure.ratios({"quiz": bad, "floor": _run()}) == {}
    good = measure.ratios({"quiz": _run(join=700.0), "floor": _run(join=1000.0)})
    assert good["quiz_vs_floor"]["join_rate"] == 0.7


def test_other_reasons_a_run_does_not_count() -> None:
    assert measure.invalid_reasons({"status": "failed", "reason": "only 9 of 10 joined"}) == [
        "failed: only 9 of 10 joined"
    ]
    broken = _run()
    broken["large_room"] = {"presence_to_player_in_large_room": 3, "room_joined_list_over_100": 0}
    assert measure.invalid_reasons(broken) == [
        "large-room rule broken: presence_to_player_in_large_room 3"
    ]
    late = _run()
    late["media"] = {"failed": {"http_404": 1}, "never_came": 0}
    assert measure.invalid_reasons(late)[0].startswith("pictures failed")


def _scenarios(reps: list[dict[str, dict[str, Any]]], name: str = "room_5000") -> dict[str, Any]:
    return {
        name: {
            "scenario": {},
            "repeats": [{"order": list(r), "runs": r, "ratios": measure.ratios(r)} for r in reps],
        }
    }


def test_targets_are_judged_from_pairs_of_the_same_repeat() -> None:
    reps = [
        {"quiz": _run(p99=15.0), "floor": _run(p99=10.0)},  # 1.5x: met
        {"quiz": _run(p99=30.0), "floor": _run(p99=10.0)},  # 3x: not met
        {"quiz": _run(p99=12.0, errors=1), "floor": _run(p99=10.0)},  # discarded
        {"quiz": _run(p99=18.0), "floor": _run(p99=10.0)},  # 1.8x: met
    ]
    scenarios = _scenarios(reps)
    ack = next(
        t for t in targets.TARGETS if t.scenario == "room_5000" and "answer_received" in t.label
    )
    verdict = targets.judged(ack, scenarios)
    assert verdict.counted == 3
    assert verdict.met_in == 2
    assert verdict.spread is not None and math.isclose(verdict.spread.median, 1.8)
    assert verdict.verdict == "met"
    table = targets.targets_table(scenarios)
    assert (
        "| answer -> answer_received p99 <= 2 x floor | room_5000 | 1.80x | 1.50x to 3.00x" in table
    )
    assert "2 of 4" in table
    assert aggregate.discarded(scenarios) == [
        ("room_5000", 3, "quiz", ["1 errors (error_internal_error 1)"])
    ]


def test_the_redis_error_target_counts_runs_that_are_invalid() -> None:
    reps = [{"quiz": _run(), "quiz_redis": _run(errors=e)} for e in (0, 4, 0)]
    target = next(t for t in targets.TARGETS if t.scenario == "redis_1000" and "errors" in t.label)
    verdict = targets.judged(target, _scenarios(reps, "redis_1000"))
    assert (verdict.verdict, verdict.met_in, verdict.counted) == ("not met", 2, 3)


# --- the measures at the server ------------------------------------------------------------


def test_cpu_between_two_moments_is_interpolated_between_samples() -> None:
    samples = [(1000.0, 1.0, 5.0), (1100.0, 1.2, 5.1), (1200.0, 1.6, 5.1)]
    assert math.isclose(measure.cpu_between(samples, 1, 1050.0, 1150.0), 0.3)
    assert math.isclose(measure.cpu_between(samples, 2, 1000.0, 1200.0), 0.1)
    assert measure.cpu_between(samples, 1, 0.0, 5000.0) == pytest.approx(0.6)


def test_cpu_per_answer_is_taken_after_the_fan_out_until_the_last_ack() -> None:
    # One question: everyone had it at t=1000; answers acknowledged 1100 to 2000.
    results = [
        {
            "fanout": [["r0", 0, 900.0, [950.0, 1000.0]]],
            "acks": [["r0", 0, 1090.0, 1100.0], ["r0", 0, 1990.0, 2000.0]],
        }
    ]
    sampler = measure.Sampler([], [])
    sampler.samples = [(1000.0, 10.0, 0.0), (2000.0, 10.5, 0.95)]
    out = measure.answer_windows(results, sampler, workers=1)
    assert out["answers"] == 2
    assert out["cpu_us_per_answer"] == pytest.approx(250_000.0)
    assert out["loadgen_busy"] == 0.95  # the generator's core was busy: bound


def test_a_fan_out_is_bound_by_the_clients_only_well_past_the_servers_writes() -> None:
    assert measure.fanout_bound(80.0, 130.0)
    assert not measure.fanout_bound(80.0, 95.0)  # within 1.25 x
    assert not measure.fanout_bound(3.0, 6.0)  # a small room: within 10 ms
    assert not measure.fanout_bound(None, 100.0)


# --- repeats, provenance, --render ---------------------------------------------------------


def test_targets_rotate_so_that_none_always_runs_first() -> None:
    order = ["quiz", "floor", "peer"]
    firsts = [rotated(order, r)[0] for r in range(3)]
    assert sorted(firsts) == sorted(order)
    assert rotated(order, 3) == order
    assert all(sorted(rotated(order, r)) == sorted(order) for r in range(5))


def test_the_full_run_of_three_repeats_fits_in_an_hour() -> None:
    from bench.scenarios import FULL_SET, estimated_seconds

    total = sum(
        estimated_seconds(SCENARIOS[name], target)
        for name in FULL_SET
        for target in SCENARIOS[name].targets
    )
    assert 3 * total < 3600 * 0.85  # a margin for a machine that is not quite quiet


def test_every_full_scenario_runs_the_floor_beside_the_quiz_server() -> None:
    for name in ("room_1000", "room_5000", "room_10000", "burst_5000", "media_5000"):
        assert {"quiz", "floor"} <= set(SCENARIOS[name].targets)
    assert SCENARIOS["room_10000"].teams == 10
    assert "quiz_noteams" in SCENARIOS["room_10000"].targets


def test_the_code_hash_covers_every_file_but_caches_and_results(tmp_path: Path) -> None:
    (tmp_path / "quiz" / "llm" / "bank").mkdir(parents=True)
    (tmp_path / "quiz" / "core.py").write_text("a = 1\n")
    (tmp_path / "quiz" / "llm" / "bank" / "science.json").write_text("[]")
    (tmp_path / "quiz_server.py").write_text("")
    (tmp_path / "bench" / "results").mkdir(parents=True)
    (tmp_path / "bench" / "run.py").write_text("")
    first = provenance.code_hashes(tmp_path)
    (tmp_path / "bench" / "results" / "full.json").write_text("{}")
    (tmp_path / "quiz" / "__pycache__").mkdir()
    (tmp_path / "quiz" / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"x")
    assert provenance.code_hashes(tmp_path) == first
    (tmp_path / "quiz" / "llm" / "bank" / "science.json").write_text("[1]")
    changed = provenance.code_hashes(tmp_path)
    assert changed["quiz"] != first["quiz"] and changed["bench"] == first["bench"]


def _doc(quiz: str, bench: str = "b1") -> dict[str, Any]:
    reps = [{"quiz": _run(), "floor": _run(), "peer": _run()}]
    return {
        "format": 2,
        "started": "2026-12-08 00:00:00",
        "command": "python -m bench.run --all",
        "wall_s": 10.0,
        "repeat": 1,
        "code": {"quiz": quiz, "bench": bench},
        "machine": {"nproc": 2, "packages": {"websockets": "17.4"}},
        "options": {"workers": 1},
        "scenarios": {
            "room_1000": {
                "scenario": {
                    "rooms": 1,
                    "size": 1000,
                    "questions": 3,
                    "delay": {"kind": "uniform", "min": 0, "max": 1},
                },
                "repeats": [
                    {"order": list(r), "runs": r, "ratios": measure.ratios(r)} for r in reps
                ],
            }
        },
    }


def test_render_refuses_files_of_different_code(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="different code"):
        report.render_page([_doc("q1"), _doc("q2")])
    with pytest.raises(ValueError, match="different code"):
        report.render_page([_doc("q1", "b1"), _doc("q1", "b2")])
    old = _doc("q1")
    del old["code"]
    with pytest.raises(ValueError, match="records no hash"):
        report.render_page([old])
    moving = _doc("q1")
    moving["code"]["changed_during_run"] = True
    with pytest.raises(ValueError, match="changed while it ran"):
        report.render_page([moving])


def test_the_command_line_refuses_mixed_files_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "performance.md"
    page.write_text("unchanged")
    monkeypatch.setattr(report, "DOCS", page)
    monkeypatch.setattr(run, "write_docs", lambda docs: report.write_docs(docs, page))
    model = tmp_path / "scaling.md"
    monkeypatch.setattr(scaling, "write_section", lambda text: model.write_text(text))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_doc("q1")))
    b.write_text(json.dumps(_doc("q2")))
    assert run.main(["--render", str(a), str(b)]) == 2
    assert page.read_text() == "unchanged"
    assert run.main(["--render", str(a), str(a)]) == 0  # one code: two files, one table
    assert "**0 of" in page.read_text() or "targets met" in page.read_text()


def test_the_page_is_whole_and_keeps_the_hand_written_history() -> None:
    existing = (
        "# Performance\n\n## What changed for big rooms\n\n1. **Joins.** history\n\n"
        "## Results\n\nold tables\n\n## Media processing\n\nPillow figures\n"
    )
    page = report.render_page([_doc("q1")], existing)
    for part in (
        "## Where we land against the targets",
        "<!-- targets:begin -->",
        "## Discarded runs",
        "0 of 3 runs were discarded",
        "### room_1000",
        "## GC and loop lag of the three servers",
        "| room_1000 | floor |",
        "| room_1000 | peer |",
        "## How it is measured",
        "1. **Joins.** history",
        "Pillow figures",
        "## Commands",
    ):
        assert part in page, part
    assert "old tables" not in page


def test_the_peer_gets_a_json_module_it_can_call_as_the_standard_one() -> None:
    from bench.common import FAST_JSON

    text = FAST_JSON.dumps({"a": [1, "é"]}, separators=(",", ":"))
    assert isinstance(text, str)
    assert FAST_JSON.loads(text) == {"a": [1, "é"]}


# --- the capacity model ----------------------------------------------------------------------


def _costs(**changes: Any) -> scaling.Costs:
    base = {
        "source": "test",
        "cycle_s": 10.0,
        "big_us_per_player_question": 400.0,
        "big_frames_per_player_question": 12.0,
        "big_bytes_per_player_question": 2000.0,
        "big_us_per_frame": 25.0,
        "small_us_per_frame": 50.0,
        "us_per_join": 600.0,
        "kib_per_player": 15.0,
        "redis_extra_us_per_command": 200.0,
        "fold_us_per_command": 20.0,
        "redis_server_us_per_command": 10.0,
        "redis_round_trips_per_command": 0.5,
        "answer_window_s": 8.0,
    }
    return scaling.Costs(**{**base, **changes})


def test_one_room_takes_the_fewest_servers_within_the_budget() -> None:
    # Budget 5 s a question; the fold of 100,000 commands at 20 us is 2 s, so the
    # players' 40 s of work must fit in 3 s a server: 14 servers.
    room = scaling.one_room(_costs(redis_server_us_per_command=2.0))
    assert room.servers == 14
    assert room.server_share <= scaling.UTILIZATION
    assert room.ceiling == 250_000  # 5 s / 20 us
    assert room.bottleneck == "the servers' CPU for their own players"
    # Redis: 100,000 commands x 10 us x 14/2 readers = 7 s a question: the shard.
    shard = scaling.one_room(_costs(redis_server_us_per_command=10.0))
    assert (shard.servers, shard.bottleneck) == (14, "the room's Redis shard")
    assert shard.redis_share == pytest.approx(0.7)
    assert "cannot carry" in scaling.render_model(_costs(redis_server_us_per_command=10.0))


def test_a_fold_over_the_budget_leaves_no_number_of_servers() -> None:
    room = scaling.one_room(_costs(fold_us_per_command=60.0))  # 6 s > 5 s
    assert room.servers is None
    assert room.ceiling == 83_333
    assert room.bottleneck == "every server folds every command of the room"
    assert "No number of servers carries it" in scaling.render_model(
        _costs(fold_us_per_command=60.0)
    )


def test_many_small_rooms_scale_by_servers_and_shards() -> None:
    rooms = scaling.many_rooms(_costs())
    # 4 frames + 40 counts (8 s at one per 200 ms) at 50 us: 2.2 ms a player a question.
    assert rooms.frames_per_player_question == 44
    assert rooms.players_per_server == 2272
    assert rooms.servers == 441
    assert rooms.commands_per_s == 100_000
    assert rooms.redis_shards == 1  # 100,000 x 5 us = 0.5 s a second
    assert scaling.many_rooms(_costs(redis_server_us_per_command=None)).redis_shards is None
