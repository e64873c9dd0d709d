// Lobby: the room code and share link (copy, share, QR code for phones),
// the settings, the players (by team in a team game, where a player picks
// their own team), and the host's start button.

import { h, hData, setText, setAttr } from "./dom.js";
import { capitalise } from "./format.js";
import { fmtDuration, locale, raw, t, tNodes } from "./i18n.js";
import { createPlayerList } from "./players.js";
import { qrCodeSvg } from "./qr.js";
import { hasTeams, isHost, myTeam, playerCount, settingOf, teamsOf } from "./state.js";
import { createTeamChoice, createTeamGroups } from "./teams.js";
import { inviteLink, isLoopbackHost } from "./invite.js";
import { announce } from "./announce.js";

export function shareLinkFor(roomId) {
  return inviteLink(roomId, null);
}

/** Copy text to the clipboard; falls back to a selected textarea on plain-HTTP LAN hosts. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall through */
  }
  const area = h("textarea", { class: "visually-hidden", readonly: true, "aria-hidden": "true" });
  area.value = text;
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

function copyButton(label, testid, getText) {
  const button = h("button", { type: "button", class: "btn btn-secondary btn-small", testid }, label);
  let timer = null;
  button.addEventListener("click", async () => {
    const ok = await copyText(getText());
    clearTimeout(timer);
    setText(button, ok ? t("lobby.copied") : t("lobby.copy_by_hand"));
    announce(ok ? t("lobby.copied_announce") : t("lobby.copy_failed"));
    timer = setTimeout(() => setText(button, label), 2000);
  });
  return button;
}

export function lobbyView(ctx) {
  const s = ctx.store.state;
  const roomId = s.room.room_id || s.session.room_id;
  let link = shareLinkFor(roomId);

  const codeEl = hData("p", { class: "room-code", testid: "room-code", dir: "ltr", "aria-label": t("lobby.code_label", { code: Array.from(roomId).join(" ") }) }, roomId);
  const linkEl = hData("a", { class: "share-link", testid: "share-link", dir: "ltr", href: link, target: "_blank", rel: "noopener" }, link);
  const shareButtons = h("div", { class: "button-row" },
    copyButton(t("lobby.copy_code"), "copy-code", () => roomId),
    copyButton(t("lobby.copy_link"), "copy-link", () => link),
    typeof navigator.share === "function"
      ? h("button", {
        type: "button",
        class: "btn btn-secondary btn-small",
        testid: "share-button",
        onclick: () => navigator.share({ title: t("lobby.share_title"), text: t("lobby.share_text", { code: raw(roomId) }), url: link }).catch(() => {}),
      }, t("lobby.share"))
      : null);

  const qrWrap = h("div", { class: "qr-wrap", testid: "qr" });
  function showLink(url) {
    link = url;
    linkEl.href = url;
    linkEl.textContent = url;
    let qr = null;
    try {
      qr = qrCodeSvg(link, { label: t("lobby.qr_label") });
    } catch {
      qr = null; // a link too long for the encoder: the code and link remain
    }
    qrWrap.replaceChildren(...(qr ? [qr] : []));
  }
  showLink(link);
  const lanHint = h("p", { class: "hint", testid: "localhost-hint", hidden: !isLoopbackHost() }, t("lobby.localhost"));
  inviteLink.lan?.then((lan) => {
    if (!lan) return;
    showLink(inviteLink(roomId, lan));
    lanHint.replaceChildren(...tNodes("lobby.lan", { host: new URL(lan).host }));
  });

  const share = h("section", { class: "card lobby-share", "aria-labelledby": "share-title" },
    h("h2", { id: "share-title", class: "eyebrow" }, t("lobby.code_title")),
    codeEl,
    qrWrap,
    h("p", { class: "share-label" }, t("lobby.or_link")),
    linkEl,
    lanHint,
    shareButtons);

  const title = h("h1", { class: "screen-title", tabindex: -1, dir: "auto", translate: "no" });
  const settings = h("ul", { class: "chips", "aria-label": t("lobby.settings"), testid: "room-settings" });
  const playersHeading = h("h2", { class: "section-title", id: "players-title" });
  const players = createPlayerList(ctx);
  players.el.setAttribute("aria-labelledby", "players-title");
  const teamChoice = createTeamChoice(ctx);
  const teamGroups = createTeamGroups(ctx);
  const teamsNote = h("p", { class: "hint", testid: "team-note" }, t("tm.lobby_hint"));
  const playersBox = h("div", { class: "lobby-players" }, players.el);

  const startButton = h("button", {
    type: "button",
    class: "btn btn-primary btn-large",
    testid: "start-button",
    onclick: () => {
      startButton.disabled = true;
      setText(startButton, t("lobby.starting"));
      ctx.actions.startGame().catch(() => {
        startButton.disabled = false;
        setText(startButton, t("lobby.start"));
      });
    },
  }, t("lobby.start"));
  const waiting = h("p", { class: "waiting", testid: "waiting-for-host" },
    h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
    h("span", null, t("lobby.waiting")));
  const controls = h("div", { class: "lobby-controls" });
  const hostTools = h("div", { class: "button-row host-tools" });
  const displayNote = h("p", { class: "hint", testid: "display-link" });
  let toolsKey = "";
  const leave = h("button", { type: "button", class: "btn btn-ghost", testid: "leave-button", onclick: () => ctx.actions.leave() }, t("lobby.leave"));

  const main = h("section", { class: "card lobby-main", "aria-labelledby": "lobby-title" },
    h("p", { class: "eyebrow" }, t("lobby.eyebrow")),
    title,
    settings,
    playersHeading,
    playersBox,
    controls,
    h("div", { class: "lobby-footer" }, leave));
  title.id = "lobby-title";

  const el = h("div", { class: "screen screen-lobby" }, share, main);
  let lastHost = null;
  let lastSettingsKey = "";

  return {
    el,
    focus() {
      title.focus({ preventScroll: true });
    },
    update(state) {
      const room = state.room;
      setText(title, capitalise(room.topic || settingOf(state, "topic", t("topic.default"))));
      const total = room.total_questions || settingOf(state, "num_questions", 5);
      const seconds = settingOf(state, "time_per_question", 20);
      const difficulty = settingOf(state, "difficulty", "medium");
      const items = [
        t("lobby.chip_questions", { count: total }),
        seconds === 0 ? t("lobby.chip_no_limit") : t("lobby.chip_time", { time: raw(fmtDuration(seconds, "short")) }),
        ["easy", "medium", "hard"].includes(difficulty) ? t(`difficulty.${difficulty}`) : null,
      ].filter(Boolean);
      const reveal = settingOf(state, "reveal_seconds", null);
      if (reveal === 0) items.push(t("lobby.chip_host_moves"));
      if (settingOf(state, "speed_points", true) === false) items.push(t("lobby.chip_same_points"));
      if (settingOf(state, "streak_bonus", true) === false) items.push(t("lobby.chip_no_streak"));
      if (room.locked) items.push(t("lobby.chip_locked"));
      const teamCount = teamsOf(state).length;
      if (teamCount) items.push(t("lobby.chip_teams", { count: teamCount }));
      if (teamCount && settingOf(state, "team_score", "mean") === "sum") items.push(t("lobby.chip_team_sum"));
      if (settingOf(state, "leaderboard", "question") === "round") items.push(t("lobby.chip_round_board"));
      const key = `${locale()}|${items.join("|")}`;
      if (key !== lastSettingsKey) {
        lastSettingsKey = key;
        settings.replaceChildren(...items.map((item) => h("li", { class: "chip", text: item })));
      }
      const count = playerCount(state);
      setText(playersHeading, t("lobby.players", { count }));
      // A team game: the players by team, and a player's own choice.
      const teams = hasTeams(state);
      const choosing = teams && myTeam(state) !== null;
      const wanted = teams ? [choosing ? teamChoice.el : null, teamGroups.el, choosing ? teamsNote : null].filter(Boolean) : [players.el];
      if (wanted.length !== playersBox.children.length || wanted.some((node, i) => playersBox.children[i] !== node)) playersBox.replaceChildren(...wanted);
      if (teams) {
        if (choosing) teamChoice.update(state);
        teamGroups.update(state);
      } else {
        players.update(state);
      }

      const host = isHost(state);
      const tk = `${room.locked}|${state.draftPending}|${state.draftUsed}|${state.displayUrl}`;
      if (host && tk !== toolsKey) {
        toolsKey = tk;
        const lock = h("button", { type: "button", class: "btn btn-secondary", testid: "lock-button", onclick: () => ctx.actions.setLocked(!room.locked) }, room.locked ? t("lobby.unlock") : t("lobby.lock"));
        if (state.displayUrl) displayNote.replaceChildren(...tNodes("lobby.display_note", { link: hData("a", { href: state.displayUrl, target: "_blank", rel: "noopener", dir: "ltr" }, state.displayUrl) }));
        hostTools.replaceChildren(lock, ...ctx.actions.lobbyExtras(), state.displayUrl ? displayNote : "");
      }
      if (host !== lastHost) {
        lastHost = host;
        controls.replaceChildren(host
          ? h("div", { class: "host-start" }, startButton,
            h("p", { class: "hint", id: "start-hint" }, t("lobby.start_hint")),
            hostTools)
          : waiting);
        if (host) setAttr(startButton, "aria-describedby", "start-hint");
      }
    },
  };
}
