"""How long a 4000 x 3000 JPEG takes to check and re-encode, and how long the
event loop is held meanwhile: in the media thread (as the server does) and,
for comparison, on the loop itself.

    python -m bench.media_processing [runs]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from quiz.media.process import Limits, process
from tests.media_files import photo

LIMITS = Limits(max_pixels=50_000_000, audio_max_seconds=30)


async def stalls_while(work: asyncio.Future[object]) -> float:
    """The longest time a 1 ms sleep overshot while ``work`` ran (seconds)."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    while not work.done():
        before = loop.time()
        await asyncio.sleep(0.001)
        worst = max(worst, loop.time() - before - 0.001)
    return worst


async def main(runs: int) -> None:
    data = photo(4000, 3000, orientation=6)
    print(f"input: 4000 x 3000 JPEG with EXIF GPS, {len(data)} bytes")
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(1)
    took, stalled, inline = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        work = loop.run_in_executor(pool, process, data, LIMITS)
        stalled.append(await stalls_while(work))
        took.append(time.perf_counter() - start)
        start = time.perf_counter()
        process(data, LIMITS)  # on the loop: it is held for all of this
        inline.append(time.perf_counter() - start)
    ms = lambda xs: f"median {statistics.median(xs) * 1000:.0f} ms, max {max(xs) * 1000:.0f} ms"  # noqa: E731
    print(f"processing in the media thread: {ms(took)}")
    print(f"longest loop stall meanwhile:   {ms(stalled)}")
    print(f"processing on the loop itself:  {ms(inline)} (the stall)")
    pool.shutdown()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
