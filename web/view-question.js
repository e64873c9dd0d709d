// A question: the text, big answer buttons (colour + shape + letter, keys 1
// to 4), the timer bar on the server's clock, and how many have answered.

import { h, setText, setAttr, toggleClass } from "./dom.js";
import { announce } from "./announce.js";
import { remainingMs } from "./clock.js";
import { createGameBar } from "./gamebar.js";
import { optionLetter, shapeIcon } from "./options.js";
import { isWatchingQuestion } from "./state.js";

const ATTRIBUTE_EVERY_MS = 200;

export function questionView(ctx) {
  const s0 = ctx.store.state;
  const q = s0.question;
  const qIndex = q.question_index;
  const options = Array.isArray(q.options) ? q.options.map((o) => String(o)) : [];
  const limitMs = Number(q.time_limit_ms) > 0 ? Number(q.time_limit_ms) : Math.max(1, (q.deadline_ms || 0) - (q.server_time_ms || 0));
  const total = q.total_questions || s0.room.total_questions || 0;

  const bar = createGameBar(ctx);
  const counter = h("p", { class: "eyebrow question-counter", testid: "question-counter" },
    total ? `Question ${qIndex + 1} of ${total}` : `Question ${qIndex + 1}`);
  const title = h("h1", { class: "question-text", testid: "question-text", tabindex: -1, text: q.question ?? "" });

  // Timer: a shrinking bar plus the seconds, on the server's clock.
  const timerFill = h("div", { class: "timer-fill" });
  const timerBar = h("div", {
    class: "timer-bar",
    testid: "timer-bar",
    role: "progressbar",
    "aria-label": "Time left",
    "aria-valuemin": 0,
    "aria-valuemax": Math.round(limitMs / 1000),
    dataset: { deadlineMs: q.deadline_ms },
  }, timerFill);
  const timerSeconds = h("span", { class: "timer-seconds", "aria-hidden": "true" });
  const timerLive = h("p", { class: "visually-hidden", "aria-live": "assertive", testid: "timer-announce" });
  const timer = h("div", { class: "timer" }, timerSeconds, timerBar, timerLive);

  // Options.
  const buttons = options.map((text, i) => {
    const button = h("button", {
      type: "button",
      class: ["option", `opt-${i % 4}`],
      testid: `option-${i}`,
      dataset: { index: i },
      "aria-keyshortcuts": i < 9 ? String(i + 1) : null,
      onclick: () => ctx.actions.answer(i),
    },
    h("span", { class: "option-key", "aria-hidden": "true" }, shapeIcon(i), h("span", { class: "option-letter", text: optionLetter(i) })),
    h("span", { class: "visually-hidden", text: `${optionLetter(i)}: ` }),
    h("span", { class: "option-text", text }),
    h("span", { class: "option-lock", "aria-hidden": "true", text: "Locked in" }));
    return button;
  });
  const grid = h("div", { class: ["options", `options-${options.length}`], role: "group", "aria-label": "Answers" }, buttons);

  const status = h("p", { class: "status-line", testid: "answer-status", role: "status", "aria-live": "polite" });
  const progressText = h("span", { class: "progress-text" });
  const progressFill = h("span", { class: "meter-fill" });
  const progress = h("p", { class: "answer-progress", testid: "answer-progress", "aria-live": "polite", "aria-atomic": "true" },
    progressText,
    h("span", { class: "meter", "aria-hidden": "true" }, progressFill));

  const el = h("section", { class: "screen screen-question", "aria-labelledby": "question-title" },
    bar.el,
    h("div", { class: "question-head" }, counter, timer),
    title,
    grid,
    h("div", { class: "question-foot" }, status, progress));
  title.id = "question-title";

  // ---------------------------------------------------------------- timer
  let raf = 0;
  let lastAttrAt = 0;
  let lastSecond = null;
  let timeUp = false;
  const announced = new Set();

  function tick() {
    const left = remainingMs(q.deadline_ms);
    const fraction = Math.max(0, Math.min(1, left / limitMs));
    timerFill.style.transform = `scaleX(${fraction})`;
    const second = Math.ceil(left / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      setText(timerSeconds, String(second));
      setAttr(timerBar, "aria-valuenow", second);
      setAttr(timerBar, "aria-valuetext", second === 1 ? "1 second left" : `${second} seconds left`);
      toggleClass(timer, "is-urgent", second <= 5 && left > 0);
      for (const mark of [10, 5]) {
        if (second === mark && limitMs > mark * 1000 + 1500 && !announced.has(mark)) {
          announced.add(mark);
          setText(timerLive, `${mark} seconds left`);
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
        setText(timerLive, "Time is up");
        render(ctx.store.state);
      }
      raf = 0;
      return;
    }
    raf = requestAnimationFrame(tick);
  }

  // --------------------------------------------------------------- render
  function render(s) {
    bar.update(s);
    const answer = s.answer.questionIndex === qIndex ? s.answer : { index: null, status: "none" };
    const watching = isWatchingQuestion(s);
    const chosen = answer.index;
    const closed = timeUp || watching || chosen !== null || s.connection.state === "disconnected";
    toggleClass(grid, "has-choice", chosen !== null);
    buttons.forEach((button, i) => {
      const mine = chosen === i;
      setAttr(button, "aria-pressed", mine ? "true" : "false");
      setAttr(button, "aria-disabled", closed ? "true" : null);
      setAttr(button, "data-selected", mine ? "true" : null);
      setAttr(button, "data-locked", mine && answer.status === "locked" ? "true" : null);
      toggleClass(button, "is-dim", closed && !mine);
    });
    let line;
    if (watching) line = "You joined during this question: you play from the next one.";
    else if (answer.status === "locked") line = `Answer ${optionLetter(chosen)} locked in. Waiting for the others…`;
    else if (answer.status === "sending") line = `Sending answer ${optionLetter(chosen)}…`;
    else if (timeUp) line = "Time is up!";
    else line = "Pick an answer";
    if (line === "Pick an answer" && options.length <= 9) {
      if (status.dataset.line !== line) {
        status.dataset.line = line;
        status.replaceChildren(line, h("span", { class: "kbd-hint", text: ` (keys 1 to ${options.length})` }));
      }
    } else if (status.dataset.line !== line) {
      status.dataset.line = line;
      setText(status, line);
    }
    setAttr(status, "data-state", watching ? "watching" : timeUp && answer.status === "none" ? "timeout" : answer.status);

    const p = s.progress && s.progress.question_index === qIndex ? s.progress : null;
    if (p && Number.isFinite(p.total)) {
      setText(progressText, `${p.answered} of ${p.total} answered`);
      progressFill.style.transform = `scaleX(${p.total > 0 ? Math.min(1, p.answered / p.total) : 0})`;
      setAttr(progress, "data-answered", p.answered);
      setAttr(progress, "data-total", p.total);
    } else {
      setText(progressText, "No answers yet");
      progressFill.style.transform = "scaleX(0)";
      setAttr(progress, "data-answered", 0);
      setAttr(progress, "data-total", null);
    }
  }

  return {
    el,
    focus() {
      title.focus({ preventScroll: true });
      // The focused heading reads the question itself.
      announce(`${total ? `Question ${qIndex + 1} of ${total}. ` : ""}${options.length} answers, keys 1 to ${options.length}.`);
    },
    update(s) {
      render(s);
      if (!raf && !timeUp) raf = requestAnimationFrame(tick);
    },
    onKey(event) {
      const n = Number(event.key);
      if (Number.isInteger(n) && n >= 1 && n <= Math.min(options.length, 9)) {
        event.preventDefault();
        ctx.actions.answer(n - 1);
        buttons[n - 1].focus({ preventScroll: true });
      }
    },
    destroy() {
      cancelAnimationFrame(raf);
      raf = 0;
      timeUp = true;
      bar.destroy();
    },
  };
}
