// The host's own quiz: its shape (protocol 1.1 "Questions"), validation
// with an error per field, the copy kept in localStorage, and the formats it
// comes in: the documented quiz JSON (docs/quiz-format.md), Kahoot's
// spreadsheet layout as CSV, and rows pasted from a spreadsheet (tabs).

import { parseCsv, sniffDelimiter } from "./csv.js";

export const KINDS = ["choice", "multi", "true_false", "text", "poll"];
export const KIND_LABELS = {
  choice: "Multiple choice",
  multi: "Several right answers",
  true_false: "True or false",
  text: "Type the answer",
  poll: "Poll (no right answer)",
};
export const LIMITS = { text: 300, option: 100, explanation: 300, answer: 100, title: 100, questions: 100 };
const STORE_KEY = "quiz.myquiz.v1";

/** A fresh question of a kind, ready to be filled in. */
export function blankQuestion(kind = "choice") {
  switch (kind) {
    case "multi": return { kind, text: "", options: ["", "", "", ""], correct: [0] };
    case "true_false": return { kind, text: "", options: ["True", "False"], correct: 0 };
    case "text": return { kind, text: "", answers: [""] };
    case "poll": return { kind, text: "", options: ["", "", "", ""] };
    default: return { kind: "choice", text: "", options: ["", "", "", ""], correct: 0 };
  }
}

/** Convert a question to another kind, keeping what still makes sense. */
export function changeKind(q, kind) {
  const next = blankQuestion(kind);
  next.text = q.text || "";
  for (const key of ["time_limit", "points", "explanation"]) if (q[key] !== undefined) next[key] = q[key];
  const options = Array.isArray(q.options) ? q.options.slice(0, 4) : null;
  const firstCorrect = Array.isArray(q.correct) ? q.correct[0] ?? 0 : Number.isInteger(q.correct) ? q.correct : 0;
  if (options && ["choice", "multi", "poll"].includes(kind) && q.kind !== "true_false") {
    next.options = options.length >= 2 ? options : next.options;
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

function trimmed(v) {
  return typeof v === "string" ? v.trim() : "";
}

/**
 * The question as the server wants it (empty option rows dropped, indexes
 * remapped), plus errors keyed by field path (`text`, `options.2`,
 * `correct`, `answers`, `time_limit`, `explanation`).
 */
export function checkQuestion(raw) {
  const errors = {};
  const kind = KINDS.includes(raw?.kind) ? raw.kind : "choice";
  const q = { kind, text: trimmed(raw?.text) };
  if (!q.text) errors.text = "Write the question.";
  else if (q.text.length > LIMITS.text) errors.text = `At most ${LIMITS.text} characters (now ${q.text.length}).`;

  if (kind === "text") {
    const answers = (Array.isArray(raw.answers) ? raw.answers : []).map(trimmed).filter(Boolean);
    if (!answers.length) errors.answers = "Give at least one accepted answer.";
    else if (answers.length > 10) errors.answers = "At most 10 accepted answers.";
    else if (answers.some((a) => a.length > LIMITS.answer)) errors.answers = `Answers are at most ${LIMITS.answer} characters.`;
    q.answers = answers;
  } else if (kind === "true_false") {
    q.options = ["True", "False"];
    q.correct = oneIndex(raw.correct) === 1 ? 1 : 0;
  } else {
    const rawOptions = Array.isArray(raw.options) ? raw.options : [];
    const keep = []; // original index -> new index
    const options = [];
    rawOptions.slice(0, 4).forEach((o, i) => {
      const t = trimmed(o);
      if (!t) return;
      keep[i] = options.length;
      options.push(t);
      if (t.length > LIMITS.option) errors[`options.${i}`] = `At most ${LIMITS.option} characters.`;
    });
    const seen = new Map();
    rawOptions.slice(0, 4).forEach((o, i) => {
      const key = trimmed(o).toLowerCase();
      if (!key) return;
      if (seen.has(key)) errors[`options.${i}`] = "The same answer twice: make each one different.";
      else seen.set(key, i);
    });
    if (options.length < 2) errors.options = "Give at least two answers.";
    q.options = options;
    if (kind === "choice") {
      const c = Number.isInteger(oneIndex(raw.correct)) ? oneIndex(raw.correct) : -1;
      if (keep[c] === undefined) errors.correct = "Mark the right answer.";
      else q.correct = keep[c];
    } else if (kind === "multi") {
      const list = Array.isArray(raw.correct) ? raw.correct : [];
      const mapped = [...new Set(list.filter((c) => keep[c] !== undefined).map((c) => keep[c]))].sort();
      if (!mapped.length) errors.correct = "Mark at least one right answer.";
      q.correct = mapped;
    }
  }
  if (raw?.time_limit !== undefined && raw.time_limit !== null && raw.time_limit !== "") {
    const t = Number(raw.time_limit);
    if (!Number.isInteger(t) || t < 5 || t > 240) errors.time_limit = "From 5 to 240 seconds, or empty for the room's time.";
    else q.time_limit = t;
  }
  if (raw?.points !== undefined && raw.points !== null && raw.points !== "") {
    const p = Number(raw.points);
    if (![0, 1, 2].includes(p)) errors.points = "0, 1 or 2.";
    else if (p !== 1) q.points = p;
  }
  const explanation = trimmed(raw?.explanation);
  if (explanation) {
    if (explanation.length > LIMITS.explanation) errors.explanation = `At most ${LIMITS.explanation} characters.`;
    q.explanation = explanation;
  }
  return { question: q, errors };
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

/** A question from a file, the server or storage, in the editor's shape. */
export function normaliseQuestion(q) {
  const kind = KINDS.includes(q?.kind) ? q.kind : "choice";
  const out = { ...blankQuestion(kind), ...q, kind };
  // A bank-style question ({q, options, answer}) is welcome too.
  if (typeof q?.q === "string" && !q.text) out.text = q.q;
  if (Number.isInteger(q?.answer) && q?.correct === undefined) out.correct = q.answer;
  delete out.q;
  delete out.answer;
  if (kind === "choice" || kind === "true_false") out.correct = oneIndex(out.correct);
  // true_false also takes true (= 0) and false (= 1) in the quiz format.
  if (kind === "true_false" && typeof out.correct === "boolean") out.correct = out.correct ? 0 : 1;
  if (kind === "true_false") out.options = ["True", "False"];
  if (kind === "multi" && Number.isInteger(out.correct)) out.correct = [out.correct];
  if (Array.isArray(out.options) && kind !== "true_false") while (out.options.length < 4) out.options.push("");
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
    throw new Error("This file is not JSON.");
  }
  const list = Array.isArray(data) ? data : data?.questions;
  if (!Array.isArray(list) || !list.length) throw new Error("No questions found in this file.");
  const questions = list.slice(0, LIMITS.questions).map(normaliseQuestion);
  return { title: typeof data.title === "string" ? data.title.slice(0, LIMITS.title) : "", questions };
}

const TRUE_WORDS = new Set(["true", "vrai", "wahr", "verdadero", "vero", "waar", "yes"]);
const FALSE_WORDS = new Set(["false", "faux", "falsch", "falso", "onwaar", "no"]);

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
      q = { kind: "true_false", text: text0, options: ["True", "False"], correct: correct[0] };
    } else if (correct.length > 1) {
      q = { kind: "multi", text: text0, options, correct };
    } else {
      q = { kind: "choice", text: text0, options, correct: correct[0] };
    }
    const t = Number(time);
    if (Number.isInteger(t) && t >= 5 && t <= 240) q.time_limit = t;
    questions.push(q);
  });
  return { questions, skipped };
}
