// The result of a question, for every kind, as rows of a list: each option
// with how many picked it and whether it was right (a poll has no right
// one; a typed answer shows the accepted answers and right / wrong counts;
// a slider its histogram, the right value marked; an order the right order
// and how many had it all right). Shared by the players' reveal and the
// presenter's.

import { h, hData } from "./dom.js";
import { formatNumber } from "./format.js";
import { fmtList, raw, t, tNodes } from "./i18n.js";
import { optionLetter, shapeIcon } from "./options.js";
import { picture } from "./play-media.js";
import { formatValue } from "./slider-input.js";

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

function decimalsOf(n) {
  const text = String(n);
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** A slider's value range of a bucket, as read: "1969", or "1960–1964". */
function bucketLabel(bucket, decimals) {
  return bucket.from === bucket.to
    ? formatValue(bucket.from, decimals)
    : t("rr.range", { from: raw(formatValue(bucket.from, decimals)), to: raw(formatValue(bucket.to, decimals)) });
}

/**
 * A slider's answers as a histogram: one bar a bucket, the right value's
 * bucket green, this player's outlined; below, the ends of the scale and
 * the right value (and this player's) in words.
 */
function histogram(result, mine) {
  const buckets = (Array.isArray(result.histogram) ? result.histogram : [])
    .filter((b) => b && Number.isFinite(b.from) && Number.isFinite(b.to));
  const decimals = Math.max(0, ...buckets.flatMap((b) => [decimalsOf(b.from), decimalsOf(b.to)]), decimalsOf(result.correct_value ?? 0));
  const max = Math.max(1, ...buckets.map((b) => Number(b.count) || 0));
  const right = Number(result.correct_value);
  const answered = typeof mine === "number" && Number.isFinite(mine);
  const few = buckets.length <= 12; // room for a count above each bar, even on a phone
  const rows = buckets.map((b) => {
    const count = Number(b.count) || 0;
    const correct = Number.isFinite(right) && b.from <= right && right <= b.to;
    const picked = answered && b.from <= mine && mine <= b.to;
    const fill = h("span", { class: "reveal-fill" });
    fill.style.setProperty("--share", String(count / max));
    const said = [t("rr.bucket", { range: raw(bucketLabel(b, decimals)), count }), correct ? t("rr.correct") : "", picked ? t("rr.your_answer") : ""].filter(Boolean).join(" · ");
    return h("li", {
      class: ["hist-bucket", correct && "is-correct", picked && "is-picked"],
      testid: "reveal-option",
      dataset: { from: b.from, to: b.to, count, correct: correct ? "true" : "false", mine: picked ? "true" : "false" },
    },
    h("span", { class: "visually-hidden", text: said }),
    // Many narrow bars: their counts show where there is room (a projector), the right one's always.
    h("span", { class: ["hist-count", !few && !correct && "hist-count-many"], "aria-hidden": "true" }, count ? formatNumber(count) : ""),
    h("span", { class: "hist-bar", "aria-hidden": "true" }, fill),
    correct ? h("span", { class: "hist-mark", "aria-hidden": "true" }, "✓") : picked ? h("span", { class: "hist-mark hist-mine", "aria-hidden": "true" }, "▲") : h("span", { class: "hist-mark", "aria-hidden": "true" }));
  });
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const extra = h("div", { class: "hist-foot" },
    first ? h("p", { class: "hist-axis", "aria-hidden": "true" },
      h("span", null, formatValue(first.from, decimals)), h("span", null, formatValue(last.to, decimals))) : null,
    h("p", { class: "hist-legend" },
      h("span", { class: "hist-key hist-key-right", testid: "correct-value", dataset: { value: Number.isFinite(right) ? right : "" } },
        h("span", { class: "hist-swatch", "aria-hidden": "true" }),
        t("rr.right_value", { value: raw(Number.isFinite(right) ? formatValue(right, decimals) : "–") })),
      answered ? h("span", { class: "hist-key hist-key-mine", testid: "my-value", dataset: { value: mine } },
        h("span", { class: "hist-swatch", "aria-hidden": "true" }),
        t("rr.your_value", { value: raw(formatValue(mine, decimals)) })) : null));
  return { rows, extra };
}

/** An order question: the items in the right order (this player's places beside), then how many had it all right. */
function orderRows(result, question, mine, lang, countRow) {
  const options = Array.isArray(question?.options) ? question.options : [];
  const order = Array.isArray(result.correct_order) ? result.correct_order : [];
  const yours = Array.isArray(mine) ? mine : null;
  const items = order.map((index, place) => {
    const at = yours ? yours.indexOf(index) : -1;
    return h("li", { class: ["order-row", yours && at === place && "is-right"], testid: "order-row", dataset: { index, place } },
      h("span", { class: "order-place", "aria-hidden": "true" }, formatNumber(place + 1)),
      h("span", { class: "visually-hidden", text: t("rr.order_place", { place: place + 1 }) }),
      options.length ? hData("span", { class: "order-text", lang }, String(options[index] ?? "")) : h("span", { class: "order-text" }, t("rr.item", { n: index + 1 })),
      yours && at >= 0 && at !== place ? h("span", { class: "tag tag-picked" }, t("rr.order_yours", { place: at + 1 })) : null,
      yours && at === place ? h("span", { class: "tag tag-correct" }, h("span", { "aria-hidden": "true" }, "✓ "), t("rr.order_same")) : null);
  });
  const counts = Array.isArray(result.answer_counts) ? result.answer_counts.map((c) => Number(c) || 0) : [];
  const [right = 0, wrong = 0] = counts;
  return [
    h("li", { class: "order-correct-row", testid: "order-correct-row" },
      h("span", { class: "order-correct-title", text: t("rr.right_order") }),
      h("ol", { class: "order-correct", testid: "correct-order", "aria-label": t("rr.right_order") }, items)),
    countRow({ label: t("rr.order_all_right"), count: right, correct: true, mark: "✓" }),
    countRow({ label: t("rr.order_not_right"), count: wrong, correct: false, mark: "✗" }),
  ];
}

/**
 * {rows, kind, extra}: the <li> rows of the reveal list, and what goes
 * after the list (a histogram's scale and legend), or null. `mine` is this
 * player's answer; `lang` the language of the quiz's own words (the room's).
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

  if (kind === "slider") {
    const { rows: bars, extra } = histogram(result, mine);
    return { rows: bars, kind, extra };
  }
  if (kind === "order") {
    const countRow = ({ label, count, correct, mark }) => row({
      index: null, label, count, correct: false, picked: false,
      keyNode: h("span", { class: ["option-key", correct ? "key-right" : "key-wrong"], "aria-hidden": "true", text: mark }),
    });
    return { rows: orderRows(result, question, mine, lang, countRow), kind, extra: null };
  }
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
    return { rows, kind, extra: null };
  }
  const right = kind === "poll" ? new Set() : correctSet(result);
  const options = question?.options ?? null;
  const images = Array.isArray(question?.option_images) && question.option_images.some(Boolean) ? question.option_images : null;
  const n = Math.max(options?.length ?? 0, counts.length);
  for (let i = 0; i < n; i++) {
    const img = images ? picture(images[i], { cls: "reveal-picture" }) : null; // the text beside it says it
    rows.push(row({
      index: i,
      label: options ? h("span", { class: "reveal-label" }, img, hData("span", { lang }, String(options[i] ?? ""))) : t("rr.answer_letter", { letter: raw(optionLetter(i)) }),
      count: counts[i] || 0,
      correct: right.has(i),
      picked: pickedIndex(kind, mine, i),
      keyNode: h("span", { class: "option-key", "aria-hidden": "true" }, shapeIcon(i), h("span", { class: "option-letter", text: optionLetter(i) })),
    }));
  }
  return { rows, kind, extra: null };
}

/** "The answer was B: Mars." for a screen reader, per kind. */
export function correctSentence(result, question) {
  const kind = resultKind(result, question);
  if (kind === "poll") return t("rr.poll_closed");
  if (kind === "slider") {
    return Number.isFinite(result.correct_value) ? t("rr.answer_was", { answer: raw(formatValue(result.correct_value, 10)) }) : "";
  }
  if (kind === "order") {
    const options = question?.options;
    const order = Array.isArray(result.correct_order) ? result.correct_order : [];
    return options && order.length ? t("rr.order_was", { items: order.map((i) => String(options[i] ?? "")) }) : "";
  }
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
