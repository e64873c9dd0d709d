// The ranked list of players (top 10 after each question, everyone at the end).

import { h, setText, setAttr, syncList, toggleClass } from "./dom.js";
import { formatNumber, hueOf, initialOf } from "./format.js";
import { t } from "./i18n.js";

/**
 * @param {{limit?: number, title?: string}} [options]
 * update(entries, myId): entries are {player_id, name, score, rank}.
 */
export function createLeaderboard({ limit = Infinity, label = t("lb.label") } = {}) {
  const list = h("ol", { class: "leaderboard", testid: "leaderboard", "aria-label": label });

  function create() {
    const rank = h("span", { class: "lb-rank" });
    const avatar = h("span", { class: "avatar avatar-small", translate: "no", "aria-hidden": "true" });
    const name = h("span", { class: "lb-name", dir: "auto", translate: "no" });
    const you = h("span", { class: "badge badge-you", text: t("lb.you"), hidden: true });
    const score = h("span", { class: "lb-score" });
    const li = h("li", { class: "lb-row", testid: "leaderboard-row" }, rank, avatar, name, you, score);
    li._parts = { rank, avatar, name, you, score };
    return li;
  }

  return {
    el: list,
    update(entries, meId) {
      const rows = (Array.isArray(entries) ? entries : []).slice(0, limit);
      syncList(list, rows, (e) => e.player_id, create, (li, e, i) => {
        const { rank, avatar, name, you, score } = li._parts;
        const r = Number.isFinite(e.rank) ? e.rank : i + 1;
        setAttr(li, "data-player-id", e.player_id);
        setAttr(li, "data-rank", r);
        setAttr(li, "data-score", e.score);
        toggleClass(li, "is-me", e.player_id === meId);
        toggleClass(li, "is-top", r <= 3);
        setText(rank, formatNumber(r));
        setText(avatar, initialOf(e.name));
        avatar.style.setProperty("--hue", String(hueOf(e.player_id)));
        setText(name, e.name);
        you.hidden = e.player_id !== meId;
        setText(score, formatNumber(e.score));
        setAttr(li, "aria-label", t(e.player_id === meId ? "lb.row_me" : "lb.row", { rank: r, name: e.name, count: e.score }));
      });
    },
  };
}
