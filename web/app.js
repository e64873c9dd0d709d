// Quiz Night: the browser client (entry module).
//
// Plain ES modules, no build step, no dependencies. Served by the game server
// from web/ at "/"; the WebSocket is "/ws" on the same host and port.
//
//   app.js            this file: wiring, screens, actions, keyboard, URL
//   connection.js     WebSocket, reconnect with backoff, rejoin, request ids
//   state.js          client state: the reducer of server messages, the page's
//                     own (local) actions, and the store the views read
//   session.js        the seat (room_id, player_id, token) in sessionStorage
//   clock.js          server clock offset for deadlines
//   dom.js            safe element building (never innerHTML)
//   view-*.js         one module per screen; gamebar/players/leaderboard/
//                     options/qr/toast/announce/format are their parts
//   i18n.js           every string a person reads: the catalogs (i18n/<tag>.js),
//                     plurals, numbers, lists; lang-picker.js the language menu
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
//   join-busy          the room refused the join for now (rate_limited): it
//                      is tried again by itself; inside, join-busy-countdown
//                      ("Next try in 5 seconds") and join-cancel;
//                      join-busy-status the polite live region (the wait
//                      said once, or the giving up after 2 minutes, when
//                      join-submit reads "Try again")
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
//   play-again-new results-csv results-json (host)
// Protocol 1.1 (the host's quiz, presenting)
//   Home: source-generated source-mine (radios) create-category (no LLM key)
//   no-llm-note create-language create-host-plays (off: present) create-show-text
//   create-speed-points create-streak-bonus myquiz-info open-editor suggest-name
//   editor              the quiz editor (data-phase="editor"): editor-title
//                       editor-add-kind editor-add editor-import-file editor-paste
//                       editor-paste-submit editor-export editor-import-note
//                       editor-summary editor-done editor-back editor-regenerate
//                       editor-warning; each "editor-question" (data-index,
//                       data-kind, data-invalid) holds q-kind q-text q-option-N
//                       q-correct-N q-answers q-time q-points q-explanation q-up
//                       q-down q-duplicate q-delete and "field-error" (data-field)
//   Lobby (host): lock-button review-questions display-link-button display-link
//   Question: text-answer submit-answer (text, multi) look-up (no text on phones)
//             timer-none (no time limit); answer-status data-state adds offline
//   Reveal: reveal data-kind; explanation; tie-note; typed-answer
//   Host in game: skip-button end-game-button (press twice: data-armed) lock-button
//   presenter           the presenter / second screen (data-stage = lobby |
//                       question | reveal | board | finished | countdown); inside:
//                       present-controls player-count locked-badge player-list
//                       player kick-button qr share-link question-text option-N
//                       answer-progress (data-answered, data-total) timer-seconds
//                       reveal explanation leaderboard podium podium-place
//                       summary-row; second screen: /?watch=CODE&key=SECRET
//
// Protocol 1.2 (teams, rounds, slider, order, media, extra time)
//   Lobby: team-choice (a player's radios: team-option-N, data-team) team-groups
//          (team-group per team: data-team, data-count; its players' list)
//          team-counts (a large room: the count per team); host, each player
//          row: team-select extra-time-select extra-time-badge (data-factor);
//          presenter: manage-players (a <details> with the same rows)
//   Phone: my-team (the strip above the game: data-team); slider-range
//          slider-number slider-value submit-answer; order-list of order-item
//          (data-index = shown index, data-place) with order-up order-down,
//          order-announce (live); option-image question-image sound-button
//          (data-state = ready | playing | paused | ended)
//   Reveal: reveal data-kind = slider: histogram buckets (reveal-option with
//          data-from data-to data-count data-correct data-mine), correct-value
//          my-value (data-value); order: correct-order of order-row
//          (data-index, data-place), order-count; my-team-rank; my-result
//          data-close="true" (a slider answer near enough to score)
//   Round: round-card (the title during the countdown: data-round);
//          round-over (the round's standings: data-round) team-board of
//          team-row (data-team, data-rank, data-score); team-podium of
//          team-place (data-team, data-rank, data-score)
//   Presenter stages add round (a round's standings); question-image is
//          large there, the sound plays by itself where the browser lets it
//          (not on a second screen); still-answering (time up here, the
//          question open: extra time); best-player (under the team podium);
//          the question's screen has data-shown-ms (its first frame)
//   <html data-media-ready="true|false" data-media-count="done/wanted">,
//          window.quizMedia (see play-media.js): the prefetch
//
// Protocol 1.2, the host's side (editor, create form, lobby settings)
//   Editor: editor-export-bundle editor-media-note; each editor-question adds
//          editor-round (data-round) with q-round q-round-remove, q-round-add;
//          q-image-slot q-image-drop q-image-add q-image-file (the <input
//          type=file>) q-image-preview q-image-alt q-image-replace q-image-remove
//          q-image-progress q-image-status q-image-error q-image-missing;
//          q-audio-add q-audio-file q-audio-player q-audio-replace q-audio-remove;
//          per option row (data-option-row=N): q-option-image-add-N
//          q-option-file-N q-option-thumb-N q-option-image-remove-N
//          q-option-N-image-error; slider: q-slider-min -max -step -correct
//          -tolerance -margin q-slider-summary q-slider-preview q-slider-try
//          q-slider-box; order: q-option-N q-item-up-N q-item-down-N
//          q-item-remove-N q-item-add q-order-note
//   Create form and the lobby's dialog: teams-on team-name-N team-remove-N
//          team-add team-score-mean team-score-sum leaderboard-question
//          leaderboard-round teams-error; teams-dialog-button (host's lobby
//          tools) teams-dialog teams-dialog-save teams-dialog-cancel
//          teams-dialog-error
//
// Languages
//   lang-select        the language menu in the header (every screen); the
//                      choice is kept in localStorage ("quiz.lang.v1");
//                      ?lang=TAG sets the page's language for this load
//                      (qps: the pseudo-locale of the tests)
//   lang-offer         in a room whose language (settings.language) is not
//                      the page's, for a player who chose none: lang-offer-yes
//                      lang-offer-no
//   Data (names, questions, options, codes) is in elements with
//   translate="no" (and dir="auto", or <bdi>): never translated, isolated.
//
// Keys: 1 to 4 answer the open question (not while typing in a field); for
// several right answers they toggle and Enter sends. Presenter: space or →
// moves on (start, leaderboard, next question).
// ---------------------------------------------------------------------------

import { h, setText, setAttr } from "./dom.js";
import { applyDocument, has, locale, matchLocale, onLocaleChange, pickLocale, raw, savedLocale, setLocale, t, tNodes } from "./i18n.js";
import { createLanguagePicker, languageOffer, offeredLanguage } from "./lang-picker.js";
import { Connection } from "./connection.js";
import { remainingMs } from "./clock.js";
import { clearSession, loadLastQuestion, loadSession, rememberName, saveLastQuestion, saveSession } from "./session.js";
import { LOCAL, createStore, initialState, isHost, isPresenter, isWatchingQuestion, myId, findPlayer } from "./state.js";
import { toastError, toastInfo } from "./toast.js";
import { homeView, rejoiningView } from "./view-home.js";
import { lobbyView } from "./view-lobby.js";
import { countdownView, generatingView } from "./view-wait.js";
import { answerFits, isUntimed, questionView } from "./view-question.js";
import { revealView, roundOverView } from "./view-reveal.js";
import { watchMedia } from "./play-media.js";
import { finalView } from "./view-final.js";
import { editorView } from "./view-editor.js";
import { createUploader } from "./uploads.js";
import { ensureMedia } from "./quizmedia.js";
import { roomSettingsButton } from "./room-settings.js";
import { presenterView } from "./view-presenter.js";
import { downloadResultsCsv, downloadResultsJson } from "./results.js";
import { isPassing, nextAnswerTry, nextJoinTry, retryDelay } from "./retry.js";

/** What an action was doing, for the line under an error it gets back. */
function actionLabel(action) {
  return has(`action.${action}`) ? t(`action.${action}`) : t("action.other");
}

// ------------------------------------------------------------------ setup

const params = new URLSearchParams(location.search);
// The page's language before anything is drawn: ?lang=, the saved choice, the
// browser's languages (see i18n.js). Only the chosen catalog is loaded.
const queryLang = matchLocale(params.get("lang"));
await setLocale(pickLocale({ query: queryLang, saved: savedLocale(), languages: navigator.languages || [navigator.language] })).catch(() => {});
applyDocument();
const inviteCode = (params.get("room") || "").trim().slice(0, 64);
// A second screen: /?watch=CODE&key=SECRET follows the game with no controls.
const watchCode = (params.get("watch") || "").trim().slice(0, 64);
const display = watchCode ? { room_id: watchCode, key: (params.get("key") || "").slice(0, 256) } : null;
// Every change to store.state goes through the store: server messages with
// store.receive, the page's own changes as named actions with store.dispatch
// (see applyAction in state.js).
const store = createStore(initialState({ session: display ? null : loadSession(), inviteCode, lastQuestion: display ? null : loadLastQuestion(), display }));
const requestLabels = new Map(); // request_id -> what it was, for error toasts
// The server said it was restarting: a rejoin that fails after that means the
// room did not survive it (the server answers a failed rejoin the same way
// whether or not the room exists, so that codes cannot be guessed).
let restartSeen = false;

const phaseEl = document.getElementById("app");
const statusEl = document.getElementById("connection-status");
const statusText = statusEl.querySelector(".conn-text");
const roomChip = document.getElementById("room-chip");
const noticeEl = document.getElementById("notice");

const conn = new Connection({
  getSession: () => (store.state.display ? null : store.state.session),
  onOpenWithoutSession: () => {
    if (store.state.display) watchNow();
  },
  onMessage: handleMessage,
  onStatus: (status) => store.dispatch({ type: LOCAL.CONNECTION, status }),
  onRejoinFailed: handleRejoinFailed,
  onTerminalClose: handleTerminalClose,
  onRestarting: () => {
    restartSeen = true;
    toastInfo("toast.restarting");
  },
});

// Pictures and sound go up over the same socket, one at a time (uploads.js).
const uploader = createUploader(conn);

// ---------------------------------------------------------------- messages

function handleMessage(msg, receivedAt) {
  if (store.state.display) {
    // The second screen has no seat: whatever carries the room resyncs it.
    if (msg.room && typeof msg.room === "object" && msg.type !== "room_state") msg = { type: "room_state", room: msg.room };
    store.dispatch({ type: LOCAL.DISPLAY_SEAT }, { quiet: true });
    if (msg.type === "error") return;
  }
  // An upload's error is said on its field (the editor), not as a toast too.
  if (msg.type === "error" && !conn.quietIds.has(msg.request_id)) {
    const label = requestLabels.get(msg.request_id);
    toastError(msg, label ? label() : "");
  }
  if (typeof msg.request_id === "string") requestLabels.delete(msg.request_id);

  const s = store.state;
  const wasHost = s.room && s.session && s.room.host_id === s.session.player_id;
  const watchBefore = s.session?.watch_question ?? null;
  const changed = store.receive(msg, receivedAt);
  if (!changed) return;

  if (s.display) {
    // never saved: a display has no seat to come back to
  } else if (msg.type === "room_created" || msg.type === "room_joined") {
    restartSeen = false; // back in the room: a later failure is not the restart's
    saveSession(s.session);
    setUrlRoom(s.session.room_id);
  } else if ((s.session?.watch_question ?? null) !== watchBefore && s.session) {
    saveSession(s.session);
  }
  if (msg.type === "questions_draft") store.dispatch({ type: LOCAL.REVIEW_DRAFT, at: receivedAt }, { quiet: true });
  if (msg.type === "host_changed" && s.session && msg.host_id === s.session.player_id && !wasHost) {
    toastInfo("toast.now_host");
  }
  if (msg.type === "player_left" && msg.player && msg.player.id !== myId(s) && msg.reason === "kicked") {
    if (typeof msg.player.name === "string") toastInfo("toast.player_removed", { name: msg.player.name });
    else toastInfo("toast.someone_removed");
  }
  store.emit(msg.type);
}

// One clear sentence when a room did not survive a restart (a server
// without Redis keeps rooms in memory), and nothing saying otherwise.
const ROOM_LOST = { tone: "error", key: "notice.room_lost" };

function handleRejoinFailed(error) {
  const roomId = store.state.session?.room_id || "";
  if (error.code === "invalid_token" && !restartSeen) {
    goHome({ tone: "error", key: "notice.seat_expired", params: { code: roomId } }, roomId);
  } else {
    goHome(ROOM_LOST);
  }
  restartSeen = false;
}

// A second screen refused for now (rate_limited, server_busy) tries again
// when the server says, for as long as it takes: nobody stands at it.
let watchRetry = { timer: null, attempt: 0 };
function watchNow(requestId = undefined) {
  const d = store.state.display;
  clearTimeout(watchRetry.timer);
  if (requestId === undefined) watchRetry = { timer: null, attempt: 0 };
  const sent = conn.send("watch", { room_id: d.room_id, key: d.key, display_token: d.key }, { requestId });
  sent.done.catch((error) => {
    if (error && (error.code === "room_not_found" || error.code === "invalid_token")) {
      store.dispatch({ type: LOCAL.WATCH_FAILED, notice: ROOM_LOST });
    } else if (isPassing(error)) {
      // (A socket that drops meanwhile sends a new watch when it opens again.)
      const again = () => conn.openSocket() && watchNow(sent.requestId);
      watchRetry.timer = setTimeout(again, retryDelay(error, watchRetry.attempt++));
    }
  });
}

function handleTerminalClose(code) {
  if (code === 4003) {
    // Keep the saved seat: "Play here" takes it back.
    setUrlRoom(null);
    store.dispatch({
      type: LOCAL.LEAVE_ROOM,
      notice: {
        tone: "info",
        key: "notice.other_tab",
        action: "reconnect",
      },
    });
    return;
  }
  goHome({ tone: "error", key: code === 4001 ? "notice.kicked" : "notice.closed" });
}

// ---------------------------------------------------------------- actions

/**
 * Send an action; server errors are toasted in handleMessage, local ones
 * here. `label`: what it does, as a function (the words in the language of
 * the moment the error comes). `requestId`: an earlier request's, to send
 * it again (see retry.js).
 */
function act(action, fields = {}, label = () => actionLabel(action), { quiet = false, requestId: again = undefined } = {}) {
  const { requestId, done } = conn.send(action, fields, { quiet, requestId: again });
  requestLabels.set(requestId, label);
  return done.then((reply) => {
    requestLabels.delete(requestId);
    conn.quietIds.delete(requestId);
    return reply;
  }, (error) => {
    requestLabels.delete(requestId);
    conn.quietIds.delete(requestId);
    if (error && error.local && !quiet) toastError(error, label());
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
  setUrlRoom(prefillCode || null);
  store.dispatch({ type: LOCAL.LEAVE_ROOM, notice, inviteCode: prefillCode });
}

let lastOwnQuiz = null; // the questions this host supplied, for "play again"

// The join under way: tried again by itself while the server says the room
// is busy (rate_limited with retry_after_ms), until JOIN_GIVE_UP_MS.
let joinRun = null; // {timer, reject}

function setJoining(joining) {
  store.dispatch({ type: LOCAL.JOINING, joining });
}

/** Whether the answer to question `index` may still go: it is open, and this page is still sending it. */
function answerOpen(index) {
  const s = store.state;
  const q = s.question;
  return s.phase === "question" && q?.question_index === index && s.answer.questionIndex === index
    && s.answer.status === "sending" && (isUntimed(q) || remainingMs(q.deadline_ms) > 0);
}

const actions = {
  /** opts.quiet: the caller toasts the error itself (or recovers from it, see view-home.js). */
  createRoom(fields, opts = {}) {
    rememberName(fields.name);
    lastOwnQuiz = Array.isArray(fields.questions) ? fields.questions : null;
    return act("create_room", fields, undefined, opts);
  },
  /**
   * Join a room; when the server says it is busy, try again by itself (the
   * same request_id) when it says, showing the wait (state.joining). Resolves
   * with room_joined; rejects with the refusal, with {code: "gave_up"} after
   * JOIN_GIVE_UP_MS (state.joining says so), or {code: "cancelled"}.
   */
  joinRoom(code, name) {
    rememberName(name);
    actions.cancelJoin();
    const run = { timer: null, reject: null };
    joinRun = run;
    const startedAt = Date.now();
    let attempt = 0;
    const requestId = conn.nextRequestId(); // the same for every try
    return new Promise((resolve, reject) => {
      run.reject = reject;
      const tryNow = () => {
        const busy = attempt > 0;
        setJoining({ status: "sending", busy, retryAt: null });
        const sent = act("join_room", { room_id: code, name }, undefined, { quiet: true, requestId });
        sent.then((reply) => {
          if (joinRun !== run) {
            // Cancelled while the join was on its way: out again.
            if (reply?.type === "room_joined") actions.leave();
            return;
          }
          joinRun = null;
          setJoining(null);
          resolve(reply);
        }, (error) => {
          if (joinRun !== run) return;
          const plan = nextJoinTry({ error, attempt, startedAt, now: Date.now() });
          if (plan.retry) {
            attempt += 1;
            setJoining({ status: "waiting", busy: true, retryAt: Date.now() + plan.delayMs });
            run.timer = setTimeout(tryNow, plan.delayMs);
            return;
          }
          joinRun = null;
          if (plan.reason === "gave_up") {
            setJoining({ status: "gave_up", busy: true, retryAt: null });
            reject({ type: "error", code: "gave_up", local: true });
            return;
          }
          setJoining(null);
          toastError(error, actionLabel("join_room"));
          reject(error);
        });
      };
      tryNow();
    });
  },
  /** Stop a join that waits to try again (the form stays as it was). */
  cancelJoin() {
    const run = joinRun;
    joinRun = null;
    if (store.state.joining) setJoining(null);
    if (!run) return;
    clearTimeout(run.timer);
    run.reject({ type: "error", code: "cancelled", local: true });
  },
  startGame: () => act("start_game"),
  next: () => act("next_question"),
  playAgain() {
    // The same questions: the host's own (or reviewed) quiz goes back in.
    return act("play_again").then(() => (lastOwnQuiz ? act("set_questions", { questions: lastOwnQuiz }) : null));
  },
  kick(playerId) {
    const p = findPlayer(store.state, playerId);
    const name = p ? p.name : null;
    return act("kick_player", { player_id: playerId }, () => (name ? t("action.kick_named", { name }) : actionLabel("kick_player"))).catch(() => {});
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
  /** Answer the open question: an index, a list of indexes (multi) or a text. */
  answer(value) {
    const s = store.state;
    const q = s.question;
    if (s.phase !== "question" || !q) return;
    if (!answerFits(q, value)) return;
    if (isWatchingQuestion(s)) return;
    if (s.connection.state !== "connected") return; // the answers are disabled until we are back
    if (s.answer.questionIndex === q.question_index && s.answer.index !== null) return; // first answer counts
    if (!isUntimed(q) && remainingMs(q.deadline_ms) <= 0) return;
    const index = q.question_index;
    store.dispatch({ type: LOCAL.ANSWER_SENDING, questionIndex: index, answer: value });
    // Refused for now (server_busy in a Redis failover, rate_limited): sent
    // again, the same request_id, while the question is open; the player
    // sees "Sending…" meanwhile, not an error.
    const requestId = conn.nextRequestId();
    let attempt = 0;
    const send = () => act("submit_answer", { question_index: index, answer: value }, undefined, { quiet: true, requestId }).catch((error) => {
      const delay = nextAnswerTry({ error, attempt, open: answerOpen(index) });
      if (delay !== null) {
        attempt += 1;
        setTimeout(() => (answerOpen(index) ? send() : store.dispatch({ type: LOCAL.ANSWER_FAILED, questionIndex: index, code: null })), delay);
        return;
      }
      if (!isPassing(error)) toastError(error, actionLabel("submit_answer"));
      store.dispatch({ type: LOCAL.ANSWER_FAILED, questionIndex: index, code: error?.code ?? null });
    });
    send();
  },
  closeQuestion: () => act("close_question").catch(() => {}),
  /** Put a player in a team (the host anyone, a player themselves; the lobby only). */
  movePlayer(playerId, team) {
    const p = findPlayer(store.state, playerId);
    const name = p ? p.name : null;
    return act("move_player", { player_id: playerId, team }, () => (name ? t("action.move_named", { name }) : actionLabel("move_player"))).catch(() => {});
  },
  /** The host gives a player more time: 1, 1.5 or 2 times the question's. */
  setExtraTime(playerId, factor) {
    const p = findPlayer(store.state, playerId);
    const name = p ? p.name : null;
    return act("set_extra_time", { player_id: playerId, factor }, () => (name ? t("action.extra_time_named", { name }) : actionLabel("set_extra_time"))).catch(() => {});
  },
  endGame: () => act("end_game").catch(() => {}),
  setLocked: (locked) => act(locked ? "lock_room" : "unlock_room").catch(() => {}),
  updateSettings: (fields) => act("update_settings", fields).catch(() => {}),
  fetchResults: () => act("get_results"),
  downloadResults(format) {
    return act("get_results").then((reply) => {
      const results = reply && reply.type === "results" ? reply : store.state.results;
      if (!results) return;
      if (format === "json") downloadResultsJson(results);
      else downloadResultsCsv(results);
    }).catch(() => {});
  },
  /** Play again with new questions: the same room, the questions chosen again in the lobby. */
  playAgainNew() {
    return act("play_again").then(() => {
      if (lastOwnQuiz) lastOwnQuiz = null;
      return actions.generateDraft();
    }).catch(() => {});
  },
  openEditor(showErrors = false, serverError = null, mediaMissing = false) {
    store.dispatch({ type: LOCAL.OPEN_EDITOR, showErrors, serverError, mediaMissing });
  },
  /** The room's teams and standings from the lobby's dialog (room-settings.js): the reply, or the error (shown there). */
  saveRoomSettings: (fields) => act("update_settings", fields, undefined, { quiet: true }),
  closeEditor() {
    store.dispatch({ type: LOCAL.CLOSE_EDITOR, preferMyQuiz: true });
  },
  /** Ask the server for questions to review before the start (AI, or the bank without a key). */
  generateDraft() {
    const s = store.state;
    const fields = { topic: s.room?.topic || t("topic.default"), count: s.room?.settings?.num_questions ?? s.room?.total_questions ?? 5 };
    if (s.room?.settings?.difficulty) fields.difficulty = s.room.settings.difficulty;
    if (s.room?.settings?.language) fields.language = s.room.settings.language;
    store.dispatch({ type: LOCAL.DRAFT_PENDING, pending: true });
    return act("generate_questions", fields).finally(() => store.dispatch({ type: LOCAL.DRAFT_PENDING, pending: false }));
  },
  async useDraft(questions, title) {
    // Pictures the server has forgotten since they were added go back up first.
    ({ questions } = await ensureMedia(questions, uploader).catch(() => ({ questions })));
    lastOwnQuiz = questions;
    return act("set_questions", title ? { questions, topic: title.slice(0, 100) } : { questions }).then(() => {
      store.dispatch({ type: LOCAL.DRAFT_USED });
      toastInfo("toast.questions_ready", { count: questions.length });
    }).catch(() => {});
  },
  displayLink() {
    return act("get_display_link").then((reply) => {
      const r = reply || {};
      const roomId = store.state.session?.room_id || "";
      let link = typeof r.url === "string" ? new URL(r.url, location.href).href : null;
      if (!link) {
        const key = r.display_token || r.key || r.token || "";
        link = `${location.origin}${location.pathname}?watch=${encodeURIComponent(roomId)}&key=${encodeURIComponent(key)}`;
      }
      store.dispatch({ type: LOCAL.DISPLAY_LINK, url: link });
      return link;
    });
  },
  /** The host's lobby buttons beyond start and lock (presenter and playing host alike). */
  lobbyExtras() {
    const s = store.state;
    const items = [];
    if (!lastOwnQuiz && !s.draftUsed) {
      items.push(h("button", { type: "button", class: "btn btn-secondary", testid: "review-questions", disabled: Boolean(s.draftPending), onclick: () => actions.generateDraft().catch(() => {}) },
        s.draftPending ? t("lobby.review_writing") : t("lobby.review")));
    }
    items.push(roomSettingsButton(ctx));
    items.push(h("button", {
      type: "button",
      class: "btn btn-secondary",
      testid: "display-link-button",
      onclick: () => {
        // Opened at once (still inside the click, so no popup blocker) and
        // pointed at the secret link when it comes.
        const win = window.open("about:blank", "_blank");
        actions.displayLink().then((link) => {
          if (win && !win.closed) win.location.href = link;
          else toastInfo("toast.open_second_screen");
        }).catch(() => win?.close());
      },
    }, t("lobby.second_screen")));
    return items;
  },
  reconnectHere() {
    const saved = loadSession();
    store.dispatch({ type: LOCAL.RECONNECT_HERE, session: saved });
    conn.start();
  },
};

// ---------------------------------------------------------------- screens

const ctx = { store, actions, uploader };
let current = { key: null, view: null };

function screenKey(s) {
  if (s.editor) return `editor:${s.editor.mode}:${s.editor.at || 0}`;
  if (s.display && !s.room) return s.notice ? "home" : "watching";
  if (!s.room) return s.session ? "rejoining" : "home";
  if (isPresenter(s)) return "presenter";
  switch (s.phase) {
    case "question":
      return s.question ? `question:${s.question.question_index}` : "countdown";
    case "reveal":
      return s.roundOver ? `round:${s.roundOver.round}` : `reveal:${s.room.question_index}`;
    default:
      return s.phase;
  }
}

function makeView(key) {
  const kind = key.split(":")[0];
  switch (kind) {
    case "rejoining": return rejoiningView(ctx);
    case "watching": return rejoiningView(ctx, t("rejoin.display"));
    case "presenter": return presenterView(ctx);
    case "editor": {
      const e = store.state.editor;
      if (e.mode === "draft") {
        const host = store.state.room?.host_plays !== false;
        return editorView(ctx, {
          mode: "draft",
          quiz: { title: store.state.room?.topic || "", questions: e.questions },
          warning: host ? t("ed.warning_host_plays") : null,
          onUse: (questions, title) => actions.useDraft(questions, title),
          onRegenerate: () => actions.generateDraft().catch(() => {}),
          onClose: () => store.dispatch({ type: LOCAL.CLOSE_EDITOR }),
        });
      }
      return editorView(ctx, { mode: "mine", showErrors: e.showErrors, serverError: e.serverError, mediaMissing: e.mediaMissing, onClose: () => actions.closeEditor() });
    }
    case "lobby": return lobbyView(ctx);
    case "generating": return generatingView(ctx);
    case "countdown": return countdownView(ctx);
    case "question": return questionView(ctx);
    case "reveal": return revealView(ctx);
    case "round": return roundOverView(ctx);
    case "finished": return finalView(ctx);
    default: return homeView(ctx);
  }
}

const TITLES = {
  lobby: "doc.lobby",
  generating: "doc.generating",
  countdown: "doc.countdown",
  question: "doc.question",
  reveal: "doc.reveal",
  finished: "doc.finished",
};

let rebuild = false; // the language changed: every screen is drawn again

function render(s) {
  const phase = s.editor ? "editor" : s.room ? s.phase : "home";
  document.body.classList.toggle("presenting", Boolean(s.room) && !s.editor && isPresenter(s));
  document.body.classList.toggle("is-display", Boolean(s.display));
  setAttr(phaseEl, "data-phase", phase);
  document.body.dataset.phase = phase;

  const key = screenKey(s);
  if (key !== current.key || rebuild) {
    const again = rebuild && key === current.key;
    rebuild = false;
    // Drawn again in another language: what was typed stays, and the page stays where it was.
    const kept = again ? keepFields(phaseEl) : null;
    const scrolled = window.scrollY;
    current.view?.destroy?.();
    const view = makeView(key);
    current = { key, view };
    phaseEl.replaceChildren(view.el);
    if (kept) restoreFields(phaseEl, kept);
    view.update(s);
    if (again) window.scrollTo({ top: scrolled });
    else {
      window.scrollTo({ top: 0 });
      view.focus?.();
    }
  } else {
    current.view.update(s);
  }

  // Header: connection and room.
  setAttr(statusEl, "data-state", s.connection.state);
  setText(statusText, has(s.connection.detail) ? t(s.connection.detail) : s.connection.detail);
  if (s.room && s.session) {
    roomChip.hidden = false;
    setText(roomChip.querySelector(".room-chip-code"), s.room.room_id || s.session.room_id);
  } else {
    roomChip.hidden = true;
  }
  document.title = s.room && s.session && TITLES[phase]
    ? t("doc.title_room", { screen: raw(t(TITLES[phase])), code: s.session.room_id, app: raw(t("app.name")) })
    : s.editor ? `${t("doc.editor")} · ${t("app.name")}` : t("app.name");

  renderNotice(s);
  renderLanguageOffer(s);
}

/** The values typed in a screen's fields, by test id, to put back after a redraw. */
function keepFields(root) {
  const kept = [];
  for (const el of root.querySelectorAll("input[data-testid], select[data-testid], textarea[data-testid]")) {
    kept.push([el.dataset.testid, el.type === "checkbox" || el.type === "radio" ? el.checked : el.value]);
  }
  return kept;
}

function restoreFields(root, kept) {
  for (const [testid, value] of kept) {
    const el = root.querySelector(`[data-testid="${CSS.escape(testid)}"]`);
    if (!el) continue;
    if (typeof value === "boolean") {
      if (el.checked !== value) {
        el.checked = value;
        el.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else if (el.value !== value && !(el.tagName === "SELECT" && ![...el.options].some((o) => o.value === value))) {
      el.value = value;
    }
  }
}

let noticeKey = "";
function renderNotice(s) {
  const n = s.notice;
  const key = n ? `${locale()}|${n.tone}|${n.key}|${JSON.stringify(n.params || {})}|${n.action || ""}` : "";
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
    h("p", { class: "notice-text" }, tNodes(n.key, n.params || {})),
    n.action === "reconnect"
      ? h("button", { type: "button", class: "btn btn-secondary btn-small", testid: "reconnect-here", onclick: () => actions.reconnectHere() }, t("notice.play_here"))
      : null,
    h("button", {
      type: "button",
      class: "btn btn-ghost btn-small",
      "aria-label": t("notice.dismiss_label"),
      onclick: () => store.dispatch({ type: LOCAL.DISMISS_NOTICE }),
    }, t("notice.dismiss")),
  ].filter(Boolean));
}

// The room's language, offered to a player who chose none (declined ones
// are remembered for the tab). A second screen takes it without asking.
const offerEl = document.getElementById("lang-offer");
const OFFER_KEY = "quiz.lang-declined.v1";
let offerKey = null;
function declinedLanguages() {
  try {
    return JSON.parse(sessionStorage.getItem(OFFER_KEY) || "[]");
  } catch {
    return [];
  }
}
function renderLanguageOffer(s) {
  const roomLanguage = s.room?.settings?.language;
  if (s.display) {
    if (!queryLang && !savedLocale() && matchLocale(roomLanguage) && matchLocale(roomLanguage) !== locale()) {
      setLocale(roomLanguage).catch(() => {});
    }
    return;
  }
  const showable = s.room && s.session && !s.editor && !isHost(s);
  const tag = showable ? offeredLanguage(roomLanguage, { declined: declinedLanguages() }) : null;
  const key = tag ? `${tag}|${locale()}` : "";
  if (key === offerKey) return;
  offerKey = key;
  offerEl.hidden = !tag;
  offerEl.replaceChildren(...(tag ? [languageOffer(tag, {
    onDecline() {
      try {
        sessionStorage.setItem(OFFER_KEY, JSON.stringify([...declinedLanguages(), tag]));
      } catch {
        /* storage off: asked again on the next change */
      }
      offerKey = null;
      renderLanguageOffer(store.state);
    },
  })] : []));
}

// The language menu, and every screen drawn again in a new language.
const picker = createLanguagePicker();
document.getElementById("lang-slot").replaceChildren(picker.el);
onLocaleChange(() => {
  const hadFocus = document.activeElement === picker.select;
  picker.update();
  if (hadFocus) picker.select.focus();
  rebuild = true;
  noticeKey = "";
  offerKey = null;
  render(store.state);
});

// Rendering waits for the next frame: a host of 10,000 players gets a
// player_joined each, and one render per frame is plenty.
let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  const run = () => {
    if (!renderQueued) return;
    renderQueued = false;
    render(store.state);
  };
  requestAnimationFrame(run);
  setTimeout(run, 100); // a hidden tab gets no frames: render all the same
}
store.subscribe(scheduleRender);

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
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
  current.view?.onKey?.(event);
});

// ------------------------------------------------------------------ start

// The room's pictures and sounds, fetched ahead whenever no question is open.
watchMedia(store);

conn.start();
store.emit("start");
