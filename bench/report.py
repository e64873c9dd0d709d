"""The benchmark's report: docs/performance.md, whole, from result files; console briefs.

``python -m bench.run --render FILE...`` writes the page from result files
of one code (:func:`bench.provenance.same_code`: never two hashes in one
table): the targets with their median, range and "met in k of n", the
runs discarded and why, every figure of every target as a median and
range, the GC and loop lag of the three servers, the pictures' timing,
then how it is measured. The hand-written history ("What changed for big
rooms") and "Media processing" are carried over from the page as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.aggregate import Spread, discarded, figure_spread
from bench.provenance import ROOT, same_code
from bench.targets import tally, targets_table

DOCS = ROOT / "docs" / "performance.md"
# Sections of the page written by hand, kept as they are when it is rendered.
KEPT = (
    "## What changed for big rooms",
    "## Media processing",
    "## Pictures on time (fair timing in the browser)",
)
BOUND_MARK = "†"


def merge(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Result files of one code as one: each scenario's repeats, in file order."""
    code = same_code(docs)
    scenarios: dict[str, Any] = {}
    for doc in docs:
        for name, scn in doc["scenarios"].items():
            entry = scenarios.setdefault(name, {"scenario": scn["scenario"], "repeats": []})
            entry["repeats"].extend(scn.get("repeats", []))
    first = docs[0]
    return {
        "code": code,
        "scenarios": scenarios,
        "runs": [
            {k: d.get(k) for k in ("started", "command", "wall_s", "repeat", "mode")} for d in docs
        ],
        "machine": first.get("machine", {}),
        "options": first.get("options", {}),
    }


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def fmt_spread(sp: Spread | None, digits: int = 1) -> str:
    """``median (min to max)``, or the one value when the repeats agree or there is one."""
    if sp is None:
        return "-"
    if sp.n == 1 or sp.low == sp.high:
        return fmt(sp.median, digits)
    return f"{fmt(sp.median, digits)} ({fmt(sp.low, digits)} to {fmt(sp.high, digits)})"


def _path(*keys: str) -> Callable[[dict[str, Any]], Any]:
    def get(run: dict[str, Any]) -> Any:
        value: Any = run
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return get


# Column title, where the figure is, digits, which generator bound marks it.
COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any], int, str | None]] = [
    ("join /s", _path("join", "rate_per_s"), 0, "join"),
    ("answer→ack p99 ms", _path("game", "answer_latency_ms", "p99"), 1, "answers"),
    ("fan-out at the clients p50 ms", _path("game", "fanout_latency_ms", "p50"), 1, "fanout"),
    ("deliveries/s", _path("game", "fanout_throughput_per_s"), 0, "fanout"),
    ("server fan-out ms", _path("server", "fanout_ms"), 1, None),
    ("server CPU s (join)", _path("server", "cpu_s", "join"), 2, None),
    ("server CPU s (game)", _path("server", "cpu_s", "game"), 2, None),
    ("CPU µs / frame", _path("server", "cpu_us_per_frame_game"), 1, None),
    ("CPU µs / answer", _path("server", "answers", "cpu_us_per_answer"), 1, None),
    ("KiB / player", _path("memory", "kib_per_player"), 1, None),
    ("RSS after / seated", _path("memory", "after_game_vs_joined"), 2, None),
]


def _bound_count(repeats: list[dict[str, Any]], target: str, what: str | None) -> int:
    if what is None:
        return 0
    return sum(
        1
        for rep in repeats
        if (run := rep["runs"].get(target))
        and not run.get("invalid")
        and _path("server", "generator_bound", what)(run)
    )


def _targets_of(repeats: list[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for rep in repeats:
        seen += [t for t in rep["runs"] if t not in seen]
    order = ["quiz", "floor", "peer"]
    return sorted(seen, key=lambda t: (order.index(t) if t in order else 9, t))


def _valid_count(repeats: list[dict[str, Any]], target: str) -> str:
    ran = [rep["runs"][target] for rep in repeats if target in rep["runs"]]
    return f"{sum(1 for r in ran if not r.get('invalid'))} of {len(ran)}"


def figures_table(name: str, scn: dict[str, Any]) -> list[str]:
    """One scenario: each target's figures, median (range) over its valid runs."""
    repeats, s = scn["repeats"], scn["scenario"]
    delay = s["delay"]
    what = (
        f"{s['rooms']:,} room(s) of {s['size']:,}, {s['questions']} questions, answers "
        + (
            f"log-normal (median {delay['median']} s, clipped {delay['min']} to {delay['max']} s)"
            if delay["kind"] == "lognormal"
            else f"uniform within {delay['max']} s"
        )
        + (f", {s['teams']} teams" if s.get("teams") else "")
        + (f"; {s['note']}" if s.get("note") else "")
    )
    head = "| target | valid runs | " + " | ".join(c[0] for c in COLUMNS) + " |"
    lines = [f"### {name}", "", what + ".", "", head, "|---|---|" + "---:|" * len(COLUMNS)]
    for target in _targets_of(repeats):
        cells = []
        for _title, get, digits, bound in COLUMNS:
            cell = fmt_spread(figure_spread(repeats, target, get), digits)
            if cell != "-" and _bound_count(repeats, target, bound):
                cell += BOUND_MARK
            cells.append(cell)
        lines.append(f"| {target} | {_valid_count(repeats, target)} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _gc_game(run: dict[str, Any]) -> dict[str, float] | None:
    """GC passes and pause time during the game (end minus after the join)."""
    gc = run.get("gc") or {}
    joined, end = gc.get("joined"), gc.get("end")
    if not joined or not end:
        return None
    out = {}
    for gen in ("0", "1", "2"):
        out[f"gen{gen}"] = (end.get(f"gen{gen}_passes") or 0) - (
            joined.get(f"gen{gen}_passes") or 0
        )
        out["total_s"] = (
            out.get("total_s", 0.0)
            + (end.get(f"gen{gen}_total_s") or 0)
            - (joined.get(f"gen{gen}_total_s") or 0)
        )
    out["max_ms"] = (end.get("max_pause_s") or 0) * 1000
    return out


def gc_lag_table(scenarios: dict[str, Any]) -> list[str]:
    """GC and loop lag of every server, median (range) over the valid runs."""
    lines = [
        "| scenario | target | GC passes in the game (gen 0 / 1 / 2) | GC pause in the game, "
        "total ms | longest GC pause since start ms | loop lag max ms (join) "
        "| loop lag max ms (game) | server runqueue wait s | other load / steal (CPUs) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, scn in scenarios.items():
        repeats = scn["repeats"]
        for target in _targets_of(repeats):

            def gcf(key: str) -> Callable[[dict[str, Any]], Any]:
                return lambda run: (_gc_game(run) or {}).get(key)

            passes = " / ".join(
                fmt_spread(figure_spread(repeats, target, gcf(f"gen{g}")), 0) for g in "012"
            )
            total = fmt_spread(
                figure_spread(repeats, target, lambda r: (gcf("total_s")(r) or 0) * 1000), 1
            )
            longest = fmt_spread(figure_spread(repeats, target, gcf("max_ms")), 1)
            lag_j = fmt_spread(
                figure_spread(repeats, target, _path("join", "health", "loop_lag_max_ms"))
            )
            lag_g = fmt_spread(
                figure_spread(repeats, target, _path("game", "health", "loop_lag_max_ms"))
            )
            wait = fmt_spread(figure_spread(repeats, target, _path("server", "runqueue_wait_s")), 2)
            other = fmt_spread(figure_spread(repeats, target, _path("background_cpus_during")), 2)
            steal = fmt_spread(figure_spread(repeats, target, _path("steal_cpus_during")), 2)
            lines.append(
                f"| {name} | {target} | {passes} | {total} | {longest} | {lag_j} | {lag_g} "
                f"| {wait} | {other} / {steal} |"
            )
    return lines


def media_table(scenarios: dict[str, Any]) -> list[str]:
    lines = [
        "| scenario | target | fetches | MiB | one fetch p50 / p99 ms | pictures late | "
        "picture wait at its question p99 / max ms (0: there before) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    rows = 0
    for name, scn in scenarios.items():
        repeats = scn["repeats"]
        for target in _targets_of(repeats):
            if not any(_path("media")(rep["runs"].get(target) or {}) for rep in repeats):
                continue
            rows += 1

            def med(*keys: str, digits: int = 1, rs: Any = repeats, t: str = target) -> str:
                return fmt_spread(figure_spread(rs, t, _path("media", *keys)), digits)

            lines.append(
                f"| {name} | {target} | {med('fetches', digits=0)} | {med('mib')} "
                f"| {med('fetch_ms', 'p50')} / {med('fetch_ms', 'p99')} | {med('late', digits=0)} "
                f"| {med('picture_wait_ms', 'p99')} / {med('picture_wait_ms', 'max')} |"
            )
    return lines if rows else []


def discarded_section(scenarios: dict[str, Any]) -> list[str]:
    rows = discarded(scenarios)
    total = sum(len(rep["runs"]) for scn in scenarios.values() for rep in scn["repeats"])
    lines = [f"{len(rows)} of {total} runs were discarded (not counted in any figure)."]
    if rows:
        lines += ["", "| scenario | repeat | target | why |", "|---|---:|---|---|"]
        for name, i, target, why in rows:
            text = "; ".join(why).replace("|", "/")
            lines.append(f"| {name} | {i} | {target} | {text[:300]} |")
    return lines


def heading(merged: dict[str, Any]) -> list[str]:
    m, o, code = merged["machine"], merged["options"], merged["code"]
    runs = merged["runs"]
    met, total = tally(merged["scenarios"])
    repeats = max(len(s["repeats"]) for s in merged["scenarios"].values())
    commands = "; ".join(
        f"`{r['command']}` ({r['started']}, {fmt(r['wall_s'], 0)} s)" for r in runs
    )
    return [
        f"From {commands}: every scenario {repeats} times, the order of its targets "
        "rotated each time. A figure is the median over the runs that counted, with its "
        'range; a target is met only when its median meets it, and "met in" counts the '
        f"runs that met it. **{met} of {total} targets met.** "
        f"Code under test: quiz `{code['quiz']}`, benchmark `{code['bench']}` "
        "(hashes of every file of `quiz/` and `quiz_server.py`, and of `bench/`). "
        f"Machine: {m.get('nproc')} CPUs ({m.get('cpu')}), {m.get('memory')} RAM, Linux "
        f"{m.get('kernel')}, Python {m.get('python')}; "
        + ", ".join(f"{k} {v}" for k, v in (m.get("packages") or {}).items() if v)
        + f". Load generator: {o.get('workers')} worker(s) on CPU(s) {o.get('worker_cpus')}, "
        f"servers on CPU(s) {o.get('server_cpus')}, client JSON {o.get('client_json')}, "
        f"client loop {o.get('client_loop')}, permessage-deflate offered: "
        f"{o.get('compression')}, seed {o.get('seed')}.",
    ]


def kept_sections(text: str) -> list[str]:
    """The hand-written sections of the page as it is (see :data:`KEPT`)."""
    out = []
    for title in KEPT:
        if title not in text:
            continue
        rest = text.split(title, 1)[1]
        body = rest.split("\n## ", 1)[0]
        out.append(title + body.rstrip() + "\n")
    return out


def render_page(docs: list[dict[str, Any]], existing: str = "") -> str:
    """The whole of docs/performance.md from result files of one code."""
    merged = merge(docs)
    scenarios = merged["scenarios"]
    parts = [
        "# Performance",
        "",
        INTRO,
        "",
        "## Where we land against the targets",
        "",
        *heading(merged),
        "",
        "<!-- targets:begin -->",
        "",
        targets_table(scenarios),
        "",
        "<!-- targets:end -->",
        "",
        f"{BOUND_MARK}: a figure the load generator bound in at least one run (its core "
        "was busy above 90 % in the window, or the clients finished reading a question "
        "more than 1.25 x later than the server finished writing it); such a run never "
        "counts as meeting a target, and a target bound in most runs is not counted.",
        "",
        "## Discarded runs",
        "",
        *discarded_section(scenarios),
        "",
        "## Figures",
        "",
        "Each cell: the median over the valid runs (their range in brackets). Client-side: "
        "join rate, answer→ack, fan-out at the clients, deliveries/s. Server-side: "
        "fan-out time (first frame of a question written to the last), CPU (/proc), "
        "CPU per frame sent and per answer handled, memory.",
        "",
    ]
    for name, scn in scenarios.items():
        parts += figures_table(name, scn)
    parts += ["## GC and loop lag of the three servers", "", *gc_lag_table(scenarios), ""]
    media = media_table(scenarios)
    if media:
        parts += [
            "## Pictures: fetched ahead, and while answers flow",
            "",
            MEDIA_TEXT,
            "",
            *media,
            "",
        ]
    parts += [METHOD, "", CAVEATS, "", *kept_sections(existing), COMMANDS]
    return "\n".join(parts).rstrip() + "\n"


def write_docs(docs: list[dict[str, Any]], path: Path = DOCS) -> None:
    """Write the whole page (the hand-written sections of the old one carried over)."""
    existing = path.read_text() if path.exists() else ""
    path.write_text(render_page(docs, existing))


def render(doc: dict[str, Any]) -> str:
    """The figures of one result file, for the console after a run."""
    lines: list[str] = []
    for name, scn in doc["scenarios"].items():
        lines += figures_table(name, scn)
    lines += discarded_section(doc["scenarios"])
    return "\n".join(lines)


def brief(r: dict[str, Any]) -> str:
    """One line per run, for the console while the benchmark goes on."""
    if "game" not in r:
        return f"{r.get('status')} {r.get('reason', '')} ({r.get('wall_s')} s)"
    g, srv = r["game"], r.get("server") or {}
    answers = srv.get("answers") or {}
    media = r.get("media") or {}
    return (
        f"{r['status']} {r.get('reason', '')} players={r['players']} "
        f"join/s={r['join']['rate_per_s']} fanout p50/p99={g['fanout_latency_ms']['p50']}/"
        f"{g['fanout_latency_ms']['p99']} ms server fanout={srv.get('fanout_ms')} ms "
        f"answer p50/p99={g['answer_latency_ms']['p50']}/{g['answer_latency_ms']['p99']} ms "
        f"cpu s join/game={(srv.get('cpu_s') or {}).get('join')}/"
        f"{(srv.get('cpu_s') or {}).get('game')} us/frame={srv.get('cpu_us_per_frame_game')} "
        f"us/answer={answers.get('cpu_us_per_answer')} "
        f"KiB/player={r['memory']['kib_per_player']} "
        f"lag join/game={r['join']['health']['loop_lag_max_ms']}/"
        f"{g['health']['loop_lag_max_ms']} errors={r['errors']['total']} "
        f"bound={srv.get('generator_bound')} "
        + (
            f"pictures late={media.get('late')} fetch p99={media.get('fetch_ms', {}).get('p99')} "
            if media
            else ""
        )
        + f"invalid={r.get('invalid')} steal={r.get('steal_cpus_during')} ({r.get('wall_s')} s)"
    )


INTRO = """What the quiz server does under load, measured side by side with **the
floor** and **the peer**, by the same load generator, in the same runs, on
one machine. The floor (`bench/floor_server.py`) sends every frame a
player of the quiz server sees, of about their sizes, with none of the game
behind them, the fastest way we know in Python: orjson, a frame encoded
once for a whole room and written with the quiz server's own
`write_text`, sends to a large room a slice of 100 connections at a time
(the quiz server's `Paced`), the cyclic GC off for the process's life,
websockets' `serve()` with the quiz server's options, uvloop when the quiz
server uses it (`floor_uvloop` beside `quiz_uvloop`). The peer
(`bench/peer_server.py`) sends the same frames through python-socketio 5's
`AsyncServer` with rooms, configured for speed as its documentation
allows: the `aiohttp` async mode (the one it tries first: aiohttp's
compiled WebSocket reader, no ASGI layer), orjson as its `json` module,
`async_handlers=False` (no task per event). All three report GC passes and
loop lag through the quiz server's own `ServerMetrics`.

The targets, tables and figures below are rendered from the result files
by `python -m bench.run --render ...`, which refuses files of different
code; the raw numbers are in `bench/results/`."""

MEDIA_TEXT = """In `media_5000` every question has a picture (uploaded through the
protocol; the floor serves the same pictures from memory). Each player
fetches the first picture in the lobby (the room state lists the room's
`media` for that), and the next one while a question is open, within 2 s
of it (`GET /media/<id>`, one connection each, at most 256 at once per
load-generator worker): 5,000 fetches while the answers of the question
flow. "One fetch" is what a client that fetched a picture only when its
question came would have waited with the question already on screen;
"pictures late" counts the (player, question) pairs whose picture was not
there when the question came: with fetching ahead it must be 0, so that no
player's answer time includes a download."""

METHOD = """## How it is measured

- **Processes.** The server under test runs pinned to CPU 0; the load
  generator's worker(s) to the other CPU(s); the coordinator polls
  `/healthz` twice a second and reads `/proc`. With 2 cores the generator
  has one core.
- **Players.** Real WebSocket clients (websockets' sans-I/O
  `ClientProtocol` on `asyncio.Protocol`, no task per player, cyclic GC off
  in the workers). The host creates the room (`time_per_question=20`,
  `reveal_seconds=2`, `COUNTDOWN_SECONDS=1`), players join (50 handshakes
  in flight), the host starts, and every player answers every question
  after a delay drawn from the scenario's distribution. A player must get
  every `question`, `question_result`, `your_result`, `answer_received`
  and `game_over`; protocol 1.1's large-room rules are checked on the quiz
  server as they go.
- **Repeats.** `--repeat N` runs every scenario N times (`--all`: 3), the
  repeats outermost, the targets of a scenario in an order rotated by one
  each repeat. A ratio is taken between two runs of the same repeat.
- **Valid runs.** A run with any error (an `error` frame, a failed join, a
  lost connection, a missing message), a broken large-room rule or a
  picture that did not come is discarded, listed above with its reason, and
  counted in no figure and no ratio. The Redis "0 errors" and the pictures'
  "every run" targets count every run.
- **At the clients.** *join /s*: players seated per second, first connect
  to last reply. *answer→ack*: `submit_answer` sent to its
  `answer_received`. *fan-out at the clients*: receipt minus the
  question's `server_time_ms`; *deliveries/s*: recipients over the time to
  the last receipt, median over questions.
- **At the server.** *Server CPU*: user + system seconds from
  `/proc/<pid>/stat` in the join and in the game, every server of the run
  (two with Redis). *CPU µs / frame*: the game's CPU over the frames the
  server counted sending (`frames_out`). *CPU µs / answer*: for each
  question, the server's CPU (`/proc/<pid>/task/*/schedstat`, sampled every
  50 ms) from the moment the last player had the question to the last
  acknowledgement, over the answers acknowledged in that window: the
  answers' whole cost (read, rules, acknowledgement, the progress counts).
  *Server fan-out*: `quiz_fanout_seconds{type="question"}` in `/metrics`,
  the time from the first connection a question was written to until the
  last (`quiz.ops.metrics.FanoutClock`, used by the quiz server's hub and
  by the floor; the peer times engine.io's writes of the question). *GC*:
  `quiz_gc_pause_seconds` (every pass, through `gc.callbacks`). *Loop
  lag*: how late a 100 ms timer fires (`/healthz`). *Runqueue wait*: time
  the server's threads were runnable but not running (schedstat): other
  load and steal, seen from the server. *Other load / steal*: CPU of
  processes not part of the run, and the hypervisor's steal, in CPUs.
- **Bound by the generator.** A client-side figure is marked when the
  worker's core was above 90 % busy in the join or in the answer windows,
  or when the clients finished reading a question more than 1.25 x later
  than the server finished writing it.
- **Provenance.** Every result file records the hashes of `quiz/` (all of
  it) and `bench/`, the generator's settings, Python's and the libraries'
  versions, and the steal and other load seen in each run."""

CAVEATS = """## Caveats

- **One machine, 2 cores.** The server (with Redis: both servers and
  redis-server) gets one core and the load generator the other. The
  generator spends some 20 µs of CPU per frame it reads, so at 5,000 and
  10,000 players the client-side fan-out figures of the fastest servers
  measure the generator: they are marked, and the server-side fan-out time
  is the one judged.
- **A shared VM.** The hypervisor takes time from the VM in bursts (steal)
  and other work may run: each run waits (bounded) for a quiet machine,
  and the other load, the steal and the servers' runqueue wait of every run
  are recorded. Medians of repeated, interleaved runs are reported for
  that reason; one run is never enough.
- Receipt times are stamped when the client's loop reads the socket, so
  they include the client's own queueing; `server_time_ms` is truncated to
  the millisecond."""

COMMANDS = """## Commands

```sh
pip install -r bench/requirements.txt
python -m bench.run --quick                                     # about a minute: a check
python -m bench.run --all --out bench/results/full.json         # 3 repeats of everything
python -m bench.run --render bench/results/full.json            # this page
python -m bench.room_costs                                      # game-core cost per command
```"""
