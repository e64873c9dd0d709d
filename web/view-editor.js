// The quiz editor: the host's own quiz (kept in localStorage) or the AI's
// draft under review in the lobby. Add, edit, reorder, duplicate and delete
// questions of every kind; errors shown on the field; import a quiz file, a
// Kahoot spreadsheet (CSV) or rows pasted from a spreadsheet; export JSON.

import { h, setText, setAttr } from "./dom.js";
import { announce } from "./announce.js";
import { has, raw, t, tNodes } from "./i18n.js";
import { optionLetter, shapeIcon } from "./options.js";
import {
  KINDS, blankQuestion, changeKind, checkQuestion, checkQuiz, exportJson, importJson,
  importKahoot, kindLabel, loadQuiz, normaliseQuestion, saveQuiz,
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

  const heading = h("h1", { class: "screen-title", tabindex: -1, id: "editor-title" }, draft ? t("ed.title_draft") : t("ed.title_mine"));
  const count = h("p", { class: "editor-count", testid: "editor-count", "aria-live": "polite" });
  const saved = h("p", { class: "hint", testid: "editor-saved" });
  const titleInput = h("input", { type: "text", id: `ed-title-${++uid}`, testid: "editor-title", maxlength: 100, value: quiz.title, placeholder: t("quiz.untitled"), autocomplete: "off", dir: "auto" });
  const list = h("ol", { class: "editor-list", testid: "editor-list", "aria-label": t("ed.list_label") });
  const summary = h("p", { class: "field-error editor-summary", testid: "editor-summary", role: "alert", hidden: true });

  const addKind = h("select", { testid: "editor-add-kind", "aria-label": t("ed.add_kind") },
    KINDS.map((k) => h("option", { value: k }, kindLabel(k))));
  const addButton = h("button", { type: "button", class: "btn btn-primary", testid: "editor-add", onclick: () => add(addKind.value) }, t("ed.add"));

  const fileInput = h("input", { type: "file", testid: "editor-import-file", accept: ".json,.csv,.tsv,.txt,application/json,text/csv", class: "visually-hidden", id: `ed-file-${++uid}` });
  const fileLabel = h("label", { for: fileInput.id, class: "btn btn-secondary" }, t("ed.import_file"));
  const pasteArea = h("textarea", { testid: "editor-paste", rows: 3, id: `ed-paste-${++uid}`, placeholder: t("ed.paste_placeholder"), dir: "auto" });
  const pasteButton = h("button", { type: "button", class: "btn btn-secondary", testid: "editor-paste-submit", onclick: () => importText(pasteArea.value, null) }, t("ed.paste_add"));
  const exportButton = h("button", { type: "button", class: "btn btn-secondary", testid: "editor-export", onclick: () => exportQuiz() }, t("ed.export"));
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
    h("details", { class: "more" }, h("summary", null, t("ed.import_more")),
      h("div", { class: "button-row" }, fileInput, fileLabel, exportButton),
      h("p", { class: "hint" }, t("ed.import_hint")),
      h("div", { class: "field" }, h("label", { for: pasteArea.id, text: t("ed.paste_label") }), pasteArea),
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
    setText(saved, saveQuiz(quiz) ? t("ed.saved", { time: new Date() }) : t("ed.save_failed"));
  }
  function changed({ rebuild = false } = {}) {
    persist();
    setText(count, t("ed.count", { count: quiz.questions.length }));
    if (rebuild) renderList();
  }
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
    [quiz.questions[i], quiz.questions[j]] = [quiz.questions[j], quiz.questions[i]];
    changed({ rebuild: true });
    list.children[j]?.querySelector(delta < 0 ? "[data-testid='q-up']" : "[data-testid='q-down']")?.focus();
    announce(t("ed.moved", { n: j + 1 }));
  }
  function duplicate(i) {
    quiz.questions.splice(i + 1, 0, structuredClone(quiz.questions[i]));
    changed({ rebuild: true });
    list.children[i + 1]?.querySelector("[data-testid='q-text']")?.focus();
    announce(t("ed.duplicated", { n: i + 1 }));
  }
  function remove(i) {
    quiz.questions.splice(i, 1);
    changed({ rebuild: true });
    (list.children[Math.min(i, quiz.questions.length - 1)]?.querySelector("[data-testid='q-text']") || addButton).focus();
    announce(t("ed.deleted", { n: i + 1 }));
  }
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
    const room = 100 - quiz.questions.length;
    quiz.questions.push(...added.slice(0, room));
    pasteArea.value = "";
    changed({ rebuild: true });
    const n = Math.min(added.length, room);
    importNote.replaceChildren(
      ...(fileName ? tNodes("ed.added_from_file", { count: n, file: fileName }) : tNodes("ed.added_from_paste", { count: n })),
      ...(skipped.length ? [" ", t("ed.skipped", { rows: skipped })] : []));
  }
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    importText(await file.text(), file.name);
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
      setText(summary, quiz.questions.length ? t("ed.needs_fix", { n: bad + 1, count: checked.errors.filter(Boolean).length }) : t("ed.add_one"));
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
    const kindSelect = h("select", { testid: "q-kind", id: `${id}-kind` }, KINDS.map((k) => h("option", { value: k, selected: k === q.kind }, kindLabel(k))));
    kindSelect.addEventListener("change", () => {
      quiz.questions[i] = changeKind(q, kindSelect.value);
      changed({ rebuild: true });
      list.children[i]?.querySelector("[data-testid='q-kind']")?.focus();
    });
    const text = h("textarea", { testid: "q-text", id: `${id}-text`, rows: 2, maxlength: 320, value: q.text || "", dir: "auto" });
    text.value = q.text || "";
    text.addEventListener("input", () => { q.text = text.value; changed(); check(); });
    errors.text = fieldError("text");

    const body = [];
    if (q.kind === "text") {
      const answers = h("textarea", { testid: "q-answers", id: `${id}-answers`, rows: 2, dir: "auto" });
      answers.value = (q.answers || []).join("\n");
      answers.addEventListener("input", () => { q.answers = answers.value.split("\n"); changed(); check(); });
      errors.answers = fieldError("answers");
      body.push(h("div", { class: "field" }, h("label", { for: answers.id, text: t("ed.answers") }),
        h("p", { class: "field-hint", text: t("ed.answers_hint") }), answers, errors.answers));
    } else {
      const rows = [];
      const count = q.kind === "true_false" ? 2 : 4;
      const group = `${id}-correct`;
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
        rows.push(h("li", { class: ["ed-option", `opt-${k}`] },
          h("span", { class: "option-key", "aria-hidden": "true" }, shapeIcon(k), h("span", { class: "option-letter", text: optionLetter(k) })),
          input,
          mark ? h("label", { class: "ed-correct" }, mark, h("span", { "aria-hidden": "true", text: t("ed.right") })) : null,
          errors[`options.${k}`]));
      }
      errors.options = fieldError("options");
      errors.correct = fieldError("correct");
      body.push(h("fieldset", { class: "ed-options" },
        h("legend", { class: "field-label", text: t(q.kind === "poll" ? "ed.legend_poll" : q.kind === "multi" ? "ed.legend_multi" : "ed.legend") }),
        h("ol", null, rows), errors.options, errors.correct));
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

    const btn = (key, testid, onclick, disabled = false) => h("button", { type: "button", class: "btn btn-ghost btn-small", testid, onclick, disabled, "aria-label": t(`${key}_label`, { n }) }, t(key));
    const li = h("li", { class: "card ed-question", testid: "editor-question", dataset: { index: i, kind: q.kind } },
      h("div", { class: "ed-head" },
        h("h2", { class: "ed-number", text: t("ed.number", { n }) }),
        h("label", { class: "visually-hidden", for: kindSelect.id, text: t("ed.kind_of", { n }) }),
        kindSelect,
        h("div", { class: "ed-actions" },
          btn("ed.up", "q-up", () => move(i, -1), i === 0),
          btn("ed.down", "q-down", () => move(i, 1), i === quiz.questions.length - 1),
          btn("ed.duplicate", "q-duplicate", () => duplicate(i)),
          h("button", { type: "button", class: "btn btn-danger-ghost btn-small", testid: "q-delete", "aria-label": t("ed.delete_label", { n }), onclick: () => remove(i) }, t("ed.delete")))),
      h("div", { class: "field" }, h("label", { for: text.id, text: t("ed.question") }), text, errors.text),
      body,
      h("div", { class: "field-row ed-extra" },
        h("div", { class: "field" }, h("label", { for: time.id, text: t("ed.seconds") }), time, errors.time_limit),
        h("div", { class: "field" }, h("label", { for: points.id, text: t("ed.points") }), points)),
      h("div", { class: "field" }, h("label", { for: explanation.id, text: t("ed.explanation") }), explanation, errors.explanation));

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
    li._check = check;
    return li;
  }

  function renderList() {
    list.replaceChildren(...quiz.questions.map((q, i) => card(q, i)));
    for (const li of list.children) li._check();
    setText(count, t("ed.count", { count: quiz.questions.length }));
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
      : m && m[2] && has(`ed.field.${m[2]}`) ? t(`ed.field.${m[2]}`) : t("ed.field.other");
    summary.replaceChildren(...(m
      ? tNodes("ed.server_refused", { n: Number(m[1]) + 1, field: h("span", null, fieldName), path })
      : tNodes("ed.server_refused_quiz", { path })));
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
