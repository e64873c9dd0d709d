// Pictures and sound in play: the URL of a media id, the room's media
// fetched ahead of time, and the picture and sound of the play screens.
//
// Fair timing: the room state lists every media id of the quiz (`media`, in
// the order they are first needed). Whenever no question is open (the
// lobby, the countdown, each reveal) every id not yet here is fetched, a few
// at a time, into the browser's HTTP cache (`/media/<id>` is immutable and
// cached for a year), and each picture is decoded and kept in this page's
// memory: when a question shows it, the <img> is complete at once, with no
// network. Nothing is fetched while a question is open, so a prefetch never
// competes with the answers; whatever failed is tried again at the next
// pause.
//
// For tests (and the curious): <html data-media-ready="true|false"
// data-media-count="done/wanted">, and window.quizMedia = {wanted, done,
// failed, ready, shown: [{id, ms, made, cached}]}: for each picture a question
// showed, the time from the `question` message to the picture on screen
// (two frames after it was complete), to the screen that shows it being
// made (`made`), and whether it was complete the moment it was made (from
// memory).

import { h } from "./dom.js";
import { FSI, PDI, t } from "./i18n.js";

const ID = /^[0-9a-f]{64}$/;
const AT_ONCE = 4; // fetches in flight

/** "/media/<id>" for a well-formed id, else null. */
export function mediaUrl(id) {
  return typeof id === "string" && ID.test(id) ? `/media/${id}` : null;
}

/** Data in an attribute (alt text): isolated, so it keeps its own direction. */
export function isolate(text) {
  return `${FSI}${String(text ?? "")}${PDI}`;
}

const entries = new Map(); // id -> {status: "queued" | "loading" | "done" | "failed", image?}
const queue = [];
let inFlight = 0;
let wanted = new Set();

export const stats = { wanted: 0, done: 0, failed: 0, ready: true, shown: [] };
if (typeof window !== "undefined") window.quizMedia = stats;

function publish() {
  let done = 0;
  let failed = 0;
  for (const id of wanted) {
    const status = entries.get(id)?.status;
    if (status === "done") done += 1;
    else if (status === "failed") failed += 1;
  }
  stats.wanted = wanted.size;
  stats.done = done;
  stats.failed = failed;
  stats.ready = done === wanted.size;
  if (typeof document !== "undefined") {
    const root = document.documentElement;
    root.dataset.mediaReady = String(stats.ready);
    root.dataset.mediaCount = `${done}/${wanted.size}`;
  }
}

async function load(id) {
  const url = mediaUrl(id);
  const entry = entries.get(id);
  entry.status = "loading";
  inFlight += 1;
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const type = response.headers.get("content-type") || "";
    await response.arrayBuffer(); // all of it: in the HTTP cache from now on
    if (type.startsWith("image/")) {
      // Decoded and kept: an <img> of this URL is complete the moment it is made.
      const image = new Image();
      image.src = url;
      await image.decode();
      entry.image = image;
    }
    entry.status = "done";
  } catch {
    entry.status = "failed";
  } finally {
    inFlight -= 1;
    publish();
    pump();
  }
}

function pump() {
  while (inFlight < AT_ONCE && queue.length) load(queue.shift());
}

/** Fetch these ids ahead (again for those that failed). */
export function prefetch(ids) {
  const list = (Array.isArray(ids) ? ids : []).filter((id) => mediaUrl(id));
  wanted = new Set([...wanted, ...list]);
  for (const id of list) {
    const entry = entries.get(id);
    if (entry && entry.status !== "failed") continue;
    entries.set(id, { status: "queued" });
    queue.push(id);
  }
  publish();
  pump();
}

/**
 * Prefetch the room's media whenever no question is open. One subscription
 * of the app (web/app.js).
 */
export function watchMedia(store) {
  let lastKey = "";
  const check = (s) => {
    const ids = Array.isArray(s.room?.media) ? s.room.media : [];
    if (!ids.length || s.phase === "question") return;
    const failed = ids.some((id) => entries.get(id)?.status === "failed");
    const key = `${s.phase}|${ids.join(",")}`;
    if (key === lastKey && !failed) return;
    lastKey = key;
    prefetch(ids);
  };
  store.subscribe(check);
  check(store.state);
}

/**
 * Mark `el` (a question's screen) with the time from the question's arrival
 * to its first frame on screen (data-shown-ms): the pictures of a fair
 * question are in that same frame.
 */
export function markShown(el, since) {
  requestAnimationFrame(() => requestAnimationFrame(() => {
    if (el.isConnected) el.dataset.shownMs = String(Date.now() - since);
  }));
}

/**
 * An <img> of a media id (null when there is none). `since`: when the
 * question that shows it arrived (Date.now()), to time its arrival on
 * screen. `alt`: data, isolated here; "" for a picture the text beside it
 * already says.
 */
export function picture(id, { alt = "", cls = null, testid = null, since = null } = {}) {
  const url = mediaUrl(id);
  if (!url) return null;
  const props = { class: cls, testid, alt: alt ? isolate(alt) : "", decoding: "sync", draggable: "false", dataset: { media: id } };
  // The very element that was fetched and decoded ahead, when no screen
  // shows it now: complete at once, whatever the browser's caches do (a
  // second window on the same pictures can make a new <img> wait for its
  // own load). Else a new one, from the HTTP cache.
  const kept = entries.get(id)?.image;
  let img;
  if (kept && !kept.isConnected) {
    for (const name of kept.getAttributeNames()) if (name !== "src") kept.removeAttribute(name);
    img = h("img", props); // the attributes, copied onto the kept element
    for (const name of img.getAttributeNames()) kept.setAttribute(name, img.getAttribute(name));
    img = kept;
  } else {
    img = h("img", { ...props, src: url });
  }
  const cached = img.complete && img.naturalWidth > 0;
  img.dataset.cached = String(cached);
  if (since !== null) {
    // From the question's arrival: to this picture being made (the screen
    // being drawn), and to it being on screen.
    const made = Date.now() - since;
    img.dataset.madeMs = String(made);
    const shown = () => requestAnimationFrame(() => requestAnimationFrame(() => {
      if (!img.isConnected) return;
      const ms = Date.now() - since;
      stats.shown.push({ id, ms, made, cached });
      img.dataset.shownMs = String(ms);
    }));
    if (cached) shown();
    else img.decode().then(shown, () => {});
  }
  return img;
}

/**
 * A question's sound with a visible control: play, pause, play again.
 * `autoplay`: try to play at once (the presenter; a browser that refuses
 * leaves the button to do it). Phones never start a sound by themselves.
 */
export function soundControl(id, { autoplay = false } = {}) {
  const url = mediaUrl(id);
  if (!url) return null;
  const audio = h("audio", { preload: "auto", src: url, testid: "question-audio" });
  const label = h("span", { class: "sound-label" });
  const icon = h("span", { class: "sound-icon", "aria-hidden": "true" });
  const button = h("button", { type: "button", class: "btn btn-secondary sound-button", testid: "sound-button", onclick: () => toggle() }, icon, label);
  const el = h("div", { class: "sound" }, audio, button);
  let state = "ready"; // ready | playing | paused | ended
  function show(next) {
    state = next;
    button.dataset.state = next;
    icon.textContent = next === "playing" ? "❚❚" : next === "ended" ? "↻" : "▶";
    label.textContent = t(next === "playing" ? "sound.pause" : next === "ended" ? "sound.replay" : "sound.play");
  }
  function toggle() {
    if (state === "playing") audio.pause();
    else {
      if (state === "ended") audio.currentTime = 0;
      audio.play().catch(() => show("ready"));
    }
  }
  audio.addEventListener("play", () => show("playing"));
  audio.addEventListener("pause", () => { if (!audio.ended) show("paused"); });
  audio.addEventListener("ended", () => show("ended"));
  show("ready");
  if (autoplay) audio.play().catch(() => show("ready"));
  return {
    el,
    destroy() {
      audio.pause();
      audio.removeAttribute("src");
      audio.load();
    },
  };
}
