"""The load benchmark's command line: servers up, players in, games played, numbers out.

    python -m bench.run --quick                        # < 1 minute, after each change
    python -m bench.run --scenario room_1000 --scenario rooms_1000x5
    python -m bench.run --all --out bench/results/full.json
    python -m bench.run --render bench/results/quick.json bench/results/full.json

Each scenario runs against each of its targets in turn, in this one process
run, with the same load generator: ``quiz`` (quiz_server.py), ``floor`` (bare
websockets, bench/floor_server.py) and ``peer`` (python-socketio,
bench/peer_server.py); optionally ``quiz_uvloop`` (the quiz server on uvloop)
and, for the Redis scenarios, ``quiz_redis`` (two quiz servers and a
redis-server). Servers run pinned to CPU 0, load-generator workers to the
other CPUs. Only 127.0.0.1 is ever contacted. Every phase has a timeout.

The modules: :mod:`bench.scenarios` (what is run), :mod:`bench.processes`
(servers and workers), :mod:`bench.runner` (the phases of one run),
:mod:`bench.measure` (the figures), :mod:`bench.report` (tables and docs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common
from bench.processes import ROOT
from bench.report import DOCS, machine, render, write_docs
from bench.runner import Options, run_all
from bench.scenarios import FULL_SET, QUICK_SET, SCENARIOS

RESULTS = ROOT / "bench" / "results"
TARGETS = ("quiz", "floor", "peer", "peer_deflate", "quiz_uvloop", "quiz_redis")
DEFAULT_QUIET_WAIT = 60.0


def parser() -> argparse.ArgumentParser:
    assert __doc__
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="the < 1 minute check")
    p.add_argument("--all", action="store_true", help="every full scenario")
    p.add_argument("--scenario", action="append", default=[], choices=sorted(SCENARIOS))
    p.add_argument(
        "--target",
        action="append",
        default=[],
        choices=TARGETS,
        help="only these targets (default: each scenario's own)",
    )
    p.add_argument("--out", type=Path, help="result JSON (default bench/results/<mode>.json)")
    p.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    p.add_argument("--no-pin", action="store_true", help="do not pin servers/workers to CPUs")
    p.add_argument(
        "--no-compression", action="store_true", help="clients do not offer permessage-deflate"
    )
    p.add_argument("--client-json", choices=["orjson", "json"], default="orjson")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=DEFAULT_QUIET_WAIT,
        help="wait up to S s before each run for other processes to go quiet",
    )
    p.add_argument("--client-loop", choices=["uvloop", "asyncio"], default="uvloop")
    p.add_argument(
        "--render",
        nargs="+",
        type=Path,
        metavar="RESULT_JSON",
        help="only render these result files into docs/performance.md",
    )
    p.add_argument(
        "--docs", action="store_true", help="also render this run's results into the docs"
    )
    return p


def chosen(args: argparse.Namespace) -> tuple[list[str], str]:
    """The scenarios to run and the run's mode (quick, full or custom)."""
    names = list(args.scenario)
    if args.quick:
        names += [n for n in QUICK_SET if n not in names]
    if args.all:
        names += [n for n in FULL_SET if n not in names]
    if not names:
        names, args.quick = list(QUICK_SET), True
    if args.quick and args.quiet_wait == DEFAULT_QUIET_WAIT:
        args.quiet_wait = 5.0  # the quick check must stay under a minute
    mode = "quick" if args.quick and len(names) == len(QUICK_SET) else "custom"
    if args.all and not args.scenario and not args.quick:
        mode = "full"
    return names, mode


def options(args: argparse.Namespace) -> Options:
    ncpu = os.cpu_count() or 1
    pinned = ncpu >= 2 and not args.no_pin
    return Options(
        workers=args.workers,
        server_cpus={0} if pinned else None,
        worker_cpus=list(range(1, ncpu)) if pinned else None,
        compression=not args.no_compression,
        client_json=args.client_json,
        client_loop=args.client_loop,
        logdir=Path(tempfile.mkdtemp(prefix="quiz-bench-")),
        quiet_wait=args.quiet_wait,
    )


def document(
    mode: str, argv: list[str], opt: Options, scenarios: dict[str, Any], wall: float
) -> dict[str, Any]:
    """The result file's content."""
    return {
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - wall)),
        "mode": mode,
        "command": "python -m bench.run " + " ".join(shlex.quote(a) for a in argv),
        "wall_s": round(wall, 1),
        "machine": machine(),
        "options": {
            "workers": opt.workers,
            "server_cpus": sorted(opt.server_cpus) if opt.server_cpus else None,
            "worker_cpus": opt.worker_cpus,
            "compression": opt.compression,
            "client_json": opt.client_json,
            "client_loop": opt.client_loop,
        },
        "scenarios": scenarios,
    }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    if args.render:
        write_docs([json.loads(p.read_text()) for p in args.render])
        print(f"wrote {DOCS}")
        return 0
    names, mode = chosen(args)
    out_path = args.out or RESULTS / f"{mode if mode != 'custom' else 'latest'}.json"
    common.raise_fd_limit()
    opt = options(args)
    t0 = time.monotonic()
    scenarios = asyncio.run(run_all(names, opt, args.target or None))
    doc = document(mode, argv, opt, scenarios, time.monotonic() - t0)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=False))
    tmp.replace(out_path)
    print(render([doc]))
    print(f"[bench] wrote {out_path} in {doc['wall_s']} s; logs in {opt.logdir}", file=sys.stderr)
    if args.docs:
        write_docs([doc])
    bad = [
        f"{n}/{t}"
        for n, s in scenarios.items()
        for t, r in s["runs"].items()
        if r.get("status") not in ("ok", "pending")
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
