// The strip above every in-game screen: where we are in the game, your
// score, the players (with remove buttons for the host) and a way out.

import { h, setText, setAttr } from "./dom.js";
import { capitalise } from "./format.js";
import { locale, t } from "./i18n.js";
import { createPlayerList } from "./players.js";
import { isHost, isPresenter, myTeam, playerCount, teamName } from "./state.js";
import { confirmButton } from "./confirm-button.js";

export function createGameBar(ctx) {
  const topic = h("span", { class: "gamebar-topic", dir: "auto", translate: "no" });
  const progress = h("span", { class: "gamebar-progress" });
  const score = h("span", { class: "gamebar-score", testid: "gamebar-score", "aria-label": t("bar.score_label") });
  // Your team, in a team game.
  const teamText = h("span", { class: "gamebar-team-name", dir: "auto", translate: "no" });
  const team = h("span", { class: "gamebar-team", testid: "my-team", hidden: true }, h("span", { class: "visually-hidden", text: t("bar.team") }), teamText);
  const players = createPlayerList(ctx, { showScores: true });
  const summary = h("summary", { class: "btn btn-ghost btn-small" });
  const panel = h("details", { class: "players-panel", testid: "players-panel" },
    summary,
    h("div", { class: "players-popover" }, players.el));
  const leave = h("button", {
    type: "button",
    class: "btn btn-ghost btn-small",
    testid: "leave-button",
    onclick: () => {
      if (window.confirm(t("bar.leave_confirm"))) {
        ctx.actions.leave();
      }
    },
  }, t("bar.leave"));

  // Close the players panel on Escape or a click elsewhere.
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panel.open) {
      panel.open = false;
      summary.focus();
    }
  });
  const outside = (event) => {
    if (panel.open && !panel.contains(event.target)) panel.open = false;
  };
  document.addEventListener("pointerdown", outside);

  // The host who plays runs the game from here: skip, end, results.
  const hostTools = h("div", { class: "gamebar-host", role: "toolbar", "aria-label": t("bar.host_controls") });
  let toolsKey = "";
  const el = h("div", { class: "gamebar" },
    h("div", { class: "gamebar-where" }, topic, progress, team),
    h("div", { class: "gamebar-actions" }, hostTools, score, panel, leave));

  return {
    el,
    update(s) {
      const room = s.room;
      setText(topic, capitalise(room.topic || t("topic.default")));
      const total = room.total_questions || s.question?.total_questions || 0;
      let where = "";
      // Question and reveal screens show "Question N of M" themselves.
      if (s.phase === "question" || s.phase === "reveal") where = "";
      else if (s.phase === "finished") where = t("bar.final");
      else if (total) where = t("bar.questions", { count: total });
      setText(progress, where);
      setText(score, t("bar.score", { count: s.me.score }));
      const mine = isPresenter(s) ? null : myTeam(s);
      const name = mine === null ? null : teamName(s, mine);
      team.hidden = name === null;
      setText(teamText, name ?? "");
      setAttr(team, "data-team", mine);
      setAttr(score, "data-value", s.me.score);
      setText(summary, t("players.summary", { count: playerCount(s) }));
      const host = isHost(s);
      const k = `${host}|${s.phase}|${room.locked}|${locale()}`;
      if (k !== toolsKey) {
        toolsKey = k;
        const a = ctx.actions;
        const b = (label, testid, onclick) => h("button", { type: "button", class: "btn btn-ghost btn-small", testid, onclick }, label);
        hostTools.replaceChildren(...(!host ? [] : [
          s.phase === "question" ? b(t("bar.skip"), "skip-button", () => a.closeQuestion()) : null,
          s.phase !== "finished" ? confirmButton({ label: t("bar.end"), confirmLabel: t("bar.end_sure"), testid: "end-game-button", cls: "btn-ghost btn-small", onConfirm: () => a.endGame() }) : null,
          b(room.locked ? t("bar.unlock") : t("bar.lock"), "lock-button", () => a.setLocked(!room.locked)),
          s.phase === "reveal" ? b(t("bar.results"), "results-csv", () => a.downloadResults("csv")) : null,
        ].filter(Boolean)));
      }
      players.update(s);
    },
    destroy() {
      document.removeEventListener("pointerdown", outside);
    },
  };
}
