"""The editor's zip code (web/zip.js, for quiz bundles) against Python's
zipfile, both ways: what the page writes, zipfile reads and checks (every
CRC-32); what zipfile writes (stored and deflated, a folder, a UTF-8 name, a
streamed entry whose sizes follow its data), the page reads byte for byte.
The unit tests of web/zip.js itself are tests/web/zip.test.mjs."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import zipfile

from tests.test_web_units import ROOT, TIMEOUT_S, WEB_TESTS, node

RUN = """
import { readFileSync } from "node:fs";
const { web } = await import(process.argv[1]);
const { readZip, zipStore } = await web("zip.js");
const input = JSON.parse(readFileSync(0, "utf8"));
if (input.write) {
  const bytes = (hex) => Uint8Array.from(Buffer.from(hex, "hex"));
  const entries = input.write.map(([name, hex]) => ({ name, data: bytes(hex) }));
  process.stdout.write(Buffer.from(zipStore(entries)).toString("base64"));
} else {
  const entries = await readZip(Buffer.from(input.read, "base64"));
  const hex = (data) => Buffer.from(data).toString("hex");
  process.stdout.write(JSON.stringify(entries.map((e) => [e.name, hex(e.data)])));
}
"""


def run_node(payload: dict[str, object]) -> str:
    done = subprocess.run(
        [node(), "--input-type=module", "-e", RUN, (WEB_TESTS / "web.mjs").as_uri()],
        input=json.dumps(payload),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


FILES = {
    "quiz.json": json.dumps({"title": "Flags", "questions": []}).encode(),
    "media/" + "a" * 64 + ".webp": bytes(range(256)) * 300,
    "média/ünïcødé 🎵.mp3": b"ID3" + bytes(5000),
    "empty": b"",
}


def test_what_the_page_writes_pythons_zipfile_reads() -> None:
    written = run_node({"write": [[name, data.hex()] for name, data in FILES.items()]})
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(written))) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == list(FILES)
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.flag_bits & 0x800  # names in UTF-8
            assert archive.read(info) == FILES[info.filename]


class Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes each entry's sizes
    and CRC after its data (flag bit 3, a data descriptor)."""

    def __init__(self) -> None:
        self.out = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.out.write(data)


def python_zip(target: io.BytesIO | Unseekable) -> bytes:
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("folder/", b"")
        for i, (name, data) in enumerate(FILES.items()):
            method = zipfile.ZIP_DEFLATED if i % 2 == 0 else zipfile.ZIP_STORED
            archive.writestr(name, data, compress_type=method)
    return target.out.getvalue() if isinstance(target, Unseekable) else target.getvalue()


def test_what_pythons_zipfile_writes_the_page_reads() -> None:
    for target in (io.BytesIO(), Unseekable()):
        written = python_zip(target)
        with zipfile.ZipFile(io.BytesIO(written)) as archive:
            streamed = isinstance(target, Unseekable)
            assert all(bool(i.flag_bits & 0x08) == streamed for i in archive.infolist())
        read = json.loads(run_node({"read": base64.b64encode(written).decode()}))
        assert [name for name, _ in read] == list(FILES)
        for name, data in read:
            got = bytes.fromhex(data)
            assert hashlib.sha256(got).digest() == hashlib.sha256(FILES[name]).digest(), name
