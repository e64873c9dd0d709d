// web/uploads.js: an upload over a (fake) connection as the protocol says:
// announced, then binary frames of at most max_frame_bytes (at least 1 KiB
// but the last), one upload at a time; errors by code in the page's words;
// media the server forgot put back from this browser's copies.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { web } from "./web.mjs";

const { createUploader, frames, headMedia, restoreMedia, uploadError, uploadType } = await web("uploads.js");

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A Connection (web/connection.js) with a server behind it: upload_ready
 * (or `refuse(size)` -> an error), then `media` once every byte came.
 */
class FakeConn {
  constructor({ maxFrame = 4096, refuse = () => null, idFor = () => "9".repeat(64) } = {}) {
    this.maxFrame = maxFrame;
    this.refuse = refuse;
    this.idFor = idFor;
    this.quietIds = new Set();
    this.ws = { readyState: 1, bufferedAmount: 0 };
    this.log = [];
    this.frames = [];
    this.pending = new Map();
    this.upload = null;
    this.answering = false; // an upload announced and not yet answered (media or error)
    this.n = 0;
  }

  send(action, fields, { quiet = false } = {}) {
    const requestId = `r${++this.n}`;
    if (quiet) this.quietIds.add(requestId);
    this.log.push({ action, ...fields, requestId, quiet });
    // One upload at a time per connection: the server answers a second one bad_message.
    assert.equal(this.answering, false, "an upload was announced before the last one had its answer");
    this.answering = true;
    const done = new Promise((resolve, reject) => {
      setTimeout(() => {
        const error = this.refuse(fields);
        if (error) this.answering = false;
        if (error) reject({ type: "error", request_id: requestId, ...error });
        else {
          this.upload = { requestId, size: fields.size, got: [] };
          resolve({ type: "upload_ready", size: fields.size, max_frame_bytes: this.maxFrame, request_id: requestId });
        }
      }, 0);
    });
    return { requestId, done };
  }

  openSocket() {
    return this.ws;
  }

  expectReply(requestId) {
    return new Promise((resolve, reject) => this.pending.set(requestId, { resolve, reject }));
  }

  sendBinary(ws, bytes) {
    if (ws !== this.ws) return false;
    const up = this.upload;
    this.frames.push(bytes.length);
    up.got.push(...bytes);
    if (up.got.length === up.size) {
      this.upload = null;
      const all = new Uint8Array(up.got);
      setTimeout(() => (this.answering = false) || this.pending.get(up.requestId).resolve({ type: "media", id: this.idFor(all), content_type: "image/webp", bytes: all.length, request_id: up.requestId }), 0);
    }
    return true;
  }
}

const blob = (n, type = "image/png", seed = 1) => new Blob([new Uint8Array(n).map((_, i) => (i * seed) & 0xff)], { type });

describe("the frames of an upload", () => {
  test("frames: at most max, at least 1 KiB but the last, every byte once", () => {
    for (const [size, max] of [[1, 65536], [1024, 1024], [5000, 1024], [65536 * 3, 65536], [70_000, 65536]]) {
      const out = frames(size, max);
      assert.equal(out[0][0], 0);
      assert.equal(out.at(-1)[1], size);
      out.forEach(([a, b], i) => {
        assert.ok(b - a <= max, `${size}/${max}: ${b - a}`);
        if (i < out.length - 1) assert.ok(b - a >= 1024);
        if (i) assert.equal(a, out[i - 1][1]);
      });
    }
    // A server announcing less than the protocol's floor still gets 1 KiB frames.
    assert.deepEqual(frames(3000, 500), [[0, 1024], [1024, 2048], [2048, 3000]]);
  });

  test("uploadType: the file's type, lowercased, no parameters; none is application/octet-stream", () => {
    assert.equal(uploadType("image/png"), "image/png");
    assert.equal(uploadType("Image/JPEG; charset=binary"), "image/jpeg");
    assert.equal(uploadType(""), "application/octet-stream");
    assert.equal(uploadType(undefined), "application/octet-stream");
    assert.equal(uploadType("not a type"), "application/octet-stream");
  });
});

describe("an upload", () => {
  test("announced, sent in frames in order, answered with its media; quiet, and forgotten after", async () => {
    const conn = new FakeConn({ maxFrame: 4096 });
    const uploader = createUploader(conn);
    const file = blob(10_000, "");
    const phases = [];
    const media = await uploader.upload(file, { onProgress: (p) => phases.push(p.phase) });
    assert.equal(media.type, "media");
    assert.deepEqual(conn.log.map((m) => [m.action, m.size, m.content_type, m.quiet]), [["upload_media", 10_000, "application/octet-stream", true]]);
    assert.deepEqual(conn.frames, [4096, 4096, 1808]);
    assert.equal(phases[0], "sending");
    assert.equal(phases.at(-1), "checking");
    assert.equal(conn.quietIds.size, 0);
    assert.equal(uploader.busy, 0);
  });

  test("one at a time: the second is announced once the first has its answer", async () => {
    const conn = new FakeConn({ idFor: (bytes) => String(bytes.length).padStart(64, "0") });
    const uploader = createUploader(conn);
    const queued = [];
    const first = uploader.upload(blob(3000));
    const second = uploader.upload(blob(5000), { onProgress: (p) => queued.push(p.phase) });
    assert.equal(uploader.busy, 2);
    assert.equal(queued[0], "queued");
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.id, "3000".padStart(64, "0"));
    assert.equal(b.id, "5000".padStart(64, "0"));
    assert.deepEqual(conn.log.map((m) => m.size), [3000, 5000]);
  });

  test("a refusal before any byte rejects with it; the next upload still goes", async () => {
    const conn = new FakeConn({ refuse: ({ size }) => (size > 4000 ? { code: "media_too_large", message: "the file is 5000 bytes; at most 4000 are accepted" } : null) });
    const uploader = createUploader(conn);
    const big = uploader.upload(blob(5000));
    const small = uploader.upload(blob(100));
    await assert.rejects(big, (e) => e.code === "media_too_large");
    assert.equal((await small).type, "media");
    assert.equal(conn.frames.length, 1, "no byte of the refused file was sent");
    assert.equal(conn.quietIds.size, 0);
  });

  test("the socket changed after upload_ready: no byte on the new one, connection_lost", async () => {
    const conn = new FakeConn();
    conn.openSocket = () => ({ readyState: 1, bufferedAmount: 0 }); // not conn.ws
    await assert.rejects(createUploader(conn).upload(blob(2000)), (e) => e.code === "connection_lost");
    assert.equal(conn.frames.length, 0);
  });
});

describe("errors in the page's words", () => {
  test("by code, with the limit the server named", () => {
    assert.deepEqual(uploadError({ code: "media_too_large", message: "the clip lasts 31.2 s; at most 30 s are accepted" }), { key: "up.err_too_long", params: { max: 30 } });
    assert.deepEqual(uploadError({ code: "media_too_large", message: "the image is 9000 x 9000 pixels; at most 50000000 pixels are accepted" }), { key: "up.err_pixels", params: { max: 50 } });
    assert.deepEqual(uploadError({ code: "media_too_large", message: "the file is 20000000 bytes; at most 10485760 are accepted" }), { key: "up.err_too_big", params: { max: 10 } });
    assert.deepEqual(uploadError({ code: "media_too_large", message: "more bytes came than the 5000 announced" }), { key: "error.media_too_large", params: {} });
    assert.equal(uploadError({ code: "media_unsupported", message: "HEIC and AVIF pictures are not accepted: send a JPEG, PNG or WebP" }).key, "up.err_heic");
    assert.equal(uploadError({ code: "media_unsupported", message: "the image is damaged or truncated" }).key, "up.err_damaged");
    assert.equal(uploadError({ code: "media_unsupported", message: "the file is not a JPEG, PNG, WebP or GIF image" }).key, "error.media_unsupported");
    assert.equal(uploadError({ code: "bad_message", message: "upload_media: the file did not all arrive in time; send it again" }).key, "up.err_slow");
    for (const code of ["media_quota", "rate_limited", "server_busy", "connection_lost"]) assert.equal(uploadError({ code }).key, `error.${code}`);
    assert.equal(uploadError({ code: "bad_message", message: "size: must be a whole number" }).key, "up.err_other");
    assert.equal(uploadError(null).key, "up.err_other");
  });
});

describe("media the server forgot", () => {
  test("headMedia: HEAD /media/<id>, never from the cache; 404 is gone, an error is unknown", async () => {
    const id = "a".repeat(64);
    const calls = [];
    const fetchAs = (status) => async (url, init) => {
      calls.push([url, init.method, init.cache]);
      if (status === "throw") throw new TypeError("offline");
      return { status, ok: status >= 200 && status < 300 };
    };
    assert.equal(await headMedia(id, fetchAs(200)), true);
    assert.equal(await headMedia(id, fetchAs(404)), false);
    assert.equal(await headMedia(id, fetchAs(503)), null);
    assert.equal(await headMedia(id, fetchAs("throw")), null);
    assert.deepEqual(calls[0], [`/media/${id}`, "HEAD", "no-store"]);
    assert.equal(await headMedia("../etc/passwd", fetchAs(200)), false);
    assert.equal(calls.length, 4);
  });

  test("restoreMedia: what is gone goes back up from the kept file; a new id is a change; what was never kept is missing", async () => {
    const [kept, keptSame, neverKept, present, unknown] = ["1", "2", "3", "4", "5"].map((c) => c.repeat(64));
    const conn = new FakeConn({ idFor: (bytes) => (bytes.length === 111 ? "7".repeat(64) : keptSame) });
    const stored = [];
    const result = await restoreMedia([kept, keptSame, neverKept, present, unknown, kept], {
      uploader: createUploader(conn),
      has: async (id) => (id === present ? true : id === unknown ? null : false),
      recall: async (id) => (id === kept ? { blob: blob(111), type: "image/png", name: "flag.png" } : id === keptSame ? { blob: blob(222), type: "audio/mpeg", name: "a.mp3" } : null),
      keep: async (id, b, meta) => stored.push([id, b.size, meta.name]),
    });
    assert.deepEqual([...result.map], [[kept, "7".repeat(64)]]);
    assert.deepEqual(result.restored.sort(), [kept, keptSame].sort());
    assert.deepEqual(result.missing, [neverKept]);
    assert.deepEqual(stored.sort(), [["7".repeat(64), 111, "flag.png"], [keptSame, 222, "a.mp3"]].sort());
    assert.deepEqual(conn.log.map((m) => m.size).sort(), [111, 222]);
  });

  test("restoreMedia: a failed upload is missing, with its error", async () => {
    const id = "1".repeat(64);
    const conn = new FakeConn({ refuse: () => ({ code: "media_quota", message: "more than 300 uploads an hour" }) });
    const result = await restoreMedia([id], { uploader: createUploader(conn), has: async () => false, recall: async () => ({ blob: blob(10) }), keep: async () => {} });
    assert.deepEqual(result.missing, [id]);
    assert.equal(result.errors.get(id).code, "media_quota");
    await tick();
  });
});
