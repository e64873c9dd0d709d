"""Run the quiz server unchanged on uvloop: ``python -m bench.serve_uvloop`` from the repo root.

Installs uvloop's event loop policy, then calls ``quiz_server.main()``; every
environment variable works as for ``python quiz_server.py``.
"""

from __future__ import annotations

import asyncio
import sys

import uvloop


def main() -> int:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    import quiz_server

    return quiz_server.main()


if __name__ == "__main__":
    sys.exit(main())
