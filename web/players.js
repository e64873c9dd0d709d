// The list of players in the room (lobby, and the in-game players panel),
// with host / you / offline badges and, for the host, each player's tools:
// their team (in the lobby of a team game), their extra time (x1.5, x2, or
// back to normal, in any phase) and a remove button. Who has extra time is
// shown to the host alone (the host's state is the only one that has it).

import { h, hData, setText, setAttr, svg, syncList, toggleClass } from "./dom.js";
import { formatNumber, hueOf, initialOf } from "./format.js";
import { t } from "./i18n.js";
import { extraTimeOf, isHost, myId, teamsOf } from "./state.js";

export const EXTRA_TIME_FACTORS = [1, 1.5, 2];

/** A small clock (decorative: the badge's words say it). */
function clock() {
  return svg("svg", { class: "badge-icon", viewBox: "0 0 24 24", width: 12, height: 12, "aria-hidden": "true", focusable: "false" },
    svg("circle", { cx: 12, cy: 13, r: 9, fill: "none", stroke: "currentColor", "stroke-width": 2.5 }),
    svg("path", { d: "M12 8 V13 L15 15", fill: "none", stroke: "currentColor", "stroke-width": 2.5, "stroke-linecap": "round" }),
    svg("path", { d: "M9 2 H15", stroke: "currentColor", "stroke-width": 2.5, "stroke-linecap": "round" }));
}

/** The host's extra-time menu for one player. */
export function extraTimeSelect(ctx, player) {
  const select = h("select", {
    class: "mini-select",
    testid: "extra-time-select",
    onchange: () => ctx.actions.setExtraTime(player.id, Number(select.value)),
  }, EXTRA_TIME_FACTORS.map((f) => h("option", { value: String(f) }, f === 1 ? t("xt.normal") : t("xt.option", { factor: f }))));
  return select;
}

/**
 * @param {object} ctx
 * @param {{showScores?: boolean, filter?: (p) => boolean, live?: boolean}} [options]
 */
export function createPlayerList(ctx, { showScores = false, filter = null, live = true } = {}) {
  const list = h("ul", { class: "player-list", testid: "player-list", "aria-live": live ? "polite" : null, "aria-relevant": live ? "additions removals" : null });

  function createItem(player) {
    const avatar = h("span", { class: "avatar", translate: "no", "aria-hidden": "true" });
    const name = h("span", { class: "player-name", dir: "auto", translate: "no" });
    const badges = h("span", { class: "badges" });
    const score = showScores ? h("span", { class: "player-score" }) : null;
    const li = h("li", { class: "player", testid: "player" }, avatar, name, badges, score);
    li._parts = { avatar, name, badges, score, kick: null, tools: null, team: null, extra: null };
    return li;
  }

  function badge(text, cls, testid = null) {
    return h("span", { class: ["badge", cls], text, testid });
  }

  /** The host's tools under a player's name: team, extra time, remove. */
  function updateTools(li, player, s) {
    const parts = li._parts;
    const me = player.id === myId(s);
    const host = isHost(s);
    const teams = teamsOf(s);
    const wantTeam = host && s.phase === "lobby" && teams.length > 0 && Number.isInteger(player.team);
    const wantExtra = host && !me;
    const canKick = host && !me;
    if (!wantTeam && !wantExtra && !canKick) {
      parts.tools?.remove();
      Object.assign(parts, { tools: null, team: null, extra: null, kick: null });
      return;
    }
    if (!parts.tools) {
      parts.tools = h("span", { class: "player-tools" });
      li.appendChild(parts.tools);
    }
    const teamKey = wantTeam ? teams.map((e) => `${e.team}:${e.name}`).join("|") : "";
    if (wantTeam && (!parts.team || parts.team.dataset.key !== teamKey)) {
      const select = h("select", {
        class: "mini-select", testid: "team-select", dataset: { key: teamKey },
        onchange: () => ctx.actions.movePlayer(player.id, Number(select.value)),
      }, teams.map((e) => hData("option", { value: String(e.team) }, e.name)));
      parts.team?.remove();
      parts.team = select;
      parts.tools.prepend(select);
    } else if (!wantTeam && parts.team) {
      parts.team.remove();
      parts.team = null;
    }
    if (parts.team) {
      if (parts.team.value !== String(player.team)) parts.team.value = String(player.team);
      setAttr(parts.team, "aria-label", t("tm.select_label", { name: player.name }));
    }
    if (wantExtra && !parts.extra) {
      parts.extra = extraTimeSelect(ctx, player);
      parts.tools.insertBefore(parts.extra, parts.kick);
    } else if (!wantExtra && parts.extra) {
      parts.extra.remove();
      parts.extra = null;
    }
    if (parts.extra) {
      const factor = String(extraTimeOf(s, player.id));
      if (parts.extra.value !== factor && document.activeElement !== parts.extra) parts.extra.value = factor;
      setAttr(parts.extra, "aria-label", t("xt.label", { name: player.name }));
    }
    if (canKick && !parts.kick) {
      parts.kick = h("button", {
        type: "button",
        class: "btn btn-small btn-danger-ghost kick",
        testid: "kick-button",
        onclick: () => ctx.actions.kick(player.id),
      }, t("players.remove"));
      parts.tools.appendChild(parts.kick);
    } else if (!canKick && parts.kick) {
      parts.kick.remove();
      parts.kick = null;
    }
    if (parts.kick) setAttr(parts.kick, "aria-label", t("players.remove_label", { name: player.name }));
  }

  function updateItem(li, player, s) {
    const { avatar, name, badges, score } = li._parts;
    const me = player.id === myId(s);
    const host = s.room && player.id === s.room.host_id;
    // Known to the host alone: nobody else's state has it.
    const extra = isHost(s) ? extraTimeOf(s, player.id) : 1;
    setAttr(li, "data-player-id", player.id);
    setAttr(li, "data-connected", player.connected ? "true" : "false");
    setAttr(li, "data-host", host ? "true" : null);
    setAttr(li, "data-team", Number.isInteger(player.team) ? player.team : null);
    toggleClass(li, "is-me", me);
    toggleClass(li, "is-offline", !player.connected);
    setText(avatar, initialOf(player.name));
    avatar.style.setProperty("--hue", String(hueOf(player.id)));
    setText(name, player.name);
    const wanted = [host && "host", me && "you", !player.connected && "offline", extra !== 1 && `x${extra}`, document.documentElement.lang].filter(Boolean).join(",");
    if (badges.dataset.badges !== wanted) {
      badges.dataset.badges = wanted;
      const xt = extra !== 1 ? badge(t("xt.badge", { factor: extra }), "badge-extra", "extra-time-badge") : null;
      if (xt) {
        xt.prepend(clock());
        xt.dataset.factor = String(extra);
        xt.setAttribute("title", t("xt.badge_title", { factor: extra }));
      }
      badges.replaceChildren(...[
        host && badge(t("players.host"), "badge-host"),
        me && badge(t("players.you"), "badge-you"),
        !player.connected && badge(t("players.offline"), "badge-offline"),
        xt,
      ].filter(Boolean));
    }
    if (score) setText(score, formatNumber(player.score));
    updateTools(li, player, s);
  }

  return {
    el: list,
    update(s) {
      // The latest 200: a list of 10,000 rows helps nobody and slows the page.
      const all = s.room ? (filter ? s.room.players.filter(filter) : s.room.players) : [];
      const players = all.length > 200 ? all.slice(-200) : all;
      syncList(list, players, (p) => p.id, createItem, (li, p) => updateItem(li, p, s));
    },
  };
}
