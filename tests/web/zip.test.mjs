// web/zip.js: the quiz bundle's zip writer (stored, CRC-32) and reader
// (stored and deflated, sizes from the central directory, every CRC-32
// checked, limits against hostile files). tests/test_web_zip.py also holds
// it to Python's zipfile, both ways.

import assert from "node:assert/strict";
import { deflateRawSync } from "node:zlib";
import { describe, test } from "node:test";

import { web } from "./web.mjs";

const { ZipError, crc32, looksLikeZip, readZip, zipStore } = await web("zip.js");

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A zip built by hand: entries {name, data, method (0 or 8), descriptor
 * (sizes after the data, flag bit 3), flags, crc (to lie), size (to lie)}.
 */
function handZip(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const raw = typeof e.data === "string" ? enc.encode(e.data) : e.data;
    const packed = e.method === 8 ? new Uint8Array(deflateRawSync(raw)) : raw;
    const crc = e.crc ?? crc32(raw);
    const size = e.size ?? raw.length;
    const flags = (e.flags ?? 0x0800) | (e.descriptor ? 0x0008 : 0);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(6, flags, true);
    local.setUint16(8, e.method ?? 0, true);
    if (!e.descriptor) {
      local.setUint32(14, crc, true);
      local.setUint32(18, packed.length, true);
      local.setUint32(22, size, true);
    }
    local.setUint16(26, name.length, true);
    const at = offset;
    parts.push(new Uint8Array(local.buffer), name, packed);
    offset += 30 + name.length + packed.length;
    if (e.descriptor) {
      const dd = new DataView(new ArrayBuffer(16));
      dd.setUint32(0, 0x08074b50, true);
      dd.setUint32(4, crc, true);
      dd.setUint32(8, packed.length, true);
      dd.setUint32(12, size, true);
      parts.push(new Uint8Array(dd.buffer));
      offset += 16;
    }
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(8, flags, true);
    c.setUint16(10, e.method ?? 0, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, packed.length, true);
    c.setUint32(24, size, true);
    c.setUint16(28, name.length, true);
    c.setUint32(42, at, true);
    central.push(new Uint8Array(c.buffer), name);
  }
  const centralSize = central.reduce((n, p) => n + p.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  return Buffer.concat([...parts, ...central, new Uint8Array(end.buffer)]);
}

async function refused(bytes, code, limits) {
  await assert.rejects(readZip(bytes, limits), (error) => {
    assert.ok(error instanceof ZipError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe("CRC-32", () => {
  test("the standard check values", () => {
    assert.equal(crc32(enc.encode("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array()), 0);
    assert.equal(crc32(enc.encode("The quick brown fox jumps over the lazy dog")), 0x414fa339);
  });

  test("in pieces, the same as at once", () => {
    const all = enc.encode("hello, zip world");
    assert.equal(crc32(all.subarray(5), crc32(all.subarray(0, 5))), crc32(all));
  });
});

describe("writing", () => {
  test("what is written reads back: names in UTF-8, bytes as they were, the empty file too", async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    const zip = zipStore([
      { name: "quiz.json", data: '{"questions": []}\n' },
      { name: "media/åäö ünïcødé 🎵.bin", data: bytes },
      { name: "empty.txt", data: "" },
    ], { date: new Date(2024, 4, 17, 13, 45, 10) });
    assert.ok(looksLikeZip(zip));
    const entries = await readZip(zip);
    assert.deepEqual(entries.map((e) => e.name), ["quiz.json", "media/åäö ünïcødé 🎵.bin", "empty.txt"]);
    assert.equal(dec.decode(entries[0].data), '{"questions": []}\n');
    assert.deepEqual(entries[1].data, bytes);
    assert.equal(entries[2].data.length, 0);
  });

  test("stored, UTF-8 flag, the right CRC in the headers, a DOS date", () => {
    const zip = zipStore([{ name: "a.txt", data: "abc" }], { date: new Date(2024, 4, 17, 13, 45, 10) });
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    assert.equal(view.getUint32(0, true), 0x04034b50);
    assert.equal(view.getUint16(6, true), 0x0800);
    assert.equal(view.getUint16(8, true), 0); // stored
    assert.equal(view.getUint32(14, true), crc32(enc.encode("abc")));
    assert.equal(view.getUint16(12, true), ((2024 - 1980) << 9) | (5 << 5) | 17);
    assert.equal(view.getUint16(10, true), (13 << 11) | (45 << 5) | 5);
  });

  test("bad names and repeated names are refused", () => {
    for (const name of ["", "/abs", "../up", "a/../../b", "back\\slash"]) {
      assert.throws(() => zipStore([{ name, data: "x" }]), TypeError, name);
    }
    assert.throws(() => zipStore([{ name: "a", data: "x" }, { name: "a", data: "y" }]), TypeError);
  });

  test("an empty zip is a zip", async () => {
    const zip = zipStore([]);
    assert.equal(zip.length, 22);
    assert.ok(looksLikeZip(zip));
    assert.deepEqual(await readZip(zip), []);
  });
});

describe("reading", () => {
  test("deflated entries, and entries whose sizes follow the data (a data descriptor)", async () => {
    const text = "a picture round ".repeat(1000);
    const zip = handZip([
      { name: "quiz.json", data: text, method: 8 },
      { name: "media/x.bin", data: new Uint8Array([1, 2, 3, 250]), method: 0, descriptor: true },
      { name: "media/y.txt", data: text, method: 8, descriptor: true },
      { name: "folder/", data: "" },
    ]);
    const entries = await readZip(zip);
    assert.deepEqual(entries.map((e) => e.name), ["quiz.json", "media/x.bin", "media/y.txt"]);
    assert.equal(dec.decode(entries[0].data), text);
    assert.deepEqual([...entries[1].data], [1, 2, 3, 250]);
    assert.equal(dec.decode(entries[2].data), text);
  });

  test("a zip with a comment after its end record", async () => {
    const zip = zipStore([{ name: "a", data: "b" }]);
    const view = new DataView(zip.buffer);
    view.setUint16(zip.length - 2, 5, true);
    const withComment = Buffer.concat([zip, enc.encode("hello")]);
    assert.equal(dec.decode((await readZip(withComment))[0].data), "b");
  });

  test("a name without the UTF-8 flag is code page 437", async () => {
    const zip = handZip([{ name: "plain.txt", data: "x", flags: 0 }]);
    // "é" is 0x82 in code page 437
    zip[zip.lastIndexOf("plain.txt")] = 0x82; // the central directory's name is the one read
    const entries = await readZip(zip);
    assert.equal(entries[0].name, "élain.txt");
  });

  test("not a zip", async () => {
    await refused(enc.encode("[1, 2, 3]"), "not_zip");
    await refused(new Uint8Array(10), "not_zip");
    assert.equal(looksLikeZip(enc.encode("[]")), false);
  });

  test("a changed byte fails its CRC-32", async () => {
    const zip = zipStore([{ name: "a.txt", data: "hello world" }]);
    zip[30 + "a.txt".length + 3] ^= 0xff;
    await refused(zip, "corrupt");
  });

  test("a lying CRC, a cut file, a bad offset", async () => {
    await refused(handZip([{ name: "a", data: "hello", crc: 1234 }]), "corrupt");
    const zip = zipStore([{ name: "a.txt", data: "x".repeat(100) }]);
    await refused(zip.subarray(0, 60), "not_zip");
    const moved = zipStore([{ name: "a.txt", data: "x" }]);
    const view = new DataView(moved.buffer);
    view.setUint32(moved.length - 22 + 16, 5, true); // the central directory is not there
    await refused(moved, "corrupt");
  });

  test("encrypted entries and other compressions are refused", async () => {
    await refused(handZip([{ name: "a", data: "x", flags: 0x0801 }]), "unsupported");
    const bzip = handZip([{ name: "a", data: "x" }]);
    const view = new DataView(bzip.buffer, bzip.byteOffset, bzip.byteLength);
    const centralAt = view.getUint32(bzip.length - 22 + 16, true);
    view.setUint16(centralAt + 10, 12, true); // method 12: bzip2
    await refused(bzip, "unsupported");
  });

  test("limits: entries, and bytes once inflated (a bomb stops at its declared size)", async () => {
    const many = zipStore(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: "x" })));
    await refused(many, "too_big", { maxEntries: 10 });
    const big = zipStore([{ name: "a", data: new Uint8Array(2000) }, { name: "b", data: new Uint8Array(2000) }]);
    await refused(big, "too_big", { maxBytes: 3000 });
    // A deflated entry that says 100 bytes and inflates to a megabyte.
    const bomb = handZip([{ name: "bomb", data: new Uint8Array(1024 * 1024), method: 8, size: 100, crc: 0 }]);
    await refused(bomb, "too_big");
  });
});
