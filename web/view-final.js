// The end of the game: the podium, your place, everyone's scores, and the
// host's "Play again".

import { h, setText, setAttr, svg } from "./dom.js";
import { announce } from "./announce.js";
import { formatNumber, hueOf, initialOf, ordinal } from "./format.js";
import { createLeaderboard } from "./leaderboard.js";
import { isHost, leaderboardFromPlayers, myId } from "./state.js";

export function crown() {
  return svg("svg", { class: "crown", viewBox: "0 0 24 16", "aria-hidden": "true", focusable: "false" },
    svg("path", { d: "M2 14 L0 3 L7 8 L12 0 L17 8 L24 3 L22 14 Z" }));
}

function finalBoard(s) {
  return Array.isArray(s.final) && s.final.length ? s.final : leaderboardFromPlayers(s.room.players);
}

export function finalView(ctx) {
  const title = h("h1", { class: "screen-title", tabindex: -1, text: "Final results" });
  const podium = h("ol", { class: "podium", testid: "podium", "aria-label": "Podium" });
  const myRank = h("strong", { class: "my-final-rank", testid: "my-rank" });
  const myScore = h("strong", { class: "my-final-score", testid: "my-score" });
  const summary = h("p", { class: "final-summary" });
  const board = createLeaderboard({ label: "Everyone's scores" });
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
  }, "Play again");
  const leave = h("button", { type: "button", class: "btn btn-ghost", testid: "leave-button", onclick: () => ctx.actions.leave() }, "Leave room");

  const el = h("section", { class: "screen screen-final", "aria-labelledby": "final-title" },
    h("p", { class: "eyebrow" }, "Game over"),
    title,
    podium,
    summary,
    h("div", { class: "final-layout" },
      controls,
      h("section", { class: "card board-card", "aria-labelledby": "final-board-title" },
        h("h2", { id: "final-board-title", class: "section-title", text: "Scores" }),
        board.el)));
  title.id = "final-title";

  let podiumKey = "";
  let lastHost = null;
  let announced = false;

  function renderPodium(entries) {
    const top = entries.slice(0, 3);
    const key = top.map((e) => `${e.player_id}:${e.rank}:${e.score}:${e.name}`).join("|");
    if (key === podiumKey) return;
    podiumKey = key;
    // Shown 2nd, 1st, 3rd (CSS order); the list order stays 1st, 2nd, 3rd for screen readers.
    podium.replaceChildren(...top.map((e, i) => {
      const rank = Number.isFinite(e.rank) ? e.rank : i + 1;
      const avatar = h("span", { class: "avatar avatar-large", "aria-hidden": "true", text: initialOf(e.name) });
      avatar.style.setProperty("--hue", String(hueOf(e.player_id)));
      return h("li", {
        class: ["podium-place", `place-${i + 1}`],
        testid: "podium-place",
        dataset: { rank, playerId: e.player_id, score: e.score },
      },
      h("div", { class: "podium-who" },
        i === 0 ? crown() : null,
        avatar,
        h("span", { class: "podium-name", text: e.name }),
        h("span", { class: "podium-score" }, formatNumber(e.score), h("span", { class: "unit", text: " pts" }))),
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
        summary.replaceChildren("You finished ", myRank, ` of ${formatNumber(s.finalCount ?? entries.length)} with `, myScore, " points.");
      } else {
        setText(summary, "");
      }
      board.update(entries, myId(s));

      const host = isHost(s);
      if (host !== lastHost) {
        lastHost = host;
        const b = (label, testid, onclick) => h("button", { type: "button", class: "btn btn-secondary", testid, onclick }, label);
        controls.replaceChildren(...[
          host ? playAgain : null,
          host ? b("New questions", "play-again-new", () => ctx.actions.playAgainNew()) : null,
          host ? b("Results (CSV)", "results-csv", () => ctx.actions.downloadResults("csv")) : null,
          host ? b("Results (JSON)", "results-json", () => ctx.actions.downloadResults("json")) : null,
          host ? null : h("p", { class: "waiting" },
            h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
            " The host can start another round"),
          leave].filter(Boolean));
      }

      if (!announced && entries.length) {
        announced = true;
        const winner = entries[0];
        announce(`Game over. ${winner.name} wins with ${formatNumber(winner.score)} points.${me ? ` You finished ${ordinal(me.rank)}.` : ""}`);
      }
    },
  };
}
