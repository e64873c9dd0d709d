// The quiz editor: the host's own quiz (kept in localStorage) or the AI's
// draft under review in the lobby. Add, edit, reorder, duplicate and delete
// questions of every kind; errors shown on the field; import a quiz file, a
// Kahoot spreadsheet (CSV) or rows pasted from a spreadsheet; export JSON.

import { h, setText, setAttr } from "./dom.js";
import { announce } from "./announce.js";
import { plural } from "./format.js";
import { optionLetter, shapeIcon } from "./options.js";
import {
  KIND_LABELS, KINDS, blankQuestion, changeKind, checkQuestion, checkQuiz, exportJson, importJson,
  importKahoot, loadQuiz, normaliseQuestion, saveQuiz,
} from "./quizdoc.js";
import { download } from "./download.js";

let uid = 0;

/**
 * mode "mine": the saved quiz; Done goes back home.
 * mode "draft": opts.quiz is the AI draft; opts.onUse(questions) sends it,
 * opts.onRegenerate() asks for another; opts.warning is shown on top.
 */
export function editorView(ctx, opts = {}) {
  const draft = opts.mode === "draft";
  const quiz = draft ? { title: opts.quiz?.title || "", questions: (opts.quiz?.questions || []).map(normaliseQuestion) } : loadQuiz();
  const shown = new Set(); // questions whose errors are on display (left once, or after Use)

  const heading = h("h1", { class: "screen-title", tabindex: -1, id: "editor-title" }, draft ? "Check the questions" : "My quiz");
  const count = h("p", { class: "editor-count", testid: "editor-count", "aria-live": "polite" });
  const saved = h("p", { class: "hint", testid: "editor-saved" });
  const titleInput = h("input", { type: "text", id: `ed-title-${++uid}`, testid: "editor-title", maxlength: 100, value: quiz.title, placeholder: "My quiz", autocomplete: "off" });
  const list = h("ol", { class: "editor-list", testid: "editor-list", "aria-label": "Questions" });
  const summary = h("p", { class: "field-error editor-summary", testid: "editor-summary", role: "alert", hidden: true });

  const addKind = h("select", { testid: "editor-add-kind", "aria-label": "Kind of question to add" },
    KINDS.map((k) => h("option", { value: k }, KIND_LABELS[k])));
  const addButton = h("button", { type: "button", class: "btn btn-primary", testid: "editor-add", onclick: () => add(addKind.value) }, "Add question");

  const fileInput = h("input", { type: "file", testid: "editor-import-file", accept: ".json,.csv,.tsv,.txt,application/json,text/csv", class: "visually-hidden", id: `ed-file-${++uid}` });
  const fileLabel = h("label", { for: fileInput.id, class: "btn btn-secondary" }, "Import a file…");
  const pasteArea = h("textarea", { testid: "editor-paste", rows: 3, id: `ed-paste-${++uid}`, placeholder: "Question ⇥ Answer 1 ⇥ Answer 2 ⇥ Answer 3 ⇥ Answer 4 ⇥ Time ⇥ Correct (e.g. 1 or 1,3)" });
  const pasteButton = h("button", { type: "button", class: "btn btn-secondary", testid: "editor-paste-submit", onclick: () => importText(pasteArea.value, "pasted rows") }, "Add these rows");
  const exportButton = h("button", { type: "button", class: "btn btn-secondary", testid: "editor-export", onclick: () => exportQuiz() }, "Export JSON");
  const importNote = h("p", { class: "hint", testid: "editor-import-note", role: "status" });

  const doneButton = h("button", { type: "button", class: "btn btn-primary btn-large", testid: "editor-done", onclick: () => finish() },
    draft ? "Use these questions" : "Done");
  const backButton = h("button", { type: "button", class: "btn btn-ghost", testid: "editor-back", onclick: () => opts.onClose?.() }, draft ? "Back to the lobby" : "Back");
  const regenerate = draft && opts.onRegenerate
    ? h("button", { type: "button", class: "btn btn-secondary", testid: "editor-regenerate", onclick: () => opts.onRegenerate() }, "New questions")
    : null;

  const tools = h("section", { class: "card editor-tools", "aria-label": "Add and import" },
    h("div", { class: "field" }, h("label", { for: titleInput.id, text: "Quiz title" }), titleInput),
    h("div", { class: "button-row" }, addKind, addButton),
    h("details", { class: "more" }, h("summary", null, "Import, paste or export"),
      h("div", { class: "button-row" }, fileInput, fileLabel, exportButton),
      h("p", { class: "hint" }, "A quiz file (JSON), or a Kahoot spreadsheet saved as CSV: question, answers 1 to 4, time limit, correct answer numbers."),
      h("div", { class: "field" }, h("label", { for: pasteArea.id, text: "Or paste rows from a spreadsheet" }), pasteArea),
      pasteButton),
    importNote);

  const el = h("section", { class: "screen screen-editor", "aria-labelledby": "editor-title", testid: "editor" },
    h("div", { class: "editor-head" }, h("div", null, heading, count), h("div", { class: "button-row" }, backButton, regenerate, doneButton)),
    opts.warning ? h("p", { class: "notice-inline", testid: "editor-warning", role: "note", text: opts.warning }) : null,
    summary,
    tools,
    list,
    h("div", { class: "editor-foot" }, saved));

  // ------------------------------------------------------------ model ops
  function persist() {
    if (draft) return;
    setText(saved, saveQuiz(quiz) ? "Saved in this browser." : "Could not save in this browser (storage full or off).");
  }
  function changed({ rebuild = false } = {}) {
    persist();
    setText(count, plural(quiz.questions.length, "question"));
    if (rebuild) renderList();
  }
  function add(kind) {
    quiz.questions.push(blankQuestion(kind));
    changed({ rebuild: true });
    const last = list.lastElementChild;
    last?.querySelector("[data-testid='q-text']")?.focus();
    announce(`Question ${quiz.questions.length} added.`);
  }
  function move(i, delta) {
    const j = i + delta;
    if (j < 0 || j >= quiz.questions.length) return;
    [quiz.questions[i], quiz.questions[j]] = [quiz.questions[j], quiz.questions[i]];
    changed({ rebuild: true });
    list.children[j]?.querySelector(delta < 0 ? "[data-testid='q-up']" : "[data-testid='q-down']")?.focus();
    announce(`Moved to position ${j + 1}.`);
  }
  function duplicate(i) {
    quiz.questions.splice(i + 1, 0, structuredClone(quiz.questions[i]));
    changed({ rebuild: true });
    list.children[i + 1]?.querySelector("[data-testid='q-text']")?.focus();
    announce(`Question ${i + 1} duplicated.`);
  }
  function remove(i) {
    quiz.questions.splice(i, 1);
    changed({ rebuild: true });
    (list.children[Math.min(i, quiz.questions.length - 1)]?.querySelector("[data-testid='q-text']") || addButton).focus();
    announce(`Question ${i + 1} deleted.`);
  }
  function importText(text, what) {
    let added = [];
    let skipped = [];
    try {
      if (/^\s*[[{]/.test(text)) {
        const imported = importJson(text);
        added = imported.questions;
        // The quiz format is a bare list: the file's name is the best title there is.
        const title = imported.title || (what.startsWith("file ") ? what.slice(5).replace(/\.[a-z]+$/i, "").replace(/[-_]+/g, " ") : "");
        if (!quiz.title && title) titleInput.value = quiz.title = title.slice(0, 100);
      } else {
        ({ questions: added, skipped } = importKahoot(text));
      }
    } catch (error) {
      setText(importNote, String(error.message || error));
      return;
    }
    if (!added.length) {
      setText(importNote, `No questions found in the ${what}. Expected: question, answers 1 to 4, time limit, correct answer numbers.`);
      return;
    }
    const room = 100 - quiz.questions.length;
    quiz.questions.push(...added.slice(0, room));
    pasteArea.value = "";
    changed({ rebuild: true });
    const note = `${plural(Math.min(added.length, room), "question")} added from the ${what}.${skipped.length ? ` Rows skipped (no correct answer number): ${skipped.join(", ")}.` : ""}`;
    setText(importNote, note);
  }
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    importText(await file.text(), `file ${file.name}`);
    fileInput.value = "";
  });
  function exportQuiz() {
    const name = (quiz.title || "my-quiz").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "quiz";
    download(`${name}.json`, exportJson(quiz), "application/json");
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
      setText(summary, quiz.questions.length ? `Question ${bad + 1} needs fixing (${plural(checked.errors.filter(Boolean).length, "question")} in all).` : "Add at least one question.");
      summary.hidden = false;
      const target = list.children[bad]?.querySelector("[aria-invalid='true']") || addButton;
      target.focus();
      return;
    }
    summary.hidden = true;
    if (draft) opts.onUse?.(checked.questions, quiz.title);
    else opts.onClose?.();
  }

  // ------------------------------------------------------------- a question
  function fieldError(name) {
    return h("p", { class: "field-error", dataset: { field: name }, testid: "field-error", hidden: true });
  }

  function card(q, i) {
    const n = i + 1;
    const id = `q${++uid}`;
    const errors = {};
    const kindSelect = h("select", { testid: "q-kind", id: `${id}-kind` }, KINDS.map((k) => h("option", { value: k, selected: k === q.kind }, KIND_LABELS[k])));
    kindSelect.addEventListener("change", () => {
      quiz.questions[i] = changeKind(q, kindSelect.value);
      changed({ rebuild: true });
      list.children[i]?.querySelector("[data-testid='q-kind']")?.focus();
    });
    const text = h("textarea", { testid: "q-text", id: `${id}-text`, rows: 2, maxlength: 320, value: q.text || "" });
    text.value = q.text || "";
    text.addEventListener("input", () => { q.text = text.value; changed(); check(); });
    errors.text = fieldError("text");

    const body = [];
    if (q.kind === "text") {
      const answers = h("textarea", { testid: "q-answers", id: `${id}-answers`, rows: 2 });
      answers.value = (q.answers || []).join("\n");
      answers.addEventListener("input", () => { q.answers = answers.value.split("\n"); changed(); check(); });
      errors.answers = fieldError("answers");
      body.push(h("div", { class: "field" }, h("label", { for: answers.id, text: "Accepted answers (one per line)" }),
        h("p", { class: "field-hint", text: "Case, accents, punctuation and spaces do not matter." }), answers, errors.answers));
    } else {
      const rows = [];
      const count = q.kind === "true_false" ? 2 : 4;
      const group = `${id}-correct`;
      for (let k = 0; k < count; k++) {
        const input = h("input", { type: "text", testid: `q-option-${k}`, id: `${id}-o${k}`, maxlength: 110, value: q.options?.[k] ?? "", readOnly: q.kind === "true_false", "aria-label": `Answer ${optionLetter(k)}` });
        input.value = q.options?.[k] ?? "";
        input.addEventListener("input", () => { q.options[k] = input.value; changed(); check(); });
        let mark = null;
        if (q.kind === "choice" || q.kind === "true_false") {
          mark = h("input", { type: "radio", name: group, testid: `q-correct-${k}`, checked: q.correct === k, "aria-label": `Answer ${optionLetter(k)} is right` });
          mark.addEventListener("change", () => { q.correct = k; changed(); check(); });
        } else if (q.kind === "multi") {
          mark = h("input", { type: "checkbox", testid: `q-correct-${k}`, checked: (q.correct || []).includes(k), "aria-label": `Answer ${optionLetter(k)} is right` });
          mark.addEventListener("change", () => {
            const set = new Set(q.correct || []);
            if (mark.checked) set.add(k); else set.delete(k);
            q.correct = [...set].sort();
            changed();
            check();
          });
        }
        errors[`options.${k}`] = fieldError(`options.${k}`);
        rows.push(h("li", { class: ["ed-option", `opt-${k}`] },
          h("span", { class: "option-key", "aria-hidden": "true" }, shapeIcon(k), h("span", { class: "option-letter", text: optionLetter(k) })),
          input,
          mark ? h("label", { class: "ed-correct" }, mark, h("span", { "aria-hidden": "true", text: "Right" })) : null,
          errors[`options.${k}`]));
      }
      errors.options = fieldError("options");
      errors.correct = fieldError("correct");
      body.push(h("fieldset", { class: "ed-options" },
        h("legend", { class: "field-label", text: q.kind === "poll" ? "Answers (a poll has no right answer)" : q.kind === "multi" ? "Answers (tick every right one)" : "Answers (tick the right one)" }),
        h("ol", null, rows), errors.options, errors.correct));
    }

    const time = h("input", { type: "number", testid: "q-time", id: `${id}-time`, min: 5, max: 240, step: 1, inputmode: "numeric", placeholder: "room's", value: q.time_limit ?? "" });
    time.addEventListener("input", () => { q.time_limit = time.value === "" ? undefined : Number(time.value); changed(); check(); });
    errors.time_limit = fieldError("time_limit");
    const points = h("select", { testid: "q-points", id: `${id}-points` },
      h("option", { value: "1", selected: (q.points ?? 1) === 1 }, "Normal"),
      h("option", { value: "2", selected: q.points === 2 }, "Double"),
      h("option", { value: "0", selected: q.points === 0 }, "No points"));
    points.addEventListener("change", () => { q.points = Number(points.value); changed(); });
    const explanation = h("input", { type: "text", testid: "q-explanation", id: `${id}-expl`, maxlength: 320, value: q.explanation ?? "", placeholder: "Shown with the answer (optional)" });
    explanation.value = q.explanation ?? "";
    explanation.addEventListener("input", () => { q.explanation = explanation.value; changed(); check(); });
    errors.explanation = fieldError("explanation");

    const btn = (label, testid, onclick, disabled = false) => h("button", { type: "button", class: "btn btn-ghost btn-small", testid, onclick, disabled, "aria-label": `${label}: question ${n}` }, label);
    const li = h("li", { class: "card ed-question", testid: "editor-question", dataset: { index: i, kind: q.kind } },
      h("div", { class: "ed-head" },
        h("h2", { class: "ed-number", text: `Question ${n}` }),
        h("label", { class: "visually-hidden", for: kindSelect.id, text: `Kind of question ${n}` }),
        kindSelect,
        h("div", { class: "ed-actions" },
          btn("Up", "q-up", () => move(i, -1), i === 0),
          btn("Down", "q-down", () => move(i, 1), i === quiz.questions.length - 1),
          btn("Duplicate", "q-duplicate", () => duplicate(i)),
          h("button", { type: "button", class: "btn btn-danger-ghost btn-small", testid: "q-delete", "aria-label": `Delete question ${n}`, onclick: () => remove(i) }, "Delete"))),
      h("div", { class: "field" }, h("label", { for: text.id, text: "Question" }), text, errors.text),
      body,
      h("div", { class: "field-row ed-extra" },
        h("div", { class: "field" }, h("label", { for: time.id, text: "Seconds (optional)" }), time, errors.time_limit),
        h("div", { class: "field" }, h("label", { for: points.id, text: "Points" }), points)),
      h("div", { class: "field" }, h("label", { for: explanation.id, text: "Explanation" }), explanation, errors.explanation));

    const inputsFor = {
      text: [text], answers: [li.querySelector("[data-testid='q-answers']")], time_limit: [time], explanation: [explanation],
      options: [], correct: [],
    };
    for (let k = 0; k < 4; k++) inputsFor[`options.${k}`] = [li.querySelector(`[data-testid='q-option-${k}']`)];

    function check() {
      // A card being replaced (reorder, delete) loses the focus on its way out.
      if (!shown.has(i) || !quiz.questions[i] || list.children[i] !== li) return;
      const { errors: found } = checkQuestion(quiz.questions[i]);
      for (const [key, errEl] of Object.entries(errors)) {
        const message = found[key] || null;
        errEl.hidden = !message;
        setText(errEl, message || "");
        for (const input of inputsFor[key] || []) {
          if (!input) continue;
          setAttr(input, "aria-invalid", message ? "true" : null);
          if (message) setAttr(input, "aria-errormessage", errEl.id || (errEl.id = `${id}-${key.replace(".", "-")}-err`));
        }
      }
      setAttr(li, "data-invalid", Object.keys(found).length ? "true" : null);
    }
    li.addEventListener("focusout", (event) => {
      if (li.contains(event.relatedTarget) || !li.isConnected) return;
      shown.add(i);
      check();
    });
    li._check = check;
    return li;
  }

  function renderList() {
    list.replaceChildren(...quiz.questions.map((q, i) => card(q, i)));
    for (const li of list.children) li._check();
    setText(count, plural(quiz.questions.length, "question"));
  }

  renderList();
  if (!draft) setText(saved, quiz.questions.length ? "Saved in this browser." : "");
  if (opts.serverError) {
    // The server refused the quiz: "questions[3].options[1]: ..." names the field.
    const m = /^questions\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\])?/.exec(opts.serverError);
    setText(summary, m ? `Question ${Number(m[1]) + 1}: ${opts.serverError.replace(/^[^:]*:\s*/, "")}` : opts.serverError);
    summary.hidden = false;
    const card = m ? list.children[Number(m[1])] : null;
    const field = m && m[2] === "options" && m[3] !== undefined ? `q-option-${m[3]}` : m ? { text: "q-text", answers: "q-answers", time_limit: "q-time", explanation: "q-explanation" }[m[2]] : null;
    const input = card && field ? card.querySelector(`[data-testid='${field}']`) : null;
    if (input) {
      setAttr(input, "aria-invalid", "true");
      queueMicrotask(() => input.focus());
    }
  } else if (opts.showErrors) queueMicrotask(finish);

  return {
    el,
    focus: () => heading.focus({ preventScroll: true }),
    update() {},
  };
}
