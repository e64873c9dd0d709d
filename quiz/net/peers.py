"""Who is on the other end of a connection: the socket's peer, and the client
address behind a proxy when a setting says to trust one. Pure.

``X-Forwarded-For`` is a list the client may start itself: every proxy
appends the address it received the request from. Only the entries that our
own proxies appended can be believed, so with ``TRUSTED_PROXY_HOPS=n`` the
client is the n-th entry from the right; the entries left of it are whatever
the client wrote. Render, Railway and Heroku each put one proxy in front of
the app and append the client's address last, so n is 1 there (the client
comes first in the header only when it sent none of its own). With 0, the
default, the header is ignored: a direct client could write any address in
it, to hide or to spread its rate limits over made-up addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

# Longest X-Forwarded-For kept for a log line: a client may send kilobytes.
FORWARDED_LOG_MAX = 200


@dataclass(frozen=True, slots=True)
class PeerInfo:
    """What the logs and the per-address limits know of one connection."""

    peer: str  # the socket's peer, "ip:port": always true, maybe a proxy
    address: str  # the client's address for per-address limits
    forwarded_for: str | None  # the header as sent, for the log (shortened)


def peer_info(
    remote: tuple[object, ...] | None, forwarded: str | None, trusted_hops: int
) -> PeerInfo:
    """Peer and client address from the socket's address and X-Forwarded-For."""
    ip = str(remote[0]) if remote else "?"
    peer = f"{ip}:{remote[1]}" if remote and len(remote) > 1 else ip
    address = ip
    if trusted_hops > 0 and forwarded:
        hops = [part.strip() for part in forwarded.split(",")]
        if len(hops) >= trusted_hops and hops[-trusted_hops]:
            address = hops[-trusted_hops][:64]
    shown = forwarded[:FORWARDED_LOG_MAX] if forwarded else None
    return PeerInfo(peer, address, shown)
