// A question on a player's screen, for every kind: big answer buttons
// (colour + shape + letter, keys 1 to 4) for choice, true/false and polls;
// toggles and a Send button for "several right answers"; a text box for typed
// answers; a slider and a number field for `slider`; a list to drag, with
// up and down buttons, for `order`. Option pictures show in the buttons;
// the question's picture (and a sound, never started by itself) when the
// room shows the question on phones. The timer runs on the server's clock
// (this player's own, with extra time), and stops (with the answers
// disabled) while the connection is down.

import { h, hData, setText, setAttr, toggleClass } from "./dom.js";
import { announce } from "./announce.js";
import { remainingMs } from "./clock.js";
import { fmtList, fmtNumber, raw, t, tNodes } from "./i18n.js";
import { createGameBar } from "./gamebar.js";
import { optionLetter, shapeIcon } from "./options.js";
import { createOrderList } from "./order-list.js";
import { markShown, picture, soundControl } from "./play-media.js";
import { createSliderInput, formatValue, sliderGrid } from "./slider-input.js";
import { isWatchingQuestion, settingOf } from "./state.js";

const ATTRIBUTE_EVERY_MS = 200;

export function questionKind(q) {
  if (q.kind === "slider" && Number.isFinite(q.min) && Number.isFinite(q.max) && Number(q.step) > 0 && q.max > q.min) return "slider";
  if (q.kind === "order" && Array.isArray(q.options)) return "order";
  if (q.kind === "text" || !Array.isArray(q.options)) return q.kind === "text" ? "text" : "choice";
  return ["choice", "multi", "true_false", "poll"].includes(q.kind) ? q.kind : "choice";
}

/** Whether `value` is an answer this question takes (the shape the server checks). */
export function answerFits(q, value) {
  const kind = questionKind(q);
  const n = Array.isArray(q.options) ? q.options.length : 0;
  const okIndex = (i) => Number.isInteger(i) && i >= 0 && i < n;
  switch (kind) {
    case "text": return typeof value === "string" && value.length > 0 && value.length <= 100;
    case "multi": return Array.isArray(value) && value.length > 0 && value.every(okIndex) && new Set(value).size === value.length;
    case "order": return Array.isArray(value) && value.length === n && value.every(okIndex) && new Set(value).size === n;
    case "slider": return typeof value === "number" && Number.isFinite(value) && value >= q.min && value <= q.max &&
      sliderGrid(q.min, q.max, q.step).snap(value) === value;
    default: return okIndex(value);
  }
}

/** The option pictures of a question (ids, or null where an option has none); null when none has one. */
export function optionImages(q) {
  const list = Array.isArray(q.option_images) ? q.option_images : [];
  return list.some((id) => typeof id === "string" && id) ? list : null;
}

/** Untimed questions (time_per_question 0) close when all answered or the host says so. */
export function isUntimed(q) {
  return !(Number(q.time_limit_ms) > 0) || !Number.isFinite(q.deadline_ms);
}

/** The answer sent, as nodes: “the typed text”, the letters (A, C), or True/False as shown. */
function describeAnswer(kind, answer, options) {
  if (answer === null || answer === undefined) return [];
  if (kind === "text") return tNodes("quote", { text: String(answer) });
  if (kind === "slider") return [document.createTextNode(formatValue(Number(answer), 10))];
  if (kind === "order" && Array.isArray(answer)) return [document.createTextNode(fmtList(answer.map((i) => String(options[i] ?? "")), "conjunction", true))];
  if (Array.isArray(answer)) return [document.createTextNode(fmtList(answer.map(optionLetter), "conjunction", false))];
  return kind === "true_false" ? [hData("bdi", null, String(options[answer] ?? ""))] : [document.createTextNode(optionLetter(answer))];
}

export function questionView(ctx) {
  const s0 = ctx.store.state;
  const q = s0.question;
  const qIndex = q.question_index;
  const kind = questionKind(q);
  const options = Array.isArray(q.options) ? q.options.map((o) => String(o)) : [];
  const untimed = isUntimed(q);
  const limitMs = untimed ? 1 : Number(q.time_limit_ms);
  const total = q.total_questions || s0.room.total_questions || 0;
  const showText = settingOf(s0, "show_question_text", true) !== false;
  // The question and its options are in the room's language: a screen reader
  // reads them in its voice, whatever the page's language.
  const lang = settingOf(s0, "language", null);

  const bar = createGameBar(ctx);
  const counter = h("p", { class: "eyebrow question-counter", testid: "question-counter" },
    total ? t("q.counter", { n: qIndex + 1, total }) : t("q.counter_open", { n: qIndex + 1 }));
  const title = hData("h1", { class: ["question-text", !showText && "visually-hidden"], testid: "question-text", tabindex: -1, lang }, q.question ?? "");
  const lookUp = showText ? null : h("p", { class: "look-up", testid: "look-up" }, t("q.look_up"));
  const pointsTag = Number(q.points) === 2 ? h("span", { class: "tag tag-double" }, t("q.double"))
    : Number(q.points) === 0 || kind === "poll" ? h("span", { class: "tag" }, kind === "poll" ? t("q.poll_tag") : t("q.no_points"))
      : kind === "slider" ? h("span", { class: "tag" }, t("q.close_counts")) : null;
  // Pictures: the question's (with the question's text only), the options'.
  const since = s0.questionAt || Date.now();
  const questionPicture = showText ? picture(q.image, { alt: q.image_alt || "", cls: "question-picture", testid: "question-image", since }) : null;
  const sound = showText ? soundControl(q.audio) : null;
  const pictures = ["choice", "multi", "poll"].includes(kind) ? optionImages(q) : null;

  // Timer: a shrinking bar plus the seconds, on the server's clock.
  const timerFill = h("div", { class: "timer-fill" });
  const timerBar = h("div", {
    class: "timer-bar",
    testid: "timer-bar",
    role: "progressbar",
    "aria-label": t("q.time_left"),
    "aria-valuemin": 0,
    "aria-valuemax": Math.round(limitMs / 1000),
    dataset: { deadlineMs: q.deadline_ms },
  }, timerFill);
  const timerSeconds = h("span", { class: "timer-seconds", "aria-hidden": "true" });
  const timerLive = h("p", { class: "visually-hidden", "aria-live": "assertive", testid: "timer-announce" });
  const timer = untimed
    ? h("div", { class: "timer timer-none", testid: "timer-none" }, h("span", { class: "chip", text: t("q.no_limit") }))
    : h("div", { class: "timer" }, timerSeconds, timerBar, timerLive);

  // Answers.
  let draft = new Set(); // multi: the toggles chosen, not sent yet
  let buttons = [];
  let sendButton = null;
  let textInput = null;
  let slider = null;
  let orderList = null;
  let grid;
  if (kind === "slider") {
    slider = createSliderInput({ min: q.min, max: q.max, step: q.step, id: `slider-${qIndex}`, onSubmit: (value) => ctx.actions.answer(value) });
    sendButton = slider.send;
    grid = slider.el;
  } else if (kind === "order") {
    orderList = createOrderList({ items: options, lang, label: t("q.order_label") });
    sendButton = h("button", { type: "button", class: "btn btn-primary btn-large send-multi", testid: "submit-answer", onclick: () => ctx.actions.answer(orderList.order()) }, t("q.send_order"));
    grid = orderList.el;
  } else if (kind === "text") {
    textInput = h("input", {
      type: "text", testid: "text-answer", id: `text-answer-${qIndex}`, maxlength: 100, autocomplete: "off",
      autocapitalize: "off", spellcheck: "false", enterkeyhint: "send",
    });
    sendButton = h("button", { type: "submit", class: "btn btn-primary btn-large", testid: "submit-answer" }, t("q.send"));
    grid = h("form", { class: "text-answer", novalidate: true, onsubmit: (e) => { e.preventDefault(); ctx.actions.answer(textInput.value.trim()); } },
      h("label", { for: textInput.id, class: "field-label", text: t("q.your_answer") }),
      h("div", { class: "text-answer-row" }, textInput, sendButton));
  } else {
    buttons = options.map((text, i) => {
      // A picture says the option (its text is its alt); the text under it, for the eye.
      const img = pictures ? picture(pictures[i], { alt: text, cls: "option-picture", testid: "option-image", since }) : null;
      return h("button", {
        type: "button",
        class: ["option", `opt-${i % 4}`, kind === "true_false" && "option-tf", img && "has-picture"],
        testid: `option-${i}`,
        dataset: { index: i },
        "aria-keyshortcuts": i < 9 ? String(i + 1) : null,
        onclick: () => choose(i),
      },
      h("span", { class: "option-key", "aria-hidden": "true" }, shapeIcon(i), h("span", { class: "option-letter", text: optionLetter(i) })),
      h("span", { class: "visually-hidden", text: t("option.prefix", { letter: raw(optionLetter(i)) }) }),
      img,
      hData("span", { class: "option-text", lang, "aria-hidden": img ? "true" : null }, text),
      h("span", { class: "option-lock", "aria-hidden": "true", text: kind === "multi" ? t("q.chosen") : t("q.locked_in") }));
    });
    grid = h("div", { class: ["options", `options-${options.length}`, kind === "multi" && "options-multi", pictures && "options-pictures"], role: "group", "aria-label": kind === "multi" ? t("q.answers_multi") : t("q.answers") }, buttons);
    if (kind === "multi") {
      sendButton = h("button", { type: "button", class: "btn btn-primary btn-large send-multi", testid: "submit-answer", onclick: () => sendMulti() }, t("q.send_multi"));
    }
  }

  function choose(i) {
    if (kind === "multi") {
      if (closedNow()) return;
      if (draft.has(i)) draft.delete(i); else draft.add(i);
      render(ctx.store.state);
      return;
    }
    ctx.actions.answer(i);
  }
  function sendMulti() {
    if (!draft.size) {
      setText(status, t("q.pick_first"));
      return;
    }
    ctx.actions.answer([...draft].sort((a, b) => a - b));
  }

  const status = h("p", { class: "status-line", testid: "answer-status", role: "status", "aria-live": "polite" });
  const progressText = h("span", { class: "progress-text" });
  const progressFill = h("span", { class: "meter-fill" });
  const progress = h("p", { class: "answer-progress", testid: "answer-progress", "aria-live": "polite", "aria-atomic": "true" },
    progressText,
    h("span", { class: "meter", "aria-hidden": "true" }, progressFill));

  const hasPictures = Boolean(questionPicture || pictures);
  const el = h("section", { class: ["screen", "screen-question", `kind-${kind}`, hasPictures && "has-pictures"], "aria-labelledby": "question-title" },
    bar.el,
    h("div", { class: "question-head" }, counter, pointsTag, timer),
    title,
    questionPicture || sound ? h("div", { class: "question-media" }, questionPicture, sound?.el) : null,
    lookUp,
    grid,
    sendButton && (kind === "multi" || kind === "order") ? h("div", { class: "send-row" }, sendButton) : null,
    h("div", { class: "question-foot" }, status, progress));
  // A question with pictures fills the phone's screen, never more: the
  // pictures take the room the rest leaves.
  if (hasPictures) document.body.classList.add("fit-screen");
  markShown(el, since);
  title.id = "question-title";

  // ---------------------------------------------------------------- timer
  let raf = 0;
  let lastAttrAt = 0;
  let lastSecond = null;
  let timeUp = false;
  let online = true;
  const announced = new Set();

  function closedNow() {
    const s = ctx.store.state;
    const answer = s.answer.questionIndex === qIndex ? s.answer : { index: null };
    return timeUp || !online || isWatchingQuestion(s) || answer.index !== null;
  }

  function tick() {
    raf = 0;
    if (untimed || !online) return; // a lost connection stops the clock until we are back
    const left = remainingMs(q.deadline_ms);
    const fraction = Math.max(0, Math.min(1, left / limitMs));
    timerFill.style.transform = `scaleX(${fraction})`;
    const second = Math.ceil(left / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      setText(timerSeconds, fmtNumber(second));
      setAttr(timerBar, "aria-valuenow", second);
      setAttr(timerBar, "aria-valuetext", t("q.seconds_left", { count: second }));
      toggleClass(timer, "is-urgent", second <= 5 && left > 0);
      // Said aloud at 10 s and 5 s only (never every second), when the
      // question is long enough for it to mean something.
      for (const mark of [10, 5]) {
        if (second === mark && limitMs > mark * 1000 + 1500 && !announced.has(mark)) {
          announced.add(mark);
          setText(timerLive, t("q.seconds_left", { count: mark }));
        }
      }
    }
    const now = performance.now();
    if (now - lastAttrAt > ATTRIBUTE_EVERY_MS) {
      lastAttrAt = now;
      setAttr(timerBar, "data-remaining-ms", Math.round(left));
    }
    if (left <= 0) {
      if (!timeUp) {
        timeUp = true;
        setAttr(timerBar, "data-remaining-ms", 0);
        setText(timerLive, t("q.time_up"));
        render(ctx.store.state);
      }
      return;
    }
    raf = requestAnimationFrame(tick);
  }

  // --------------------------------------------------------------- render
  function render(s) {
    bar.update(s);
    online = s.connection.state === "connected";
    toggleClass(el, "is-offline", !online);
    toggleClass(timer, "is-paused", !online);
    const answer = s.answer.questionIndex === qIndex ? s.answer : { index: null, status: "none" };
    const watching = isWatchingQuestion(s);
    const chosen = answer.index;
    const closed = timeUp || watching || chosen !== null || !online;
    const sent = chosen !== null;
    const picked = (i) => (kind === "multi" ? (sent ? chosen.includes(i) : draft.has(i)) : chosen === i);
    toggleClass(grid, "has-choice", sent);
    buttons.forEach((button, i) => {
      const mine = picked(i);
      setAttr(button, "aria-pressed", mine ? "true" : "false");
      setAttr(button, "aria-disabled", closed ? "true" : null);
      setAttr(button, "data-selected", mine ? "true" : null);
      setAttr(button, "data-locked", mine && answer.status === "locked" ? "true" : null);
      toggleClass(button, "is-dim", sent && !mine);
    });
    if (sendButton) {
      sendButton.disabled = closed;
      setText(sendButton, answer.status === "locked" ? t("q.sent") : kind === "text" || kind === "slider" ? t("q.send") : kind === "order" ? t("q.send_order") : t("q.send_multi"));
    }
    if (textInput) {
      textInput.disabled = closed;
      if (sent && textInput.value.trim() !== chosen) textInput.value = chosen;
    }
    if (slider) {
      slider.setDisabled(closed);
      if (sent && slider.value() !== chosen) slider.set(chosen);
    }
    if (orderList) {
      orderList.setDisabled(closed);
      if (sent) orderList.setOrder(chosen);
    }
    let line;
    let said = null;
    if (!online) line = "q.offline";
    else if (watching) line = "q.watching";
    else if (answer.status === "locked") [line, said] = [kind === "poll" ? "q.vote_locked" : "q.locked", chosen];
    else if (answer.status === "sending") [line, said] = ["q.sending", chosen];
    else if (timeUp) line = "q.time_up_status";
    else if (kind === "text") line = "q.hint_text";
    else if (kind === "multi") line = "q.hint_multi";
    else if (kind === "slider") line = "q.hint_slider";
    else if (kind === "order") line = "q.hint_order";
    else line = kind === "poll" ? "q.hint_poll" : "q.hint_choice";
    const keysHint = !["text", "slider", "order"].includes(kind) && options.length <= 9 && answer.status === "none" && !timeUp && online && !watching;
    const key = `${line}|${JSON.stringify(said)}|${keysHint}`;
    if (status.dataset.line !== key) {
      status.dataset.line = key;
      const text = said === null ? [t(line)] : tNodes(line, { answer: h("span", null, describeAnswer(kind, said, options)) });
      status.replaceChildren(...text, keysHint ? h("span", { class: "kbd-hint" }, " ", t(kind === "multi" ? "q.keys_multi" : "q.keys", { count: options.length })) : "");
    }
    setAttr(status, "data-state", !online ? "offline" : watching ? "watching" : timeUp && answer.status === "none" ? "timeout" : answer.status);

    const p = s.progress && s.progress.question_index === qIndex ? s.progress : null;
    if (p && Number.isFinite(p.total)) {
      setText(progressText, t("q.progress", { count: p.answered, total: p.total }));
      progressFill.style.transform = `scaleX(${p.total > 0 ? Math.min(1, p.answered / p.total) : 0})`;
      setAttr(progress, "data-answered", p.answered);
      setAttr(progress, "data-total", p.total);
    } else {
      setText(progressText, t("q.no_answers"));
      progressFill.style.transform = "scaleX(0)";
      setAttr(progress, "data-answered", 0);
      setAttr(progress, "data-total", null);
    }
  }

  return {
    el,
    focus() {
      if (textInput) textInput.focus({ preventScroll: true });
      else title.focus({ preventScroll: true });
      const how = kind === "text" ? t("q.how_text")
        : kind === "slider" ? t("q.how_slider", { min: raw(formatValue(q.min, 10)), max: raw(formatValue(q.max, 10)) })
          : kind === "order" ? t("q.how_order", { count: options.length })
            : t(kind === "multi" ? "q.how_multi" : "q.how_choice", { count: options.length });
      announce([total ? t("q.announce_counter", { n: qIndex + 1, total }) : "", showText ? "" : q.question ?? "", how].filter(Boolean).join(" "));
    },
    update(s) {
      render(s);
      if (!raf && !timeUp && !untimed && online) raf = requestAnimationFrame(tick);
    },
    onKey(event) {
      if (kind === "text" || kind === "slider" || kind === "order") return;
      const n = Number(event.key);
      if (Number.isInteger(n) && n >= 1 && n <= Math.min(options.length, 9)) {
        event.preventDefault();
        choose(n - 1);
        buttons[n - 1].focus({ preventScroll: true });
      } else if (kind === "multi" && event.key === "Enter" && event.target !== sendButton) {
        event.preventDefault();
        sendMulti();
      }
    },
    destroy() {
      cancelAnimationFrame(raf);
      raf = 0;
      timeUp = true;
      bar.destroy();
      sound?.destroy();
      if (hasPictures) document.body.classList.remove("fit-screen");
    },
  };
}
