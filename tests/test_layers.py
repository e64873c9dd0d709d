"""The layers of the tree, held by the import system itself.

The game core imports only the standard library: it is importable on a
machine without any of the server's packages, and a test proves it by
importing every module of it in a fresh interpreter where every other
package is blocked. The question package (quiz/llm/) depends on the core
and never on the layers of the server around it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: a finder first on sys.meta_path refuses every
# top-level package that is not the standard library's or the one allowed,
# then every module of PACKAGE is imported. Prints what was imported.
PROBE = """
import importlib, json, pkgutil, sys
before = set(sys.modules)  # what the interpreter itself loaded (site, .pth files)
root_dir, package, allowed, refused = sys.argv[1:5]
sys.path.insert(0, root_dir)
allowed, refused = allowed.split(","), tuple(r for r in refused.split(",") if r)
class Refuse:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if name.startswith(refused) or (
            "*" not in allowed and top not in sys.stdlib_module_names and top not in allowed
        ):
            raise ImportError(f"blocked: {name}")
        return None
sys.meta_path.insert(0, Refuse())
root = importlib.import_module(package)
for info in pkgutil.walk_packages(root.__path__, package + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def probe(package: str, allowed: str, refused: str = "") -> subprocess.CompletedProcess[str]:
    """Import every module of ``package`` in a fresh interpreter that refuses
    every top-level package outside the standard library and ``allowed``
    ("*": any), and every module whose name starts with one of ``refused``."""
    return subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(ROOT), package, allowed, refused],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def imported(package: str, allowed: str, refused: str = "") -> list[str]:
    run = probe(package, allowed, refused)
    assert run.returncode == 0, run.stderr
    return list(json.loads(run.stdout))


def test_the_core_imports_nothing_but_the_standard_library() -> None:
    modules = imported("quiz.core", "quiz")
    ours = [m for m in modules if m.split(".")[0] == "quiz"]
    assert "quiz.core.room" in ours and "quiz.core.parse" in ours
    # Nothing of the layers around it, not even through another module.
    assert all(m == "quiz" or m.startswith("quiz.core") for m in ours), ours
    outside = {m.split(".")[0] for m in modules} - set(sys.stdlib_module_names) - {"quiz"}
    assert outside == set(), outside


def test_the_question_package_depends_on_the_core_not_on_the_server() -> None:
    # quiz/llm needs its own packages (groq, httpx, redis for the shared
    # cache), and of this project only the core.
    modules = imported("quiz.llm", "*", "quiz.wire,quiz.net,quiz.rooms,quiz.ops")
    ours = [m for m in modules if m.split(".")[0] == "quiz"]
    assert ours and all(m == "quiz" or m.startswith(("quiz.core", "quiz.llm")) for m in ours), ours


def test_the_probe_can_tell() -> None:
    # The wire layer needs packages outside the standard library: with them
    # blocked, importing it fails.
    run = probe("quiz.wire", "quiz")
    assert run.returncode != 0 and "ImportError: blocked: " in run.stderr, run.stderr
    run = probe("quiz.rooms", "*", "quiz.net")
    assert run.returncode == 0, run.stderr  # the rooms do not reach up into the network layer
