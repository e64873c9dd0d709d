"""The limits on entering rooms on their own, on a clock the test moves:
the allowances of a connection and an address, and the gate on room codes
(only misses cost; a known code never waits; a crowd goes first).

The same rules over real sockets, with a crowd and a guesser behind one
address, are in tests/test_hostile_venue.py.
"""

from __future__ import annotations

import asyncio

import pytest

from quiz.core.commands import CreateRoom, JoinRoom, Rejoin
from quiz.core.settings import RoomSettings
from quiz.net.code_gate import HOLD_S, CodeGate, Grant
from quiz.net.entry_limits import EntryLimits, EntryRules, Refusal
from tests.clock import ManualClock

MISS = '{"type":"error","code":"room_not_found","message":"no"}'
WRONG_TOKEN = '{"type":"error","code":"invalid_token","message":"no"}'


def test_an_address_allowance_refills_over_the_minute() -> None:
    limits = EntryLimits(EntryRules(create_per_minute=3))
    conns = [limits.connection() for _ in range(5)]
    create = CreateRoom("N", RoomSettings())
    refusals = [limits.check(c, "1.2.3.4", create, 0.0) for c in conns]
    assert refusals[:3] == [None, None, None] and all(refusals[3:])
    refused = refusals[3]
    assert refused is not None and refused.reason == "rooms_created"
    assert refused.retry_after_ms == 20_000  # one back every 20 s
    assert limits.check(conns[4], "1.2.3.4", create, 19.0) is not None
    assert limits.check(conns[4], "1.2.3.4", create, 20.5) is None
    assert limits.check(limits.connection(), "5.6.7.8", create, 0.0) is None


def test_joins_past_the_burst_are_told_when_to_come_back_one_by_one() -> None:
    # 3 at once, then one a second: the crowd is given successive seconds,
    # not all the same moment.
    limits = EntryLimits(EntryRules(join_per_minute=60, join_burst=3))
    replies = [limits.join(limits.connection(), "venue", 0.0) for _ in range(6)]
    assert replies[:3] == [None, None, None]
    assert [r.retry_after_ms for r in replies[3:] if r] == [1000, 2000, 3000]
    assert {r.reason for r in replies[3:] if r} == {"joins"}
    # Coming back when told, each gets in.
    for at in (1.0, 2.0, 3.0):
        assert limits.join(limits.connection(), "venue", at) is None
    # Another address has its own allowance.
    assert limits.join(limits.connection(), "elsewhere", 0.0) is None
    # One connection: ten joins a minute (a name taken, another name...).
    limits = EntryLimits(EntryRules())
    phone = limits.connection()
    assert [limits.join(phone, "home", 0.0) for _ in range(10)] == [None] * 10
    refused = limits.join(phone, "home", 0.0)
    assert refused is not None and refused.retry_after_ms == 6_000


def test_wrong_guesses_cost_their_connection_only() -> None:
    limits = EntryLimits(EntryRules())
    guesser, pupil = limits.connection(), limits.connection()
    join, rejoin = JoinRoom("ZZZZZ", "G"), Rejoin("ABCDE", "t")
    for _ in range(10):
        assert limits.check(guesser, "school", rejoin, 0.0) is None
        assert limits.settle(guesser, rejoin, WRONG_TOKEN, 0.0)
    refused = limits.check(guesser, "school", join, 0.0)
    assert refused is not None and refused.reason == "wrong_codes"
    assert refused.retry_after_ms == 6_000  # its allowance: 10 a minute
    assert limits.check(guesser, "school", join, 6.0) is None
    # The same address, another connection: never refused for it.
    assert limits.check(pupil, "school", rejoin, 0.0) is None
    assert limits.check(pupil, "school", JoinRoom("ABCDE", "P"), 0.0) is None
    assert not limits.settle(pupil, rejoin, '{"type":"room_joined"}', 0.0)


def test_the_address_table_is_bounded() -> None:
    limits = EntryLimits(EntryRules(create_per_minute=1), max_addresses=100)
    create = CreateRoom("N", RoomSettings())
    for i in range(1000):
        limits.check(limits.connection(), f"10.0.{i // 256}.{i % 256}", create, 0.0)
    assert len(limits._by_address) <= 100


# The gate on room codes.


async def settle_all(gate: CodeGate, grants: list[Grant | Refusal | None], found: bool) -> None:
    for grant in grants:
        if isinstance(grant, Grant):
            gate.settle(grant, found)


async def test_a_known_code_never_waits_whatever_the_misses() -> None:
    clock = ManualClock()
    gate = CodeGate(2, 100, clock)
    gate.learn("school", "ROOMS", clock.monotonic())
    for code in ("AAAA1", "AAAA2"):
        grant = await gate.admit("school", code)
        assert isinstance(grant, Grant)
        gate.settle(grant, False)
    # The address's allowance is spent: another unknown code waits...
    waiting = asyncio.ensure_future(gate.admit("school", "AAAA3"))
    await asyncio.sleep(0)
    assert not waiting.done()
    # ...but the school's own room is looked up at once.
    assert await asyncio.wait_for(gate.admit("school", "ROOMS"), 1) is None
    clock.advance(int(HOLD_S * 1000))  # the guess gives up, unanswered
    refused = await waiting
    assert isinstance(refused, Refusal) and refused.reason == "wrong_codes"
    assert refused.retry_after_ms > 0


async def test_a_found_room_gives_the_allowance_back() -> None:
    clock = ManualClock()
    gate = CodeGate(1, 100, clock)
    for code in ("RIGHT", "RIGHT2", "RIGHT3"):
        grant = await asyncio.wait_for(gate.admit("school", code), 1)
        assert isinstance(grant, Grant), code  # never waits: nothing was spent
        gate.settle(grant, True)
        assert gate.known("school", code, clock.monotonic())
    assert gate.misses == 0


async def test_the_code_most_connections_wait_for_goes_first() -> None:
    clock = ManualClock()
    gate = CodeGate(12, 1000, clock)  # one every 5 s after 12
    spent = [await gate.admit("school", f"GUES{i}") for i in range(12)]
    await settle_all(gate, spent, False)
    # A script's guesses wait, one connection each, the oldest first...
    guesses = [asyncio.ensure_future(gate.admit("school", f"MORE{i}")) for i in range(3)]
    await asyncio.sleep(0)
    # ...then a class types its room's code: the most wanted goes first.
    crowd = [asyncio.ensure_future(gate.admit("school", "CLASS")) for _ in range(20)]
    await asyncio.sleep(0)
    clock.advance(4_000)
    await asyncio.sleep(0)
    assert not any(t.done() for t in crowd + guesses)
    clock.advance(1_000)  # one allowance back
    granted = await asyncio.wait_for(asyncio.gather(*crowd), 1)
    assert all(g is granted[0] and isinstance(g, Grant) for g in granted)  # one lookup
    assert not any(t.done() for t in guesses)
    gate.settle(granted[0], True)  # found: the allowance comes back at once
    first = await asyncio.wait_for(guesses[0], 1)
    assert isinstance(first, Grant) and first.code == "MORE0"
    gate.settle(first, False)
    assert gate.known("school", "CLASS", clock.monotonic())
    assert await gate.admit("school", "CLASS") is None
    for task in guesses[1:]:
        task.cancel()


async def test_a_guesser_is_held_to_the_allowance_whatever_its_connections() -> None:
    """1,000 connections at one address, each guessing as fast as it is
    answered, for ten simulated minutes: misses = burst + rate x time."""
    clock = ManualClock()
    per_minute = 10
    gate = CodeGate(per_minute, 30, clock)
    looked_up = 0

    async def connection(i: int) -> None:
        nonlocal looked_up
        n = 0
        while True:
            n += 1
            grant = await gate.admit("school", f"{i:03d}{n:02d}")
            if isinstance(grant, Grant):
                looked_up += 1
                gate.settle(grant, False)
            await asyncio.sleep(0)  # a socket's round trip, at the least

    tasks = [asyncio.ensure_future(connection(i)) for i in range(1000)]
    for _ in range(600):  # ten minutes, a second at a time
        await asyncio.sleep(0)
        clock.advance(1000)
    await asyncio.sleep(0)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert looked_up <= per_minute + per_minute * 10
    assert looked_up >= per_minute * 10  # held to it, not below it


async def test_the_server_allowance_holds_many_addresses_and_spares_clean_ones() -> None:
    clock = ManualClock()
    gate = CodeGate(10, 3, clock)  # the server: 3 a minute for addresses that missed
    looked_up = 0
    for i in range(100):  # 100 addresses, three guesses each, at once
        for n in range(3):
            task = asyncio.ensure_future(gate.admit(f"10.0.0.{i}", f"{i:03d}{n}X"))
            await asyncio.sleep(0)
            if task.done():
                grant = task.result()
                assert isinstance(grant, Grant)
                looked_up += 1
                gate.settle(grant, False)
            else:
                task.cancel()  # it would wait for the server's allowance
    # Each address's first miss, then the server's burst: nothing more.
    assert looked_up == 100 + 3
    await asyncio.sleep(0)
    assert gate._waiting == 0  # the cancelled ones left the queue
    # An address that never missed is not held back by the others.
    grant = await gate.admit("venue", "VENUE")
    assert isinstance(grant, Grant)


@pytest.mark.parametrize("found", [True, None])
async def test_a_lookup_that_found_a_room_or_none_at_all_costs_nothing(found: bool | None) -> None:
    clock = ManualClock()
    gate = CodeGate(1, 1, clock)
    for _ in range(5):
        grant = await asyncio.wait_for(gate.admit("a", "CODE1"), 1)
        assert isinstance(grant, Grant)
        gate.settle(grant, found)
        gate.forget("a", "CODE1")
