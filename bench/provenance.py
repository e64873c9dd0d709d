"""What a result file must say about what produced it: code hashes, versions, the machine.

A figure is only comparable with figures of the same code under test
(``quiz/`` and ``quiz_server.py``, every file of it: the core, the wire,
``quiz/llm`` and its bank, media...) measured by the same instrument
(``bench/``: the load generator, the floor, the peer, the runner).
:func:`code_hashes` names both; ``--render`` refuses to put files of
different hashes in one table (:func:`same_code`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = "/usr/bin/redis-server"
PACKAGES = (
    "websockets",
    "python-socketio",
    "python-engineio",
    "aiohttp",
    "uvloop",
    "orjson",
    "redis",
    "hiredis",
    "prometheus-client",
    "Pillow",
)
# Never part of a hash: caches, and the benchmark's own results.
_SKIP_DIRS = {"__pycache__", "results", ".pytest_cache", ".ruff_cache"}


def tree_hash(paths: list[Path], root: Path = ROOT) -> str:
    """SHA-256 over every file under ``paths`` (relative name and bytes), in name order."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            files += [Path(dirpath) / f for f in filenames if not f.endswith((".pyc", ".tmp"))]
    for file in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def code_hashes(root: Path = ROOT) -> dict[str, str]:
    """The hashes of the code under test and of the benchmark."""
    return {
        "quiz": tree_hash([root / "quiz", root / "quiz_server.py"], root),
        "bench": tree_hash([root / "bench"], root),
    }


def same_code(docs: list[dict[str, Any]]) -> dict[str, str]:
    """The one pair of hashes of ``docs``; ValueError if they differ or one has none."""
    seen: dict[tuple[str, str], list[str]] = {}
    for i, doc in enumerate(docs):
        code = doc.get("code")
        if not isinstance(code, dict) or "quiz" not in code or "bench" not in code:
            raise ValueError(
                f"result file {doc.get('_path', i)} records no hash of quiz/ and bench/ "
                "(made before they were recorded): it cannot be rendered with the new tables"
            )
        if code.get("changed_during_run"):
            raise ValueError(
                f"result file {doc.get('_path', i)}: quiz/ or bench/ changed while it ran"
            )
        seen.setdefault((code["quiz"], code["bench"]), []).append(str(doc.get("_path", i)))
    if len(seen) > 1:
        groups = "; ".join(f"quiz {q}, bench {b}: {', '.join(p)}" for (q, b), p in seen.items())
        raise ValueError(f"result files of different code cannot share a table ({groups})")
    (quiz, bench), _ = next(iter(seen.items()))
    return {"quiz": quiz, "bench": bench}


def _first_line(path: str, prefix: str) -> str:
    with contextlib.suppress(OSError), open(path) as f:
        for line in f:
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    return ""


def machine() -> dict[str, Any]:
    """The machine, Python and the libraries the run used."""
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
        "nproc": os.cpu_count(),
        "cpu": _first_line("/proc/cpuinfo", "model name"),
        "memory": _first_line("/proc/meminfo", "MemTotal"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_impl": platform.python_implementation(),
        "packages": versions,
        "redis_server": redis_v,
    }
