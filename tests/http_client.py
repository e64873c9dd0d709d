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
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        parsed[key.strip().lower()] = value.strip()
    return HttpReply(int(status_line.split()[1]), parsed, body)
