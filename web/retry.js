// Trying again what the server refused for now. Pure: time and chance are
// arguments.
//
// A `join_room` (or `rejoin`, `watch`) refused `rate_limited` says when to
// come back (`retry_after_ms`, spread by the server so that a crowd behind
// one address comes back one by one); the page tries again by itself then,
// with the same request_id (a refusal is not remembered), and gives up after
// JOIN_GIVE_UP_MS. A `submit_answer` answered `server_busy` (a Redis
// failover) or `rate_limited` was not applied: it is sent again, the same
// request_id, while its question is open.

/** How long a join keeps trying by itself, from the first try. */
export const JOIN_GIVE_UP_MS = 120_000;
// Without the server's word: 1 s, 2 s, 4 s... at most 10 s.
const ENTRY_BASE_MS = 1_000;
const ENTRY_CAP_MS = 10_000;
// An answer is worth more the sooner it goes: 250 ms, 500 ms... at most 4 s.
const ANSWER_BASE_MS = 250;
const ANSWER_CAP_MS = 4_000;
// A hint is never waited for longer than this (the server says at most 10 min).
const HINT_CAP_MS = 600_000;
// Added to a hint so that the try lands after the moment named, never before.
const HINT_SLACK_MS = 150;

/** Refusals that pass by themselves: the request was not applied. */
const PASSING = new Set(["rate_limited", "server_busy"]);

/** Whether `error` (a server error, not a local one) is a refusal for now. */
export function isPassing(error) {
  return Boolean(error) && !error.local && PASSING.has(error.code);
}

/** The wait the server asked for, in ms, or null when it named none. */
export function hintedMs(error) {
  const ms = Number(error?.retry_after_ms);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, HINT_CAP_MS) : null;
}

/**
 * The wait before try `attempt` + 1 (attempt 0: after the first refusal):
 * the server's `retry_after_ms` and a little more (never less), or a backoff
 * that doubles from `base` to `cap` with +-20 % jitter; never less than the
 * backoff's floor.
 */
export function retryDelay(error, attempt, { base = ENTRY_BASE_MS, cap = ENTRY_CAP_MS, random = Math.random } = {}) {
  const hint = hintedMs(error);
  if (hint !== null) return Math.round(hint + HINT_SLACK_MS * (1 + random()));
  const backoff = Math.min(cap, base * 2 ** Math.min(Math.max(0, attempt), 20));
  return Math.round(backoff * (0.8 + 0.4 * random()));
}

/**
 * What to do after a join (`join_room`) was answered `error`:
 * `{retry: true, delayMs}` to try again in delayMs, `{retry: false, reason:
 * "gave_up"}` when the next try would come later than `limitMs` after the
 * first (`startedAt`), `{retry: false, reason: "refused"}` for an answer
 * that trying again will not change (a wrong code, a name taken...).
 */
export function nextJoinTry({ error, attempt, startedAt, now, limitMs = JOIN_GIVE_UP_MS, random = Math.random }) {
  if (!isPassing(error)) return { retry: false, reason: "refused" };
  const delayMs = retryDelay(error, attempt, { random });
  if (now + delayMs - startedAt > limitMs) return { retry: false, reason: "gave_up" };
  return { retry: true, delayMs };
}

/**
 * The wait before sending an answer again after `error`, or null not to:
 * the refusal does not pass by itself, or the question is no longer `open`.
 */
export function nextAnswerTry({ error, attempt, open, random = Math.random }) {
  if (!open || !isPassing(error)) return null;
  return retryDelay(error, attempt, { base: ANSWER_BASE_MS, cap: ANSWER_CAP_MS, random });
}

/** Whole seconds until `at` (rounded up: "1 second" until it is time). */
export function secondsUntil(at, now) {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * The line under "Joining… the room is busy" (a message id and its
 * parameters): the seconds to the next try, or that it is trying now.
 * `joining` is the state's {status: "sending" | "waiting" | "gave_up", retryAt}.
 */
export function joinWaitLine(joining, now) {
  if (!joining) return null;
  if (joining.status === "gave_up") return { key: "join.gave_up", params: {} };
  const seconds = joining.status === "waiting" && Number.isFinite(joining.retryAt) ? secondsUntil(joining.retryAt, now) : 0;
  return seconds > 0 ? { key: "join.next_try", params: { count: seconds } } : { key: "join.trying", params: {} };
}
