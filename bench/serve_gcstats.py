"""Run the quiz server unchanged, timing every cyclic-GC pass (diagnosis only).

``python -m bench.serve_gcstats`` from the repo root, same environment as
``quiz_server.py``. On exit it prints to stderr, per generation, how many
passes ran, their total and longest time, and every pass over 50 ms with its
wall-clock time, so long pauses can be matched with the benchmark's phases.
"""

from __future__ import annotations

import gc
import sys
import time
from typing import Any

_started: list[float] = [0.0]
_stats: dict[int, list[float]] = {0: [], 1: [], 2: []}
_long: list[tuple[float, int, float, int]] = []


def _callback(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    took = (time.perf_counter() - _started[0]) * 1000
    generation = int(info.get("generation", 0))
    _stats[generation].append(took)
    if took > 50:
        entry = (time.time(), generation, took, int(info.get("collected", 0)))
        _long.append(entry)
        # At once as well: a server killed at shutdown never reaches the summary.
        print(
            f"gcstats long pass at={entry[0]:.3f} gen{generation} ms={took:.1f}",
            file=sys.stderr,
            flush=True,
        )


def main() -> int:
    import quiz_server

    gc.callbacks.append(_callback)
    try:
        return quiz_server.main()
    finally:
        gc.callbacks.remove(_callback)
        for generation, times in _stats.items():
            print(
                f"gcstats gen{generation}: passes={len(times)} total_ms={sum(times):.0f} "
                f"max_ms={max(times, default=0):.1f}",
                file=sys.stderr,
            )
        for at, generation, took, collected in _long:
            print(
                f"gcstats long pass at={at:.3f} gen{generation} ms={took:.1f} "
                f"collected={collected}",
                file=sys.stderr,
            )


if __name__ == "__main__":
    sys.exit(main())
