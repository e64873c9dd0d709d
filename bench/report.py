"""The benchmark's report: the machine, Markdown tables, docs/performance.md, one-line briefs."""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.processes import REDIS_SERVER, ROOT
from bench.targets import targets_table

DOCS = ROOT / "docs" / "performance.md"
PACKAGES = (
    "websockets",
    "python-socketio",
    "python-engineio",
    "aiohttp",
    "uvloop",
    "orjson",
    "redis",
    "prometheus-client",
)
HEADER = (
    "| scenario | target | status | players | join /s | fan-out p50 / p99 / max ms "
    "| fan-out deliveries/s | answer→ack p50 / p99 ms | msgs/s (game) "
    "| server CPU s / 1k msgs (join; game) | KiB / player | loop lag p99 / max ms (join; game) "
    "| errors | other load / steal (CPUs) |\n"
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def code_hash() -> str:
    """A short hash of the quiz server's code: the tree changes while people work."""
    code = hashlib.sha256()
    for path in [*sorted((ROOT / "quiz").glob("*.py")), ROOT / "quiz_server.py"]:
        code.update(path.read_bytes())
    return code.hexdigest()[:12]


def _first_line(path: str, prefix: str) -> str:
    with contextlib.suppress(OSError), open(path) as f:
        for line in f:
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    return ""


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    redis_v = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        redis_v = subprocess.run(
            [REDIS_SERVER, "--version"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    return {
        "quiz_code_sha256": code_hash(),
        "nproc": os.cpu_count(),
        "cpu": _first_line("/proc/cpuinfo", "model name"),
        "memory": _first_line("/proc/meminfo", "MemTotal"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "redis_server": redis_v,
    }


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _heading(doc: dict[str, Any]) -> list[str]:
    m, o = doc["machine"], doc["options"]
    return [
        f"### Run of {doc['started']} ({doc['mode']})",
        "",
        f"Command: `{doc['command']}`  ",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, Linux {m['kernel']}, "
        f"Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
        + f"; quiz code {m.get('quiz_code_sha256')}; load generator: {o['workers']} worker(s) "
        f"on CPU(s) {o['worker_cpus']}, servers on CPU(s) {o['server_cpus']}, client JSON "
        f"{o['client_json']}, client loop {o['client_loop']}, permessage-deflate offered: "
        f"{o['compression']}.",
        "",
        HEADER,
    ]


def _row(name: str, target: str, r: dict[str, Any]) -> str:
    if r.get("status") not in ("ok", "failed") or "game" not in r:
        reason = " ".join(str(r.get("reason", "")).split()).replace("|", "/")
        return f"| {name} | {target} | {r.get('status')} | | | | | | | | | | {reason} | |"
    g, j = r["game"], r["join"]
    fl, al = g["fanout_latency_ms"], g["answer_latency_ms"]
    status = r["status"] + (f" ({r['reason']})" if r.get("reason") else "")
    return (
        f"| {name} | {target} | {status} | {fmt(r['players'])} | {fmt(j['rate_per_s'])} "
        f"| {fmt(fl['p50'])} / {fmt(fl['p99'])} / {fmt(fl['max'])} "
        f"| {fmt(g['fanout_throughput_per_s'], 0)} | {fmt(al['p50'])} / {fmt(al['p99'])} "
        f"| {fmt(g['messages_per_s'], 0)} "
        f"| {fmt(j['server_cpu_s_per_1k_msgs'], 3)}; {fmt(g['server_cpu_s_per_1k_msgs'], 3)} "
        f"| {fmt(r['memory']['kib_per_player'])} "
        f"| {fmt(j['health']['loop_lag_p99_ms'])} / {fmt(j['health']['loop_lag_max_ms'])}; "
        f"{fmt(g['health']['loop_lag_p99_ms'])} / {fmt(g['health']['loop_lag_max_ms'])} "
        f"| {fmt(r['errors']['total'])} | {fmt(r.get('background_cpus_during'), 2)} / "
        f"{fmt(r.get('steal_cpus_during'), 2)} |"
    )


def _ratios_row(name: str, ratios: dict[str, Any]) -> str:
    parts = []
    for k, v in ratios.items():
        if isinstance(v, dict):
            parts.append(f"{k}: " + ", ".join(f"{a} x{b}" for a, b in v.items()))
        else:
            parts.append(f"{k}: {v}")
    return f"| {name} | *ratios* | " + "; ".join(parts) + " ||||||||||||"


def render(docs: list[dict[str, Any]]) -> str:
    """Markdown tables for one or more result files."""
    lines: list[str] = []
    for doc in docs:
        lines += _heading(doc)
        for name, scn in doc["scenarios"].items():
            lines += [_row(name, target, r) for target, r in scn["runs"].items()]
            if scn.get("ratios"):
                lines.append(_ratios_row(name, scn["ratios"]))
        lines.append("")
    return "\n".join(lines)


def _replace(text: str, section: str, body: str) -> str:
    begin, end = f"<!-- {section}:begin -->", f"<!-- {section}:end -->"
    block = f"{begin}\n\n{body}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        return head + block + rest.split(end, 1)[1]
    return text + "\n" + block + "\n"


def write_docs(docs: list[dict[str, Any]], path: Path = DOCS) -> None:
    """Replace the targets and results sections of docs/performance.md with these runs'."""
    text = path.read_text() if path.exists() else "# Performance\n"
    text = _replace(text, "targets", targets_table(docs) + "\n")
    path.write_text(_replace(text, "results", render(docs)))


def brief(r: dict[str, Any]) -> str:
    """One line per run, for the console while the benchmark goes on."""
    if "game" not in r:
        return f"{r.get('status')} {r.get('reason', '')} ({r.get('wall_s')} s)"
    g = r["game"]
    return (
        f"{r['status']} {r.get('reason', '')} players={r['players']} "
        f"join/s={r['join']['rate_per_s']} fanout p50/p99/max="
        f"{g['fanout_latency_ms']['p50']}/{g['fanout_latency_ms']['p99']}/"
        f"{g['fanout_latency_ms']['max']} ms thr={g['fanout_throughput_per_s']}/s "
        f"answer p50/p99={g['answer_latency_ms']['p50']}/{g['answer_latency_ms']['p99']} ms "
        f"msgs/s={g['messages_per_s']} cpu/1k={g['server_cpu_s_per_1k_msgs']} "
        f"KiB/player={r['memory']['kib_per_player']} "
        f"rss after/joined={r['memory'].get('after_game_vs_joined')} "
        f"lag join/game={r['join']['health']['loop_lag_max_ms']}/"
        f"{g['health']['loop_lag_max_ms']} errors={r['errors']['total']} "
        f"gc={(r.get('gc') or {}).get('joined')} "
        f"large_room={r.get('large_room')} bg={r.get('background_cpus_before')}/"
        f"{r.get('background_cpus_during')} steal={r.get('steal_cpus_during')} "
        f"({r.get('wall_s')} s)"
    )
