// The end of the game: the podium, your place (and your team's, with the
// teams' standings), everyone's scores, and the host's "Play again".

import { h, hData, setText, setAttr } from "./dom.js";
import { announce } from "./announce.js";
import { crown } from "./crown.js";
import { formatNumber, hueOf, initialOf, ordinal } from "./format.js";
import { locale, t, tNodes } from "./i18n.js";
import { createLeaderboard } from "./leaderboard.js";
import { isHost, leaderboardFromPlayers, myId, myTeam } from "./state.js";
import { createTeamBoard } from "./teams.js";

/** A podium place's score: the number, and "pts" small beside it. */
export function podiumScore(score) {
  return h("span", { class: "podium-score" }, formatNumber(score), " ", h("span", { class: "unit", text: t("unit.pts", { count: score }) }));
}

function finalBoard(s) {
  return Array.isArray(s.final) && s.final.length ? s.final : leaderboardFromPlayers(s.room.players);
}

export function finalView(ctx) {
  const title = h("h1", { class: "screen-title", tabindex: -1, text: t("final.title") });
  const podium = h("ol", { class: "podium", testid: "podium", "aria-label": t("final.podium") });
  const myRank = h("strong", { class: "my-final-rank", testid: "my-rank" });
  const myScore = h("strong", { class: "my-final-score", testid: "my-score" });
  const summary = h("p", { class: "final-summary" });
  const board = createLeaderboard({ label: t("final.everyone") });
  const teamLine = h("p", { class: "final-team", testid: "my-team-rank", hidden: true });
  const teamBoard = createTeamBoard();
  const teamCard = h("section", { class: "card board-card tm-card", "aria-labelledby": "final-teams-title", hidden: true },
    h("h2", { id: "final-teams-title", class: "section-title", text: t("tm.standings") }), teamBoard.el);
  const controls = h("div", { class: "final-controls" });
  const playAgain = h("button", {
    type: "button",
    class: "btn btn-primary btn-large",
    testid: "play-again-button",
    onclick: () => {
      playAgain.disabled = true;
      ctx.actions.playAgain().catch(() => {
        playAgain.disabled = false;
      });
    },
  }, t("final.play_again"));
  const leave = h("button", { type: "button", class: "btn btn-ghost", testid: "leave-button", onclick: () => ctx.actions.leave() }, t("final.leave"));

  const el = h("section", { class: "screen screen-final", "aria-labelledby": "final-title" },
    h("p", { class: "eyebrow" }, t("final.game_over")),
    title,
    podium,
    summary,
    teamLine,
    h("div", { class: "final-layout" },
      controls,
      teamCard,
      h("section", { class: "card board-card", "aria-labelledby": "final-board-title" },
        h("h2", { id: "final-board-title", class: "section-title", text: t("final.scores") }),
        board.el)));
  title.id = "final-title";

  let podiumKey = "";
  let lastHost = null;
  let announced = false;

  function renderPodium(entries) {
    const top = entries.slice(0, 3);
    const key = `${locale()}|${top.map((e) => `${e.player_id}:${e.rank}:${e.score}:${e.name}`).join("|")}`;
    if (key === podiumKey) return;
    podiumKey = key;
    // Shown 2nd, 1st, 3rd (CSS order); the list order stays 1st, 2nd, 3rd for screen readers.
    podium.replaceChildren(...top.map((e, i) => {
      const rank = Number.isFinite(e.rank) ? e.rank : i + 1;
      const avatar = h("span", { class: "avatar avatar-large", translate: "no", "aria-hidden": "true", text: initialOf(e.name) });
      avatar.style.setProperty("--hue", String(hueOf(e.player_id)));
      return h("li", {
        class: ["podium-place", `place-${i + 1}`],
        testid: "podium-place",
        dataset: { rank, playerId: e.player_id, score: e.score },
      },
      h("div", { class: "podium-who" },
        i === 0 ? crown() : null,
        avatar,
        hData("span", { class: "podium-name" }, e.name),
        podiumScore(e.score)),
      h("div", { class: "podium-block" }, h("span", { class: "podium-rank", text: ordinal(rank) })));
    }));
  }

  return {
    el,
    focus() {
      title.focus({ preventScroll: true });
    },
    update(s) {
      const entries = finalBoard(s);
      renderPodium(entries);
      // Past the top 100, a player's own place comes from the last your_result.
      const me = entries.find((e) => e.player_id === myId(s)) ||
        (Number.isFinite(s.me.rank) && myId(s) ? { player_id: myId(s), rank: s.me.rank, score: s.me.score } : null);
      if (me) {
        setText(myRank, ordinal(me.rank));
        setAttr(myRank, "data-value", me.rank);
        setText(myScore, formatNumber(me.score));
        setAttr(myScore, "data-value", me.score);
        summary.replaceChildren(...tNodes("final.summary", { rank: myRank, score: myScore, count: me.score, total: s.finalCount ?? entries.length }));
      } else {
        setText(summary, "");
      }
      board.update(entries, myId(s));

      // Teams: your team's place, and the teams' standings.
      const teams = Array.isArray(s.finalTeams) ? s.finalTeams : [];
      teamCard.hidden = !teams.length;
      const mine = myTeam(s);
      const myEntry = teams.find((e) => e.team === mine);
      teamLine.hidden = !myEntry;
      if (teams.length) teamBoard.update(teams, mine);
      if (myEntry) {
        const key = `${locale()}|${myEntry.team}|${myEntry.rank}|${myEntry.name}`;
        if (teamLine.dataset.key !== key) {
          teamLine.dataset.key = key;
          teamLine.replaceChildren(...tNodes("tm.final_mine", { team: String(myEntry.name ?? ""), rank: myEntry.rank, count: teams.length }));
        }
        setAttr(teamLine, "data-value", myEntry.rank);
      }

      const host = isHost(s);
      if (host !== lastHost) {
        lastHost = host;
        const b = (label, testid, onclick) => h("button", { type: "button", class: "btn btn-secondary", testid, onclick }, label);
        controls.replaceChildren(...[
          host ? playAgain : null,
          host ? b(t("final.new_questions"), "play-again-new", () => ctx.actions.playAgainNew()) : null,
          host ? b(t("final.results_csv"), "results-csv", () => ctx.actions.downloadResults("csv")) : null,
          host ? b(t("final.results_json"), "results-json", () => ctx.actions.downloadResults("json")) : null,
          host ? null : h("p", { class: "waiting" },
            h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
            h("span", null, t("final.host_may_restart"))),
          leave].filter(Boolean));
      }

      if (!announced && entries.length) {
        announced = true;
        const winner = entries[0];
        announce([t("final.announce", { name: winner.name, count: winner.score }), me ? t("final.announce_you", { rank: me.rank }) : ""].filter(Boolean).join(" "));
      }
    },
  };
}
