"""Run the quiz server on asyncio's own loop: ``python -m bench.serve_asyncio``.

quiz_server.py picks uvloop when it is installed (an optional extra), and the
benchmark installs it for its load generator. The ``quiz`` target runs the
server as ``pip install -r requirements.txt`` deploys it, on the loop the
floor and the peer use too; ``quiz_uvloop`` runs quiz_server.py as is.
"""

from __future__ import annotations

import sys


def main() -> int:
    sys.modules["uvloop"] = None  # type: ignore[assignment]  # import uvloop now fails
    import quiz_server

    return quiz_server.main()


if __name__ == "__main__":
    sys.exit(main())
