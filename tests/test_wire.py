"""quiz.net.sockets: one serialized frame to many connections, over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.protocol import State

from quiz.net.sockets import write_text


class Peers:
    """A bare websockets server (as quiz.net.server configures it) and its connections."""

    def __init__(self) -> None:
        self.server: list[ServerConnection] = []
        self.arrived = asyncio.Event()
        self.port = 0

    async def handler(self, ws: ServerConnection) -> None:
        self.server.append(ws)
        self.arrived.set()
        await ws.wait_closed()


async def raw_client(
    port: int, extensions: bytes = b""
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client that sees every byte the server sends (a websockets client
    would decompress, or discard what follows a close frame)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + extensions
        + b"\r\n"
    )
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    return reader, writer


@pytest.fixture
async def peers() -> AsyncIterator[tuple[Peers, list[ClientConnection]]]:
    p = Peers()
    async with serve(p.handler, "127.0.0.1", 0, compression=None) as server:
        port = p.port = server.sockets[0].getsockname()[1]
        clients = []
        for _ in range(3):
            p.arrived.clear()
            clients.append(await connect(f"ws://127.0.0.1:{port}"))
            await p.arrived.wait()
        yield p, clients
        for client in clients:
            await client.close()


async def test_every_open_connection_gets_the_frame_in_its_order(
    peers: tuple[Peers, list[ClientConnection]],
) -> None:
    p, clients = peers
    first, *_ = p.server
    # Bytes of its own still waiting in one connection's protocol: the frame
    # must go out after them, not overtake them.
    first.protocol.send_text(b'{"n":1}')
    write_text(p.server, '{"n":2,"text":"caf\u00e9"}'.encode())
    write_text(p.server, b'{"n":3}')
    assert [await clients[0].recv() for _ in range(3)] == [
        '{"n":1}',
        '{"n":2,"text":"caf\u00e9"}',
        '{"n":3}',
    ]
    for client in clients[1:]:
        assert [await client.recv() for _ in range(2)] == ['{"n":2,"text":"caf\u00e9"}', '{"n":3}']


async def test_a_connection_that_is_closing_gets_nothing_and_the_others_do(
    peers: tuple[Peers, list[ClientConnection]],
) -> None:
    p, clients = peers
    p.arrived.clear()
    reader, writer = await raw_client(p.port)
    await p.arrived.wait()
    closing = p.server[-1]
    closing.protocol.send_close(1001)  # the closing handshake has begun
    closing.send_data()
    assert closing.protocol.state is State.CLOSING
    write_text(p.server, b'{"n":1}')
    for client in clients:
        assert await client.recv() == '{"n":1}'
    writer.write_eof()  # no close frame back: the server closes the TCP connection
    assert await reader.read() == b"\x88\x02\x03\xe9"  # the close frame (1001), and nothing more
    writer.close()


async def test_a_fragmented_message_is_not_cut_into(
    peers: tuple[Peers, list[ClientConnection]],
) -> None:
    p, clients = peers
    gate = asyncio.Event()

    async def fragments() -> AsyncIterator[str]:
        yield '{"part":'
        await gate.wait()
        yield "1}"

    sending = asyncio.create_task(p.server[0].send(fragments()))
    stream = clients[0].recv_streaming()
    assert await anext(stream) == '{"part":'  # the message is half sent
    write_text(p.server, b'{"n":1}')  # skipped on that connection (websockets logs it)
    gate.set()
    await sending
    assert "".join([f async for f in stream]) == "1}"
    write_text(p.server, b'{"n":2}')
    assert await clients[0].recv() == '{"n":2}'  # the connection is whole: no frame inside
    assert [await clients[1].recv() for _ in range(2)] == ['{"n":1}', '{"n":2}']


async def test_a_connection_with_an_extension_gets_the_frame_through_it() -> None:
    # quiz.net.server negotiates no extension; a server that did (permessage-deflate
    # here) must not get the plain bytes written past its encoder.
    p = Peers()
    async with serve(p.handler, "127.0.0.1", 0) as server:  # compression on
        port = server.sockets[0].getsockname()[1]
        plain = await connect(f"ws://127.0.0.1:{port}", compression=None)
        await p.arrived.wait()
        p.arrived.clear()
        reader, writer = await raw_client(port, b"Sec-WebSocket-Extensions: permessage-deflate\r\n")
        await p.arrived.wait()
        assert p.server[1].protocol.extensions  # negotiated
        write_text(p.server, b'{"n":1}')
        assert await plain.recv() == '{"n":1}'
        header = await reader.readexactly(2)
        assert header[0] == 0xC1  # FIN, RSV1 (compressed), text: written by websockets
        writer.close()
        await plain.close()
