"""The pure security modules on their own: the client address behind
proxies, origins, names. The limits on entering rooms are in
tests/test_entry_gate.py; the socket-level tests in tests/test_hostile_*.py."""

from __future__ import annotations

import pytest

from quiz.net.origin import OriginPolicy, Verdict, normalize
from quiz.net.peers import peer_info
from quiz.wire.names import BadName, clean_name, name_index


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
