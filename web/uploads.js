// Uploading pictures and sound over the game's WebSocket (protocol 1.2
// "Media"), one at a time per connection, and putting back media the server
// has forgotten.
//
//   upload_media {size, content_type}  ->  upload_ready {max_frame_bytes}
//   the bytes in binary frames (each at most max_frame_bytes, each but the
//   last at least 1 KiB)                ->  media {id, content_type, bytes,
//                                            width/height or duration_ms}
//
// Errors (a refusal at the announcement or after the bytes, or the socket
// dropping) reject the upload's promise with {code, message}; the caller
// says them in the page's language (uploadErrorText) on the field, so the
// page does not also toast them (Connection.quietIds).

const HIGH_WATER = 1024 * 1024; // bytes waiting in the socket before sending more
const FRAME_FLOOR = 1024; // the protocol's smallest frame, but for the last
const REPLY_TTL_MS = 180_000; // the server waits 120 s for the bytes, then checks them

/** What to announce as content_type: the file's own type, lowercased, without parameters. */
export function uploadType(type) {
  const bare = String(type || "").split(";")[0].trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(bare) ? bare : "application/octet-stream";
}

/** The frames an upload of `size` bytes is sent in: [start, end) pairs of at most `max` bytes. */
export function frames(size, max) {
  const step = Math.max(FRAME_FLOOR, Math.floor(max));
  const out = [];
  for (let start = 0; start < size; start += step) out.push([start, Math.min(size, start + step)]);
  return out;
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const lost = () => ({ type: "error", code: "connection_lost", message: "the connection dropped during the upload", local: true });

/**
 * An uploader on `conn` (web/connection.js): upload(blob, {onProgress})
 * resolves with the server's `media` message. Uploads queue: the next one
 * is announced when the last one has its answer.
 * onProgress({phase: "queued" | "sending" | "checking", sent, size}).
 */
export function createUploader(conn) {
  let chain = Promise.resolve();
  let waiting = 0;

  async function uploadNow(blob, onProgress) {
    const size = blob.size;
    const report = (phase, sent) => onProgress?.({ phase, sent, size });
    report("sending", 0);
    // Read first: the server's clock for the bytes starts at upload_ready.
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const { requestId, done } = conn.send("upload_media", { size, content_type: uploadType(blob.type) }, { quiet: true });
    try {
      const ready = await done;
      if (!ready || ready.type !== "upload_ready") throw lost();
      // The socket that said upload_ready (still the current one: nothing
      // ran between its message and this line).
      const ws = conn.openSocket();
      const reply = conn.expectReply(requestId, { ttlMs: REPLY_TTL_MS });
      const max = Number.isInteger(ready.max_frame_bytes) && ready.max_frame_bytes > 0 ? ready.max_frame_bytes : 65536;
      for (const [start, end] of frames(bytes.length, max)) {
        if (!conn.sendBinary(ws, bytes.subarray(start, end))) throw lost();
        // What still waits in the socket is not sent yet: progress is what left.
        while (ws.bufferedAmount > HIGH_WATER) {
          report("sending", end - ws.bufferedAmount);
          await wait(20);
          if (ws.readyState !== 1) throw lost();
        }
        report("sending", end - ws.bufferedAmount);
      }
      report("checking", size);
      const media = await reply;
      if (!media || media.type !== "media" || typeof media.id !== "string") throw lost();
      return media;
    } finally {
      conn.quietIds?.delete(requestId);
    }
  }

  return {
    /** Upload `blob` (a File or Blob); resolves with the `media` message, rejects with an error. */
    upload(blob, { onProgress } = {}) {
      waiting += 1;
      if (waiting > 1) onProgress?.({ phase: "queued", sent: 0, size: blob.size });
      const run = chain.then(() => uploadNow(blob, onProgress));
      chain = run.then(() => {}, () => {});
      return run.finally(() => {
        waiting -= 1;
      });
    },
    /** How many uploads are under way or waiting. */
    get busy() {
      return waiting;
    },
  };
}

/**
 * The message id and parameters that say why an upload failed, in the
 * page's words: by the error's code, with the limit the server named where
 * it names one (its words themselves are never shown).
 */
export function uploadError(error) {
  const code = error?.code || "";
  const message = typeof error?.message === "string" ? error.message : "";
  if (code === "media_too_large") {
    let m = /at most ([\d.]+) s are accepted/.exec(message);
    if (m) return { key: "up.err_too_long", params: { max: Number(m[1]) } };
    m = /at most (\d+) pixels/.exec(message);
    if (m) return { key: "up.err_pixels", params: { max: Math.round(Number(m[1]) / 1e6) } };
    m = /at most (\d+) (?:bytes )?are accepted/.exec(message);
    if (m) return { key: "up.err_too_big", params: { max: Math.max(1, Math.round(Number(m[1]) / (1024 * 1024))) } };
    return { key: "error.media_too_large", params: {} };
  }
  if (code === "media_unsupported") {
    if (/HEIC|AVIF/.test(message)) return { key: "up.err_heic", params: {} };
    if (/damaged|truncated/.test(message)) return { key: "up.err_damaged", params: {} };
    return { key: "error.media_unsupported", params: {} };
  }
  if (code === "bad_message" && /in time/.test(message)) return { key: "up.err_slow", params: {} };
  const known = ["media_quota", "rate_limited", "server_busy", "connection_lost", "internal_error"];
  if (known.includes(code)) return { key: `error.${code}`, params: {} };
  return { key: "up.err_other", params: {} };
}

// ------------------------------------------------------------ restoring

const MEDIA_ID = /^[0-9a-f]{64}$/;

/** Whether the server holds media `id`: true, false (404), or null (it could not say). */
export async function headMedia(id, fetchImpl = globalThis.fetch) {
  if (!MEDIA_ID.test(id)) return false;
  try {
    const response = await fetchImpl(`/media/${id}`, { method: "HEAD", cache: "no-store" });
    if (response.status === 404) return false;
    return response.ok ? true : null;
  } catch {
    return null;
  }
}

/** Run `fn` over `items`, at most `limit` at once. */
async function eachLimited(items, limit, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Put back on the server whichever of `ids` it no longer holds, from the
 * files this browser kept (web/mediastore.js). Returns {map: old id -> new
 * id (only those that changed), restored: [ids], missing: [ids]}: a missing
 * id is gone from the server and was never kept here (or its upload failed;
 * `errors` has why).
 * deps: {uploader, has(id), recall(id), keep(id, blob, meta), onProgress(done, total)}.
 */
export async function restoreMedia(ids, deps) {
  const { uploader, has = headMedia, recall, keep, onProgress } = deps;
  const map = new Map();
  const restored = [];
  const missing = [];
  const errors = new Map();
  const unique = [...new Set(ids)];
  const gone = [];
  await eachLimited(unique, 6, async (id) => {
    if ((await has(id)) === false) gone.push(id);
  });
  let done = 0;
  for (const id of unique.filter((x) => gone.includes(x))) {
    const kept = await recall(id);
    if (!kept) {
      missing.push(id);
      continue;
    }
    try {
      const media = await uploader.upload(kept.blob);
      await keep(media.id, kept.blob, { type: kept.type, name: kept.name, kind: kept.kind });
      if (media.id !== id) map.set(id, media.id);
      restored.push(id);
    } catch (error) {
      errors.set(id, error);
      missing.push(id);
    }
    onProgress?.(++done, gone.length);
  }
  return { map, restored, missing, errors };
}
