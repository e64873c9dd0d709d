// A quiz bundle: one .zip holding the quiz and its pictures and sound, so
// that a quiz with media moves between machines (and servers) as one file.
//
//   quiz.json            {"format": "quiz-bundle", "version": 1, "title": "...",
//                        "questions": [...]}: the questions of
//                        docs/quiz-format.md, media named by id
//   media/<id>.<ext>     each media file the questions name, under its id
//                        (.webp .jpg .png .gif .mp3 .ogg .m4a)
//
// Reading takes quiz.json at the top (or in the one folder a zipped folder
// adds), or a bare list of questions, and any file named by a 64-hex id, in
// any folder, with any extension. The ids are only names here: on import
// the editor uploads each file and the quiz takes the id the server answers
// (a picture is encoded again, so its id may change; a sound keeps its id).
// Pure: no DOM, no network (web/view-editor.js does the uploading).

import { ZipError, looksLikeZip, readZip, zipStore } from "./zip.js";

export const MEDIA_ID = /^[0-9a-f]{64}$/;
const EXTENSIONS = {
  "image/webp": "webp",
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
  "audio/mp4": "m4a",
};
const BY_EXTENSION = Object.fromEntries(Object.entries(EXTENSIONS).map(([type, ext]) => [ext, type]));
BY_EXTENSION.jpeg = "image/jpeg";
BY_EXTENSION.oga = "audio/ogg";
BY_EXTENSION.opus = "audio/ogg";

export class BundleError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "BundleError";
    this.code = code;
  }
}

/** Every media id `questions` name, each once, in the order they come. */
export function mediaIds(questions) {
  const ids = [];
  for (const q of questions || []) {
    if (!q || typeof q !== "object") continue;
    for (const id of [q.image, q.audio, ...(Array.isArray(q.option_images) ? q.option_images : [])]) {
      if (typeof id === "string" && MEDIA_ID.test(id) && !ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

/** `questions` with every media id of `map` (old -> new) replaced; the rest as it was. */
export function replaceMediaIds(questions, map) {
  const swap = (id) => (typeof id === "string" && map.has(id) ? map.get(id) : id);
  return (questions || []).map((q) => {
    if (!q || typeof q !== "object") return q;
    const out = { ...q };
    if (out.image !== undefined) out.image = swap(out.image);
    if (out.audio !== undefined) out.audio = swap(out.audio);
    if (Array.isArray(out.option_images)) out.option_images = out.option_images.map(swap);
    return out;
  });
}

/** A media file's type from its first bytes (what the server will judge it by), else from its name. */
export function sniffType(bytes, name = "") {
  const b = bytes;
  const at = (i, text) => [...text].every((c, k) => b[i + k] === c.charCodeAt(0));
  if (b.length >= 12 && at(0, "RIFF") && at(8, "WEBP")) return "image/webp";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 8 && b[0] === 0x89 && at(1, "PNG")) return "image/png";
  if (b.length >= 6 && at(0, "GIF8")) return "image/gif";
  if (b.length >= 4 && at(0, "OggS")) return "audio/ogg";
  if (b.length >= 12 && at(4, "ftyp")) return "audio/mp4";
  if (b.length >= 3 && (at(0, "ID3") || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0))) return "audio/mpeg";
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return BY_EXTENSION[ext] || "application/octet-stream";
}

/** The file name of media `id` of type `type` in a bundle. */
export function mediaName(id, type) {
  return `media/${id}.${EXTENSIONS[String(type).split(";")[0].trim().toLowerCase()] || "bin"}`;
}

/**
 * The bundle of a quiz: `questions` as the server takes them, `media` a Map
 * id -> {bytes, type} holding (at least) every id they name. Throws
 * BundleError("missing") naming the first id it lacks. A Uint8Array.
 */
export function makeBundle({ title = "", questions }, media, { date } = {}) {
  const ids = mediaIds(questions);
  const lacking = ids.filter((id) => !media.has(id));
  if (lacking.length) throw new BundleError("missing", `bundle: no file for media ${lacking[0]}`);
  const quiz = { format: "quiz-bundle", version: 1, title, questions };
  const entries = [{ name: "quiz.json", data: `${JSON.stringify(quiz, null, 2)}\n` }];
  for (const id of ids) {
    const { bytes, type } = media.get(id);
    entries.push({ name: mediaName(id, type || sniffType(bytes)), data: bytes });
  }
  return zipStore(entries, date ? { date } : {});
}

/** Whether `bytes` look like a bundle (a zip) rather than a JSON or CSV file. */
export function isBundle(bytes) {
  return looksLikeZip(bytes);
}

/**
 * A bundle's quiz and files: {title, questions, media: Map id -> {bytes,
 * type, name}}. Throws ZipError (the file) or BundleError: no_quiz (no
 * quiz.json), bad_quiz (quiz.json is not a quiz).
 */
export async function readBundle(bytes, limits) {
  const entries = await readZip(bytes, limits);
  const quizEntries = entries.filter((e) => /(^|\/)quiz\.json$/i.test(e.name) && !e.name.startsWith("__MACOSX/"));
  // The top one: "quiz.json", or "<folder>/quiz.json" of a zipped folder.
  quizEntries.sort((a, b) => a.name.split("/").length - b.name.split("/").length);
  const quizEntry = quizEntries[0];
  if (!quizEntry || quizEntry.name.split("/").length > 2) throw new BundleError("no_quiz", "bundle: no quiz.json");
  let data;
  try {
    data = JSON.parse(new TextDecoder().decode(quizEntry.data).replace(/^\ufeff/, ""));
  } catch {
    throw new BundleError("bad_quiz", "bundle: quiz.json is not JSON");
  }
  const questions = Array.isArray(data) ? data : data?.questions;
  if (!Array.isArray(questions)) throw new BundleError("bad_quiz", "bundle: quiz.json holds no list of questions");
  const media = new Map();
  for (const entry of entries) {
    const base = entry.name.split("/").pop();
    const m = /^([0-9a-f]{64})(?:\.[A-Za-z0-9]{1,5})?$/.exec(base);
    if (!m || entry.name.startsWith("__MACOSX/") || media.has(m[1])) continue;
    media.set(m[1], { bytes: entry.data, type: sniffType(entry.data, base), name: base });
  }
  return { title: typeof data?.title === "string" ? data.title : "", questions, media };
}

export { ZipError };
