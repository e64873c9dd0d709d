// The reveal after a question: the correct option (a slider's histogram
// with the right value, an order's right order), how many picked each, your
// points ("Close!" for a slider answer near enough to score), streak and
// rank, your team's rank, the top 10 and the teams (unless the room shows
// standings only between rounds), and the host's "Next".
// Also the end of a round: its standings, players and teams.

import { h, hData, setText, setAttr, toggleClass } from "./dom.js";
import { announce } from "./announce.js";
import { remainingMs } from "./clock.js";
import { formatNumber, ordinal } from "./format.js";
import { createGameBar } from "./gamebar.js";
import { fmtDuration, locale, raw, t, tNodes } from "./i18n.js";
import { createLeaderboard } from "./leaderboard.js";
import { buildResultRows, correctSentence, tieNodes } from "./result-rows.js";
import { boardEachQuestion, isHost, leaderboardFromPlayers, myId, myTeam, roundEndsAt, settingOf, teamStandings, teamsOf } from "./state.js";
import { createTeamBoard } from "./teams.js";

function stat(label, testid) {
  const value = h("span", { class: "stat-value", testid });
  const el = h("div", { class: "stat" }, h("span", { class: "stat-label", text: label }), value);
  return { el, value };
}

/** "Team Owls: 2nd of 3" as nodes (the name in <bdi>), or [] without a team. */
function teamRankNodes(s, rank) {
  const team = myTeam(s);
  if (team === null) return [];
  const entry = teamsOf(s).find((e) => e.team === team);
  const name = String(entry?.name ?? "");
  return Number.isFinite(rank)
    ? tNodes("tm.mine_rank", { team: name, rank, count: teamsOf(s).length })
    : tNodes("tm.mine", { team: name });
}

/** The host's "Next" under a result: its words say where it leads. */
function nextLabel(s, qIndex) {
  if (roundEndsAt(s, qIndex)) return t("reveal.round_standings");
  const total = s.room.total_questions || 0;
  return total > 0 && qIndex + 1 >= total ? t("reveal.show_final") : t("reveal.next");
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
  const revealExtra = h("div", { class: "reveal-extra" });
  const explanation = h("p", { class: "explanation", testid: "explanation", hidden: true, dir: "auto", translate: "no", lang });
  const tieNote = h("p", { class: "hint tie-note", testid: "tie-note", hidden: true });

  // Your result (aria-live: `your_result` comes right after `question_result`).
  const headline = h("p", { class: "my-headline" });
  const points = h("p", { class: "my-points", testid: "my-points" });
  const score = stat(t("reveal.score"), "my-score");
  const streak = stat(t("reveal.streak"), "my-streak");
  const rank = stat(t("reveal.rank"), "my-rank");
  const teamLine = h("p", { class: "my-team-rank", testid: "my-team-rank", hidden: true });
  const mine = h("section", { class: "card my-result", testid: "my-result", "aria-live": "polite", "aria-atomic": "true", "aria-label": t("reveal.your_result") },
    headline, points, h("div", { class: "stats" }, score.el, streak.el, rank.el), teamLine);

  const board = createLeaderboard({ limit: 10, label: t("reveal.top10") });
  const boardCard = h("section", { class: "card board-card", "aria-labelledby": "board-title" },
    h("h2", { id: "board-title", class: "section-title", text: t("reveal.leaderboard") }),
    board.el,
    tieNote);
  const teamBoard = createTeamBoard();
  const teamCard = h("section", { class: "card board-card tm-card", "aria-labelledby": "teams-title", hidden: true },
    h("h2", { id: "teams-title", class: "section-title", text: t("tm.standings") }),
    teamBoard.el);

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
  }, nextLabel(s0, qIndex));
  const nextNote = h("p", { class: "hint", testid: "next-countdown" });
  const controls = h("div", { class: "reveal-controls" });

  const el = h("section", { class: "screen screen-reveal", "aria-labelledby": "reveal-title" },
    bar.el,
    counter,
    title,
    h("div", { class: "reveal-layout" },
      mine,
      h("div", { class: "reveal-main" }, revealList, revealExtra, explanation, controls),
      h("div", { class: "reveal-boards" }, boardCard, teamCard)));
  title.id = "reveal-title";

  let builtFor = null;
  let announcedResult = false;
  let timer = 0;
  let lastHostState = null;

  function buildReveal(s) {
    const result = s.result && s.result.question_index === qIndex ? s.result : null;
    const mineAnswer = s.answer.questionIndex === qIndex ? s.answer.index : null;
    const key = result ? `result|${JSON.stringify(mineAnswer)}` : "none";
    if (builtFor === key) return;
    builtFor = key;
    if (!result) {
      // Reached the reveal through a resync (page refresh, reconnect): the
      // room state does not carry the result, so say so instead of waiting.
      revealList.replaceChildren(h("li", { class: "reveal-empty" }, t("reveal.missed")));
      return;
    }
    const built = buildResultRows(result, question, mineAnswer, lang);
    revealList.replaceChildren(...built.rows);
    revealExtra.replaceChildren(...(built.extra ? [built.extra] : []));
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
    // A slider answer near the right value scores without being right.
    const close = Boolean(r && r.answered && !r.correct && (r.points ?? 0) > 0);
    toggleClass(mine, "is-correct", Boolean(r && r.correct));
    toggleClass(mine, "is-close", close);
    toggleClass(mine, "is-wrong", Boolean(r && r.answered && !r.correct && !close));
    if (r) {
      const poll = (s.result?.kind || question?.kind) === "poll";
      setText(headline, t(poll ? (r.answered ? "reveal.thanks_vote" : "reveal.no_vote") : r.correct ? "reveal.correct" : close ? "reveal.close" : r.answered ? "reveal.wrong" : watching ? "reveal.watching" : "reveal.no_answer"));
      setText(points, t("reveal.points", { count: r.points ?? 0 }));
      setAttr(points, "data-value", r.points ?? 0);
      setAttr(mine, "data-correct", r.correct ? "true" : "false");
      setAttr(mine, "data-close", close ? "true" : null);
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

    // Your team and its place.
    const teamRank = r && Number.isFinite(r.team_rank) ? r.team_rank : s.me.teamRank;
    const nodes = teamRankNodes(s, teamRank);
    const teamKey = `${locale()}|${nodes.map((n) => n.textContent).join("")}`;
    teamLine.hidden = !nodes.length;
    if (teamLine.dataset.key !== teamKey) {
      teamLine.dataset.key = teamKey;
      teamLine.replaceChildren(...nodes);
    }
    setAttr(teamLine, "data-value", Number.isFinite(teamRank) ? teamRank : null);

    if (r && !announcedResult) {
      announcedResult = true;
      const correctText = s.result ? `${correctSentence(s.result, question)} ` : "";
      const mineText = r.correct ? t("reveal.announce_correct", { count: r.points ?? 0 })
        : close ? t("reveal.announce_close", { count: r.points ?? 0 })
          : r.answered ? t("reveal.announce_wrong") : t("reveal.announce_none");
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
    const toRound = roundEndsAt(s, qIndex);
    if (revealSeconds > 0 && (s.resultAt || Number.isFinite(result?.next_at_ms))) {
      // next_at_ms is on the server's clock (right after a resync too).
      const left = Number.isFinite(result?.next_at_ms)
        ? Math.ceil(remainingMs(result.next_at_ms) / 1000)
        : Math.ceil(revealSeconds - (Date.now() - s.resultAt) / 1000);
      setText(nextNote, left > 0 ? t(toRound ? "reveal.standings_in" : isLast ? "reveal.final_in" : "reveal.next_in", { time: raw(fmtDuration(left, "short")) }) : "");
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
      // Standings after each question, unless the room keeps them for the end of a round.
      const perQuestion = boardEachQuestion(s) && !(result && !Array.isArray(result.leaderboard));
      boardCard.hidden = !perQuestion;
      const entries = result && Array.isArray(result.leaderboard) ? result.leaderboard : leaderboardFromPlayers(s.room.players);
      if (perQuestion) board.update(entries, myId(s));
      const teams = result && Array.isArray(result.teams) ? teamStandings(result.teams) : [];
      teamCard.hidden = !perQuestion || !teams.length;
      if (teams.length) teamBoard.update(teams, myTeam(s));
      const tie = perQuestion ? tieNodes(entries) : [];
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

/** The title of a round: its own, or "Round 2" for one without (data vs. our words). */
export function roundTitle(round, tag = "h1", props = {}) {
  const n = (round?.round ?? 0) + 1;
  const { lang = null, ...rest } = props; // the quiz's words are in the room's language; ours are not
  return typeof round?.title === "string" && round.title
    ? hData(tag, { ...rest, lang }, round.title)
    : h(tag, { ...rest, text: t("round.number", { n }) });
}

/** A phone at the end of a round: your place, the teams, the top 10, the host's "Next round". */
export function roundOverView(ctx) {
  const s0 = ctx.store.state;
  const over = s0.roundOver;
  const n = over.round + 1;
  const total = s0.room.total_questions || 0;
  const lastRound = total > 0 && s0.room.question_index + 1 >= total;
  const lang = settingOf(s0, "language", null);

  const bar = createGameBar(ctx);
  const title = roundTitle(over, "h1", { class: "reveal-title", tabindex: -1, lang, id: "round-title" });
  const place = h("p", { class: "my-headline", testid: "round-rank" });
  const teamLine = h("p", { class: "my-team-rank", testid: "my-team-rank", hidden: true });
  const mine = h("section", { class: "card my-result", "aria-label": t("reveal.your_result") }, place, teamLine);
  const board = createLeaderboard({ limit: 10, label: t("reveal.top10") });
  const teamBoard = createTeamBoard();
  const teamCard = h("section", { class: "card board-card tm-card", "aria-labelledby": "round-teams-title", hidden: true },
    h("h2", { id: "round-teams-title", class: "section-title", text: t("tm.standings") }), teamBoard.el);
  const nextButton = h("button", {
    type: "button", class: "btn btn-primary btn-large", testid: "next-button",
    onclick: () => {
      nextButton.disabled = true;
      ctx.actions.next().catch(() => { nextButton.disabled = false; });
    },
  }, lastRound ? t("reveal.show_final") : t("round.next"));
  const nextNote = h("p", { class: "hint", testid: "next-countdown" });
  const controls = h("div", { class: "reveal-controls" });
  const el = h("section", { class: "screen screen-reveal screen-round", testid: "round-over", dataset: { round: over.round }, "aria-labelledby": "round-title" },
    bar.el,
    h("p", { class: "eyebrow" }, t("round.over", { n })),
    title,
    h("div", { class: "reveal-layout round-layout" },
      mine,
      h("div", { class: "reveal-main" }, teamCard, controls),
      h("section", { class: "card board-card", "aria-labelledby": "round-board-title" },
        h("h2", { id: "round-board-title", class: "section-title", text: t("reveal.leaderboard") }), board.el)));

  let lastHost = null;
  let timer = 0;
  let announced = false;
  function renderControls(s) {
    const host = isHost(s);
    if (host !== lastHost) {
      lastHost = host;
      controls.replaceChildren(...(host ? [nextButton, nextNote] : [nextNote]));
    }
    const o = s.roundOver;
    if (o && Number.isFinite(o.next_at_ms)) {
      const left = Math.ceil(remainingMs(o.next_at_ms) / 1000);
      setText(nextNote, left > 0 ? t(lastRound ? "reveal.final_in" : "round.next_in", { time: raw(fmtDuration(left, "short")) }) : "");
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
      const o = s.roundOver || over;
      const entries = Array.isArray(o.leaderboard) ? o.leaderboard : leaderboardFromPlayers(s.room.players);
      board.update(entries, myId(s));
      const meEntry = entries.find((e) => e.player_id === myId(s));
      const rankValue = meEntry?.rank ?? s.me.rank;
      setText(place, rankValue ? t("round.your_place", { rank: rankValue }) : t("reveal.your_score"));
      setAttr(place, "data-value", rankValue ?? null);
      const teams = teamStandings(o.teams);
      teamCard.hidden = !teams.length;
      if (teams.length) teamBoard.update(teams, myTeam(s));
      const myTeamEntry = teams.find((e) => e.team === myTeam(s));
      const nodes = teamRankNodes(s, myTeamEntry?.rank);
      teamLine.hidden = !nodes.length;
      const key = `${locale()}|${nodes.map((x) => x.textContent).join("")}`;
      if (teamLine.dataset.key !== key) {
        teamLine.dataset.key = key;
        teamLine.replaceChildren(...nodes);
      }
      renderControls(s);
      if (!timer) timer = setInterval(() => renderControls(ctx.store.state), 250);
      if (!announced) {
        announced = true;
        announce([t("round.over", { n }), rankValue ? t("reveal.announce_rank", { rank: rankValue }) : ""].filter(Boolean).join(" "));
      }
    },
    destroy() {
      clearInterval(timer);
      bar.destroy();
    },
  };
}
