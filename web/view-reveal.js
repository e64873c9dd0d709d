// The reveal after a question: the correct option, how many picked each
// option, your points, streak and rank, the top 10, and the host's "Next".

import { h, hData, setText, setAttr, toggleClass } from "./dom.js";
import { announce } from "./announce.js";
import { remainingMs } from "./clock.js";
import { formatNumber, ordinal } from "./format.js";
import { createGameBar } from "./gamebar.js";
import { fmtDuration, locale, raw, t } from "./i18n.js";
import { createLeaderboard } from "./leaderboard.js";
import { buildResultRows, correctSentence, tieNodes } from "./result-rows.js";
import { isHost, leaderboardFromPlayers, myId, settingOf } from "./state.js";

function stat(label, testid) {
  const value = h("span", { class: "stat-value", testid });
  const el = h("div", { class: "stat" }, h("span", { class: "stat-label", text: label }), value);
  return { el, value };
}

export function revealView(ctx) {
  const s0 = ctx.store.state;
  const qIndex = s0.room.question_index;
  const question = s0.question && s0.question.question_index === qIndex ? s0.question : null;
  const total = s0.room.total_questions || question?.total_questions || 0;
  const isLast = total > 0 && qIndex + 1 >= total;
  const lang = settingOf(s0, "language", null); // the quiz's own words are in the room's language

  const bar = createGameBar(ctx);
  const counter = h("p", { class: "eyebrow" },
    !(Number.isInteger(qIndex) && qIndex >= 0) ? t("reveal.results")
      : total ? t("reveal.counter", { n: qIndex + 1, total }) : t("reveal.counter_open", { n: qIndex + 1 }));
  const title = question
    ? hData("h1", { class: "reveal-title", tabindex: -1, lang }, question.question)
    : h("h1", { class: "reveal-title", tabindex: -1, text: t("reveal.the_answer") });

  // Options with the distribution, filled when the result is known.
  const revealList = h("ol", { class: "reveal-list", testid: "reveal", "aria-label": t("reveal.list_label") });
  const explanation = h("p", { class: "explanation", testid: "explanation", hidden: true, dir: "auto", translate: "no", lang });
  const tieNote = h("p", { class: "hint tie-note", testid: "tie-note", hidden: true });

  // Your result (aria-live: `your_result` comes right after `question_result`).
  const headline = h("p", { class: "my-headline" });
  const points = h("p", { class: "my-points", testid: "my-points" });
  const score = stat(t("reveal.score"), "my-score");
  const streak = stat(t("reveal.streak"), "my-streak");
  const rank = stat(t("reveal.rank"), "my-rank");
  const mine = h("section", { class: "card my-result", testid: "my-result", "aria-live": "polite", "aria-atomic": "true", "aria-label": t("reveal.your_result") },
    headline, points, h("div", { class: "stats" }, score.el, streak.el, rank.el));

  const board = createLeaderboard({ limit: 10, label: t("reveal.top10") });
  const boardCard = h("section", { class: "card board-card", "aria-labelledby": "board-title" },
    h("h2", { id: "board-title", class: "section-title", text: t("reveal.leaderboard") }),
    board.el,
    tieNote);

  const nextButton = h("button", {
    type: "button",
    class: "btn btn-primary btn-large",
    testid: "next-button",
    onclick: () => {
      nextButton.disabled = true;
      ctx.actions.next().catch(() => {
        nextButton.disabled = false;
      });
    },
  }, isLast ? t("reveal.show_final") : t("reveal.next"));
  const nextNote = h("p", { class: "hint", testid: "next-countdown" });
  const controls = h("div", { class: "reveal-controls" });

  const el = h("section", { class: "screen screen-reveal", "aria-labelledby": "reveal-title" },
    bar.el,
    counter,
    title,
    h("div", { class: "reveal-layout" },
      mine,
      h("div", { class: "reveal-main" }, revealList, explanation, controls),
      boardCard));
  title.id = "reveal-title";

  let builtFor = null;
  let announcedResult = false;
  let timer = 0;
  let lastHostState = null;

  function buildReveal(s) {
    const result = s.result && s.result.question_index === qIndex ? s.result : null;
    const key = result ? "result" : "none";
    if (builtFor === key) return;
    builtFor = key;
    if (!result) {
      // Reached the reveal through a resync (page refresh, reconnect): the
      // room state does not carry the result, so say so instead of waiting.
      revealList.replaceChildren(h("li", { class: "reveal-empty" }, t("reveal.missed")));
      return;
    }
    const built = buildResultRows(result, question, s.answer.questionIndex === qIndex ? s.answer.index : null, lang);
    revealList.replaceChildren(...built.rows);
    setAttr(revealList, "data-correct-answer", result.correct_answer ?? null);
    setAttr(revealList, "data-kind", built.kind);
    setText(explanation, result.explanation || "");
    explanation.hidden = !result.explanation;
    // Let the bars grow in after being attached.
    requestAnimationFrame(() => revealList.classList.add("is-shown"));
  }

  function renderMine(s) {
    const r = s.myResult && s.myResult.question_index === qIndex ? s.myResult : null;
    const watching = Number.isInteger(s.session?.watch_question) && s.session.watch_question === qIndex;
    toggleClass(mine, "is-correct", Boolean(r && r.correct));
    toggleClass(mine, "is-wrong", Boolean(r && r.answered && !r.correct));
    if (r) {
      const poll = (s.result?.kind || question?.kind) === "poll";
      setText(headline, t(poll ? (r.answered ? "reveal.thanks_vote" : "reveal.no_vote") : r.correct ? "reveal.correct" : r.answered ? "reveal.wrong" : watching ? "reveal.watching" : "reveal.no_answer"));
      setText(points, t("reveal.points", { count: r.correct ? r.points ?? 0 : 0 }));
      setAttr(points, "data-value", r.points ?? 0);
      setAttr(mine, "data-correct", r.correct ? "true" : "false");
    } else if (s.result && s.result.question_index === qIndex && !s.result.resynced) {
      setText(headline, watching ? t("reveal.watching") : t("reveal.checking"));
      setText(points, "");
      setAttr(points, "data-value", null);
    } else {
      setText(headline, t("reveal.your_score"));
      setText(points, "");
      setAttr(points, "data-value", null);
    }
    setText(score.value, formatNumber(s.me.score));
    setAttr(score.value, "data-value", s.me.score);
    const streakValue = r && Number.isFinite(r.streak) ? r.streak : s.me.streak;
    const streakKnown = Number.isFinite(streakValue);
    setText(streak.value, !streakKnown ? "–" : streakValue > 1 ? t("reveal.streak_value", { count: streakValue }) : formatNumber(streakValue));
    setAttr(streak.value, "data-value", streakKnown ? streakValue : null);
    toggleClass(streak.el, "is-hot", streakValue > 1);
    const rankValue = r && Number.isFinite(r.rank) ? r.rank : s.me.rank;
    setText(rank.value, rankValue ? ordinal(rankValue) : "–");
    setAttr(rank.value, "aria-label", rankValue ? t("reveal.rank_label", { rank: rankValue, count: Number.isFinite(s.room.player_count) ? s.room.player_count : s.room.players.length }) : t("reveal.not_ranked"));
    setAttr(rank.value, "data-value", rankValue ?? null);

    if (r && !announcedResult) {
      announcedResult = true;
      const correctText = s.result ? `${correctSentence(s.result, question)} ` : "";
      const mineText = r.correct ? t("reveal.announce_correct", { count: r.points ?? 0 }) : r.answered ? t("reveal.announce_wrong") : t("reveal.announce_none");
      announce([correctText.trim(), mineText, rankValue ? t("reveal.announce_rank", { rank: rankValue }) : ""].filter(Boolean).join(" "));
    }
  }

  function renderControls(s) {
    const host = isHost(s);
    if (host !== lastHostState) {
      lastHostState = host;
      controls.replaceChildren(...(host ? [nextButton, nextNote] : [nextNote]));
    }
    const revealSeconds = Number(settingOf(s, "reveal_seconds", 5));
    const result = s.result && s.result.question_index === qIndex ? s.result : null;
    if (revealSeconds > 0 && (s.resultAt || Number.isFinite(result?.next_at_ms))) {
      // next_at_ms is on the server's clock (right after a resync too).
      const left = Number.isFinite(result?.next_at_ms)
        ? Math.ceil(remainingMs(result.next_at_ms) / 1000)
        : Math.ceil(revealSeconds - (Date.now() - s.resultAt) / 1000);
      setText(nextNote, left > 0 ? t(isLast ? "reveal.final_in" : "reveal.next_in", { time: raw(fmtDuration(left, "short")) }) : "");
    } else {
      setText(nextNote, host ? t("reveal.host_waits") : t("reveal.waiting_host"));
    }
  }

  return {
    el,
    focus() {
      title.focus({ preventScroll: true });
    },
    update(s) {
      bar.update(s);
      buildReveal(s);
      renderMine(s);
      const result = s.result && s.result.question_index === qIndex ? s.result : null;
      const entries = result ? result.leaderboard : leaderboardFromPlayers(s.room.players);
      board.update(entries, myId(s));
      const tie = tieNodes(entries);
      const tieKey = `${locale()}|${tie.map((n) => n.textContent).join("")}`;
      tieNote.hidden = !tie.length;
      if (tieNote.dataset.key !== tieKey) {
        tieNote.dataset.key = tieKey;
        tieNote.replaceChildren(...tie);
      }
      renderControls(s);
      if (!timer) timer = setInterval(() => renderControls(ctx.store.state), 250);
    },
    destroy() {
      clearInterval(timer);
      bar.destroy();
    },
  };
}
