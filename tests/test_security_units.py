"""The pure security modules on their own: limits with a clock, the client
address behind proxies, origins, names. The socket-level tests are in
tests/test_hostile_*.py."""

from __future__ import annotations

import pytest

from quiz.core.commands import CreateRoom, JoinRoom, Rejoin
from quiz.core.settings import RoomSettings
from quiz.net.entry_limits import EntryLimits, EntryRules
from quiz.net.origin import OriginPolicy, Verdict, normalize
from quiz.net.peers import peer_info
from quiz.wire.names import BadName, clean_name, name_index


def create() -> CreateRoom:
    return CreateRoom("N", RoomSettings())


def test_an_address_allowance_refills_over_the_minute() -> None:
    limits = EntryLimits(EntryRules(create_per_minute=3))
    conns = [limits.connection() for _ in range(5)]
    refusals = [limits.check(c, "1.2.3.4", create(), 0.0) for c in conns]
    assert refusals[:3] == [None, None, None] and all(refusals[3:])
    assert limits.check(conns[4], "1.2.3.4", create(), 19.0) is not None
    assert limits.check(conns[4], "1.2.3.4", create(), 20.5) is None  # one back after 20 s
    assert limits.check(limits.connection(), "5.6.7.8", create(), 0.0) is None


def test_wrong_guesses_close_joins_and_rejoins_until_they_refill() -> None:
    limits = EntryLimits(EntryRules(wrong_code_per_minute=2))
    conn = limits.connection()
    join, rejoin = JoinRoom("ABCDE", "N"), Rejoin("ABCDE", "t")
    miss = '{"type":"error","code":"room_not_found","message":"no"}'
    for now in (0.0, 1.0):
        assert limits.check(conn, "a", join, now) is None
        limits.settle(conn, "a", join, miss, now)
    assert limits.check(conn, "a", rejoin, 2.0) is not None
    assert limits.check(limits.connection(), "a", join, 2.0) is not None  # same address
    assert limits.check(conn, "a", join, 31.0) is None  # half a minute: one guess back
    # A right answer costs nothing.
    limits.settle(conn, "a", rejoin, '{"type":"room_joined"}', 31.0)


def test_the_address_table_is_bounded() -> None:
    limits = EntryLimits(EntryRules(create_per_minute=1), max_addresses=100)
    for i in range(1000):
        limits.check(limits.connection(), f"10.0.{i // 256}.{i % 256}", create(), 0.0)
    assert len(limits._by_address) <= 100


@pytest.mark.parametrize(
    ("forwarded", "hops", "address"),
    [
        (None, 1, "10.0.0.9"),
        ("1.1.1.1", 0, "10.0.0.9"),  # not trusted
        ("1.1.1.1", 1, "1.1.1.1"),
        ("6.6.6.6, 1.1.1.1", 1, "1.1.1.1"),  # the client wrote 6.6.6.6 itself
        ("6.6.6.6, 1.1.1.1, 2.2.2.2", 2, "1.1.1.1"),  # behind a CDN and the platform
        ("1.1.1.1", 2, "10.0.0.9"),  # fewer entries than proxies: not believed
        (" , ", 1, "10.0.0.9"),
    ],
)
def test_client_address_behind_proxies(forwarded: str | None, hops: int, address: str) -> None:
    info = peer_info(("10.0.0.9", 5555), forwarded, hops)
    assert info.peer == "10.0.0.9:5555"
    assert info.address == address
    assert info.forwarded_for == forwarded


def test_origins_normalise_and_only_web_schemes_count() -> None:
    assert normalize("HTTPS://Quiz.Example:443/") == ("https", "quiz.example", 443)
    assert normalize("http://[::1]:8765") == ("http", "[::1]", 8765)
    for bad in ("evil://quiz.example", "null", "https://quiz.example/path", "https://", "x"):
        assert normalize(bad) is None, bad
    policy = OriginPolicy(["https://quiz.example"])
    assert policy.check(["https://quiz.example"], ["anything"]) is Verdict.ALLOW
    assert policy.check(["http://quiz.example"], ["quiz.example"]) is Verdict.ALLOW  # own page
    assert policy.check(["http://quiz.example"], ["quiz.example:81"]) is Verdict.FORBID
    assert policy.check(["http://evil.example"], ["evil.example"]) is Verdict.FORBID
    assert policy.check(["a", "b"], ["h"]) is Verdict.BAD_REQUEST
    assert OriginPolicy([]).check(["evil://x"], ["y"]) is Verdict.ALLOW  # no list: anyone


def test_name_rule() -> None:
    assert clean_name("  Ada \u00a0 Lovelace ") == "Ada Lovelace"
    assert clean_name("\u2764\ufe0f") == "\u2764"
    for bad in ("Ho\u200bsty", "\u202eytsoH", "\u2800", "\ue000", "\u200d"):
        with pytest.raises(BadName):
            clean_name(bad)
    assert same_name("Hosty", "\u041d\u043esty") and same_name("Ian", "lan")
    assert not same_name("Kai", "Kal") and not same_name("Zo\u00eb", "Zoe")


def same_name(a: str, b: str) -> bool:
    """Whether a room would take name ``a`` for name ``b``: a key in common."""
    return bool(set(name_index(a)) & set(name_index(b)))
    assert set(name_index("Hosty")) & set(name_index("HOSTY"))
