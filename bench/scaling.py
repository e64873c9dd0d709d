"""Beyond one machine, on paper: a model of big deployments from the benchmark's measured costs.

    python -m bench.scaling bench/results/full.json            # print the model
    python -m bench.scaling bench/results/full.json --write    # into docs/scaling.md

Two cases: 100,000 players in one room over N servers sharing Redis, and
1,000,000 players in 10,000 rooms of 100. The inputs are measured (server
CPU per player and question, per frame, per join, the Redis mode's extra
CPU per command and its Redis round trips per command, bytes and memory
per player); the rules are the architecture's (docs/scaling.md, "How it
works": one owner per room; every server with players in a room folds
every command of it; a room's keys live on one Redis shard) and the
protocol's (what a player is sent per question). ``--render`` of the
benchmark rewrites the section from the run it renders.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.provenance import ROOT

DOC = ROOT / "docs" / "scaling.md"
BEGIN, END = "<!-- model:begin -->", "<!-- model:end -->"
# The share of one core a server process (or redis-server) may use on
# average through a question: the rest absorbs the bursts (a question's
# fan-out, its results, the answers of its first seconds) within the loop
# lags the benchmark holds (100 ms).
UTILIZATION = 0.5
PROGRESS_S = 0.2  # a small room's answer_progress at most every 200 ms (protocol)


@dataclass(frozen=True)
class Costs:
    """What the model needs, measured; ``source`` says where each came from."""

    source: str
    cycle_s: float  # one question's cycle in the big room: game seconds / questions
    big_us_per_player_question: float  # server CPU, one room of 10,000, all of the game's work
    big_frames_per_player_question: float
    big_bytes_per_player_question: float
    big_us_per_frame: float  # server CPU per frame sent, room of 10,000, all-in
    small_us_per_frame: float  # server CPU per frame sent, many small rooms, all-in
    us_per_join: float  # server CPU per player seated (handshake included)
    kib_per_player: float
    redis_extra_us_per_command: float  # (two servers + Redis) - (one server), per command
    fold_us_per_command: float  # a server folding a command of a room it does not own
    redis_server_us_per_command: float | None  # redis-server alone, where measured
    redis_round_trips_per_command: float | None
    answer_window_s: float  # the answers of a question come over about this long


def _median(values: list[float]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _runs(doc: dict[str, Any], scenario: str, target: str) -> list[dict[str, Any]]:
    """A target's valid runs in a scenario, in either result-file format."""
    scn = doc["scenarios"].get(scenario) or {}
    if "repeats" in scn:
        found = [rep["runs"].get(target) for rep in scn["repeats"]]
        return [r for r in found if r and not r.get("invalid") and "game" in r]
    run = (scn.get("runs") or {}).get(target)
    return [run] if run and run.get("status") == "ok" and "game" in run else []


def _cpu(run: dict[str, Any], phase: str) -> float:
    server = run.get("server") or {}
    if "cpu_s" in server:
        return float(server["cpu_s"][phase])
    return float(run[phase]["server_cpu_s"])  # format 1


def _frames(run: dict[str, Any]) -> float:
    server = run.get("server") or {}
    if server.get("frames_sent_game"):
        return float(server["frames_sent_game"])
    end = run["server_counters"]["end"]
    end = end[0] if isinstance(end, list) else end
    joined = run["server_counters"]["joined"]
    joined = joined[0] if isinstance(joined, list) else joined
    return float(end.get("frames_out", 0) - (joined or {}).get("frames_out", 0))


def _commands(run: dict[str, Any]) -> int:
    """Commands the servers received in the game (format 1: those the owner logged)."""
    server = run.get("server") or {}
    if server.get("commands_game"):
        return int(server["commands_game"])
    end = (run.get("server_counters") or {}).get("end") or {}
    end = end[0] if isinstance(end, list) else end
    return int(end.get("commands_logged", 0))


def _questions(doc: dict[str, Any], scenario: str) -> int:
    return int(doc["scenarios"][scenario]["scenario"]["questions"])


def costs(doc: dict[str, Any], source: str) -> Costs:
    """The model's inputs from a result file: medians over its valid runs."""
    big, small = _runs(doc, "room_10000", "quiz"), _runs(doc, "rooms_1000x5", "quiz")
    single, redis = _runs(doc, "redis_5000", "quiz"), _runs(doc, "redis_5000", "quiz_redis")
    if not big or not small or not single or not redis:
        raise ValueError("the model needs valid quiz runs of room_10000, rooms_1000x5, redis_5000")
    q_big = _questions(doc, "room_10000")
    q_redis = _questions(doc, "redis_5000")

    def per_pq(runs: list[dict[str, Any]], q: int, value: Any) -> float:
        return float(_median([value(r) / (r["players"] * q) for r in runs]) or 0.0)

    commands = [_commands(r) or r["players"] * q_redis for r in redis]
    extra = _median(
        [
            (_cpu(r, "game") - _cpu(s, "game")) / c * 1e6
            for r, s, c in zip(redis, single, commands, strict=False)
        ]
    )
    by_process = [
        ((r.get("server") or {}).get("cpu_s_game_by_process") or {}, _cpu(s, "game"), c)
        for r, s, c in zip(redis, single, commands, strict=False)
    ]
    by_process = [(p, one, c) for p, one, c in by_process if p]
    redis_alone = _median(
        [sum(v for k, v in p.items() if k.startswith("redis")) / c * 1e6 for p, _, c in by_process]
    )
    # The follower (the second quiz server in the run's order: the host joins
    # the first, which owns the room) does half the players' work of one
    # server, and folds every command.
    fold = _median(
        [
            ([v for k, v in p.items() if k.startswith("quiz")][1] - one / 2) / c * 1e6
            for p, one, c in by_process
            if sum(1 for k in p if k.startswith("quiz")) == 2
        ]
    )
    trips = _median(
        [
            r["server"]["redis_round_trips_game"] / c
            for r, c in zip(redis, commands, strict=False)
            if (r.get("server") or {}).get("redis_round_trips_game")
        ]
    )
    delay = doc["scenarios"]["room_10000"]["scenario"]["delay"]
    return Costs(
        source=source,
        cycle_s=float(_median([r["game"]["seconds"] / q_big for r in big]) or 0.0),
        big_us_per_player_question=per_pq(big, q_big, lambda r: _cpu(r, "game") * 1e6),
        big_frames_per_player_question=per_pq(big, q_big, _frames),
        big_bytes_per_player_question=per_pq(big, q_big, lambda r: r["game"]["bytes_delivered"]),
        big_us_per_frame=float(_median([_cpu(r, "game") / _frames(r) * 1e6 for r in big]) or 0),
        small_us_per_frame=float(_median([_cpu(r, "game") / _frames(r) * 1e6 for r in small]) or 0),
        us_per_join=float(_median([_cpu(r, "join") / r["players"] * 1e6 for r in big]) or 0.0),
        kib_per_player=float(_median([r["memory"]["kib_per_player"] for r in big]) or 0.0),
        redis_extra_us_per_command=float(extra or 0.0),
        # Not measured apart (format 1): the whole extra, less redis-server's, over
        # the two servers, an upper bound.
        fold_us_per_command=float(
            fold if fold is not None else max(0.0, (extra or 0.0) - (redis_alone or 0.0)) / 2
        ),
        redis_server_us_per_command=redis_alone,
        redis_round_trips_per_command=trips,
        answer_window_s=float(delay.get("max", 8.0)),
    )


@dataclass(frozen=True)
class OneRoom:
    players: int
    fold_us: float  # CPU a server spends folding one command of the room
    ceiling: int  # the largest room whose fold alone fits a server's budget
    servers: int | None  # None: no number of servers carries the room
    server_share: float  # a server's share of a core through a question, at ``servers``
    redis_share: float  # redis-server's share of a core (one shard: the room's)
    bottleneck: str
    network_servers: int  # servers the players' own work needs, fold aside
    mbit_per_server: float
    gib_per_server: float


def one_room(c: Costs, players: int = 100_000, max_servers: int = 1000) -> OneRoom:
    """``players`` in one room over N servers: the fewest N that keeps every server
    and the room's Redis shard within :data:`UTILIZATION`.

    A server's CPU per question: its share of the players' work (fan-out,
    answers: ``big_us_per_player_question``), plus folding every command of
    the room (every server applies the room's log). Redis: every command is
    written once and read by each of the N servers; a room's keys share one
    hash slot, so one shard carries it whatever the cluster's size.
    """
    budget = UTILIZATION * c.cycle_s
    redis_us = c.redis_server_us_per_command or 0.0
    fold_us = c.fold_us_per_command
    fold_s = players * fold_us * 1e-6
    ceiling = int(budget / (fold_us * 1e-6)) if fold_us else players * max_servers
    servers = None
    for n in range(1, max_servers + 1):
        share = (players / n * c.big_us_per_player_question * 1e-6 + fold_s) / c.cycle_s
        if share <= UTILIZATION:
            servers = n
            break
    n = servers or max_servers
    share = (players / n * c.big_us_per_player_question * 1e-6 + fold_s) / c.cycle_s
    # Reads grow with the servers reading the log: measured with 2.
    redis_share = players * redis_us * max(1.0, n / 2) * 1e-6 / c.cycle_s
    if servers is None:
        bottleneck = "every server folds every command of the room"
    elif redis_share > UTILIZATION:
        bottleneck = "the room's Redis shard"
    else:
        bottleneck = "the servers' CPU for their own players"
    own = servers or math.ceil(players * c.big_us_per_player_question * 1e-6 / budget)
    mbit = players / own * c.big_bytes_per_player_question * 8 / c.cycle_s / 1e6
    return OneRoom(
        players,
        fold_us,
        ceiling,
        servers,
        share,
        redis_share,
        bottleneck,
        own,
        mbit,
        players / own * c.kib_per_player / 2**20,
    )


@dataclass(frozen=True)
class ManyRooms:
    players: int
    rooms: int
    frames_per_player_question: float
    us_per_player_question: float
    players_per_server: int
    servers: int
    commands_per_s: float
    redis_shards: int | None  # None: redis-server's CPU was not measured apart
    redis_round_trips_per_s: float | None


def many_rooms(
    c: Costs, players: int = 1_000_000, size: int = 100, frame_us: float | None = None
) -> ManyRooms:
    """``players`` in rooms of ``size``, each room's players on its owner's server.

    A room of 100 is not large (protocol 1.1: above 100): every player gets
    the question, an acknowledgement, ``answer_progress`` at most every
    200 ms while the answers come, the result and its own result. Rooms
    hash over Redis shards (``{ROOM}``), so shards add capacity linearly.
    """
    progress = min(size, c.answer_window_s / PROGRESS_S)
    frames = 4 + progress
    us = frames * (frame_us or c.small_us_per_frame)
    per_server = int(UTILIZATION * c.cycle_s / (us * 1e-6))
    servers = math.ceil(players / per_server)
    commands = players / c.cycle_s  # one answer a player a question
    # With each room on one server, one reader of its log: half the measured two.
    shards = None
    if c.redis_server_us_per_command is not None:
        redis_us = c.redis_server_us_per_command / 2
        shards = max(1, math.ceil(commands * redis_us * 1e-6 / UTILIZATION))
    trips = commands * c.redis_round_trips_per_command if c.redis_round_trips_per_command else None
    return ManyRooms(
        players, players // size, frames, us, per_server, servers, commands, shards, trips
    )


def _para(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), width=76, break_on_hyphens=False)


def render_model(c: Costs) -> str:
    """The docs/scaling.md section, numbers from ``c``."""
    a, b = one_room(c), many_rooms(c)
    b_low = many_rooms(c, frame_us=c.big_us_per_frame)
    if c.redis_server_us_per_command is not None:
        redis_alone = f"{c.redis_server_us_per_command:,.0f} µs of it in redis-server"
    else:
        redis_alone = (
            "redis-server's share not measured apart in this file: all of it is "
            "charged to the servers' folding, an upper bound"
        )
    trips = c.redis_round_trips_per_command
    fold_s = a.players * a.fold_us / 1e6
    budget = UTILIZATION * c.cycle_s
    if a.servers is None:
        room = f"""**No number of servers carries it.** Every server folds every
        command of the room, {a.fold_us:,.0f} µs each: {a.players:,} answers cost each
        server {fold_s:,.1f} s of CPU per question before it sends a single frame,
        against a budget of {budget:,.1f} s. The largest room this design carries is
        about **{a.ceiling:,} players**, whatever the number of servers. The first
        bottleneck is the fold, not the owner, Redis or the network: 100,000 in one
        room needs followers that relay the owner's outputs instead of applying its
        commands (or a tree of relays)."""
        if c.redis_server_us_per_command is None:
            room += """ (This file did not record the processes apart, so the fold's
            cost above is an upper bound and the true ceiling may be higher: a
            result file of the current benchmark separates them.)"""
    elif a.bottleneck == "the room's Redis shard":
        room = f"""{a.servers} servers would carry the players and the fold, but **the
        room's Redis shard cannot carry it**: every command is read by each of the
        {a.servers} servers, {a.redis_share:.0%} of a core against {UTILIZATION:.0%}, and a
        room's keys share one hash slot, so more shards do not help one room. The
        first bottleneck is Redis: fewer readers (followers that relay the
        owner's outputs) or a log read once per machine would lift it."""
    else:
        room = f"""**{a.servers} servers** (processes of one core each), each at
        {a.server_share:.0%} of its core through a question, of which the fold of the
        room's {a.players:,} commands is {fold_s:,.1f} s; the room's Redis shard at
        {a.redis_share:.0%} of a core (a room's keys share one hash slot: more shards
        do not help one room). First bottleneck: {a.bottleneck}. The fold caps one
        room at about {a.ceiling:,} players whatever the number of servers."""
    network = f"""Without the fold, {a.network_servers} servers would carry the players'
    own work; each would then send {a.mbit_per_server:,.1f} Mbit/s on average and
    hold {a.gib_per_server:,.2f} GiB of connections: the network and memory are
    nowhere near a limit."""
    intro = f"""On paper, from costs the benchmark measured ({c.source}), and the
    rules of this design: one owner per room; every server with players in a
    room folds every command of it; a room's keys live on one Redis shard; and
    what the protocol sends a player per question. A server process runs on one
    core and may use {UTILIZATION:.0%} of it on average through a question (the
    rest absorbs a question's fan-out, its results and the first seconds of
    answers within 100 ms of loop lag). `python -m bench.scaling FILE --write`
    (and the benchmark's `--render`) recompute this section from a result
    file."""
    one = f"""**100,000 players in one room.** A server's CPU per question is its
    share of the players (fan-out, answers, counts: {c.big_us_per_player_question:,.0f} µs
    a player) plus the fold of all {a.players:,} answers ({a.fold_us:,.0f} µs each)."""
    trips_text = (
        f"about {b.redis_round_trips_per_s:,.0f} round trips a second"
        if b.redis_round_trips_per_s
        else "round trips per command not recorded in this file"
    )
    shards_text = (
        f"**{b.redis_shards} Redis shard(s)** at {UTILIZATION:.0%}"
        if b.redis_shards is not None
        else "the shards it needs are not known from this file (redis-server's own "
        "CPU was not recorded apart)"
    )
    many = f"""**1,000,000 players in {b.rooms:,} rooms of 100**, each room's players on
    its owner (a room's link names its server, or a proxy routes by room code:
    players of one room spread over many servers make each of them fold the
    room's commands). A room of 100 is not large: a player gets about
    {b.frames_per_player_question:,.0f} frames a question (the question, the acknowledgement,
    `answer_progress` every 200 ms while answers come, the result, its own
    result). At {c.small_us_per_frame:,.1f} µs a frame (all-in, rooms of 5: an upper bound)
    that is {b.players_per_server:,} players a server and **{b.servers:,} servers**; at the
    big room's {c.big_us_per_frame:,.1f} µs a frame (a lower bound) {b_low.servers:,}
    servers. Joins add {c.us_per_join:,.0f} µs a seat: a million seats in a minute is
    {1_000_000 * c.us_per_join / 1e6 / 60:,.1f} cores for that minute. Redis takes
    {b.commands_per_s:,.0f} commands a second ({trips_text}): {shards_text}, more as
    rooms are added, since rooms hash over the shards. The first bottleneck is
    the servers' CPU for the small rooms' frames (`answer_progress` above
    all), linear in players: add servers."""
    rows = [
        (
            "a question's cycle in a room of 10,000 (answers, results, reveal)",
            f"{c.cycle_s:,.1f} s",
        ),
        (
            "server CPU per player per question, room of 10,000 (every frame, answer, count)",
            f"{c.big_us_per_player_question:,.0f} µs",
        ),
        (
            "frames per player per question, room of 10,000",
            f"{c.big_frames_per_player_question:,.1f}",
        ),
        ("server CPU per frame sent, room of 10,000 (all-in)", f"{c.big_us_per_frame:,.1f} µs"),
        (
            "bytes per player per question, room of 10,000",
            f"{c.big_bytes_per_player_question:,.0f}",
        ),
        ("server CPU per frame sent, 1,000 rooms of 5 (all-in)", f"{c.small_us_per_frame:,.1f} µs"),
        ("server CPU per player seated (handshake included)", f"{c.us_per_join:,.0f} µs"),
        ("memory per idle player", f"{c.kib_per_player:,.1f} KiB"),
        (
            "Redis mode: extra CPU per command, two servers and Redis over one server",
            f"{c.redis_extra_us_per_command:,.0f} µs ({redis_alone})",
        ),
        (
            "Redis mode: a follower's CPU to fold one command of the room",
            f"{c.fold_us_per_command:,.0f} µs"
            + ("" if c.redis_server_us_per_command is not None else " (upper bound)"),
        ),
        (
            "Redis round trips per command (every call of both servers)",
            f"{trips:.2f}" if trips is not None else "not recorded in this file",
        ),
    ]
    table = "\n".join(
        ["| measured input | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    )
    body = "\n\n".join(
        [
            "## Capacity model: 100,000 in one room, 1,000,000 in 10,000 rooms",
            _para(intro),
            table,
            _para(one + " " + room),
            _para(network),
            _para(many),
        ]
    )
    return f"{BEGIN}\n\n{body}\n\n{END}"


def write_section(text: str, path: Path = DOC) -> None:
    """Put the model's section into docs/scaling.md (replacing its last version)."""
    doc = path.read_text()
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        doc = head + text + rest.split(END, 1)[1]
    else:
        marker = "\n## Limits"
        head, sep, rest = doc.partition(marker)
        doc = head.rstrip() + "\n\n" + text + "\n" + sep + rest if sep else doc + "\n" + text
    path.write_text(doc)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.scaling", description=__doc__.split("\n")[0])
    p.add_argument("result", type=Path)
    p.add_argument("--write", action="store_true", help="into docs/scaling.md")
    args = p.parse_args(argv)
    doc = json.loads(args.result.read_text())
    code = (doc.get("code") or {}).get("quiz") or (doc.get("machine") or {}).get("quiz_code_sha256")
    source = f"`{args.result.relative_to(ROOT) if args.result.is_absolute() else args.result}`"
    source += f", quiz code `{code}`" if code else ""
    text = render_model(costs(doc, source))
    if args.write:
        write_section(text)
        print(f"wrote {DOC}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
