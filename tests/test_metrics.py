"""/metrics in Prometheus text format, over HTTP from real servers."""

from __future__ import annotations

import asyncio
import gc
import json

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Harness, StartServer
from tests.http_client import http_request


async def scrape(harness: Harness) -> dict[str, float]:
    """Every sample by ``name{label=value,...}``, as a Prometheus server would parse it."""
    reply = await http_request(harness.server.port, "/metrics")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/plain; version=")
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(reply.body.decode()):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            samples[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return samples


async def test_metrics_count_rooms_players_commands_and_frames(quiz: Harness) -> None:
    host, p1, p2 = await quiz.room(3)
    await host.request_any("start_game")
    for p in (host, p1, p2):
        await p.expect("question", question_index=0)
    await p1.request_any("submit_answer", question_index=0, answer=1)
    m = await scrape(quiz)
    assert m["quiz_rooms"] == 1
    assert m["quiz_connections"] == 3
    assert m["quiz_players"] == 3
    assert m["quiz_commands_total{kind=create_room}"] == 1
    assert m["quiz_commands_total{kind=join_room}"] == 2
    assert m["quiz_commands_total{kind=start_game}"] == 1
    assert m["quiz_commands_total{kind=submit_answer}"] == 1
    frames = m["quiz_frames_out_total"]
    # At least: 3 replies, player_joined twice to the host and once to P1, the ack,
    # a question to each and the answer's receipt.
    assert frames >= 3 + 3 + 1 + 3 + 1
    assert m["quiz_bytes_out_total"] > 50 * frames
    await p2.close()
    await host.expect("player_disconnected")
    m = await scrape(quiz)
    assert m["quiz_connections"] == 2 and m["quiz_players"] == 2


async def test_bytes_out_counts_utf8_bytes(quiz: Harness) -> None:
    host = await quiz.player()
    before = (await scrape(quiz))["quiz_bytes_out_total"]
    await host.create("Zoë 🎉")
    after = (await scrape(quiz))["quiz_bytes_out_total"]
    assert host.log[-1]["type"] == "room_created"
    # The reply is the only frame sent between the scrapes, and it holds the name:
    # counted as characters it would fall short of its UTF-8 size.
    reply = next(m for m in host.log if m["type"] == "room_created")
    encoded = json.dumps(reply, separators=(",", ":"), ensure_ascii=False).encode()
    assert after - before == len(encoded)


async def test_loop_lag_and_gc_pauses_are_timed(quiz: Harness) -> None:
    lag = quiz.server.loop_lag
    sampled = asyncio.Event()
    observe = lag.on_sample
    assert observe is not None

    def on_sample(seconds: float) -> None:
        observe(seconds)
        sampled.set()

    lag.on_sample = on_sample
    await asyncio.wait_for(sampled.wait(), 5)
    gc.collect()
    m = await scrape(quiz)
    assert m["quiz_event_loop_lag_seconds_count"] >= 1
    assert m["quiz_gc_pause_seconds_count{generation=2}"] >= 1
    assert m["quiz_gc_pause_seconds_sum{generation=2}"] > 0
    assert m["quiz_gc_pause_max_seconds"] > 0


async def test_each_server_has_its_own_registry(start_server: StartServer) -> None:
    a = await start_server()
    b = await start_server()
    await a.room(2)
    ma, mb = await scrape(a), await scrape(b)
    assert ma["quiz_rooms"] == 1 and ma["quiz_commands_total{kind=join_room}"] == 1
    assert mb["quiz_rooms"] == 0 and "quiz_commands_total{kind=join_room}" not in mb


async def test_redis_round_trips_and_forwards(redis_server, start_server: StartServer) -> None:
    a = await start_server(redis_url=redis_server.url, server_id="a")
    b = await start_server(redis_url=redis_server.url, server_id="b")
    host = await a.player()
    await host.create("Host")
    p1 = await b.player()
    await p1.join(host.room_id, "P1")
    ma, mb = await scrape(a), await scrape(b)
    assert ma["quiz_redis_round_trip_seconds_count"] >= 2  # the create and the join's append
    assert ma["quiz_rooms_owned_total"] == 1
    assert mb["quiz_commands_forwarded_total"] == 1
    assert mb["quiz_takeovers_total"] == 0 and mb["quiz_redis_errors_total"] == 0
