"""A minimal HTTP/1.1 client on asyncio streams, so tests never block the loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]
    body: bytes


async def http_request(
    port: int, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> HttpReply:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return await raw_request(port, lines)


async def raw_request(port: int, lines: list[str]) -> HttpReply:
    """Send exactly these request lines (nothing added): status, headers, body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10))[:-4]
    # A response closes the connection after its body; a 101 keeps it open.
    body = b"" if head.startswith(b"HTTP/1.1 101") else await asyncio.wait_for(reader.read(), 10)
    writer.close()
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        parsed[key.strip().lower()] = value.strip()
    return HttpReply(int(status_line.split()[1]), parsed, body)
