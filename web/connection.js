// The WebSocket: connect, reconnect with backoff, rejoin with the session
// token, request ids, and the replies to them.
//
// States reported through onStatus({state, detail}), `detail` a message id
// of the catalog (web/i18n/en.js: conn.*):
//   "connected"    socket open (and, holding a session, rejoined)
//   "reconnecting" connecting, rejoining, or waiting before the next try
//   "disconnected" closed for good (kicked, room closed, opened elsewhere);
//                  a later send() opens a fresh socket on demand.

import { hintedMs, isPassing } from "./retry.js";

const CLOSE_KICKED = 4001;
const CLOSE_ROOM_CLOSED = 4002;
const CLOSE_REPLACED = 4003;
const TERMINAL_CLOSE_CODES = new Set([CLOSE_KICKED, CLOSE_ROOM_CLOSED, CLOSE_REPLACED]);

// Actions that make sense before being seated in a room (an upload too:
// the editor is used before a room exists).
const LOBBYLESS_ACTIONS = new Set(["create_room", "join_room", "rejoin", "watch", "upload_media"]);
// Codes after which a rejoin can never succeed.
const FATAL_REJOIN_CODES = new Set(["invalid_token", "room_not_found"]);

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 10_000;
const STABLE_AFTER_MS = 10_000; // a socket open this long resets the backoff
const DEDUP_WINDOW_MS = 55_000; // the server remembers request ids for 60 s

export function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

/** The delay before reconnect attempt `attempt` (0-based): 0.5 s, 1 s, 2 s, ... 10 s, +-20 % jitter. */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}

// `message` is for a developer reading the console; the page says the code's own
// words (toast.js), as for the server's errors.
function localError(code, message) {
  return { type: "error", code, message, local: true };
}

export class Connection {
  /**
   * @param {object} opts
   * @param {() => ({room_id: string, token: string} | null)} opts.getSession
   * @param {(msg: object, receivedAt: number) => void} opts.onMessage every server message
   * @param {(status: {state: string, detail: string}) => void} opts.onStatus
   * @param {(error: object) => void} opts.onRejoinFailed invalid_token / room_not_found after rejoin
   * @param {(code: number, reason: string) => void} opts.onTerminalClose 4001 / 4002 / 4003
   * @param {(delayMs: number) => void} [opts.onRestarting] server_restarting received
   */
  constructor(opts) {
    this.url = opts.url || socketUrl();
    this.opts = opts;
    this.ws = null;
    this.seated = false; // this socket is in a room (joined, created or rejoined)
    this.stopped = true; // no automatic reconnect (before start, after a terminal close)
    this.attempt = 0;
    this.retryTimer = null;
    this.rejoinTimer = null;
    this.rejoinRequestId = null;
    this.restartDelayMs = null;
    this.openedAt = 0;
    this.everOpened = false;
    this.pending = new Map();
    // Request ids whose errors the caller shows itself (an upload's, on
    // its field): the page does not toast them too (see app.js).
    this.quietIds = new Set();
    this.status = { state: "reconnecting", detail: "conn.connecting" };
    // Request ids must not repeat across page loads within the server's
    // 60 s dedup window (a refreshed page rejoins as the same player), so
    // each page load gets a random prefix before its counter.
    this.idPrefix = Math.random().toString(36).slice(2, 8);
    this.idCounter = 0;

    window.addEventListener("online", () => this.wakeUp());
    window.addEventListener("offline", () => {
      if (this.status.state !== "connected") this.setStatus("reconnecting", "conn.offline");
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.wakeUp();
    });
    setInterval(() => this.expirePending(), 5_000);
  }

  nextRequestId() {
    this.idCounter += 1;
    return `${this.idPrefix}-${this.idCounter}`;
  }

  setStatus(state, detail) {
    if (this.status.state === state && this.status.detail === detail) return;
    this.status = { state, detail };
    this.opts.onStatus?.(this.status);
  }

  /** Open the socket (and keep it open) from now on. */
  start() {
    this.stopped = false;
    this.attempt = 0;
    this.connectNow();
  }

  /** A waiting reconnect happens now (network back, tab visible again). */
  wakeUp() {
    if (this.stopped || !this.retryTimer) return;
    this.attempt = 0;
    this.connectNow();
  }

  connectNow() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) return;
    this.setStatus("reconnecting", this.everOpened ? "conn.reconnecting" : "conn.connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.seated = false;
    ws.onopen = () => this.handleOpen(ws);
    ws.onmessage = (event) => this.handleMessage(ws, event);
    ws.onclose = (event) => this.handleClose(ws, event);
    ws.onerror = () => { /* a close event follows */ };
  }

  handleOpen(ws) {
    if (ws !== this.ws) return;
    this.openedAt = Date.now();
    this.everOpened = true;
    const session = this.opts.getSession();
    if (session) {
      this.sendRejoin();
    } else {
      this.setStatus("connected", "conn.connected");
      this.opts.onOpenWithoutSession?.();
      this.flush();
    }
  }

  sendRejoin() {
    const session = this.opts.getSession();
    if (!session || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = null;
    this.setStatus("reconnecting", "conn.rejoining");
    this.rejoinRequestId = this.nextRequestId();
    this.rawSend({ action: "rejoin", room_id: session.room_id, token: session.token, request_id: this.rejoinRequestId });
  }

  handleMessage(ws, event) {
    if (ws !== this.ws) return;
    const receivedAt = Date.now();
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      console.warn("quiz: ignoring a frame that is not JSON");
      return;
    }
    if (!msg || typeof msg !== "object" || Array.isArray(msg) || typeof msg.type !== "string") return;

    if (msg.type === "server_restarting") {
      const delay = Number(msg.reconnect_after_ms);
      this.restartDelayMs = Number.isFinite(delay) && delay > 0 ? Math.min(delay, 60_000) : 0;
      this.setStatus("reconnecting", "conn.restarting");
      this.opts.onRestarting?.(this.restartDelayMs);
    }

    const isRejoinReply = this.rejoinRequestId !== null && (
      msg.request_id === this.rejoinRequestId ||
      (msg.request_id === undefined && (
        (msg.type === "room_joined" && msg.resumed === true) ||
        (msg.type === "error" && FATAL_REJOIN_CODES.has(msg.code))
      ))
    );

    if (isRejoinReply) {
      this.rejoinRequestId = null;
      if (msg.type === "room_joined") {
        this.seated = true;
        this.attempt = 0;
        this.setStatus("connected", "conn.connected");
        this.opts.onMessage(msg, receivedAt);
        this.resendPending();
        return;
      }
      if (msg.type === "error") {
        // A fatal one is told once, by onRejoinFailed: not also as a toast;
        // a refusal for now (rate_limited, server_busy) not at all: it is
        // tried again by itself, and the status says "Rejoining the room…".
        if (!FATAL_REJOIN_CODES.has(msg.code) && !isPassing(msg)) this.opts.onMessage(msg, receivedAt);
        if (FATAL_REJOIN_CODES.has(msg.code)) {
          this.opts.onRejoinFailed?.(msg);
          this.setStatus("connected", "conn.connected");
          this.failPending((entry) => entry.needsRoom, localError("not_in_room", "You are no longer in that room."));
          this.flush();
        } else {
          // rate_limited, server_busy, internal_error...: try the rejoin
          // again, no sooner than the server said (retry_after_ms).
          const delay = Math.max(backoffDelay(this.attempt++), hintedMs(msg) ?? 0);
          this.setStatus("reconnecting", "conn.rejoining");
          this.rejoinTimer = setTimeout(() => this.sendRejoin(), delay);
        }
        return;
      }
    }

    if ((msg.type === "room_created" || msg.type === "room_joined") && !msg.resumed) {
      this.seated = true;
      this.attempt = 0;
    }

    this.opts.onMessage(msg, receivedAt);

    if (typeof msg.request_id === "string" && this.pending.has(msg.request_id)) {
      const entry = this.pending.get(msg.request_id);
      this.pending.delete(msg.request_id);
      if (msg.type === "error") entry.reject(msg);
      else entry.resolve(msg);
      if (msg.type === "room_created" || msg.type === "room_joined") this.flush();
    }
  }

  handleClose(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.seated = false;
    this.rejoinRequestId = null;
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = null;
    // The outcome of a create/join that was sent is unknown: let the user retry.
    this.failPending(
      (entry) => !entry.needsRoom && entry.sent,
      localError("connection_lost", "The connection dropped before the server answered. Please try again."),
    );

    if (TERMINAL_CLOSE_CODES.has(event.code)) {
      this.stopped = true;
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.failPending(() => true, null);
      this.setStatus("disconnected", "conn.disconnected");
      this.opts.onTerminalClose?.(event.code, event.reason || "");
      return;
    }
    if (this.stopped) {
      this.setStatus("disconnected", "conn.disconnected");
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.openedAt && Date.now() - this.openedAt > STABLE_AFTER_MS) this.attempt = 0;
    this.openedAt = 0;
    let delay = backoffDelay(this.attempt);
    this.attempt += 1;
    let detail = this.everOpened ? "conn.reconnecting" : "conn.connecting";
    if (this.restartDelayMs !== null) {
      // Honour the server's hint, spread over up to 1 s so that a room's
      // players do not all come back in the same millisecond.
      const hinted = this.restartDelayMs + Math.random() * Math.min(1000, 250 + this.restartDelayMs / 2);
      delay = Math.max(delay, Math.round(hinted));
      this.restartDelayMs = null;
      detail = "conn.restarting";
    } else if (navigator.onLine === false) {
      detail = "conn.offline";
    }
    this.setStatus("reconnecting", detail);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connectNow(), delay);
  }

  rawSend(msg) {
    this.ws.send(JSON.stringify(msg));
  }

  canSend(entry) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.rejoinRequestId !== null) return false; // wait for the rejoin's answer
    return entry.needsRoom ? this.seated : true;
  }

  trySend(entry) {
    if (!this.canSend(entry)) return false;
    try {
      this.rawSend(entry.msg);
    } catch {
      return false;
    }
    entry.sent = true;
    return true;
  }

  /** Send what was queued while there was no usable socket. */
  flush() {
    for (const entry of this.pending.values()) if (!entry.sent) this.trySend(entry);
  }

  /** After a rejoin, send again whatever got no reply: the server drops repeats by request_id. */
  resendPending() {
    for (const entry of this.pending.values()) {
      if (entry.needsRoom || !entry.sent) this.trySend(entry);
    }
  }

  failPending(predicate, error) {
    for (const [id, entry] of this.pending) {
      if (!predicate(entry)) continue;
      this.pending.delete(id);
      if (error) entry.reject({ ...error, request_id: id });
      else entry.resolve(null);
    }
  }

  expirePending() {
    const now = Date.now();
    for (const [id, entry] of this.pending) {
      if (now - entry.createdAt > (entry.ttlMs ?? DEDUP_WINDOW_MS)) {
        this.pending.delete(id);
        // Past the dedup window a resend could apply twice: give up quietly;
        // the room's own messages (room_state etc.) tell what happened.
        entry.resolve(null);
      }
    }
  }

  /**
   * Send an action. Returns {requestId, done}; `done` resolves with the direct
   * reply, rejects with the error (server `error` or a local one), or resolves
   * with null when it was dropped. Queued while there is no usable socket.
   * `requestId`: an earlier request's, to send it again (the server applies
   * it once; a refusal such as rate_limited it does not remember).
   */
  send(action, fields = {}, { quiet = false, requestId = this.nextRequestId() } = {}) {
    if (quiet) this.quietIds.add(requestId);
    const entry = {
      msg: { ...fields, action, request_id: requestId },
      needsRoom: !LOBBYLESS_ACTIONS.has(action),
      sent: false,
      createdAt: Date.now(),
      resolve: null,
      reject: null,
    };
    const done = new Promise((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
    });
    done.catch(() => {});
    this.pending.set(requestId, entry);
    if (this.stopped) this.start(); // a fresh socket on demand after a terminal close
    else this.trySend(entry);
    return { requestId, done };
  }

  /**
   * The next reply to a request already answered once (an upload gets
   * `upload_ready`, then `media`): a promise like send()'s `done`, rejected
   * with connection_lost if the socket drops first. Nothing is sent.
   */
  expectReply(requestId, { ttlMs = DEDUP_WINDOW_MS } = {}) {
    const entry = { msg: null, needsRoom: false, sent: true, createdAt: Date.now(), ttlMs, resolve: null, reject: null };
    const done = new Promise((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
    });
    done.catch(() => {});
    this.pending.set(requestId, entry);
    return done;
  }

  /** The open socket, or null: an upload's bytes go on the socket that said upload_ready. */
  openSocket() {
    return this.ws && this.ws.readyState === WebSocket.OPEN ? this.ws : null;
  }

  /** Send bytes as one binary frame on `ws`, only if it is still this connection's open socket. */
  sendBinary(ws, bytes) {
    if (!ws || ws !== this.ws || ws.readyState !== WebSocket.OPEN) return false;
    try {
      ws.send(bytes);
    } catch {
      return false;
    }
    return true;
  }

  /** Drop the socket (and any rejoin under way) and open a fresh one. */
  reset() {
    const ws = this.ws;
    this.ws = null;
    this.seated = false;
    this.rejoinRequestId = null;
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000, "reset");
      } catch {
        /* already closing */
      }
    }
    this.failPending((entry) => entry.needsRoom, null);
    this.start();
  }

  /** Forget queued in-room actions (after leaving a room locally). */
  dropRoomActions() {
    this.failPending((entry) => entry.needsRoom && !entry.sent, null);
    this.seated = false;
  }
}
