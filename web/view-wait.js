// The screens between the lobby and a question: "writing the questions" and
// the 3-2-1 countdown (with the round's title card before a round's first
// question).

import { h, setAttr, setText } from "./dom.js";
import { announce } from "./announce.js";
import { fmtNumber, raw, t, tNodes } from "./i18n.js";
import { createGameBar } from "./gamebar.js";
import { settingOf } from "./state.js";
import { roundTitle } from "./view-reveal.js";

export function generatingView(ctx) {
  const bar = createGameBar(ctx);
  const title = h("h1", { class: "screen-title", tabindex: -1, text: t("wait.writing") });
  const detail = h("p", { class: "lead", testid: "generating-detail" });
  const status = h("p", { class: "status-line", role: "status", "aria-live": "polite", testid: "generating-status" });
  const el = h("section", { class: "screen screen-wait" },
    bar.el,
    h("div", { class: "wait-body" },
      h("div", { class: "thinking", "aria-hidden": "true" }, h("i"), h("i"), h("i"), h("i")),
      title,
      detail,
      status));

  return {
    el,
    focus: () => title.focus({ preventScroll: true }),
    update(s) {
      bar.update(s);
      const g = s.generating || {};
      const count = g.num_questions || s.room.total_questions || settingOf(s, "num_questions", 0);
      const topic = g.topic || s.room.topic || t("topic.default");
      const difficulty = settingOf(s, "difficulty", "");
      const about = t("wait.detail", { count: count || 0, topic: raw(t("quote", { text: topic })) });
      const key = `${about}|${difficulty}`;
      if (detail.dataset.key !== key) {
        detail.dataset.key = key;
        const nodes = tNodes("wait.detail", { count: count || 0, topic: h("span", null, tNodes("quote", { text: topic })) });
        const level = ["easy", "medium", "hard"].includes(difficulty) ? t(`difficulty.${difficulty}`) : "";
        detail.replaceChildren(...(level ? tNodes("wait.detail_level", { detail: h("span", null, nodes), level: h("span", null, level) }) : nodes));
      }
      if (g.source) {
        setText(title, t("wait.ready"));
        setText(status, g.source === "fallback" ? t("wait.from_bank") : t("wait.fresh"));
      } else {
        setText(status, t("wait.few_seconds"));
      }
    },
    destroy: () => bar.destroy(),
  };
}

export function countdownView(ctx) {
  const bar = createGameBar(ctx);
  const number = h("p", { class: "countdown-number", testid: "countdown", "aria-hidden": "true" });
  const title = h("h1", { class: "screen-title", tabindex: -1, text: t("wait.get_ready") });
  const sub = h("p", { class: "lead" });
  // A round's title card: "Round 2", its title, how many questions.
  const card = h("div", { class: "round-card", testid: "round-card", hidden: true });
  const el = h("section", { class: "screen screen-wait screen-countdown" },
    bar.el,
    h("div", { class: "wait-body" }, card, title, number, sub));
  let cardKey = "";
  function renderCard(s) {
    const r = s.roundStart;
    const key = r ? `${r.round}|${r.title}|${r.questions}` : "";
    if (key === cardKey) return;
    cardKey = key;
    card.hidden = !r;
    title.hidden = Boolean(r);
    setAttr(card, "data-round", r ? r.round : null);
    if (!r) return;
    const lang = settingOf(s, "language", null);
    card.replaceChildren(
      h("p", { class: "eyebrow round-eyebrow" }, t("round.number", { n: r.round + 1 })),
      roundTitle(r, "h1", { class: "screen-title round-title", tabindex: -1, lang }),
      Number.isFinite(r.questions) ? h("p", { class: "lead round-count" }, t("round.questions", { count: r.questions })) : null);
  }

  let raf = 0;
  let shown = null;
  const tick = () => {
    const c = ctx.store.state.countdown;
    if (c && c.seconds > 0) {
      const left = Math.ceil(c.seconds - (Date.now() - c.receivedAt) / 1000);
      const value = left > 0 ? fmtNumber(left) : t("wait.go");
      if (value !== shown) {
        shown = value;
        setText(number, value);
        number.classList.toggle("is-word", left <= 0); // "Go!" is a word, in a smaller size
        number.classList.remove("pop");
        void number.offsetWidth; // restart the pop animation
        number.classList.add("pop");
      }
    } else if (shown !== "") {
      shown = "";
      setText(number, "");
    }
    raf = requestAnimationFrame(tick);
  };

  return {
    el,
    focus() {
      const r = ctx.store.state.roundStart;
      (r ? card.querySelector("h1") : title)?.focus({ preventScroll: true });
      const c = ctx.store.state.countdown;
      const round = r ? t(r.title ? "round.announce" : "round.announce_untitled", { n: r.round + 1, title: r.title ?? "" }) : "";
      announce([round, c && c.seconds && !(r && r.round > 0) ? t("wait.announce_first", { count: Math.ceil(c.seconds) }) : t("wait.announce_coming")].filter(Boolean).join(" "));
    },
    update(s) {
      bar.update(s);
      renderCard(s);
      const next = (Number.isInteger(s.room.question_index) && s.room.question_index >= 0 && s.question ? s.room.question_index + 1 : 0) + 1;
      const total = s.room.total_questions;
      setText(sub, total ? t("wait.coming", { n: Math.min(next, total), total }) : t("wait.first_coming"));
      if (!raf) tick();
    },
    destroy() {
      cancelAnimationFrame(raf);
      bar.destroy();
    },
  };
}
