// Server clock estimate. Deadlines (`deadline_ms`) are on the server's wall
// clock; the local clock may be off by seconds, so every message carrying
// `server_time_ms` refreshes offset = server_time_ms - Date.now() at receipt.

let offsetMs = 0;

export function syncServerTime(serverTimeMs, receivedAt = Date.now()) {
  if (typeof serverTimeMs === "number" && Number.isFinite(serverTimeMs)) {
    offsetMs = serverTimeMs - receivedAt;
  }
}

export function serverOffsetMs() {
  return offsetMs;
}

/** The current time on the server's clock, in ms since the epoch. */
export function serverNow() {
  return Date.now() + offsetMs;
}

/** Milliseconds left until a server deadline, never negative. */
export function remainingMs(deadlineMs) {
  if (typeof deadlineMs !== "number" || !Number.isFinite(deadlineMs)) return 0;
  return Math.max(0, deadlineMs - serverNow());
}
