// Teams on the play screens: the standings (after a question, a round, the
// game), the team podium, the lobby's groups, and a player's choice of team.
// A team's name is data (the host's words): never translated, isolated.

import { h, hData, setAttr, setText, syncList, toggleClass } from "./dom.js";
import { crown } from "./crown.js";
import { formatNumber, initialOf } from "./format.js";
import { ordinal, t } from "./i18n.js";
import { createPlayerList } from "./players.js";
import { isPresenter, myId, myTeam, playerCount, teamsOf } from "./state.js";

/** A team's colour: 12 hues apart, the same on every screen. */
export function teamHue(team) {
  return (Number(team) * 137 + 200) % 360;
}

/** A round badge with the team's initial and colour (decorative). */
export function teamBadge(team, name, cls = "tm-badge") {
  const badge = h("span", { class: cls, translate: "no", "aria-hidden": "true", text: initialOf(name || "?") });
  badge.style.setProperty("--hue", String(teamHue(team)));
  return badge;
}

/**
 * The teams' standings, best first: rank, name, players, score.
 * update(teams, mine): teams as the server sends them ({team, name,
 * players, score, rank}); `mine`: this player's team, highlighted.
 */
export function createTeamBoard({ label = t("tm.standings"), limit = Infinity } = {}) {
  const list = h("ol", { class: "tm-board", testid: "team-board", "aria-label": label });
  function create(entry) {
    const rank = h("span", { class: "lb-rank" });
    const badge = teamBadge(entry.team, entry.name);
    const name = hData("span", { class: "tm-name" });
    const players = h("span", { class: "tm-players" });
    const you = h("span", { class: "badge badge-you", text: t("tm.yours"), hidden: true });
    const score = h("span", { class: "lb-score" });
    const li = h("li", { class: "lb-row tm-row", testid: "team-row" }, rank, badge,
      h("span", { class: "tm-who" }, h("span", { class: "tm-line" }, name, you), players), score);
    li._parts = { rank, badge, name, players, you, score };
    return li;
  }
  return {
    el: list,
    update(teams, mine = null) {
      const rows = (Array.isArray(teams) ? teams : []).slice(0, limit);
      syncList(list, rows, (e) => e.team, create, (li, e, i) => {
        const { rank, badge, name, players, you, score } = li._parts;
        const r = Number.isFinite(e.rank) ? e.rank : i + 1;
        setAttr(li, "data-team", e.team);
        setAttr(li, "data-rank", r);
        setAttr(li, "data-score", e.score);
        toggleClass(li, "is-me", e.team === mine);
        setText(rank, formatNumber(r));
        setText(badge, initialOf(e.name || "?"));
        setText(name, e.name);
        setText(players, t("tm.players", { count: e.players ?? 0 }));
        you.hidden = e.team !== mine;
        setText(score, formatNumber(e.score ?? 0));
        setAttr(li, "aria-label", t(e.team === mine ? "tm.row_mine" : "tm.row", { rank: r, name: String(e.name ?? ""), count: e.score ?? 0, players: e.players ?? 0 }));
      });
    },
  };
}

/** The three best teams on a podium (2nd, 1st, 3rd on screen; 1st, 2nd, 3rd to a screen reader). */
export function teamPodium(teams, { cls = "podium" } = {}) {
  const top = (Array.isArray(teams) ? teams : []).slice(0, 3);
  return h("ol", { class: [cls, "team-podium"], testid: "team-podium", "aria-label": t("tm.podium") },
    top.map((e, i) => {
      const rank = Number.isFinite(e.rank) ? e.rank : i + 1;
      return h("li", {
        class: ["podium-place", `place-${i + 1}`],
        testid: "team-place",
        dataset: { rank, team: e.team, score: e.score },
      },
      h("div", { class: "podium-who" },
        rank === 1 ? crown() : null,
        teamBadge(e.team, e.name, "tm-badge tm-badge-large"),
        hData("span", { class: "podium-name" }, e.name),
        h("span", { class: "podium-score" }, formatNumber(e.score ?? 0), " ", h("span", { class: "unit", text: t("unit.pts", { count: e.score ?? 0 }) })),
        h("span", { class: "podium-tm-players" }, t("tm.players", { count: e.players ?? 0 }))),
      h("div", { class: "podium-block" }, h("span", { class: "podium-rank", text: ordinal(rank) })));
    }));
}

/** "Team Owls: 2nd of 3" for this player, as nodes (or null without a team). */
export function myTeamLine(s, { rank = null } = {}) {
  const team = myTeam(s);
  if (team === null) return null;
  const entry = teamsOf(s).find((e) => e.team === team);
  const name = entry?.name ?? "";
  const total = teamsOf(s).length;
  return rank ? { key: "tm.mine_rank", params: { team: name, rank, count: total } } : { key: "tm.mine", params: { team: name } };
}

/**
 * The lobby's players by team: a box per team with its name, its count and
 * its players (with the host's tools); in a large room (over 100 players,
 * whose list is capped) the count per team only.
 */
export function createTeamGroups(ctx) {
  const el = h("div", { class: "tm-groups", testid: "team-groups" });
  const counts = h("ul", { class: "tm-counts", testid: "team-counts", hidden: true });
  const wrap = h("div", { class: "tm-lobby" }, el, counts);
  const groups = new Map(); // team -> {box, title, count, list}
  let key = "";
  return {
    el: wrap,
    update(s) {
      const teams = teamsOf(s);
      const large = playerCount(s) > 100;
      el.hidden = large;
      counts.hidden = !large;
      if (large) {
        syncList(counts, teams, (e) => e.team, (e) => h("li", { class: "tm-count", testid: "team-count" }, teamBadge(e.team, e.name), hData("span", { class: "tm-name" }), h("span", { class: "tm-players" })),
          (li, e) => {
            setAttr(li, "data-team", e.team);
            setAttr(li, "data-count", e.players ?? 0);
            setText(li.children[0], initialOf(e.name || "?"));
            setText(li.children[1], e.name);
            setText(li.children[2], t("tm.players", { count: e.players ?? 0 }));
          });
        return;
      }
      const k = teams.map((e) => `${e.team}`).join("|");
      if (k !== key) {
        key = k;
        groups.clear();
        el.replaceChildren(...teams.map((e) => {
          const title = hData("h3", { class: "tm-title" });
          const count = h("span", { class: "tm-players" });
          const list = createPlayerList(ctx, { filter: (p) => p.team === e.team, live: false });
          const box = h("section", { class: "tm-group", testid: "team-group", dataset: { team: e.team } },
            h("div", { class: "tm-head" }, teamBadge(e.team, e.name), title, count), list.el);
          box.style.setProperty("--hue", String(teamHue(e.team)));
          groups.set(e.team, { box, title, count, list, badge: box.querySelector(".tm-badge") });
          return box;
        }));
      }
      const mine = myTeam(s);
      for (const e of teams) {
        const g = groups.get(e.team);
        if (!g) continue;
        const members = s.room.players.filter((p) => p.team === e.team).length;
        setText(g.title, e.name);
        setText(g.badge, initialOf(e.name || "?"));
        setText(g.count, t("tm.players", { count: members }));
        setAttr(g.box, "data-count", members);
        toggleClass(g.box, "is-mine", e.team === mine && !isPresenter(s));
        g.list.update(s);
      }
    },
  };
}

/** A player's own choice of team, in the lobby: radios, one a team. */
export function createTeamChoice(ctx) {
  const legend = h("legend", { class: "field-label", text: t("tm.choose") });
  const items = h("div", { class: "seg tm-seg" });
  const el = h("fieldset", { class: "seg tm-choice", testid: "team-choice" }, legend, items);
  let key = "";
  const inputs = new Map();
  return {
    el,
    update(s) {
      const teams = teamsOf(s);
      const k = teams.map((e) => e.team).join("|");
      if (k !== key) {
        key = k;
        inputs.clear();
        items.replaceChildren(...teams.map((e) => {
          const id = `team-option-${e.team}`;
          const input = h("input", {
            type: "radio", name: "my-team", id, testid: id, value: String(e.team), dataset: { team: e.team },
            onchange: () => { if (input.checked) ctx.actions.movePlayer(myId(ctx.store.state), e.team); },
          });
          const name = hData("span", { class: "tm-name" });
          const count = h("span", { class: "tm-players" });
          const label = h("label", { for: id }, teamBadge(e.team, e.name), name, count);
          inputs.set(e.team, { input, name, count, badge: label.querySelector(".tm-badge") });
          return h("div", { class: "seg-item tm-item" }, input, label);
        }));
      }
      const mine = myTeam(s);
      for (const e of teams) {
        const it = inputs.get(e.team);
        if (!it) continue;
        setText(it.name, e.name);
        setText(it.badge, initialOf(e.name || "?"));
        const members = playerCount(s) > 100 ? e.players ?? 0 : s.room.players.filter((p) => p.team === e.team).length;
        setText(it.count, t("tm.players", { count: members }));
        if (it.input.checked !== (e.team === mine)) it.input.checked = e.team === mine;
      }
    },
  };
}
