"""Run the quiz server under cProfile (diagnosis only, not part of the measured runs).

``BENCH_PROFILE_OUT=/tmp/quiz.prof python -m bench.serve_profile`` from the repo
root; the stats are written when the server stops (SIGTERM). Read them with
``python -m pstats /tmp/quiz.prof`` (then ``sort tottime`` and ``stats 30``).
"""

from __future__ import annotations

import cProfile
import os
import sys


def main() -> int:
    import quiz_server

    out = os.environ.get("BENCH_PROFILE_OUT", "/tmp/quiz_server.prof")
    profiler = cProfile.Profile()
    try:
        return int(profiler.runcall(quiz_server.main) or 0)
    finally:
        profiler.dump_stats(out)


if __name__ == "__main__":
    sys.exit(main())
