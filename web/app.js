// Quiz Night: the browser client (entry module).
//
// Plain ES modules, no build step, no dependencies. Served by the game server
// from web/ at "/"; the WebSocket is "/ws" on the same host and port.
//
//   app.js            this file: wiring, screens, actions, keyboard, URL
//   connection.js     WebSocket, reconnect with backoff, rejoin, request ids
//   state.js          client state and the reducer for server messages
//   session.js        the seat (room_id, player_id, token) in sessionStorage
//   clock.js          server clock offset for deadlines
//   dom.js            safe element building (never innerHTML)
//   view-*.js         one module per screen; gamebar/players/leaderboard/
//                     options/qr/toast/announce/format are their parts
//
// ---------------------------------------------------------------------------
// Test hooks (data-testid attributes; stable, for automated tests)
// ---------------------------------------------------------------------------
// Always present
//   phase              <main>; data-phase = the room's phase: lobby |
//                      generating | countdown | question | reveal | finished,
//                      or "home" when not in a room (also while rejoining)
//   connection-status  data-state = connected | reconnecting | disconnected;
//                      its text says more ("Server restarting…")
//   error-toast        one per server error shown (role="alert"); data-code =
//                      the error code, data-request-id = the request it answers
//   info-toast         informational toasts
//   notice             banner on the home screen after being kicked (4001), the
//                      room closing (4002), the game opening in another tab
//                      (4003: with a "reconnect-here" button that takes the
//                      seat back) or a failed rejoin (invalid_token /
//                      room_not_found); data-tone = error | info
// Home (data-phase="home")
//   create-name create-topic create-num-questions create-time
//   create-difficulty (a <select>: easy|medium|hard) create-reveal (in "More
//   options") create-submit
//   join-code (filled from /?room=CODE) join-name join-submit
//   rejoin-cancel      on the "getting you back in" screen
// Lobby
//   room-code          the code, as text
//   share-link         <a>: text and href are the join link (/?room=CODE)
//   copy-code copy-link share-button (share only where navigator.share exists)
//   localhost-hint     shown when the page was opened on a loopback address
//   room-settings      the settings chips
//   player-list        <ul>; children data-testid="player" with
//                      data-player-id, data-connected="true|false" and
//                      data-host="true" on the host; "kick-button" inside each
//                      other player's row, rendered only for the host
//   start-button       host only; waiting-for-host for the others
//   leave-button
// In game (generating, countdown, question, reveal)
//   players-panel      <details> holding the same player-list / player /
//                      kick-button hooks (open it first); leave-button (asks
//                      window.confirm() during a game: accept the dialog)
//   gamebar-score      your score in the strip above the game; data-value
//   generating-detail generating-status   countdown
//   question-counter question-text option-0 .. option-3 (data-index,
//                      aria-pressed / data-selected="true" on the chosen one,
//                      data-locked="true" once the server confirmed it)
//   timer-bar          role=progressbar; data-remaining-ms, data-deadline-ms
//   answer-status      data-state = none | sending | locked | timeout | watching
//   answer-progress    "N of M answered"; data-answered, data-total
//   reveal             <ol> of "reveal-option" rows: data-index,
//                      data-correct="true|false" (class is-correct too),
//                      data-count; the list has data-correct-answer
//   my-result          your result card; data-correct
//   my-points my-score my-streak my-rank   text for people, data-value raw number
//   leaderboard        <ol> of "leaderboard-row" (data-player-id, data-rank,
//                      data-score)
//   next-button        host only; next-countdown (auto-advance hint)
// Finished
//   podium             <ol> of "podium-place" (data-rank, data-player-id,
//                      data-score), first to third
//   my-rank my-score   your final place and score (data-value)
//   leaderboard        everyone; play-again-button (host only); leave-button
//
// Keys: 1 to 4 answer the open question (not while typing in a field).
// ---------------------------------------------------------------------------

import { h, setText, setAttr } from "./dom.js";
import { Connection } from "./connection.js";
import { remainingMs } from "./clock.js";
import { clearSession, loadLastQuestion, loadSession, rememberName, saveLastQuestion, saveSession } from "./session.js";
import { applyMessage, createStore, initialState, isWatchingQuestion, leaveRoomState, myId, findPlayer } from "./state.js";
import { toastError, toastInfo } from "./toast.js";
import { homeView, rejoiningView } from "./view-home.js";
import { lobbyView } from "./view-lobby.js";
import { countdownView, generatingView } from "./view-wait.js";
import { questionView } from "./view-question.js";
import { revealView } from "./view-reveal.js";
import { finalView } from "./view-final.js";

const ACTION_LABELS = {
  create_room: "Creating the room",
  join_room: "Joining the room",
  start_game: "Starting the game",
  submit_answer: "Sending your answer",
  next_question: "Next question",
  kick_player: "Removing a player",
  leave_room: "Leaving the room",
  play_again: "Play again",
};

// ------------------------------------------------------------------ setup

const params = new URLSearchParams(location.search);
const inviteCode = (params.get("room") || "").trim().slice(0, 64);
const store = createStore(initialState({ session: loadSession(), inviteCode, lastQuestion: loadLastQuestion() }));
const requestLabels = new Map(); // request_id -> what it was, for error toasts

const phaseEl = document.getElementById("app");
const statusEl = document.getElementById("connection-status");
const statusText = statusEl.querySelector(".conn-text");
const roomChip = document.getElementById("room-chip");
const noticeEl = document.getElementById("notice");

const conn = new Connection({
  getSession: () => store.state.session,
  onMessage: handleMessage,
  onStatus: (status) => store.update((s) => {
    s.connection = status;
  }, "connection"),
  onRejoinFailed: handleRejoinFailed,
  onTerminalClose: handleTerminalClose,
  onRestarting: () => toastInfo("The server is restarting. You will be reconnected automatically."),
});

// ---------------------------------------------------------------- messages

function handleMessage(msg, receivedAt) {
  if (msg.type === "error") {
    toastError(msg, requestLabels.get(msg.request_id) || "");
  }
  if (typeof msg.request_id === "string") requestLabels.delete(msg.request_id);

  const s = store.state;
  const wasHost = s.room && s.session && s.room.host_id === s.session.player_id;
  const watchBefore = s.session?.watch_question ?? null;
  const changed = applyMessage(s, msg, receivedAt);
  if (!changed) return;

  if (msg.type === "room_created" || msg.type === "room_joined") {
    saveSession(s.session);
    setUrlRoom(s.session.room_id);
  } else if ((s.session?.watch_question ?? null) !== watchBefore && s.session) {
    saveSession(s.session);
  }
  if (msg.type === "host_changed" && s.session && msg.host_id === s.session.player_id && !wasHost) {
    toastInfo("You are now the host.");
  }
  if (msg.type === "player_left" && msg.player && msg.player.id !== myId(s) && msg.reason === "kicked") {
    toastInfo(`${msg.player.name ?? "A player"} was removed from the room.`);
  }
  store.update(null, msg.type);
}

function handleRejoinFailed(error) {
  const roomId = store.state.session?.room_id || "";
  if (error.code === "invalid_token") {
    goHome({ tone: "error", text: `Your seat in room ${roomId} has expired. You can join it again as a new player.` }, roomId);
  } else {
    goHome({ tone: "error", text: `Room ${roomId} does not exist any more.` });
  }
}

function handleTerminalClose(code) {
  if (code === 4003) {
    // Keep the saved seat: "Play here" takes it back.
    const s = store.state;
    leaveRoomState(s, {
      tone: "info",
      text: "This game is now open in another tab or window, so this one was disconnected.",
      action: "reconnect",
    });
    setUrlRoom(null);
    store.update(null, "replaced");
    return;
  }
  goHome({
    tone: "error",
    text: code === 4001 ? "The host removed you from the room." : "The room was closed.",
  });
}

// ---------------------------------------------------------------- actions

/** Send an action; server errors are toasted in handleMessage, local ones here. */
function act(action, fields = {}, label = ACTION_LABELS[action] || action) {
  const { requestId, done } = conn.send(action, fields);
  requestLabels.set(requestId, label);
  return done.then((reply) => {
    requestLabels.delete(requestId);
    return reply;
  }, (error) => {
    requestLabels.delete(requestId);
    if (error && error.local) toastError(error, label);
    throw error;
  });
}

function setUrlRoom(roomId) {
  const url = new URL(location.href);
  if (roomId) url.searchParams.set("room", roomId);
  else url.searchParams.delete("room");
  if (url.href !== location.href) history.replaceState(null, "", url);
}

function goHome(notice = null, prefillCode = "") {
  clearSession();
  leaveRoomState(store.state, notice);
  store.state.inviteCode = prefillCode;
  setUrlRoom(prefillCode || null);
  store.update(null, "home");
}

const actions = {
  createRoom(fields) {
    rememberName(fields.name);
    return act("create_room", fields);
  },
  joinRoom(code, name) {
    rememberName(name);
    return act("join_room", { room_id: code, name });
  },
  startGame: () => act("start_game"),
  next: () => act("next_question"),
  playAgain: () => act("play_again"),
  kick(playerId) {
    const p = findPlayer(store.state, playerId);
    return act("kick_player", { player_id: playerId }, p ? `Removing ${p.name}` : undefined).catch(() => {});
  },
  leave() {
    if (store.state.session) {
      act("leave_room").catch(() => {});
      conn.dropRoomActions();
    }
    goHome();
  },
  forgetSession() {
    conn.reset();
    goHome();
  },
  answer(index) {
    const s = store.state;
    const q = s.question;
    if (s.phase !== "question" || !q || !Array.isArray(q.options)) return;
    if (index < 0 || index >= q.options.length) return;
    if (isWatchingQuestion(s)) return;
    if (s.answer.questionIndex === q.question_index && s.answer.index !== null) return; // first answer counts
    if (remainingMs(q.deadline_ms) <= 0) return;
    store.update((st) => {
      st.answer = { questionIndex: q.question_index, index, status: "sending" };
    }, "answer");
    act("submit_answer", { question_index: q.question_index, answer: index }).catch((error) => {
      const st = store.state;
      if (st.answer.questionIndex !== q.question_index) return;
      if (error && error.code === "already_answered") st.answer.status = "locked";
      else st.answer = { questionIndex: q.question_index, index: null, status: "none" };
      store.update(null, "answer");
    });
  },
  reconnectHere() {
    const saved = loadSession();
    store.update((s) => {
      s.notice = null;
      s.session = saved;
    }, "reconnect");
    conn.start();
  },
};

// ---------------------------------------------------------------- screens

const ctx = { store, actions };
let current = { key: null, view: null };

function screenKey(s) {
  if (!s.room) return s.session ? "rejoining" : "home";
  switch (s.phase) {
    case "question":
      return s.question ? `question:${s.question.question_index}` : "countdown";
    case "reveal":
      return `reveal:${s.room.question_index}`;
    default:
      return s.phase;
  }
}

function makeView(key) {
  const kind = key.split(":")[0];
  switch (kind) {
    case "rejoining": return rejoiningView(ctx);
    case "lobby": return lobbyView(ctx);
    case "generating": return generatingView(ctx);
    case "countdown": return countdownView(ctx);
    case "question": return questionView(ctx);
    case "reveal": return revealView(ctx);
    case "finished": return finalView(ctx);
    default: return homeView(ctx);
  }
}

const TITLES = {
  home: "Quiz Night",
  lobby: "Lobby",
  generating: "Writing questions",
  countdown: "Get ready",
  question: "Question",
  reveal: "Results",
  finished: "Final results",
};

function render(s) {
  const phase = s.room ? s.phase : "home";
  setAttr(phaseEl, "data-phase", phase);
  document.body.dataset.phase = phase;

  const key = screenKey(s);
  if (key !== current.key) {
    current.view?.destroy?.();
    const view = makeView(key);
    current = { key, view };
    phaseEl.replaceChildren(view.el);
    view.update(s);
    window.scrollTo({ top: 0 });
    view.focus?.();
  } else {
    current.view.update(s);
  }

  // Header: connection and room.
  setAttr(statusEl, "data-state", s.connection.state);
  setText(statusText, s.connection.detail);
  if (s.room && s.session) {
    roomChip.hidden = false;
    setText(roomChip.querySelector(".room-chip-code"), s.session.room_id);
  } else {
    roomChip.hidden = true;
  }
  document.title = s.room ? `${TITLES[phase] || "Quiz"} · ${s.session.room_id} · Quiz Night` : "Quiz Night";

  renderNotice(s);
}

let noticeKey = "";
function renderNotice(s) {
  const n = s.notice;
  const key = n ? `${n.tone}|${n.text}|${n.action || ""}` : "";
  if (key === noticeKey) return;
  noticeKey = key;
  if (!n) {
    noticeEl.hidden = true;
    noticeEl.replaceChildren();
    return;
  }
  noticeEl.hidden = false;
  setAttr(noticeEl, "data-tone", n.tone || "info");
  noticeEl.replaceChildren(...[
    h("p", { class: "notice-text", text: n.text }),
    n.action === "reconnect"
      ? h("button", { type: "button", class: "btn btn-secondary btn-small", testid: "reconnect-here", onclick: () => actions.reconnectHere() }, "Play here instead")
      : null,
    h("button", {
      type: "button",
      class: "btn btn-ghost btn-small",
      "aria-label": "Dismiss this message",
      onclick: () => store.update((st) => {
        st.notice = null;
      }, "notice"),
    }, "Dismiss"),
  ].filter(Boolean));
}

store.subscribe(render);

// Keep the question in play (and the answer sent) for a refresh during its reveal.
let savedQuestionKey = null;
store.subscribe((s) => {
  const q = s.session && s.room ? s.question : null;
  let key;
  if (q) {
    const answer = s.answer.questionIndex === q.question_index && s.answer.status === "locked" ? s.answer.index : null;
    key = `${s.session.room_id}|${q.question_index}|${q.deadline_ms}|${answer}`;
    if (key !== savedQuestionKey) saveLastQuestion(s.session.room_id, q, answer);
  } else if (!s.session || ["lobby", "generating", "countdown"].includes(s.phase)) {
    key = ""; // no room, or a new game: forget the last game's question
    if (key !== savedQuestionKey) saveLastQuestion(null, null, null);
  } else {
    return; // rejoining: keep it
  }
  savedQuestionKey = key;
});

// --------------------------------------------------------------- keyboard

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const t = event.target;
  if (t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
  current.view?.onKey?.(event);
});

// ------------------------------------------------------------------ start

conn.start();
store.update(null, "start");
