// The host's own quiz: its shape (protocol 1.1 "Questions", 1.2 slider,
// order, rounds and media), validation with an error per field, the copy
// kept in localStorage, and the formats it comes in: the documented quiz
// JSON (docs/quiz-format.md), Kahoot's spreadsheet layout as CSV, and rows
// pasted from a spreadsheet (tabs). Bundles (.zip with media): web/bundle.js.

import { parseCsv, sniffDelimiter } from "./csv.js";
import { fmtList, raw as asText, t } from "./i18n.js";

export const KINDS = ["choice", "multi", "true_false", "text", "poll", "slider", "order"];
/** Kinds whose options may carry pictures. */
export const OPTION_IMAGE_KINDS = ["choice", "multi", "poll"];
/** A slider's fields beside `correct` (protocol 1.2). */
export const SLIDER_FIELDS = ["min", "max", "step", "tolerance", "margin"];
const MEDIA_ID = /^[0-9a-f]{64}$/;
/** Whether `v` is a media id: 64 lowercase hex digits (the server's SHA-256 of the stored bytes). */
export const isMediaId = (v) => typeof v === "string" && MEDIA_ID.test(v);

/** A kind's name in the page's language ("Multiple choice"). */
export function kindLabel(kind) {
  return t(`kind.${kind}`);
}

/**
 * The two options of a true/false question as the editor writes them: in
 * the page's language (the host's), "True" and "False" in English.
 */
export function trueFalse() {
  return [t("tf.true"), t("tf.false")];
}
export const LIMITS = {
  text: 300, option: 100, explanation: 300, answer: 100, title: 100, questions: 100,
  round: 60, imageAlt: 200, orderMin: 2, orderMax: 6, sliderSteps: 10_000, number: 1e12,
};
const STORE_KEY = "quiz.myquiz.v1";

/** A fresh question of a kind, ready to be filled in. */
export function blankQuestion(kind = "choice") {
  switch (kind) {
    case "multi": return { kind, text: "", options: ["", "", "", ""], correct: [0] };
    case "true_false": return { kind, text: "", options: trueFalse(), correct: 0 };
    case "text": return { kind, text: "", answers: [""] };
    case "poll": return { kind, text: "", options: ["", "", "", ""] };
    case "slider": return { kind, text: "", min: 0, max: 100, step: 1, correct: 50 };
    case "order": return { kind, text: "", options: ["", "", "", ""] };
    default: return { kind: "choice", text: "", options: ["", "", "", ""], correct: 0 };
  }
}

/** Convert a question to another kind, keeping what still makes sense. */
export function changeKind(q, kind) {
  const next = blankQuestion(kind);
  next.text = q.text || "";
  // What every kind has: the picture, the sound, the round it starts.
  for (const key of ["time_limit", "points", "explanation", "image", "image_alt", "audio", "round"]) if (q[key] !== undefined) next[key] = q[key];
  const options = Array.isArray(q.options) ? q.options.slice(0, kind === "order" ? LIMITS.orderMax : 4) : null;
  const firstCorrect = Array.isArray(q.correct) ? q.correct[0] ?? 0 : Number.isInteger(q.correct) ? q.correct : 0;
  if (options && ["choice", "multi", "poll", "order"].includes(kind) && q.kind !== "true_false" && q.kind !== "slider") {
    next.options = options.length >= 2 ? options : next.options;
    while (kind !== "order" && next.options.length < 4) next.options.push("");
    // Pictures of the options stay where options can have them.
    if (OPTION_IMAGE_KINDS.includes(kind) && Array.isArray(q.option_images) && q.option_images.some(Boolean)) {
      next.option_images = next.options.map((_, i) => q.option_images[i] ?? null);
    }
  }
  if (kind === "choice") next.correct = Math.min(firstCorrect, next.options.length - 1);
  if (kind === "multi") next.correct = [Math.min(firstCorrect, next.options.length - 1)];
  if (kind === "text" && options && options[firstCorrect]) next.answers = [options[firstCorrect]];
  return next;
}

/** One index, also from a one-element list ("correct": [2] means 2 for a choice). */
function oneIndex(v) {
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

// ------------------------------------------------------------- the rules
//
// The server's rules (quiz/core parse_question, docs/quiz-format.md), checked
// here first so that the host sees an error on its field before sending.
// tests/cases/questions.json holds both to the same cases
// (tests/web/question-cases.test.mjs here, tests/test_question_cases.py there).
// One editor convention on top: an option or accepted answer left blank is
// an empty row of the form, not an answer; it is dropped before sending.

/**
 * Text as the server keeps it: control characters and line breaks become
 * spaces, runs of white space one space, none at either end.
 */
export function cleanText(v) {
  if (typeof v !== "string") return "";
  return v.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, " ").split(/\p{Zs}+/u).filter(Boolean).join(" ");
}

/** Length in characters (code points, as the server counts), not UTF-16 units. */
export function charCount(text) {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

// Scripts whose accents are optional in typing (their marks are dropped);
// every other script keeps its marks (a dakuten, a Devanagari vowel sign).
const STRIPPED_SCRIPTS = [
  [0x0000, 0x024f], // Latin
  [0x1e00, 0x1eff], // Latin extended additional (Vietnamese)
  [0x0370, 0x03ff], // Greek
  [0x1f00, 0x1fff], // Greek extended
  [0x0400, 0x052f], // Cyrillic
  [0x0590, 0x05ff], // Hebrew
  [0x0600, 0x06ff], // Arabic
  [0x0750, 0x077f], // Arabic supplement
];
const LETTERS = { ł: "l", đ: "d", ø: "o", æ: "ae", œ: "oe", ı: "i", ħ: "h", ŧ: "t", ŀ: "l" };
const MARK = /\p{Mn}/u;
const LETTER = /^\p{L}$/u;
const DROPPED = /[\p{P}\p{Z}\p{Cc}\p{Cf}\u0640]/u; // punctuation, spaces, controls, formats, tatweel
const DIGIT = /\p{Nd}/u;

function strippedScript(char) {
  const code = char.codePointAt(0);
  return STRIPPED_SCRIPTS.some(([lo, hi]) => lo <= code && code <= hi);
}

/** The value of a decimal digit of any script (digits come in runs of ten, 0 to 9). */
function digitValue(char) {
  let code = char.codePointAt(0);
  let n = 0;
  while (DIGIT.test(String.fromCodePoint(code - 1))) {
    code -= 1;
    n += 1;
  }
  return n % 10;
}

/**
 * The server's folding (quiz/core `fold`): the form two options or a typed
 * answer are compared in. Case, accents of Latin, Greek, Cyrillic, Arabic
 * and Hebrew, punctuation and white space do not count; "٣" is "3".
 */
export function fold(text) {
  // Unicode's compatibility caseless match: NFKD, case folding, NFKD. Case
  // folding is lower case of upper case ("ß" is "ss"), but for the final
  // sigma, the capital sharp s, and Cherokee, which folds to upper case.
  const folded = String(text).normalize("NFKD").toUpperCase().toLowerCase()
    .replace(/ς/g, "σ").replace(/ß/g, "ss").replace(/[\uab70-\uabbf\u13f8-\u13fd]/g, (c) => c.toUpperCase())
    .normalize("NFKD");
  let kept = "";
  let base = "";
  for (const char of folded) {
    if (MARK.test(char)) {
      if (!LETTER.test(base)) continue; // a mark on no letter (first, or on a space) marks nothing
      const cyrillicLetter = base.codePointAt(0) >= 0x0400 && base.codePointAt(0) <= 0x052f;
      if (strippedScript(base) && !(cyrillicLetter && char === "\u0306")) continue; // й, ў keep their breve
      kept += char;
      continue;
    }
    base = char;
    kept += char;
  }
  const chars = [...kept.normalize("NFC")];
  let out = "";
  for (let i = 0; i < chars.length; i += 1) {
    const char = chars[i];
    if (DIGIT.test(char)) {
      out += String(digitValue(char));
      continue;
    }
    const number = inNumber(chars, i, out);
    if (number !== null) out += number;
    else if (!DROPPED.test(char)) out += LETTERS[char] ?? char;
  }
  return out;
}

const SIGNS = new Set(["-", "\u2212", "\u2013"]); // hyphen-minus, minus sign, en dash
const ALNUM = /^[\p{L}\p{N}]$/u;
const isDigit = (char) => char !== undefined && DIGIT.test(char);

// What a sign or a separator at chars[i] stands for in a number, or null (the
// server's rule, quiz/core/folding.py): "-1" is not "1" and "1.5" is not
// "15". A dash right before a digit is a minus sign unless it follows a letter
// or digit ("COVID-19"); a point or a comma between digits is a decimal point,
// except a comma followed by exactly three digits ("1,000" is "1000").
function inNumber(chars, i, out) {
  if (!isDigit(chars[i + 1])) return null;
  const char = chars[i];
  const before = out ? [...out].at(-1) : "";
  if (SIGNS.has(char)) return ALNUM.test(before) ? null : "-";
  if ((char === "." || char === ",") && /^[0-9]$/.test(before)) {
    const next = chars.slice(i + 1, i + 5);
    const thousands = next.length >= 3 && next.slice(0, 3).every(isDigit) && !isDigit(next[3]);
    if (char === "," && thousands) return "";
    return ".";
  }
  return null;
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const absent = (v) => v === undefined || v === null;
const blankRow = (v) => typeof v === "string" && !cleanText(v);

/**
 * The question as the server wants it (blank rows dropped, indexes
 * remapped, text cleaned), plus errors keyed by field: `question` (not an
 * object), `kind`, `text`, `options`, `options.2`, `correct`, `answers`,
 * `time_limit`, `points`, `explanation`.
 */
export function checkQuestion(raw) {
  const errors = {};
  if (!isObject(raw)) return { question: { kind: "choice", text: "" }, errors: { question: t("check.not_question") } };
  let kind = absent(raw.kind) ? "choice" : raw.kind;
  if (!KINDS.includes(kind)) {
    errors.kind = t("check.kind", { kinds: asText(fmtList(KINDS, "disjunction", false)) });
    kind = "choice";
  }
  const q = { kind, text: cleanText(raw.text) };
  if (!q.text) errors.text = t("check.text_empty");
  else if (charCount(q.text) > LIMITS.text) errors.text = t("check.text_long", { max: LIMITS.text, count: charCount(q.text) });

  // Options: every kind but text; a true/false question may leave them out.
  const keep = []; // original index -> index once blank rows are dropped
  let rows = 0; // how many rows the correct indexes may point into
  if (kind === "text" || kind === "slider") {
    if (!absent(raw.options)) errors.options = t(kind === "text" ? "check.text_no_options" : "check.slider_no_options");
  } else if (kind === "true_false" && absent(raw.options)) {
    q.options = trueFalse();
    keep.push(0, 1);
    rows = 2;
  } else if (!Array.isArray(raw.options)) {
    errors.options = t("check.options_two");
  } else {
    const options = [];
    const seen = new Map(); // folded -> first index
    raw.options.forEach((o, i) => {
      if (typeof o !== "string") {
        errors[`options.${i}`] = t("check.option_text");
        return;
      }
      const text = cleanText(o);
      if (!text) return; // a blank row
      if (charCount(text) > LIMITS.option) errors[`options.${i}`] = t("check.option_long", { max: LIMITS.option });
      const key = fold(text) || text;
      if (seen.has(key)) errors[`options.${i}`] = t("check.option_twice");
      else seen.set(key, i);
      keep[i] = options.length;
      options.push(text);
    });
    rows = raw.options.length;
    const filled = raw.options.filter((o) => !blankRow(o)).length;
    const [low, high] = kind === "true_false" ? [2, 2] : kind === "order" ? [LIMITS.orderMin, LIMITS.orderMax] : [2, 4];
    if (filled < low) errors.options = kind === "true_false" ? t("check.options_both") : t("check.options_two");
    else if (filled > high) errors.options = kind === "true_false" ? t("check.options_exactly_two") : t("check.options_max", { max: high });
    q.options = options;
  }

  // The right answer(s).
  const index = (c) => Number.isInteger(c) && c >= 0 && c < rows;
  if (kind === "choice" || kind === "true_false") {
    let c = raw.correct;
    if (kind === "true_false" && typeof c === "boolean") c = c ? 0 : 1; // true is the first option
    if (!index(c) || keep[c] === undefined) errors.correct = t("check.correct_one");
    else q.correct = keep[c];
  } else if (kind === "multi") {
    const list = raw.correct;
    if (!Array.isArray(list) || !list.length) errors.correct = t("check.correct_some");
    else if (!list.every(index)) errors.correct = t("check.correct_own");
    else if (new Set(list).size !== list.length) errors.correct = t("check.correct_once");
    else {
      // A tick on a blank row is dropped with the row.
      q.correct = list.filter((c) => keep[c] !== undefined).map((c) => keep[c]).sort((a, b) => a - b);
      if (!q.correct.length) errors.correct = t("check.correct_some");
    }
  } else if (kind !== "slider" && !absent(raw.correct)) {
    errors.correct = t(kind === "poll" ? "check.poll_no_correct" : kind === "order" ? "check.order_no_correct" : "check.text_no_correct");
  }

  // Accepted answers: text questions only.
  if (kind === "text") {
    const list = Array.isArray(raw.answers) ? raw.answers : [];
    const answers = [];
    for (const a of list) {
      if (typeof a !== "string") {
        errors.answers = t("check.answer_text");
        continue;
      }
      const text = cleanText(a);
      if (!text) continue; // a blank line
      if (charCount(text) > LIMITS.answer) errors.answers = t("check.answer_long", { max: LIMITS.answer });
      else if (!fold(text)) errors.answers = t("check.answer_no_letter", { answer: asText(t("quote", { text })) });
      answers.push(text);
    }
    if (!errors.answers && !answers.length) errors.answers = t("check.answers_one");
    else if (!errors.answers && answers.length > 10) errors.answers = t("check.answers_max");
    q.answers = answers;
  } else if (!absent(raw.answers)) {
    errors.answers = t("check.answers_only_text");
  }

  checkSlider(raw, kind, q, errors);

  if (!absent(raw.time_limit)) {
    const limit = raw.time_limit;
    if (!Number.isInteger(limit) || limit < 5 || limit > 240) errors.time_limit = t("check.time");
    else q.time_limit = limit;
  }
  if (!absent(raw.points)) {
    const p = raw.points;
    if (![0, 1, 2].includes(p)) errors.points = t("check.points");
    else if (p !== 1) q.points = p;
  }
  if (!absent(raw.explanation)) {
    if (typeof raw.explanation !== "string") errors.explanation = t("check.explanation_text");
    const explanation = cleanText(raw.explanation);
    if (explanation) {
      if (charCount(explanation) > LIMITS.explanation) errors.explanation = t("check.explanation_long", { max: LIMITS.explanation });
      q.explanation = explanation;
    }
  }
  checkMedia(raw, kind, q, errors, keep);
  if (!absent(raw.round)) {
    // The title of the round this question starts.
    const title = cleanText(raw.round);
    if (typeof raw.round !== "string") errors.round = t("check.round_text");
    else if (!title) errors.round = t("check.round_empty");
    else if (charCount(title) > LIMITS.round) errors.round = t("check.round_long", { max: LIMITS.round });
    else q.round = title;
  }
  return { question: q, errors };
}

/**
 * A slider's numbers (the server's quiz/core/parse.py _slider): min < max,
 * step > 0 and at most 10,000 steps, tolerance >= 0 (default 0), margin > 0
 * (default a tenth of the range), the right value on the grid min + k * step;
 * every number within +-1e12. Any of them on another kind is refused.
 */
function checkSlider(raw, kind, q, errors) {
  if (kind !== "slider") {
    for (const key of SLIDER_FIELDS) if (!absent(raw[key])) errors[key] = t("check.slider_only");
    return;
  }
  const number = (key, fallback) => {
    const v = raw[key];
    if (absent(v)) {
      if (fallback === undefined) errors[key] = t("check.number_required");
      return fallback ?? null;
    }
    if (typeof v !== "number" || !(Math.abs(v) <= LIMITS.number)) {
      errors[key] = t("check.number", { max: LIMITS.number });
      return null;
    }
    return v;
  };
  const low = number("min");
  const high = number("max");
  const range = low !== null && high !== null && low < high;
  if (low !== null && high !== null && !range) errors.max = t("check.slider_max");
  const step = number("step");
  if (step !== null && !(step > 0)) errors.step = t("check.slider_step");
  else if (step !== null && range && (high - low) / step > LIMITS.sliderSteps) errors.step = t("check.slider_steps", { max: LIMITS.sliderSteps });
  const tolerance = number("tolerance", 0);
  if (tolerance !== null && tolerance < 0) errors.tolerance = t("check.slider_tolerance");
  const margin = number("margin", range ? (high - low) / 10 : 1);
  if (margin !== null && !(margin > 0)) errors.margin = t("check.slider_margin");
  const correct = number("correct");
  if (correct !== null && range && step > 0 && !onGrid({ min: low, max: high, step }, correct)) {
    errors.correct = t("check.slider_correct");
  }
  for (const key of [...SLIDER_FIELDS, "correct"]) if (typeof raw[key] === "number") q[key] = raw[key];
}

/** Whether `value` is one of a slider's values: min + k * step, up to max (quiz/core/question.py on_grid). */
export function onGrid({ min, max, step }, value) {
  if (!(min <= value && value <= max)) return false;
  const steps = (value - min) / step;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}

/**
 * A question's picture (with its alt text, required), sound, and the
 * pictures of its options (choice, multi, poll; one entry per option row,
 * null for none). Ids are checked for their shape; whether the server
 * holds them is the server's to say. `keep`: option row -> index once blank
 * rows are dropped, so that a row's picture goes with it.
 */
function checkMedia(raw, kind, q, errors, keep) {
  if (!absent(raw.image)) {
    if (!isMediaId(raw.image)) errors.image = t("check.media_id");
    else q.image = raw.image;
    const alt = cleanText(raw.image_alt);
    if (typeof raw.image_alt !== "string" || !alt) errors.image_alt = t("check.image_alt");
    else if (charCount(alt) > LIMITS.imageAlt) errors.image_alt = t("check.image_alt_long", { max: LIMITS.imageAlt });
    else q.image_alt = alt;
  } else if (!absent(raw.image_alt)) {
    errors.image_alt = t("check.image_alt_alone");
  }
  if (!absent(raw.audio)) {
    if (!isMediaId(raw.audio)) errors.audio = t("check.media_id");
    else q.audio = raw.audio;
  }
  const list = raw.option_images;
  if (absent(list)) return;
  if (!OPTION_IMAGE_KINDS.includes(kind)) {
    errors.option_images = t("check.option_images_kind");
    return;
  }
  const rows = Array.isArray(raw.options) ? raw.options.length : 0;
  if (!Array.isArray(list) || list.length !== rows) {
    errors.option_images = t("check.option_images_count");
    return;
  }
  const images = [];
  list.forEach((id, i) => {
    if (absent(id)) {
      if (keep[i] !== undefined) images[keep[i]] = null;
      return;
    }
    if (!isMediaId(id)) errors[`option_images.${i}`] = t("check.media_id");
    else if (keep[i] === undefined && blankRow(raw.options[i])) errors[`options.${i}`] = t("check.option_image_label");
    else if (keep[i] !== undefined) images[keep[i]] = id;
  });
  if (images.some(Boolean)) q.option_images = Array.from({ length: q.options?.length ?? 0 }, (_, i) => images[i] ?? null);
}

/** The quiz ready to send, or the errors of each question (by index). */
export function checkQuiz(quiz) {
  const questions = [];
  const errors = [];
  (quiz.questions || []).forEach((raw, i) => {
    const r = checkQuestion(raw);
    questions.push(r.question);
    if (Object.keys(r.errors).length) errors[i] = r.errors;
  });
  const ok = questions.length > 0 && questions.length <= LIMITS.questions && errors.filter(Boolean).length === 0;
  return { ok, questions, errors };
}

// ------------------------------------------------------------- storage

export function emptyQuiz() {
  return { title: "", questions: [] };
}

export function loadQuiz() {
  try {
    const value = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
    if (value && typeof value === "object" && Array.isArray(value.questions)) {
      return { title: typeof value.title === "string" ? value.title : "", questions: value.questions.filter((q) => q && typeof q === "object").map(normaliseQuestion) };
    }
  } catch {
    /* none or corrupt: start empty */
  }
  return emptyQuiz();
}

export function saveQuiz(quiz) {
  try {
    window.localStorage.setItem(STORE_KEY, JSON.stringify(quiz));
    return true;
  } catch {
    return false; // storage full or disabled: the quiz lives until the tab closes
  }
}

// ------------------------------------------------------------- formats

/**
 * A question from a file, the server or storage, in the editor's shape:
 * four option rows (blank ones empty), the fields of its kind only. Lenient
 * where a file is easily mended (numbers as option text, "30" seconds, a
 * bank question's {q, answer}); checkQuestion then applies the rules.
 */
export function normaliseQuestion(q) {
  const kind = KINDS.includes(q?.kind) ? q.kind : "choice";
  const out = { ...blankQuestion(kind), ...q, kind };
  // A bank-style question ({q, options, answer}) is welcome too.
  if (typeof q?.q === "string" && !q.text) out.text = q.q;
  if (Number.isInteger(q?.answer) && q?.correct === undefined) out.correct = q.answer;
  delete out.q;
  delete out.answer;
  // What the kind has no field for (the editor shows none) goes.
  if (kind === "text" || kind === "slider") delete out.options;
  if (kind === "text" || kind === "poll" || kind === "order") delete out.correct;
  if (kind !== "text") delete out.answers;
  if (kind !== "slider") for (const key of SLIDER_FIELDS) delete out[key];
  if (!OPTION_IMAGE_KINDS.includes(kind) || !Array.isArray(out.option_images)) delete out.option_images;
  for (const key of ["image", "image_alt", "audio", "round"]) if (out[key] === null) delete out[key];
  if (out.image === undefined) delete out.image_alt;
  if (kind === "slider") {
    // Numbers written as text in a file ("30") are numbers.
    for (const key of [...SLIDER_FIELDS, "correct"]) {
      if (typeof out[key] === "string" && out[key].trim() !== "" && Number.isFinite(Number(out[key]))) out[key] = Number(out[key]);
      else if (out[key] === "" || out[key] === null) delete out[key];
    }
  }
  if (kind === "choice" || kind === "true_false") out.correct = oneIndex(out.correct);
  // true_false also takes true (= 0) and false (= 1) in the quiz format.
  if (kind === "true_false" && typeof out.correct === "boolean") out.correct = out.correct ? 0 : 1;
  if (kind === "true_false") out.options = trueFalse();
  if (kind === "multi" && Number.isInteger(out.correct)) out.correct = [out.correct];
  if (Array.isArray(out.options) && kind !== "true_false") {
    // Four rows, as the editor shows them; an order's items as many as they are (2 to 6).
    const rows = kind === "order" ? LIMITS.orderMax : 4;
    out.options = out.options.slice(0, rows).map((o) => (typeof o === "number" ? String(o) : o ?? ""));
    while (out.options.length < (kind === "order" ? LIMITS.orderMin : 4)) out.options.push("");
    if (out.option_images) {
      out.option_images = out.options.map((_, i) => (isMediaId(out.option_images[i]) ? out.option_images[i] : null));
      if (!out.option_images.some(Boolean)) delete out.option_images;
    }
  }
  for (const key of ["time_limit", "points"]) {
    if (out[key] === "" || out[key] === null) delete out[key];
    else if (typeof out[key] === "string" && /^\s*\d+\s*$/.test(out[key])) out[key] = Number(out[key]);
  }
  return out;
}

/** The documented quiz file (docs/quiz-format.md): a JSON list of questions. */
export function exportJson(quiz) {
  const { questions } = checkQuiz(quiz);
  return `${JSON.stringify(questions, null, 2)}\n`;
}

/** A quiz file (a list of questions, or an object holding one) to a quiz; throws with a readable message. */
export function importJson(text) {
  let data;
  try {
    data = JSON.parse(String(text).replace(/^\ufeff/, ""));
  } catch {
    throw new Error(t("import.not_json"));
  }
  const list = Array.isArray(data) ? data : data?.questions;
  if (!Array.isArray(list) || !list.length) throw new Error(t("import.no_questions"));
  const questions = list.slice(0, LIMITS.questions).map(normaliseQuestion);
  return { title: typeof data.title === "string" ? data.title.slice(0, LIMITS.title) : "", questions };
}

// True and false as a spreadsheet may say them, in the client's languages.
const TRUE_WORDS = new Set(["true", "vrai", "wahr", "richtig", "verdadero", "verdadeiro", "vero", "waar", "prawda", "doğru", "صح", "正しい", "yes"]);
const FALSE_WORDS = new Set(["false", "faux", "falsch", "falso", "onwaar", "niet waar", "fałsz", "yanlış", "خطأ", "間違い", "no"]);

/**
 * Kahoot's spreadsheet layout (their template, saved as CSV, or rows pasted
 * from it): question, answer 1 to 4, time limit in seconds, correct answer
 * numbers ("1" or "1,3"). Header and instruction rows, and a leading
 * question-number column, are skipped. Returns {questions, skipped}.
 */
export function importKahoot(text) {
  const rows = parseCsv(text, sniffDelimiter(text));
  const questions = [];
  const skipped = [];
  rows.forEach((cells, rowIndex) => {
    let c = cells.map((x) => x.trim());
    // Kahoot's template has a number column before the question.
    if (c.length >= 8 && (c[0] === "" || /^\d+$/.test(c[0]))) c = c.slice(1);
    const [text0, a1 = "", a2 = "", a3 = "", a4 = "", time = "", correctRaw = ""] = c;
    const correctNums = correctRaw.split(/[,;/ ]+/).filter(Boolean).map(Number);
    if (!text0 || !correctNums.length || correctNums.some((n) => !Number.isInteger(n) || n < 1 || n > 4)) {
      if (text0 && rowIndex > 0 && !/question/i.test(text0)) skipped.push(rowIndex + 1);
      return; // header, instructions, or a broken row
    }
    const options = [a1, a2, a3, a4];
    const filled = options.filter(Boolean);
    const correct = correctNums.map((n) => n - 1);
    let q;
    if (filled.length === 2 && TRUE_WORDS.has(a1.toLowerCase()) && FALSE_WORDS.has(a2.toLowerCase()) && correct.length === 1) {
      q = { kind: "true_false", text: text0, options: trueFalse(), correct: correct[0] };
    } else if (correct.length > 1) {
      q = { kind: "multi", text: text0, options, correct };
    } else {
      q = { kind: "choice", text: text0, options, correct: correct[0] };
    }
    const seconds = Number(time);
    if (Number.isInteger(seconds) && seconds >= 5 && seconds <= 240) q.time_limit = seconds;
    questions.push(q);
  });
  return { questions, skipped };
}
