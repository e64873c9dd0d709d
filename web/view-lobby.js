// Lobby: the room code and share link (copy, share, QR code for phones),
// the settings, the players, and the host's start button.

import { h, setText, setAttr } from "./dom.js";
import { capitalise, plural } from "./format.js";
import { createPlayerList } from "./players.js";
import { qrCodeSvg } from "./qr.js";
import { isHost, playerCount, settingOf } from "./state.js";
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
    setText(button, ok ? "Copied!" : "Press Ctrl+C");
    announce(ok ? `${label}: copied to the clipboard.` : "Could not copy: select the text and copy it yourself.");
    timer = setTimeout(() => setText(button, label), 2000);
  });
  return button;
}

export function lobbyView(ctx) {
  const s = ctx.store.state;
  const roomId = s.room.room_id || s.session.room_id;
  let link = shareLinkFor(roomId);

  const codeEl = h("p", { class: "room-code", testid: "room-code", "aria-label": `Room code ${Array.from(roomId).join(" ")}`, text: roomId });
  const linkEl = h("a", { class: "share-link", testid: "share-link", href: link, target: "_blank", rel: "noopener", text: link });
  const shareButtons = h("div", { class: "button-row" },
    copyButton("Copy code", "copy-code", () => roomId),
    copyButton("Copy link", "copy-link", () => link),
    typeof navigator.share === "function"
      ? h("button", {
        type: "button",
        class: "btn btn-secondary btn-small",
        testid: "share-button",
        onclick: () => navigator.share({ title: "Join my quiz", text: `Join my quiz! Room code ${roomId}`, url: link }).catch(() => {}),
      }, "Share…")
      : null);

  const qrWrap = h("div", { class: "qr-wrap", testid: "qr" });
  function showLink(url) {
    link = url;
    linkEl.href = url;
    linkEl.textContent = url;
    let qr = null;
    try {
      qr = qrCodeSvg(link, { label: "QR code with the join link" });
    } catch {
      qr = null; // a link too long for the encoder: the code and link remain
    }
    qrWrap.replaceChildren(...(qr ? [qr] : []));
  }
  showLink(link);
  const lanHint = h("p", { class: "hint", testid: "localhost-hint", hidden: !isLoopbackHost() },
    "This page was opened as “localhost”, which only works on this computer: other devices need this computer's network address, and the server did not report one.");
  inviteLink.lan?.then((lan) => {
    if (!lan) return;
    showLink(inviteLink(roomId, lan));
    setText(lanHint, `The link and QR code use this computer's network address (${new URL(lan).host}), so phones on the same Wi-Fi can join.`);
  });

  const share = h("section", { class: "card lobby-share", "aria-labelledby": "share-title" },
    h("h2", { id: "share-title", class: "eyebrow" }, "Room code"),
    codeEl,
    qrWrap,
    h("p", { class: "share-label" }, "Or open this link to join:"),
    linkEl,
    lanHint,
    shareButtons);

  const title = h("h1", { class: "screen-title", tabindex: -1 });
  const settings = h("ul", { class: "chips", "aria-label": "Game settings", testid: "room-settings" });
  const playersHeading = h("h2", { class: "section-title", id: "players-title" });
  const players = createPlayerList(ctx);
  players.el.setAttribute("aria-labelledby", "players-title");

  const startButton = h("button", {
    type: "button",
    class: "btn btn-primary btn-large",
    testid: "start-button",
    onclick: () => {
      startButton.disabled = true;
      setText(startButton, "Starting…");
      ctx.actions.startGame().catch(() => {
        startButton.disabled = false;
        setText(startButton, "Start the game");
      });
    },
  }, "Start the game");
  const waiting = h("p", { class: "waiting", testid: "waiting-for-host" },
    h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
    " Waiting for the host to start");
  const controls = h("div", { class: "lobby-controls" });
  const hostTools = h("div", { class: "button-row host-tools" });
  const displayNote = h("p", { class: "hint", testid: "display-link" });
  let toolsKey = "";
  const leave = h("button", { type: "button", class: "btn btn-ghost", testid: "leave-button", onclick: () => ctx.actions.leave() }, "Leave room");

  const main = h("section", { class: "card lobby-main", "aria-labelledby": "lobby-title" },
    h("p", { class: "eyebrow" }, "Lobby"),
    title,
    settings,
    playersHeading,
    players.el,
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
      setText(title, capitalise(room.topic || settingOf(state, "topic", "General knowledge")));
      const total = room.total_questions || settingOf(state, "num_questions", 5);
      const seconds = settingOf(state, "time_per_question", 20);
      const items = [
        plural(total, "question"),
        seconds === 0 ? "No time limit" : `${seconds} s each`,
        capitalise(settingOf(state, "difficulty", "medium")),
      ];
      const reveal = settingOf(state, "reveal_seconds", null);
      if (reveal === 0) items.push("Host moves on");
      if (settingOf(state, "speed_points", true) === false) items.push("Same points however fast");
      if (settingOf(state, "streak_bonus", true) === false) items.push("No streak bonus");
      if (room.locked) items.push("Locked");
      const key = items.join("|");
      if (key !== lastSettingsKey) {
        lastSettingsKey = key;
        settings.replaceChildren(...items.map((t) => h("li", { class: "chip", text: t })));
      }
      const count = playerCount(state);
      setText(playersHeading, `Players (${count})`);
      players.update(state);

      const host = isHost(state);
      const tk = `${room.locked}|${state.draftPending}|${state.draftUsed}|${state.displayUrl}`;
      if (host && tk !== toolsKey) {
        toolsKey = tk;
        const lock = h("button", { type: "button", class: "btn btn-secondary", testid: "lock-button", onclick: () => ctx.actions.setLocked(!room.locked) }, room.locked ? "Unlock the room" : "Lock the room");
        if (state.displayUrl) displayNote.replaceChildren("Second screen (display only): ", h("a", { href: state.displayUrl, target: "_blank", rel: "noopener", text: state.displayUrl }));
        hostTools.replaceChildren(lock, ...ctx.actions.lobbyExtras(), state.displayUrl ? displayNote : "");
      }
      if (host !== lastHost) {
        lastHost = host;
        controls.replaceChildren(host
          ? h("div", { class: "host-start" }, startButton,
            h("p", { class: "hint", id: "start-hint" }, "Everyone in the list plays. Late arrivals join from the next question."),
            hostTools)
          : waiting);
        if (host) setAttr(startButton, "aria-describedby", "start-hint");
      }
    },
  };
}
