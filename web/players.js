// The list of players in the room (lobby, and the in-game players panel),
// with host / you / offline badges and, for the host, a remove button each.

import { h, setText, setAttr, syncList, toggleClass } from "./dom.js";
import { formatNumber, hueOf, initialOf } from "./format.js";
import { t } from "./i18n.js";
import { isHost, myId } from "./state.js";

export function createPlayerList(ctx, { showScores = false } = {}) {
  const list = h("ul", { class: "player-list", testid: "player-list", "aria-live": "polite", "aria-relevant": "additions removals" });

  function createItem(player) {
    const avatar = h("span", { class: "avatar", translate: "no", "aria-hidden": "true" });
    const name = h("span", { class: "player-name", dir: "auto", translate: "no" });
    const badges = h("span", { class: "badges" });
    const score = showScores ? h("span", { class: "player-score" }) : null;
    const li = h("li", { class: "player", testid: "player" }, avatar, name, badges, score);
    li._parts = { avatar, name, badges, score, kick: null };
    return li;
  }

  function badge(text, cls) {
    return h("span", { class: ["badge", cls], text });
  }

  function updateItem(li, player, s) {
    const { avatar, name, badges, score } = li._parts;
    const me = player.id === myId(s);
    const host = s.room && player.id === s.room.host_id;
    setAttr(li, "data-player-id", player.id);
    setAttr(li, "data-connected", player.connected ? "true" : "false");
    setAttr(li, "data-host", host ? "true" : null);
    toggleClass(li, "is-me", me);
    toggleClass(li, "is-offline", !player.connected);
    setText(avatar, initialOf(player.name));
    avatar.style.setProperty("--hue", String(hueOf(player.id)));
    setText(name, player.name);
    const wanted = [host && "host", me && "you", !player.connected && "offline", document.documentElement.lang].filter(Boolean).join(",");
    if (badges.dataset.badges !== wanted) {
      badges.dataset.badges = wanted;
      badges.replaceChildren(...[
        host && badge(t("players.host"), "badge-host"),
        me && badge(t("players.you"), "badge-you"),
        !player.connected && badge(t("players.offline"), "badge-offline"),
      ].filter(Boolean));
    }
    if (score) setText(score, formatNumber(player.score));
    // Only the host gets remove buttons (not rendered at all for the others).
    const canKick = isHost(s) && !me;
    if (canKick && !li._parts.kick) {
      li._parts.kick = h("button", {
        type: "button",
        class: "btn btn-small btn-danger-ghost kick",
        testid: "kick-button",
        onclick: () => ctx.actions.kick(player.id),
      }, t("players.remove"));
      li.appendChild(li._parts.kick);
    } else if (!canKick && li._parts.kick) {
      li._parts.kick.remove();
      li._parts.kick = null;
    }
    if (li._parts.kick) setAttr(li._parts.kick, "aria-label", t("players.remove_label", { name: player.name }));
  }

  return {
    el: list,
    update(s) {
      // The latest 200: a list of 10,000 rows helps nobody and slows the page.
      const all = s.room ? s.room.players : [];
      const players = all.length > 200 ? all.slice(-200) : all;
      syncList(list, players, (p) => p.id, createItem, (li, p) => updateItem(li, p, s));
    },
  };
}
