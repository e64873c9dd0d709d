"""One text frame, serialized once, written to many connections.

websockets' ``broadcast`` builds and serializes the frame anew for every
connection: a ``Frame``, its header, the protocol's list of writes, then the
write itself. Measured in a 5,000-player room, that Python cost about as
much as the ``send`` system call under it, for every player and every
message. A frame from a server is not masked (RFC 6455, section 5.1), and
this server negotiates no extension (``compression=None`` in quiz.server),
so the frame is the same bytes for everyone: it is serialized once here and
written to each connection's transport, in the order of every other write.

A connection that websockets itself would write to differently goes through
``broadcast`` as before: one that is not open (its closing handshake has
begun), that is in the middle of a fragmented send, that has an extension,
or that has bytes of its own still waiting in its protocol.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from websockets.asyncio.server import ServerConnection, broadcast
from websockets.frames import Frame, Opcode
from websockets.protocol import State

log = logging.getLogger("quiz.wire")


def write_text(sockets: Iterable[ServerConnection], message: str) -> None:
    """``message`` as one text frame to every open connection of ``sockets``.

    Raises :class:`UnicodeEncodeError` before writing to anyone when
    ``message`` is not Unicode text, as ``broadcast`` does.
    """
    data = message.encode()
    wire: bytes | None = None
    others: list[ServerConnection] = []
    for ws in sockets:
        protocol = ws.protocol
        if (
            protocol.state is not State.OPEN
            or ws.send_in_progress is not None
            or protocol.extensions
            or protocol.writes
        ):
            others.append(ws)
            continue
        if wire is None:
            wire = Frame(Opcode.TEXT, data).serialize(mask=False, extensions=[])
        try:
            ws.transport.write(wire)
        except Exception as exc:
            # As broadcast does: one connection's failure is not the others'.
            log.warning("skipped a write: %s", type(exc).__name__, extra={"conn": ws.id.hex[:8]})
    if others:
        broadcast(others, data, text=True)
