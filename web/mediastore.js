// The host's media files, kept in this browser (IndexedDB), by the id the
// server gave them: the original file as it was uploaded (or as it came in
// a quiz bundle), its type and name.
//
// Why: the server forgets media MEDIA_TTL_SECONDS (a day) after their last
// use, while the quiz stays in localStorage for as long as the host likes.
// When the server no longer has an id (a HEAD /media/<id> answers 404, or
// create_room says "the server has no media ...: upload it again"), the
// editor uploads the kept file again (web/uploads.js restoreMedia): the same
// original gives the same id, and where it does not (the server's encoder
// changed), the quiz takes the new id. A file this browser never had (the
// quiz was written elsewhere) comes back from the quiz's bundle instead.
//
// Without IndexedDB (a private window that refuses it), files are kept in
// memory for the tab's life.

const DB_NAME = "quiz-media";
const STORE = "files";
const memory = new Map();
let opening = null;

function openDb() {
  if (opening) return opening;
  opening = new Promise((resolve) => {
    let request;
    try {
      request = globalThis.indexedDB?.open(DB_NAME, 1);
    } catch {
      request = null;
    }
    if (!request) {
      resolve(null);
      return;
    }
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
  return opening;
}

function run(mode, fn) {
  return openDb().then((db) => {
    if (!db) return undefined;
    return new Promise((resolve) => {
      try {
        const tx = db.transaction(STORE, mode);
        const request = fn(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request?.result);
        tx.onerror = () => resolve(undefined);
        tx.onabort = () => resolve(undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** Keep `blob` (the original file) as media `id`; meta: {type, name, kind}. */
export async function keepMedia(id, blob, meta = {}) {
  const record = { blob, type: meta.type || blob.type || "", name: meta.name || "", kind: meta.kind || "", at: Date.now() };
  memory.set(id, record);
  await run("readwrite", (store) => store.put(record, id));
}

/** The kept file of media `id`: {blob, type, name, kind, at}, or null. */
export async function recallMedia(id) {
  if (memory.has(id)) return memory.get(id);
  const record = await run("readonly", (store) => store.get(id));
  return record && record.blob ? record : null;
}

/**
 * Forget kept files older than `maxAgeMs` that no quiz of `inUse` (ids)
 * names: the browser does not keep every picture ever tried.
 */
export async function pruneMedia(inUse, maxAgeMs = 30 * 24 * 3600 * 1000) {
  const keep = new Set(inUse);
  const now = Date.now();
  await run("readwrite", (store) => {
    const request = store.openCursor();
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor) return;
      if (!keep.has(cursor.key) && now - (cursor.value?.at || 0) > maxAgeMs) cursor.delete();
      cursor.continue();
    };
    return request;
  });
}
