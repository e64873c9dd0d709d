// The result of a question, for every kind, as rows of a list: each option
// with how many picked it and whether it was right (a poll has no right
// one; a typed answer shows the accepted answers and right / wrong counts).
// Shared by the players' reveal and the presenter's.

import { h, hData } from "./dom.js";
import { formatNumber } from "./format.js";
import { fmtList, raw, t, tNodes } from "./i18n.js";
import { optionLetter, shapeIcon } from "./options.js";

export function resultKind(result, question) {
  return result.kind || question?.kind || (Array.isArray(result.accepted_answers) ? "text" : "choice");
}

export function correctSet(result) {
  if (Array.isArray(result.correct_answers)) return new Set(result.correct_answers);
  return Number.isInteger(result.correct_answer) ? new Set([result.correct_answer]) : new Set();
}

function pickedIndex(kind, answer, i) {
  if (answer === null || answer === undefined) return false;
  return Array.isArray(answer) ? answer.includes(i) : answer === i;
}

/**
 * {rows, kind}: the <li> rows of the reveal list. `mine` is this player's
 * answer; `lang` the language of the quiz's own words (the room's).
 */
export function buildResultRows(result, question, mine = null, lang = null) {
  const kind = resultKind(result, question);
  const counts = Array.isArray(result.answer_counts) ? result.answer_counts.map((c) => Number(c) || 0) : [];
  const max = Math.max(1, ...counts);
  const rows = [];
  const row = ({ index, label, keyNode, count, correct, picked, extra }) => {
    const fill = h("span", { class: "reveal-fill" });
    fill.style.setProperty("--share", String(count / max));
    return h("li", {
      class: ["reveal-option", index !== null && `opt-${index % 4}`, correct && "is-correct", picked && "is-picked"],
      testid: "reveal-option",
      dataset: { index: index ?? "", correct: correct ? "true" : "false", count },
    },
    keyNode,
    h("span", { class: "reveal-text" },
      index !== null ? h("span", { class: "visually-hidden", text: t("option.prefix", { letter: raw(optionLetter(index)) }) }) : null,
      label,
      correct ? h("span", { class: "tag tag-correct" }, h("span", { "aria-hidden": "true" }, "✓ "), t("rr.correct")) : null,
      picked ? h("span", { class: "tag tag-picked" }, t("rr.your_answer")) : null,
      extra),
    h("span", { class: "reveal-bar", "aria-hidden": "true" }, fill),
    h("span", { class: "reveal-count" },
      h("span", { "aria-hidden": "true" }, formatNumber(count)),
      h("span", { class: "visually-hidden", text: t("rr.players", { count }) })));
  };

  if (kind === "text") {
    const accepted = Array.isArray(result.accepted_answers) ? result.accepted_answers : [];
    const [right = 0, wrong = 0] = counts;
    const typed = typeof mine === "string" ? mine : null;
    rows.push(row({
      index: null,
      label: h("span", null, accepted.length ? tNodes("rr.accepted", { answers: accepted.map(String) }) : t("rr.right_answers")),
      count: right, correct: true, picked: false,
      keyNode: h("span", { class: "option-key key-right", "aria-hidden": "true", text: "✓" }),
      extra: typed ? h("span", { class: "typed", testid: "typed-answer" }, tNodes("rr.typed", { answer: h("span", null, tNodes("quote", { text: typed })) })) : null,
    }));
    rows.push(row({ index: null, label: t("rr.other_answers"), count: wrong, correct: false, picked: false, keyNode: h("span", { class: "option-key key-wrong", "aria-hidden": "true", text: "✗" }) }));
    return { rows, kind };
  }
  const right = kind === "poll" ? new Set() : correctSet(result);
  const options = question?.options ?? null;
  const n = Math.max(options?.length ?? 0, counts.length);
  for (let i = 0; i < n; i++) {
    rows.push(row({
      index: i,
      label: options ? hData("span", { lang }, String(options[i] ?? "")) : t("rr.answer_letter", { letter: raw(optionLetter(i)) }),
      count: counts[i] || 0,
      correct: right.has(i),
      picked: pickedIndex(kind, mine, i),
      keyNode: h("span", { class: "option-key", "aria-hidden": "true" }, shapeIcon(i), h("span", { class: "option-letter", text: optionLetter(i) })),
    }));
  }
  return { rows, kind };
}

/** "The answer was B: Mars." for a screen reader, per kind. */
export function correctSentence(result, question) {
  const kind = resultKind(result, question);
  if (kind === "poll") return t("rr.poll_closed");
  if (kind === "text") {
    const accepted = Array.isArray(result.accepted_answers) ? result.accepted_answers : [];
    return accepted.length ? t("rr.accepted_sentence", { answers: accepted.map(String) }) : "";
  }
  const right = [...correctSet(result)];
  if (!right.length || !question?.options) return "";
  const parts = right.map((i) => t("option.letter_text", { letter: raw(optionLetter(i)), text: String(question.options[i]) }));
  return right.length > 1
    ? t("rr.answers_were", { answers: raw(fmtList(parts, "conjunction", false)) })
    : t("rr.answer_was", { answer: raw(parts[0]) });
}

/**
 * A sentence that explains a tie on the board, or "": equal points are
 * ranked by the total time of right answers; equal on both share a rank.
 * As [message id, params], for t() or tNodes().
 */
export function tieMessage(entries) {
  if (!Array.isArray(entries)) return null;
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1];
    const b = entries[i];
    if (a.score !== b.score) continue;
    return [a.rank === b.rank ? "rr.tie_shared" : "rr.tie_faster", { a: String(a.name), b: String(b.name) }];
  }
  return null;
}

/** The tie sentence as text (names isolated), or "". */
export function tieExplanation(entries) {
  const m = tieMessage(entries);
  return m ? t(...m) : "";
}

/** The tie sentence as nodes (names in <bdi>), or []. */
export function tieNodes(entries) {
  const m = tieMessage(entries);
  return m ? tNodes(...m) : [];
}
