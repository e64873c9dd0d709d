// The quiz editor: the host's own quiz (kept in localStorage) or the AI's
// draft under review in the lobby. Add, edit, reorder, duplicate and delete
// questions of every kind (slider and order too); group them in rounds;
// add a picture (with its alt text), a sound clip, and pictures on the
// answers (file picker, drag and drop, or paste); errors shown on the
// field; import a quiz file, a quiz bundle (.zip with its media), a Kahoot
// spreadsheet (CSV) or rows pasted from a spreadsheet; export JSON or a
// bundle.
//
// Media: an upload goes over the game's socket (web/uploads.js, one at a
// time); the preview is the file itself (a data: URL, which the page's CSP
// allows) until the server answers, then /media/<id>. The original file is
// kept in this browser (web/mediastore.js) so that a quiz whose media the
// server has forgotten can put them back: on opening, the editor asks the
// server (HEAD /media/<id>) and uploads again what it lost.

import { h, setText, setAttr } from "./dom.js";
import { announce } from "./announce.js";
import { fmtNumber, has, htmlLang, raw, t, tNodes } from "./i18n.js";
import { optionLetter, shapeIcon } from "./options.js";
import {
  KINDS, LIMITS, OPTION_IMAGE_KINDS, blankQuestion, changeKind, checkQuestion, checkQuiz, exportJson, importJson,
  importKahoot, kindLabel, loadQuiz, normaliseQuestion, onGrid, saveQuiz,
} from "./quizdoc.js";
import { download } from "./download.js";
import { isBundle, makeBundle, mediaIds, readBundle, replaceMediaIds, sniffType } from "./bundle.js";
import { keepMedia, pruneMedia, recallMedia } from "./mediastore.js";
import { headMedia, restoreMedia, uploadError } from "./uploads.js";

let uid = 0;

const mediaUrl = (id) => `/media/${id}`;

/** A file the browser downloads (a bundle's bytes). */
function downloadBytes(filename, bytes, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A picture file as a data: URL, for its preview while it uploads (the CSP allows data:, not blob:). */
function readPreview(file) {
  return new Promise((resolve) => {
    if (!/^image\//.test(file.type) || file.size > 20 * 1024 * 1024) {
      resolve(null);
      return;
    }
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === "string" ? reader.result : null);
    reader.onerror = () => resolve(null);
    reader.readAsDataURL(file);
  });
}

/** The first picture or sound among `files`. */
function mediaFile(files) {
  return [...(files || [])].find((f) => /^(image|audio)\//.test(f.type)) || [...(files || [])][0] || null;
}

/** A small picture icon for the option rows' "add a picture" buttons. */
function pictureIcon() {
  const svgNs = "http://www.w3.org/2000/svg";
  const el = document.createElementNS(svgNs, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: 20, height: 20, "aria-hidden": "true", focusable: "false", class: "ed-icon" })) el.setAttribute(k, String(v));
  for (const [tag, attrs] of [
    ["rect", { x: 3, y: 4, width: 18, height: 16, rx: 2, fill: "none", stroke: "currentColor", "stroke-width": 2 }],
    ["circle", { cx: 9, cy: 10, r: 2, fill: "currentColor" }],
    ["path", { d: "M4 18 L10 13 L14 16 L17 13 L20 16", fill: "none", stroke: "currentColor", "stroke-width": 2 }],
  ]) {
    const child = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) child.setAttribute(k, String(v));
    el.appendChild(child);
  }
  return el;
}

/**
 * A slider's number for people: no thousands separator under 10,000 (a year
 * reads "1969", not "1,969"), decimals as typed.
 */
function sliderNumber(n) {
  let format;
  try {
    format = new Intl.NumberFormat(htmlLang(), { useGrouping: "min2", maximumFractionDigits: 6 });
  } catch {
    format = new Intl.NumberFormat(undefined, { maximumFractionDigits: 6 });
  }
  return raw(format.format(n));
}

/** The share of a question's points a slider answer `value` earns (protocol 1.2 "slider"). */
export function sliderShare({ correct, tolerance = 0, margin }, value) {
  const distance = Math.abs(value - correct);
  if (distance <= tolerance) return 1;
  if (distance >= tolerance + margin) return 0;
  return 1 - (distance - tolerance) / margin;
}

// The saved quiz being edited, shared by the editor's views: the page draws
// the editor again when the language changes, and an upload under way then
// lands in the quiz (and the view) of the moment, not in a stale copy. A
// quiz saved by anything else since (the create form putting media back)
// is read again.
let shared = null;
function mineState() {
  let raw = null;
  try {
    raw = window.localStorage.getItem("quiz.myquiz.v1");
  } catch {
    raw = null;
  }
  if (!shared || shared.raw !== raw) {
    shared = { quiz: loadQuiz(), raw, uploads: new WeakMap(), forward: new WeakMap(), missingIds: new Set(), view: null };
  }
  return shared;
}

/**
 * mode "mine": the saved quiz; Done goes back home.
 * mode "draft": opts.quiz is the AI draft; opts.onUse(questions) sends it,
 * opts.onRegenerate() asks for another; opts.warning is shown on top.
 */
export function editorView(ctx, opts = {}) {
  const draft = opts.mode === "draft";
  const es = draft
    ? { quiz: { title: opts.quiz?.title || "", questions: (opts.quiz?.questions || []).map(normaliseQuestion) }, uploads: new WeakMap(), forward: new WeakMap(), missingIds: new Set(), view: null }
    : mineState();
  const quiz = es.quiz;
  const shown = new Set(); // questions whose errors are on display (left once, or after Use)
  const uploads = es.uploads; // question -> Map(slot -> {phase, sent, size, preview, error})
  const forward = es.forward; // a question replaced (its kind changed) -> its replacement
  const missingIds = es.missingIds; // media the server no longer has, and this browser cannot give back
  const uploader = ctx.uploader;

  const heading = h("h1", { class: "screen-title", tabindex: -1, id: "editor-title" }, draft ? t("ed.title_draft") : t("ed.title_mine"));
  const count = h("p", { class: "editor-count", testid: "editor-count", "aria-live": "polite" });
  const saved = h("p", { class: "hint", testid: "editor-saved" });
  const titleInput = h("input", { type: "text", id: `ed-title-${++uid}`, testid: "editor-title", maxlength: 100, value: quiz.title, placeholder: t("quiz.untitled"), autocomplete: "off", dir: "auto" });
  const list = h("ol", { class: "editor-list", testid: "editor-list", "aria-label": t("ed.list_label") });
  const summary = h("p", { class: "field-error editor-summary", testid: "editor-summary", role: "alert", hidden: true });
  const mediaNote = h("p", { class: "hint", testid: "editor-media-note", role: "status" });

  const addKind = h("select", { testid: "editor-add-kind", "aria-label": t("ed.add_kind") },
    KINDS.map((k) => h("option", { value: k }, kindLabel(k))));
  const addButton = h("button", { type: "button", class: "btn btn-primary", testid: "editor-add", onclick: () => add(addKind.value) }, t("ed.add"));

  const fileInput = h("input", { type: "file", testid: "editor-import-file", accept: ".json,.csv,.tsv,.txt,.zip,application/json,text/csv,application/zip", class: "visually-hidden", id: `ed-file-${++uid}` });
  const fileLabel = h("label", { for: fileInput.id, class: "btn btn-secondary" }, t("ed.import_file"));
  const pasteArea = h("textarea", { testid: "editor-paste", rows: 3, id: `ed-paste-${++uid}`, placeholder: t("ed.paste_placeholder"), dir: "auto" });
  const pasteButton = h("button", { type: "button", class: "btn btn-secondary", testid: "editor-paste-submit", onclick: () => importText(pasteArea.value, null) }, t("ed.paste_add"));
  const exportButton = h("button", { type: "button", class: "btn btn-secondary", testid: "editor-export", onclick: () => exportQuiz() }, t("ed.export"));
  const bundleButton = h("button", { type: "button", class: "btn btn-secondary", testid: "editor-export-bundle", onclick: () => exportBundle() }, t("ed.export_bundle"));
  const importNote = h("p", { class: "hint", testid: "editor-import-note", role: "status" });

  const doneButton = h("button", { type: "button", class: "btn btn-primary btn-large", testid: "editor-done", onclick: () => finish() },
    draft ? t("ed.done_draft") : t("ed.done"));
  const backButton = h("button", { type: "button", class: "btn btn-ghost", testid: "editor-back", onclick: () => opts.onClose?.() }, draft ? t("ed.back_lobby") : t("ed.back"));
  const regenerate = draft && opts.onRegenerate
    ? h("button", { type: "button", class: "btn btn-secondary", testid: "editor-regenerate", onclick: () => opts.onRegenerate() }, t("ed.regenerate"))
    : null;

  const tools = h("section", { class: "card editor-tools", "aria-label": t("ed.tools") },
    h("div", { class: "field" }, h("label", { for: titleInput.id, text: t("ed.quiz_title") }), titleInput),
    h("div", { class: "button-row" }, addKind, addButton),
    h("p", { class: "hint" }, t("ed.media_hint")),
    h("details", { class: "more" }, h("summary", null, t("ed.import_more")),
      h("div", { class: "button-row" }, fileInput, fileLabel, exportButton, bundleButton),
      h("p", { class: "hint" }, t("ed.import_hint")),
      h("p", { class: "hint" }, t("ed.bundle_hint")),
      h("div", { class: "field" }, h("label", { for: pasteArea.id, text: t("ed.paste_label") }), pasteArea),
      pasteButton),
    importNote,
    mediaNote);

  const el = h("section", { class: "screen screen-editor", "aria-labelledby": "editor-title", testid: "editor" },
    h("div", { class: "editor-head" }, h("div", null, heading, count), h("div", { class: "button-row" }, backButton, regenerate, doneButton)),
    opts.warning ? h("p", { class: "notice-inline", testid: "editor-warning", role: "note", text: opts.warning }) : null,
    summary,
    tools,
    list,
    h("div", { class: "editor-foot" }, saved));

  // A file dropped beside a card must not take the page away from the editor.
  for (const type of ["dragover", "drop"]) {
    el.addEventListener(type, (event) => {
      if ([...(event.dataTransfer?.types || [])].includes("Files")) event.preventDefault();
    });
  }

  // ------------------------------------------------------------ model ops
  function persist() {
    if (draft) return;
    const ok = saveQuiz(quiz);
    if (ok) es.raw = JSON.stringify(quiz);
    setText(saved, ok ? t("ed.saved", { time: new Date() }) : t("ed.save_failed"));
  }
  function showCount() {
    const rounds = quiz.questions.filter((q) => q.round !== undefined).length;
    setText(count, rounds
      ? t("ed.count_rounds", { questions: raw(t("ed.count", { count: quiz.questions.length })), rounds: raw(t("ed.rounds", { count: rounds + (quiz.questions[0]?.round === undefined ? 1 : 0) })) })
      : t("ed.count", { count: quiz.questions.length }));
  }
  function changed({ rebuild = false } = {}) {
    persist();
    showCount();
    if (rebuild) renderList();
  }
  const focusIn = (i, testid) => list.children[i]?.querySelector(`[data-testid='${testid}']`)?.focus();
  function add(kind) {
    quiz.questions.push(blankQuestion(kind));
    changed({ rebuild: true });
    const last = list.lastElementChild;
    last?.querySelector("[data-testid='q-text']")?.focus();
    announce(t("ed.added", { n: quiz.questions.length }));
  }
  function move(i, delta) {
    const j = i + delta;
    if (j < 0 || j >= quiz.questions.length) return;
    // The rounds stay where they start: a question moved across a round's
    // start moves into the next (or the previous) round.
    const rounds = [quiz.questions[i].round, quiz.questions[j].round];
    [quiz.questions[i], quiz.questions[j]] = [quiz.questions[j], quiz.questions[i]];
    for (const [k, round] of [[i, rounds[0]], [j, rounds[1]]]) {
      if (round === undefined) delete quiz.questions[k].round;
      else quiz.questions[k].round = round;
    }
    changed({ rebuild: true });
    focusIn(j, delta < 0 ? "q-up" : "q-down");
    announce(t("ed.moved", { n: j + 1 }));
  }
  function duplicate(i) {
    const copy = structuredClone(quiz.questions[i]);
    delete copy.round; // the copy follows its original in the same round
    quiz.questions.splice(i + 1, 0, copy);
    changed({ rebuild: true });
    focusIn(i + 1, "q-text");
    announce(t("ed.duplicated", { n: i + 1 }));
  }
  function remove(i) {
    const [gone] = quiz.questions.splice(i, 1);
    // A round keeps its title when its first question goes: the next one starts it.
    const next = quiz.questions[i];
    if (gone.round !== undefined && next && next.round === undefined) next.round = gone.round;
    changed({ rebuild: true });
    (list.children[Math.min(i, quiz.questions.length - 1)]?.querySelector("[data-testid='q-text']") || addButton).focus();
    announce(t("ed.deleted", { n: i + 1 }));
  }
  function roundNumberAt(i) {
    let n = quiz.questions[0]?.round === undefined ? 1 : 0;
    for (let k = 0; k <= i; k++) if (quiz.questions[k].round !== undefined) n += 1;
    return n;
  }
  function startRound(i) {
    quiz.questions[i].round = ""; // counted as a start by roundNumberAt
    quiz.questions[i].round = t("ed.round_default", { n: roundNumberAt(i) });
    shown.add(i);
    changed({ rebuild: true });
    const input = list.children[i]?.querySelector("[data-testid='q-round']");
    input?.focus();
    input?.select();
    announce(t("ed.round_started", { n: i + 1 }));
  }
  function removeRound(i) {
    delete quiz.questions[i].round;
    changed({ rebuild: true });
    focusIn(i, "q-round-add");
    announce(t("ed.round_removed"));
  }

  // ------------------------------------------------------------ files
  /** Questions from a file (`fileName`) or pasted rows (`fileName` null). */
  function importText(text, fileName) {
    let added = [];
    let skipped = [];
    try {
      if (/^\s*[[{]/.test(text)) {
        const imported = importJson(text);
        added = imported.questions;
        // The quiz format is a bare list: the file's name is the best title there is.
        const title = imported.title || (fileName ? fileName.replace(/\.[a-z]+$/i, "").replace(/[-_]+/g, " ") : "");
        if (!quiz.title && title) titleInput.value = quiz.title = title.slice(0, 100);
      } else {
        ({ questions: added, skipped } = importKahoot(text));
      }
    } catch (error) {
      setText(importNote, String(error.message || error));
      return;
    }
    if (!added.length) {
      importNote.replaceChildren(...(fileName ? tNodes("ed.none_in_file", { file: fileName }) : [t("ed.none_in_paste")]));
      return;
    }
    const room = LIMITS.questions - quiz.questions.length;
    quiz.questions.push(...added.slice(0, room));
    pasteArea.value = "";
    changed({ rebuild: true });
    const n = Math.min(added.length, room);
    importNote.replaceChildren(
      ...(fileName ? tNodes("ed.added_from_file", { count: n, file: fileName }) : tNodes("ed.added_from_paste", { count: n })),
      ...(skipped.length ? [" ", t("ed.skipped", { rows: skipped })] : []));
    checkMediaOnServer(mediaIds(added));
  }

  /**
   * A quiz bundle: its questions, and each media file uploaded; the quiz
   * takes the ids the server answers (a picture is encoded again on upload,
   * so its id may change). A file the bundle lacks may still be on the
   * server or in this browser.
   */
  async function importBundle(bytes, fileName) {
    importNote.replaceChildren(...tNodes("ed.bundle_reading", { file: fileName }));
    let bundle;
    try {
      bundle = await readBundle(bytes);
    } catch (error) {
      const key = `ed.bundle_err_${error?.code}`;
      setText(importNote, has(key) ? t(key) : t("ed.bundle_err_corrupt"));
      return;
    }
    const room = LIMITS.questions - quiz.questions.length;
    const questions = bundle.questions.filter((q) => q && typeof q === "object").slice(0, room).map(normaliseQuestion);
    if (!questions.length) {
      importNote.replaceChildren(...tNodes("ed.none_in_file", { file: fileName }));
      return;
    }
    const ids = mediaIds(questions);
    const map = new Map();
    const failed = [];
    const elsewhere = [];
    let n = 0;
    for (const id of ids) {
      const file = bundle.media.get(id);
      if (!file) {
        elsewhere.push(id);
        continue;
      }
      n += 1;
      setText(importNote, t("ed.bundle_uploading", { n, total: ids.length - elsewhere.length }));
      const blob = new Blob([file.bytes], { type: file.type });
      try {
        const media = await uploader.upload(blob);
        keepMedia(media.id, blob, { type: file.type, name: file.name, kind: file.type.split("/")[0] }).catch(() => {});
        if (media.id !== id) map.set(id, media.id);
      } catch (error) {
        failed.push([id, error]);
      }
    }
    const back = elsewhere.length
      ? await restoreMedia(elsewhere, { uploader, has: headMedia, recall: recallMedia, keep: keepMedia })
      : { map: new Map(), missing: [] };
    for (const [from, to] of back.map) map.set(from, to);
    for (const id of back.missing) missingIds.add(id);
    for (const [id] of failed) missingIds.add(id);
    const fixed = map.size ? replaceMediaIds(questions, map) : questions;
    if (!quiz.title && bundle.title) titleInput.value = quiz.title = bundle.title.slice(0, LIMITS.title);
    if (!quiz.title && fileName) titleInput.value = quiz.title = fileName.replace(/\.[a-z]+$/i, "").replace(/[-_]+/g, " ").slice(0, LIMITS.title);
    quiz.questions.push(...fixed);
    changed({ rebuild: true });
    const parts = [...tNodes("ed.added_from_file", { count: fixed.length, file: fileName })];
    const uploaded = ids.length - elsewhere.length - failed.length;
    if (uploaded) parts.push(" ", t("ed.bundle_files", { count: uploaded }));
    if (failed.length) {
      const { key, params } = uploadError(failed[0][1]);
      parts.push(" ", t("ed.bundle_failed", { count: failed.length }), " ", t(key, params));
    }
    if (back.missing.length) parts.push(" ", t("ed.media_missing", { count: back.missing.length }));
    importNote.replaceChildren(...parts);
  }

  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    fileInput.value = "";
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (isBundle(bytes)) await importBundle(bytes, file.name);
    else importText(new TextDecoder().decode(bytes), file.name);
  });
  function fileBase() {
    return (quiz.title || "my-quiz").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "quiz";
  }
  function exportQuiz() {
    download(`${fileBase()}.json`, exportJson(quiz), "application/json");
  }
  /** The quiz and its media in one .zip: each file as the server serves it, or as this browser kept it. */
  async function exportBundle() {
    const { questions } = checkQuiz(quiz);
    const ids = mediaIds(questions);
    const files = new Map();
    const lacking = [];
    bundleButton.disabled = true;
    setText(importNote, t("ed.bundle_making"));
    try {
      for (const id of ids) {
        let entry = null;
        try {
          const response = await fetch(mediaUrl(id));
          if (response.ok) entry = { bytes: new Uint8Array(await response.arrayBuffer()), type: response.headers.get("content-type") || "" };
        } catch {
          entry = null;
        }
        if (!entry) {
          const kept = await recallMedia(id);
          if (kept) {
            const bytes = new Uint8Array(await kept.blob.arrayBuffer());
            entry = { bytes, type: sniffType(bytes, kept.name) };
          }
        }
        if (entry) files.set(id, entry);
        else lacking.push(id);
      }
      if (lacking.length) {
        for (const id of lacking) missingIds.add(id);
        refreshAll();
        setText(importNote, t("ed.media_missing", { count: lacking.length }));
        return;
      }
      downloadBytes(`${fileBase()}.zip`, makeBundle({ title: quiz.title, questions }, files), "application/zip");
      setText(importNote, t("ed.bundle_saved", { count: ids.length }));
    } finally {
      bundleButton.disabled = false;
    }
  }
  titleInput.addEventListener("input", () => {
    quiz.title = titleInput.value;
    persist();
  });
  function finish() {
    const checked = checkQuiz(quiz);
    if (!checked.ok) {
      quiz.questions.forEach((_, i) => shown.add(i));
      renderList();
      const bad = checked.errors.findIndex(Boolean);
      setText(summary, quiz.questions.length ? t("ed.needs_fix", { n: bad + 1, count: checked.errors.filter(Boolean).length }) : t("ed.add_one"));
      summary.hidden = false;
      const target = list.children[bad]?.querySelector("[aria-invalid='true']") || list.children[bad]?.querySelector("[data-testid='q-text']") || addButton;
      target.focus();
      return;
    }
    if (uploader?.busy) {
      setText(summary, t("ed.wait_uploads"));
      summary.hidden = false;
      return;
    }
    summary.hidden = true;
    if (draft) opts.onUse?.(checked.questions, quiz.title);
    else opts.onClose?.();
  }

  // ------------------------------------------------------------ uploads
  const current = (q) => {
    let at = q;
    while (forward.has(at)) at = forward.get(at);
    return at;
  };
  const slotsOf = (q) => {
    let slots = uploads.get(q);
    if (!slots) uploads.set(q, (slots = new Map()));
    return slots;
  };
  const cardOf = (q) => [...list.children].find((li) => li._q === q) || null;
  // The view of the moment (this one, or the one drawn after it) shows it.
  const refresh = (q, focus) => (es.view || view).refresh(q, focus);
  const view = {
    refresh: (q, focus) => cardOf(current(q))?._renderMedia(focus),
    progress: (q, slot, progress) => cardOf(current(q))?._progress(slot, progress),
    changed: () => changed(),
  };
  es.view = view;
  function refreshAll() {
    for (const li of list.children) li._renderMedia?.();
  }

  /**
   * Upload `file` into a slot of question `q0`: "image", "audio" or
   * "option.K". The slot shows the file (a picture at once, from its
   * bytes), the progress, then the server's copy or the error.
   */
  async function uploadInto(q0, slot, file) {
    if (!file || !uploader) return;
    const state = { phase: "sending", sent: 0, size: file.size, preview: null };
    slotsOf(q0).set(slot, state);
    if (slot !== "audio") {
      readPreview(file).then((url) => {
        state.preview = url;
        if (slotsOf(current(q0)).get(slot) === state || slotsOf(q0).get(slot) === state) refresh(q0);
      });
    }
    refresh(q0, slot);
    announce(t(slot === "audio" ? "up.sending_audio" : "up.sending_image"));
    try {
      const media = await uploader.upload(file, {
        onProgress(progress) {
          Object.assign(state, progress);
          (es.view || view).progress(q0, slot, progress);
        },
      });
      keepMedia(media.id, file, { type: file.type, name: file.name, kind: slot === "audio" ? "audio" : "image" }).catch(() => {});
      missingIds.delete(media.id);
      const q = current(q0);
      if (slot === "image") {
        q.image = media.id;
        q.image_alt ??= "";
      } else if (slot === "audio") {
        q.audio = media.id;
      } else {
        const k = Number(slot.split(".")[1]);
        if (Array.isArray(q.options) && OPTION_IMAGE_KINDS.includes(q.kind) && k < q.options.length) {
          q.option_images = q.options.map((_, r) => q.option_images?.[r] ?? null);
          q.option_images[k] = media.id;
        }
      }
      slotsOf(q0).delete(slot);
      slotsOf(q).delete(slot);
      (es.view || view).changed();
      refresh(q, slot);
      announce(t(slot === "audio" ? "up.done_audio" : "up.done_image"));
    } catch (error) {
      state.phase = "error";
      state.error = uploadError(error);
      refresh(q0, slot);
      announce(t(state.error.key, state.error.params));
    }
  }

  /** Where a file pasted or dropped on a card goes: the option row it is on, else the question. */
  function routeFile(q, file, target) {
    if (!file) return;
    const audio = /^audio\//.test(file.type);
    const row = target?.closest?.("[data-option-row]");
    const slot = audio ? "audio" : row && OPTION_IMAGE_KINDS.includes(q.kind) ? `option.${row.dataset.optionRow}` : "image";
    uploadInto(q, slot, file);
  }

  /** Whether media `id` is known to be gone (and not to be put back from here). */
  const isMissing = (id) => missingIds.has(id);

  // ------------------------------------------------------------- a question
  function fieldError(name) {
    return h("p", { class: "field-error", dataset: { field: name }, testid: "field-error", hidden: true });
  }

  /** A hidden file input and what to do with its file. */
  function filePicker(accept, testid, onFile) {
    const input = h("input", { type: "file", accept, hidden: true, testid });
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      input.value = "";
      onFile(file);
    });
    return input;
  }

  /** The upload under way in a slot: the picture if there is one, a progress bar and a line of status. */
  function uploadView(state, slot, testid, progressEls) {
    const bar = h("progress", { testid: `${testid}-progress`, max: Math.max(1, state.size), value: Math.min(state.sent, state.size), "aria-label": t("up.progress_label") });
    const line = h("p", { class: "hint ed-upload-status", testid: `${testid}-status` });
    const show = (s) => {
      bar.max = Math.max(1, s.size);
      bar.value = Math.min(Math.max(0, s.sent), s.size);
      if (s.phase === "queued") setText(line, t("up.queued"));
      else if (s.phase === "checking") setText(line, t(slot === "audio" ? "up.checking_audio" : "up.checking_image"));
      else setText(line, t("up.sending", { share: s.size ? Math.max(0, s.sent) / s.size : 0 }));
    };
    show(state);
    progressEls.set(slot, show);
    return h("div", { class: "ed-upload", dataset: { phase: state.phase } },
      state.preview ? h("img", { class: "ed-preview is-uploading", src: state.preview, alt: "" }) : null,
      h("div", { class: "ed-upload-bar" }, bar, line));
  }

  function card(q, i, round) {
    const n = i + 1;
    const id = `q${++uid}`;
    const errors = {};
    const progressEls = new Map(); // slot -> show(progress)
    const kindSelect = h("select", { testid: "q-kind", id: `${id}-kind` }, KINDS.map((k) => h("option", { value: k, selected: k === q.kind }, kindLabel(k))));
    kindSelect.addEventListener("change", () => {
      const next = changeKind(q, kindSelect.value);
      forward.set(q, next);
      if (uploads.has(q)) uploads.set(next, uploads.get(q));
      quiz.questions[i] = next;
      changed({ rebuild: true });
      list.children[i]?.querySelector("[data-testid='q-kind']")?.focus();
    });
    const text = h("textarea", { testid: "q-text", id: `${id}-text`, rows: 2, maxlength: 320, value: q.text || "", dir: "auto" });
    text.value = q.text || "";
    text.addEventListener("input", () => { q.text = text.value; changed(); check(); });
    errors.text = fieldError("text");

    // The round this question starts: its title, and a way to end it.
    let roundBanner = null;
    if (q.round !== undefined) {
      const input = h("input", { type: "text", testid: "q-round", id: `${id}-round`, maxlength: 70, dir: "auto", autocomplete: "off" });
      input.value = q.round ?? "";
      input.addEventListener("input", () => { q.round = input.value; changed(); check(); });
      errors.round = fieldError("round");
      roundBanner = h("div", { class: "ed-round", testid: "editor-round", dataset: { round: round.n } },
        h("div", { class: "ed-round-row" },
          h("label", { class: "ed-round-label", for: input.id, text: t("ed.round_title", { n: round.n }) }),
          h("span", { class: "hint", text: t("ed.round_count", { count: round.count }) })),
        h("div", { class: "ed-round-row" }, input,
          h("button", { type: "button", class: "btn btn-ghost btn-small", testid: "q-round-remove", "aria-label": t("ed.round_remove_label", { n: round.n }), onclick: () => removeRound(i) }, t("ed.round_remove"))),
        errors.round);
    }

    // The picture and the sound.
    errors.image = fieldError("image");
    errors.image_alt = fieldError("image_alt");
    errors.audio = fieldError("audio");
    const imageBox = h("div", { class: "ed-media-slot", testid: "q-image-slot" });
    const audioBox = h("div", { class: "ed-media-slot", testid: "q-audio-slot" });
    const imageFile = filePicker("image/*", "q-image-file", (file) => uploadInto(q, "image", file));
    const audioFile = filePicker("audio/*,.mp3,.ogg,.oga,.opus,.m4a", "q-audio-file", (file) => uploadInto(q, "audio", file));
    let altInput = null;

    function uploadFailure(slot, testid) {
      const state = slotsOf(q).get(slot);
      if (state?.phase !== "error") return null;
      return h("p", { class: "field-error", testid: `${testid}-error`, role: "alert", text: t(state.error.key, state.error.params) });
    }

    function renderImage() {
      const state = slotsOf(q).get("image");
      altInput = null;
      const parts = [];
      if (state && state.phase !== "error") {
        parts.push(uploadView(state, "image", "q-image", progressEls));
      } else if (q.image !== undefined) {
        altInput = h("input", { type: "text", testid: "q-image-alt", id: `${id}-alt`, maxlength: 220, dir: "auto", autocomplete: "off" });
        altInput.value = q.image_alt ?? "";
        altInput.addEventListener("input", () => { q.image_alt = altInput.value; changed(); check(); });
        const preview = h("img", { class: "ed-preview", testid: "q-image-preview", src: mediaUrl(q.image), alt: "", decoding: "async" });
        parts.push(h("div", { class: "ed-image" },
          preview,
          h("div", { class: "ed-image-fields" },
            h("div", { class: "field" },
              h("label", { for: altInput.id, text: t("ed.image_alt") }),
              h("p", { class: "field-hint", text: t("ed.image_alt_hint") }),
              altInput,
              errors.image_alt),
            isMissing(q.image) ? h("p", { class: "field-error", testid: "q-image-missing", text: t("ed.media_gone") }) : null,
            h("div", { class: "button-row" },
              h("button", { type: "button", class: "btn btn-secondary btn-small", testid: "q-image-replace", onclick: () => imageFile.click() }, t("ed.image_replace")),
              h("button", { type: "button", class: "btn btn-danger-ghost btn-small", testid: "q-image-remove", onclick: () => removeImage() }, t("ed.image_remove"))))));
      } else {
        parts.push(h("div", { class: "ed-drop", testid: "q-image-drop" },
          h("button", { type: "button", class: "btn btn-secondary btn-small", testid: "q-image-add", "data-focus-first": "", onclick: () => imageFile.click() }, t("ed.image_add")),
          h("span", { class: "hint" }, t("ed.image_drop"))));
      }
      imageBox.replaceChildren(...[uploadFailure("image", "q-image"), ...parts, errors.image, imageFile].filter(Boolean));
    }
    function removeImage() {
      delete q.image;
      delete q.image_alt;
      slotsOf(q).delete("image");
      changed();
      renderMedia("image");
      check();
      announce(t("ed.image_removed"));
    }

    function renderAudio() {
      const state = slotsOf(q).get("audio");
      const parts = [];
      if (state && state.phase !== "error") {
        parts.push(uploadView(state, "audio", "q-audio", progressEls));
      } else if (q.audio !== undefined) {
        parts.push(h("div", { class: "ed-audio" },
          h("audio", { controls: true, preload: "none", src: mediaUrl(q.audio), testid: "q-audio-player", "aria-label": t("ed.audio_label", { n }) }),
          isMissing(q.audio) ? h("p", { class: "field-error", testid: "q-audio-missing", text: t("ed.media_gone") }) : null,
          h("div", { class: "button-row" },
            h("button", { type: "button", class: "btn btn-secondary btn-small", testid: "q-audio-replace", onclick: () => audioFile.click() }, t("ed.audio_replace")),
            h("button", { type: "button", class: "btn btn-danger-ghost btn-small", testid: "q-audio-remove", onclick: () => removeAudio() }, t("ed.audio_remove")))));
      } else {
        parts.push(h("div", { class: "ed-drop" },
          h("button", { type: "button", class: "btn btn-secondary btn-small", testid: "q-audio-add", "data-focus-first": "", onclick: () => audioFile.click() }, t("ed.audio_add")),
          h("span", { class: "hint" }, t("ed.audio_hint"))));
      }
      audioBox.replaceChildren(...[uploadFailure("audio", "q-audio"), ...parts, errors.audio, audioFile].filter(Boolean));
    }
    function removeAudio() {
      delete q.audio;
      slotsOf(q).delete("audio");
      changed();
      renderMedia("audio");
      check();
      announce(t("ed.audio_removed"));
    }
    const media = h("fieldset", { class: "ed-media" },
      h("legend", { class: "field-label", text: t("ed.media") }),
      imageBox,
      audioBox);

    // The answers, by kind.
    const body = [];
    const optionCells = []; // option row -> its picture cell (choice, multi, poll)
    const renderOptionImage = [];
    if (q.kind === "text") {
      const answers = h("textarea", { testid: "q-answers", id: `${id}-answers`, rows: 2, dir: "auto" });
      answers.value = (q.answers || []).join("\n");
      answers.addEventListener("input", () => { q.answers = answers.value.split("\n"); changed(); check(); });
      errors.answers = fieldError("answers");
      body.push(h("div", { class: "field" }, h("label", { for: answers.id, text: t("ed.answers") }),
        h("p", { class: "field-hint", text: t("ed.answers_hint") }), answers, errors.answers));
    } else if (q.kind === "slider") {
      body.push(sliderBody(q, id, errors, check));
    } else if (q.kind === "order") {
      body.push(orderBody(q, i, id, errors));
    } else {
      const rows = [];
      const count = q.kind === "true_false" ? 2 : 4;
      const group = `${id}-correct`;
      const pictures = OPTION_IMAGE_KINDS.includes(q.kind);
      for (let k = 0; k < count; k++) {
        const input = h("input", { type: "text", testid: `q-option-${k}`, id: `${id}-o${k}`, maxlength: 110, value: q.options?.[k] ?? "", readOnly: q.kind === "true_false", dir: "auto", "aria-label": t("ed.option_label", { letter: raw(optionLetter(k)) }) });
        input.value = q.options?.[k] ?? "";
        input.addEventListener("input", () => { q.options[k] = input.value; changed(); check(); });
        let mark = null;
        if (q.kind === "choice" || q.kind === "true_false") {
          mark = h("input", { type: "radio", name: group, testid: `q-correct-${k}`, checked: q.correct === k, "aria-label": t("ed.option_right_label", { letter: raw(optionLetter(k)) }) });
          mark.addEventListener("change", () => { q.correct = k; changed(); check(); });
        } else if (q.kind === "multi") {
          mark = h("input", { type: "checkbox", testid: `q-correct-${k}`, checked: (q.correct || []).includes(k), "aria-label": t("ed.option_right_label", { letter: raw(optionLetter(k)) }) });
          mark.addEventListener("change", () => {
            const set = new Set(q.correct || []);
            if (mark.checked) set.add(k); else set.delete(k);
            q.correct = [...set].sort();
            changed();
            check();
          });
        }
        errors[`options.${k}`] = fieldError(`options.${k}`);
        errors[`option_images.${k}`] = fieldError(`option_images.${k}`);
        let cell = null;
        // An upload refused for this row: said under the row, where there is room for it.
        const refused = h("div", { class: "ed-option-refused" });
        if (pictures) {
          cell = h("div", { class: "ed-option-image" });
          optionCells[k] = cell;
          const picker = filePicker("image/*", `q-option-file-${k}`, (file) => uploadInto(q, `option.${k}`, file));
          renderOptionImage[k] = () => {
            const slot = `option.${k}`;
            const state = slotsOf(q).get(slot);
            const letter = raw(optionLetter(k));
            const image = q.option_images?.[k] ?? null;
            let content;
            if (state && state.phase !== "error") {
              content = uploadView(state, slot, `q-option-${k}-image`, progressEls);
            } else if (image) {
              content = h("div", { class: "ed-thumb-wrap" },
                h("img", { class: ["ed-thumb", isMissing(image) && "is-missing"], testid: `q-option-thumb-${k}`, src: mediaUrl(image), alt: "" }),
                h("button", { type: "button", class: "btn btn-ghost btn-small ed-thumb-remove", testid: `q-option-image-remove-${k}`, "aria-label": t("ed.option_image_remove", { letter }), title: t("ed.option_image_remove", { letter }), onclick: () => removeOptionImage(k) }, "×"));
            } else {
              content = h("button", { type: "button", class: "btn btn-ghost btn-small ed-thumb-add", testid: `q-option-image-add-${k}`, "data-focus-first": "", "aria-label": t("ed.option_image_add", { letter }), title: t("ed.option_image_add", { letter }), onclick: () => picker.click() }, pictureIcon());
            }
            cell.replaceChildren(content, picker);
            refused.replaceChildren(...[uploadFailure(slot, `q-option-${k}-image`)].filter(Boolean));
          };
        }
        rows.push(h("li", { class: ["ed-option", `opt-${k}`, pictures && "has-picture"], dataset: { optionRow: k } },
          h("span", { class: "option-key", "aria-hidden": "true" }, shapeIcon(k), h("span", { class: "option-letter", text: optionLetter(k) })),
          input,
          cell,
          mark ? h("label", { class: "ed-correct" }, mark, h("span", { "aria-hidden": "true", text: t("ed.right") })) : null,
          errors[`options.${k}`],
          errors[`option_images.${k}`],
          pictures ? refused : null));
      }
      errors.options = fieldError("options");
      errors.correct = fieldError("correct");
      errors.option_images = fieldError("option_images");
      body.push(h("fieldset", { class: "ed-options" },
        h("legend", { class: "field-label", text: t(q.kind === "poll" ? "ed.legend_poll" : q.kind === "multi" ? "ed.legend_multi" : "ed.legend") }),
        pictures ? h("p", { class: "field-hint", text: t("ed.option_image_hint") }) : null,
        h("ol", null, rows), errors.options, errors.correct, errors.option_images));
    }
    function removeOptionImage(k) {
      if (Array.isArray(q.option_images)) {
        q.option_images[k] = null;
        if (!q.option_images.some(Boolean)) delete q.option_images;
      }
      changed();
      renderMedia(`option.${k}`);
      check();
      announce(t("ed.image_removed"));
    }

    const time = h("input", { type: "number", testid: "q-time", id: `${id}-time`, min: 5, max: 240, step: 1, inputmode: "numeric", placeholder: t("ed.seconds_placeholder"), value: q.time_limit ?? "" });
    time.addEventListener("input", () => { q.time_limit = time.value === "" ? undefined : Number(time.value); changed(); check(); });
    errors.time_limit = fieldError("time_limit");
    const points = h("select", { testid: "q-points", id: `${id}-points` },
      h("option", { value: "1", selected: (q.points ?? 1) === 1 }, t("ed.points_normal")),
      h("option", { value: "2", selected: q.points === 2 }, t("ed.points_double")),
      h("option", { value: "0", selected: q.points === 0 }, t("ed.points_none")));
    points.addEventListener("change", () => { q.points = Number(points.value); changed(); });
    const explanation = h("input", { type: "text", testid: "q-explanation", id: `${id}-expl`, maxlength: 320, value: q.explanation ?? "", placeholder: t("ed.explanation_placeholder"), dir: "auto" });
    explanation.value = q.explanation ?? "";
    explanation.addEventListener("input", () => { q.explanation = explanation.value; changed(); check(); });
    errors.explanation = fieldError("explanation");
    errors.other = fieldError("other");

    const btn = (key, testid, onclick, disabled = false) => h("button", { type: "button", class: "btn btn-ghost btn-small", testid, onclick, disabled, "aria-label": t(`${key}_label`, { n }) }, t(key));
    const li = h("li", { class: ["card", "ed-question", roundBanner && "starts-round"], testid: "editor-question", dataset: { index: i, kind: q.kind } },
      roundBanner,
      h("div", { class: "ed-head" },
        h("h2", { class: "ed-number", text: t("ed.number", { n }) }),
        h("label", { class: "visually-hidden", for: kindSelect.id, text: t("ed.kind_of", { n }) }),
        kindSelect,
        h("div", { class: "ed-actions" },
          btn("ed.up", "q-up", () => move(i, -1), i === 0),
          btn("ed.down", "q-down", () => move(i, 1), i === quiz.questions.length - 1),
          btn("ed.duplicate", "q-duplicate", () => duplicate(i)),
          q.round === undefined ? btn("ed.round_add", "q-round-add", () => startRound(i)) : null,
          h("button", { type: "button", class: "btn btn-danger-ghost btn-small", testid: "q-delete", "aria-label": t("ed.delete_label", { n }), onclick: () => remove(i) }, t("ed.delete")))),
      h("div", { class: "field" }, h("label", { for: text.id, text: t("ed.question") }), text, errors.text),
      media,
      body,
      h("div", { class: "field-row ed-extra" },
        h("div", { class: "field" }, h("label", { for: time.id, text: t("ed.seconds") }), time, errors.time_limit),
        h("div", { class: "field" }, h("label", { for: points.id, text: t("ed.points") }), points)),
      h("div", { class: "field" }, h("label", { for: explanation.id, text: t("ed.explanation") }), explanation, errors.explanation),
      errors.other);

    // Pictures and sound by pasting (Ctrl+V) or dropping a file on the card.
    li.addEventListener("paste", (event) => {
      const data = event.clipboardData;
      const file = mediaFile(data?.files);
      if (!file || !/^(image|audio)\//.test(file.type)) return;
      const typing = event.target?.matches?.("input[type='text'], textarea") && [...(data.types || [])].includes("text/plain");
      if (typing) return; // text pasted in a field stays text
      event.preventDefault();
      routeFile(q, file, event.target);
    });
    let dropTarget = null;
    const markDrop = (target) => {
      const next = target?.closest?.("[data-option-row]") && OPTION_IMAGE_KINDS.includes(q.kind) ? target.closest("[data-option-row]") : imageBox;
      if (next === dropTarget) return;
      dropTarget?.classList.remove("is-drop");
      dropTarget = next;
      dropTarget?.classList.add("is-drop");
    };
    li.addEventListener("dragover", (event) => {
      if (![...(event.dataTransfer?.types || [])].includes("Files")) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      markDrop(event.target);
    });
    li.addEventListener("dragleave", (event) => {
      if (li.contains(event.relatedTarget)) return;
      dropTarget?.classList.remove("is-drop");
      dropTarget = null;
    });
    li.addEventListener("drop", (event) => {
      const file = mediaFile(event.dataTransfer?.files);
      dropTarget?.classList.remove("is-drop");
      dropTarget = null;
      if (!file) return;
      event.preventDefault();
      routeFile(q, file, event.target);
    });

    /** Draw the media slots again; `focus`: the slot whose main control takes the focus. */
    function renderMedia(focus) {
      renderImage();
      renderAudio();
      for (const draw of renderOptionImage) draw?.();
      if (!focus) return;
      const box = focus === "image" ? imageBox : focus === "audio" ? audioBox : optionCells[Number(String(focus).split(".")[1])];
      if (!box || !li.contains(document.activeElement) && document.activeElement !== document.body) return;
      const target = (focus === "image" && altInput && !altInput.value ? altInput : null)
        || box.querySelector("[data-focus-first], button, input:not([hidden])");
      target?.focus();
    }

    // The fields whose error is shown on them, by error key.
    const FIELDS = {
      text: "q-text", answers: "q-answers", time_limit: "q-time", explanation: "q-explanation", round: "q-round", image_alt: "q-image-alt",
      min: "q-slider-min", max: "q-slider-max", step: "q-slider-step", tolerance: "q-slider-tolerance", margin: "q-slider-margin",
    };
    const inputsOf = (key) => {
      const testid = FIELDS[key] || (key === "correct" && q.kind === "slider" ? "q-slider-correct" : /^options\.\d$/.test(key) ? `q-option-${key.split(".")[1]}` : null);
      const input = testid ? li.querySelector(`[data-testid='${testid}']`) : null;
      return input ? [input] : [];
    };

    function check() {
      // A card being replaced (reorder, delete) loses the focus on its way out.
      if (!shown.has(i) || !quiz.questions[i] || list.children[i] !== li) return;
      const { errors: found } = checkQuestion(quiz.questions[i]);
      const unplaced = Object.keys(found).filter((key) => !errors[key]);
      for (const [key, errEl] of Object.entries(errors)) {
        const message = key === "other" ? unplaced.map((k) => found[k]).join(" ") || null : found[key] || null;
        errEl.hidden = !message;
        setText(errEl, message || "");
        for (const input of inputsOf(key)) {
          setAttr(input, "aria-invalid", message ? "true" : null);
          // The message is also its description, so that it is read with the field.
          const errId = message ? errEl.id || (errEl.id = `${id}-${key.replace(".", "-")}-err`) : null;
          setAttr(input, "aria-errormessage", errId);
          setAttr(input, "aria-describedby", errId);
        }
      }
      setAttr(li, "data-invalid", Object.keys(found).length ? "true" : null);
    }
    li.addEventListener("focusout", (event) => {
      if (li.contains(event.relatedTarget) || !li.isConnected) return;
      shown.add(i);
      check();
    });
    renderMedia();
    li._q = q;
    li._check = check;
    li._renderMedia = (focus) => {
      renderMedia(focus);
      check();
    };
    li._progress = (slot, state) => progressEls.get(slot)?.(state);
    return li;
  }

  /** A slider's numbers, a live preview of it, and what a player scores where. */
  function sliderBody(q, id, errors, check) {
    const preview = h("input", { type: "range", testid: "q-slider-preview", id: `${id}-try`, class: "ed-slider-range" });
    const scale = h("div", { class: "ed-slider-scale", "aria-hidden": "true" },
      h("span", { class: "ed-band ed-band-some" }), h("span", { class: "ed-band ed-band-full" }), h("span", { class: "ed-band-mark" }));
    const sentence = h("p", { class: "ed-slider-rule", testid: "q-slider-summary" });
    const tryLine = h("p", { class: "hint", testid: "q-slider-try", "aria-live": "polite" });
    const previewBox = h("div", { class: "ed-slider-preview", testid: "q-slider-box" },
      h("label", { for: preview.id, class: "field-label", text: t("ed.slider_try_label") }), scale, preview, tryLine);
    const valueField = (key, label, hint) => {
      const input = h("input", { type: "number", step: "any", testid: `q-slider-${key}`, id: `${id}-${key}`, inputmode: "decimal", dir: "ltr" });
      input.value = typeof q[key] === "number" ? String(q[key]) : "";
      input.addEventListener("input", () => {
        if (input.value === "") delete q[key];
        else q[key] = Number(input.value);
        changed();
        check();
        update();
      });
      const errorKey = key === "correct" ? "correct" : key;
      errors[errorKey] = fieldError(errorKey);
      return { input, wrap: h("div", { class: "field" }, h("label", { for: input.id, text: label }), hint ? h("p", { class: "field-hint", text: hint }) : null, input, errors[errorKey]) };
    };
    const fields = {
      min: valueField("min", t("ed.slider_min")),
      max: valueField("max", t("ed.slider_max")),
      step: valueField("step", t("ed.slider_step")),
      correct: valueField("correct", t("ed.slider_correct")),
      tolerance: valueField("tolerance", t("ed.slider_tolerance"), t("ed.slider_tolerance_hint")),
      margin: valueField("margin", t("ed.slider_margin"), t("ed.slider_margin_hint")),
    };
    function valid() {
      const { min, max, step, correct } = q;
      const nums = [min, max, step, correct].every((v) => typeof v === "number" && Number.isFinite(v));
      if (!nums || !(min < max) || !(step > 0) || (max - min) / step > LIMITS.sliderSteps || !onGrid(q, correct)) return null;
      const tolerance = typeof q.tolerance === "number" ? q.tolerance : 0;
      const margin = typeof q.margin === "number" ? q.margin : (max - min) / 10;
      if (!(tolerance >= 0) || !(margin > 0)) return null;
      return { min, max, step, correct, tolerance, margin };
    }
    function place(band, from, to, s) {
      const span = s.max - s.min;
      const a = Math.max(0, (Math.max(from, s.min) - s.min) / span);
      const b = Math.min(1, (Math.min(to, s.max) - s.min) / span);
      band.style.setProperty("inset-inline-start", `${(a * 100).toFixed(2)}%`);
      band.style.setProperty("inline-size", `${(Math.max(0, b - a) * 100).toFixed(2)}%`);
    }
    function showTry(s) {
      const value = Number(preview.value);
      setText(tryLine, t("ed.slider_try", { value: sliderNumber(value), share: sliderShare(s, value) }));
    }
    function update() {
      const s = valid();
      fields.margin.input.placeholder = typeof q.min === "number" && typeof q.max === "number" && q.max > q.min ? t("ed.slider_default", { value: sliderNumber((q.max - q.min) / 10) }) : "";
      previewBox.hidden = !s;
      sentence.hidden = !s;
      if (!s) return;
      preview.min = String(s.min);
      preview.max = String(s.max);
      preview.step = String(s.step);
      preview.value = String(s.correct);
      const [some, full, mark] = scale.children;
      place(some, s.correct - s.tolerance - s.margin, s.correct + s.tolerance + s.margin, s);
      place(full, s.correct - s.tolerance, s.correct + s.tolerance, s);
      place(mark, s.correct, s.correct, s);
      setText(sentence, s.tolerance > 0
        ? t("ed.slider_rule", { tolerance: sliderNumber(s.tolerance), far: sliderNumber(s.tolerance + s.margin) })
        : t("ed.slider_rule_exact", { value: sliderNumber(s.correct), far: sliderNumber(s.margin) }));
      showTry(s);
    }
    preview.addEventListener("input", () => {
      const s = valid();
      if (s) showTry(s);
    });
    update();
    return h("div", { class: "ed-slider" },
      h("div", { class: "field-row" }, fields.min.wrap, fields.max.wrap, fields.step.wrap),
      h("div", { class: "field-row" }, fields.correct.wrap, fields.tolerance.wrap, fields.margin.wrap),
      sentence,
      previewBox);
  }

  /** An order question's items, in the right order: edit, move, add, remove. */
  function orderBody(q, i, id, errors) {
    q.options = Array.isArray(q.options) ? q.options : ["", ""];
    const rerender = (focus, fallback) => {
      changed({ rebuild: true });
      const card = list.children[i];
      const target = focus ? card?.querySelector(`[data-testid='${focus}']`) : null;
      // A button the move disabled (the first item has no "up") hands the focus on.
      (target?.disabled && fallback ? card.querySelector(`[data-testid='${fallback}']`) : target)?.focus();
    };
    const items = q.options.map((option, k) => {
      const input = h("input", { type: "text", testid: `q-option-${k}`, id: `${id}-o${k}`, maxlength: 110, dir: "auto", "aria-label": t("ed.order_item_label", { n: k + 1 }) });
      input.value = option ?? "";
      input.addEventListener("input", () => { q.options[k] = input.value; changed(); list.children[i]?._check(); });
      errors[`options.${k}`] = fieldError(`options.${k}`);
      const swap = (to, focus, fallback) => {
        [q.options[k], q.options[to]] = [q.options[to], q.options[k]];
        rerender(focus, fallback);
        announce(t("ed.order_moved", { n: to + 1 }));
      };
      const small = (key, testid, onclick, disabled) => h("button", { type: "button", class: "btn btn-ghost btn-small", testid, disabled, onclick, "aria-label": t(`${key}_label`, { n: k + 1 }) }, t(key));
      return h("li", { class: "ed-order-item" },
        h("span", { class: "ed-order-pos", "aria-hidden": "true", text: fmtNumber(k + 1) }),
        input,
        h("div", { class: "ed-actions" },
          small("ed.item_up", `q-item-up-${k}`, () => swap(k - 1, `q-item-up-${k - 1}`, `q-item-down-${k - 1}`), k === 0),
          small("ed.item_down", `q-item-down-${k}`, () => swap(k + 1, `q-item-down-${k + 1}`, `q-item-up-${k + 1}`), k === q.options.length - 1),
          small("ed.item_remove", `q-item-remove-${k}`, () => {
            q.options.splice(k, 1);
            rerender(`q-option-${Math.min(k, q.options.length - 1)}`);
          }, q.options.length <= LIMITS.orderMin)),
        errors[`options.${k}`]);
    });
    errors.options = fieldError("options");
    errors.correct = fieldError("correct");
    const addItem = h("button", {
      type: "button", class: "btn btn-secondary btn-small", testid: "q-item-add", disabled: q.options.length >= LIMITS.orderMax,
      onclick: () => {
        q.options.push("");
        rerender(`q-option-${q.options.length - 1}`);
      },
    }, t("ed.order_add"));
    return h("fieldset", { class: "ed-options ed-order" },
      h("legend", { class: "field-label", text: t("ed.legend_order") }),
      h("p", { class: "field-hint", testid: "q-order-note", text: t("ed.order_hint") }),
      h("ol", null, items),
      addItem,
      errors.options,
      errors.correct);
  }

  function renderList() {
    const rounds = [];
    quiz.questions.forEach((q, i) => {
      if (q.round !== undefined || i === 0) rounds.push({ at: i, count: 0 });
      rounds[rounds.length - 1].count += 1;
    });
    let n = quiz.questions[0]?.round === undefined ? 1 : 0;
    list.replaceChildren(...quiz.questions.map((q, i) => {
      if (q.round !== undefined) n += 1;
      const round = rounds.find((r) => r.at === i);
      return card(q, i, { n, count: round?.count ?? 0 });
    }));
    for (const li of list.children) li._check();
    showCount();
  }

  // ------------------------------------------------------------ media on the server
  /** Ask the server for `ids`; put back what it lost from this browser's files; mark what is gone. */
  async function checkMediaOnServer(ids) {
    if (!ids.length || !uploader) return;
    const { map, restored, missing } = await restoreMedia(ids, {
      uploader, has: headMedia, recall: recallMedia, keep: keepMedia,
      onProgress: (done, total) => setText(mediaNote, t("ed.media_restoring", { n: done, total })),
    });
    if (map.size) {
      // The ids change in place: a card being typed in keeps its text and focus.
      for (const q of quiz.questions) {
        const swapped = replaceMediaIds([q], map)[0];
        for (const key of ["image", "audio", "option_images"]) if (swapped[key] !== undefined) q[key] = swapped[key];
      }
      persist();
    }
    for (const id of missing) missingIds.add(id);
    if (map.size || restored.length || missing.length) refreshAll();
    if (missing.length) setText(mediaNote, t("ed.media_missing", { count: missing.length }));
    else if (restored.length) setText(mediaNote, t("ed.media_restored", { count: restored.length }));
  }

  renderList();
  if (!draft) setText(saved, quiz.questions.length ? t("ed.saved_plain") : "");
  if (opts.serverError) {
    // The server refused the quiz: "questions[3].options[1]: ..." names the
    // field. Said in the page's language, with the path (never the server's
    // English words).
    const path = (/^[^:\s]+/.exec(opts.serverError) || [""])[0];
    const m = /^questions\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\])?/.exec(path);
    const fieldName = m && m[2] === "options" && m[3] !== undefined ? t("ed.field.option", { letter: raw(optionLetter(Number(m[3]))) })
      : m && m[2] === "option_images" && m[3] !== undefined ? t("ed.field.option_image", { letter: raw(optionLetter(Number(m[3]))) })
        : m && m[2] && has(`ed.field.${m[2]}`) ? t(`ed.field.${m[2]}`) : t("ed.field.other");
    summary.replaceChildren(...(m
      ? tNodes("ed.server_refused", { n: Number(m[1]) + 1, field: h("span", null, fieldName), path })
      : tNodes("ed.server_refused_quiz", { path })));
    summary.hidden = false;
    const q = m ? quiz.questions[Number(m[1])] : null;
    if (q && /no media/.test(opts.serverError)) {
      // The server lost that file, and this browser could not give it back.
      const lost = m[2] === "option_images" ? q.option_images?.[Number(m[3])] : q[m[2]];
      if (lost) missingIds.add(lost);
      cardOf(q)?._renderMedia();
    }
    const card = m ? list.children[Number(m[1])] : null;
    const field = m && m[2] === "options" && m[3] !== undefined ? `q-option-${m[3]}`
      : m && m[2] === "option_images" && m[3] !== undefined ? `q-option-image-add-${m[3]}`
        : m ? { text: "q-text", answers: "q-answers", time_limit: "q-time", explanation: "q-explanation", round: "q-round", image: "q-image-replace", image_alt: "q-image-alt", audio: "q-audio-replace", min: "q-slider-min", max: "q-slider-max", step: "q-slider-step", tolerance: "q-slider-tolerance", margin: "q-slider-margin", correct: q?.kind === "slider" ? "q-slider-correct" : null }[m[2]] : null;
    const input = card && field ? card.querySelector(`[data-testid='${field}']`) || card.querySelector(`[data-testid='q-option-thumb-${m[3]}']`)?.nextElementSibling : null;
    if (input) {
      if (input.matches("input, textarea")) setAttr(input, "aria-invalid", "true");
      queueMicrotask(() => input.focus());
    }
  } else if (opts.showErrors) queueMicrotask(finish);
  if (opts.mediaMissing) {
    summary.hidden = false;
    setText(summary, t("ed.media_missing_create"));
  }
  // The media of the quiz, still on the server? (In the background.)
  const ids = mediaIds(quiz.questions);
  checkMediaOnServer(ids).catch(() => {});
  if (!draft) pruneMedia(ids).catch(() => {});

  return {
    el,
    focus: () => heading.focus({ preventScroll: true }),
    update() {},
  };
}
