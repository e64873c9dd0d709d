"""The load benchmark's command line: servers up, players in, games played, numbers out.

    python -m bench.run --quick                        # about a minute, after each change
    python -m bench.run --scenario room_1000 --repeat 2
    python -m bench.run --all --out bench/results/full.json        # 3 repeats
    python -m bench.run --render bench/results/full.json           # docs/performance.md

Each scenario runs against each of its targets in turn, in this one process
run, with the same load generator: ``quiz`` (quiz_server.py on asyncio's
loop), ``floor`` (bench/floor_server.py) and ``peer`` (python-socketio,
bench/peer_server.py); ``quiz_noteams`` (room_10000 without its teams),
``quiz_redis`` (the Redis scenarios: two quiz servers and a redis-server);
optionally ``quiz_uvloop`` and ``floor_uvloop``, ``peer_deflate``. Every
scenario runs ``--repeat`` times, the order of its targets rotated each
time. Servers run pinned to CPU 0, load-generator workers to the other
CPUs. Only 127.0.0.1 is ever contacted. Every phase has a timeout.

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

from bench import common, scaling
from bench.processes import SERVER_ARGV
from bench.provenance import ROOT, code_hashes, machine
from bench.report import DOCS, merge, render, write_docs
from bench.runner import Options, run_all
from bench.scenarios import FULL_SET, QUICK_SET, SCENARIOS, estimated_seconds

RESULTS = ROOT / "bench" / "results"
TARGETS = tuple(SERVER_ARGV)
DEFAULT_QUIET_WAIT = 60.0
FULL_REPEAT = 3


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
        "--repeat",
        type=int,
        help=f"every scenario N times, targets rotated (default: {FULL_REPEAT} with --all, else 1)",
    )
    p.add_argument("--seed", type=int, default=1, help="the answer delays' and pictures' seed")
    p.add_argument(
        "--render",
        nargs="+",
        type=Path,
        metavar="RESULT_JSON",
        help="only render these result files (of one code) into docs/performance.md",
    )
    p.add_argument("--docs", action="store_true", help="also render this run into the docs")
    p.add_argument(
        "--estimate", action="store_true", help="print how long the run would take, and stop"
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


def options(args: argparse.Namespace, mode: str) -> Options:
    ncpu = os.cpu_count() or 1
    pinned = ncpu >= 2 and not args.no_pin
    repeat = args.repeat if args.repeat else (FULL_REPEAT if mode == "full" else 1)
    return Options(
        workers=args.workers,
        server_cpus={0} if pinned else None,
        worker_cpus=list(range(1, ncpu)) if pinned else None,
        compression=not args.no_compression,
        client_json=args.client_json,
        client_loop=args.client_loop,
        logdir=Path(tempfile.mkdtemp(prefix="quiz-bench-")),
        quiet_wait=args.quiet_wait,
        seed=args.seed,
        repeat=max(1, repeat),
    )


def document(
    mode: str,
    argv: list[str],
    opt: Options,
    scenarios: dict[str, Any],
    wall: float,
    code: dict[str, str],
) -> dict[str, Any]:
    """The result file's content."""
    return {
        "format": 2,
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - wall)),
        "mode": mode,
        "command": "python -m bench.run " + " ".join(shlex.quote(a) for a in argv),
        "wall_s": round(wall, 1),
        "repeat": opt.repeat,
        "code": code,
        "machine": machine(),
        # The load generator's settings; each scenario's own (delays, sizes,
        # pictures) are under scenarios.<name>.scenario.
        "options": {
            "workers": opt.workers,
            "server_cpus": sorted(opt.server_cpus) if opt.server_cpus else None,
            "worker_cpus": opt.worker_cpus,
            "compression": opt.compression,
            "client_json": opt.client_json,
            "client_loop": opt.client_loop,
            "seed": opt.seed,
            "repeat": opt.repeat,
            "quiet_wait_s": opt.quiet_wait,
            "question_bytes": opt.question_bytes,
        },
        "scenarios": scenarios,
    }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    if args.render:
        docs = [load(p) for p in args.render]
        try:
            write_docs(docs)
        except ValueError as exc:
            print(f"[bench] not rendered: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {DOCS}")
        model(docs)
        return 0
    names, mode = chosen(args)
    if args.estimate:
        print(estimate(names, options(args, mode), args.target or None))
        return 0
    out_path = args.out or RESULTS / f"{mode if mode != 'custom' else 'latest'}.json"
    common.raise_fd_limit()
    opt = options(args, mode)
    # Hashed before the run: a file edited while it runs must not pass for the code run.
    code = code_hashes()
    t0 = time.monotonic()
    scenarios = asyncio.run(run_all(names, opt, args.target or None))
    doc = document(mode, argv, opt, scenarios, time.monotonic() - t0, code)
    if code_hashes() != code:
        doc["code"]["changed_during_run"] = True  # so that --render refuses it with others
        print("[bench] quiz/ or bench/ changed during the run", file=sys.stderr)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=False))
    tmp.replace(out_path)
    print(render(doc))
    print(f"[bench] wrote {out_path} in {doc['wall_s']} s; logs in {opt.logdir}", file=sys.stderr)
    if args.docs:
        write_docs([doc])
    bad = [
        f"{n}/{t}"
        for n, s in scenarios.items()
        for rep in s["repeats"]
        for t, r in rep["runs"].items()
        if r.get("invalid")
    ]
    return 1 if bad else 0


def estimate(names: list[str], opt: Options, targets: list[str] | None) -> str:
    """The run's expected length, scenario by scenario (bench.scenarios.estimated_seconds)."""
    lines, total = [], 0.0
    for name in names:
        scn = SCENARIOS[name]
        chosen = [t for t in scn.targets if not targets or t in targets]
        seconds = sum(estimated_seconds(scn, t) for t in chosen) * opt.repeat
        total += seconds
        lines.append(f"{name}: {', '.join(chosen)} x {opt.repeat}: {seconds / 60:.1f} min")
    lines.append(f"total: about {total / 60:.0f} min on a quiet machine")
    return "\n".join(lines)


def model(docs: list[dict[str, Any]]) -> None:
    """The capacity model of docs/scaling.md, from the same runs as the page."""
    merged = merge(docs)
    files = ", ".join(f"`{Path(d['_path']).name}`" for d in docs if d.get("_path"))
    source = f"{files}, quiz code `{merged['code']['quiz']}`"
    try:
        scaling.write_section(scaling.render_model(scaling.costs(merged, source)))
    except ValueError as exc:
        print(f"[bench] capacity model not rewritten: {exc}", file=sys.stderr)
        return
    print(f"wrote {scaling.DOC}")


def load(path: Path) -> dict[str, Any]:
    """A result file, with its path noted for messages."""
    doc = dict(json.loads(path.read_text()))
    doc["_path"] = str(path)
    return doc


if __name__ == "__main__":
    sys.exit(main())
