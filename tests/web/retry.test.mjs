// web/retry.js: when a join or an answer the server refused for now is
// tried again, when the page gives up, and the countdown's words.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { web } from "./web.mjs";

const { JOIN_GIVE_UP_MS, hintedMs, isPassing, joinWaitLine, nextAnswerTry, nextJoinTry, retryDelay, secondsUntil } = await web("retry.js");
const { setLocale, t } = await web("i18n.js");
const en = (await web("i18n/en.js")).default;

const busy = (ms) => ({ type: "error", code: "rate_limited", retry_after_ms: ms, reason: "joins", request_id: "r-1" });
const serverBusy = { type: "error", code: "server_busy", message: "retry", request_id: "r-2" };
const low = () => 0;
const high = () => 0.999999;
const mid = () => 0.5;

describe("what passes by itself", () => {
  test("rate_limited and server_busy from the server; nothing else, nothing local", () => {
    assert.equal(isPassing(busy(500)), true);
    assert.equal(isPassing(serverBusy), true);
    for (const code of ["room_not_found", "name_taken", "room_full", "room_locked", "invalid_token", "internal_error"]) {
      assert.equal(isPassing({ type: "error", code }), false, code);
    }
    assert.equal(isPassing({ type: "error", code: "rate_limited", local: true }), false);
    assert.equal(isPassing(null), false);
    assert.equal(isPassing(undefined), false);
  });

  test("the server's retry_after_ms, when it is a positive number (capped at 10 minutes)", () => {
    assert.equal(hintedMs(busy(4200)), 4200);
    assert.equal(hintedMs(busy("1500")), 1500);
    for (const bad of [0, -5, NaN, "soon", null, undefined, Infinity]) assert.equal(hintedMs(busy(bad)), null, String(bad));
    assert.equal(hintedMs(serverBusy), null);
    assert.equal(hintedMs(busy(3_600_000)), 600_000);
  });
});

describe("retryDelay", () => {
  test("with the server's word: then, a little after, never before", () => {
    for (const random of [low, mid, high]) {
      const d = retryDelay(busy(5000), 3, { random });
      assert.ok(d >= 5000 && d <= 5300, `${d}`);
    }
  });

  test("without it: 1 s doubling to 10 s, +-20 %", () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 30].map((a) => retryDelay(serverBusy, a, { random: mid })), [1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    assert.equal(retryDelay(serverBusy, 0, { random: low }), 800);
    assert.equal(retryDelay(serverBusy, 0, { random: high }), 1200);
    assert.equal(retryDelay(serverBusy, 9, { random: high }), 12000);
  });
});

describe("nextJoinTry", () => {
  test("a refusal for now is tried again when the server says", () => {
    assert.deepEqual(nextJoinTry({ error: busy(5000), attempt: 0, startedAt: 0, now: 10, random: low }), { retry: true, delayMs: 5150 });
  });

  test("without retry_after_ms, a backoff", () => {
    assert.deepEqual(nextJoinTry({ error: serverBusy, attempt: 2, startedAt: 0, now: 10, random: mid }), { retry: true, delayMs: 4000 });
    assert.deepEqual(nextJoinTry({ error: { type: "error", code: "rate_limited" }, attempt: 0, startedAt: 0, now: 0, random: mid }), { retry: true, delayMs: 1000 });
  });

  test("an answer that trying again will not change is not tried again", () => {
    for (const code of ["room_not_found", "name_taken", "room_full", "connection_lost"]) {
      assert.deepEqual(nextJoinTry({ error: { type: "error", code }, attempt: 0, startedAt: 0, now: 0 }), { retry: false, reason: "refused" }, code);
    }
  });

  test("gives up when the next try would come more than two minutes after the first", () => {
    assert.equal(JOIN_GIVE_UP_MS, 120_000);
    assert.deepEqual(nextJoinTry({ error: busy(10_000), attempt: 5, startedAt: 0, now: 110_000, random: low }), { retry: false, reason: "gave_up" });
    assert.equal(nextJoinTry({ error: busy(10_000), attempt: 5, startedAt: 0, now: 100_000, random: high }).retry, true);
    // Told to come back in five minutes: no point waiting here for it.
    assert.deepEqual(nextJoinTry({ error: busy(300_000), attempt: 0, startedAt: 0, now: 0 }), { retry: false, reason: "gave_up" });
    assert.equal(nextJoinTry({ error: busy(1000), attempt: 0, startedAt: 0, now: 0, limitMs: 500 }).reason, "gave_up");
  });

  test("a room busy for ever: a bounded number of tries, none after two minutes", () => {
    for (const error of [busy(7000), serverBusy]) {
      let now = 0;
      let tries = 1;
      for (let attempt = 0; ; attempt += 1) {
        const plan = nextJoinTry({ error, attempt, startedAt: 0, now, random: high });
        if (!plan.retry) {
          assert.equal(plan.reason, "gave_up");
          break;
        }
        now += plan.delayMs;
        tries += 1;
        assert.ok(now <= JOIN_GIVE_UP_MS, `a try at ${now} ms`);
      }
      assert.ok(tries >= 10 && tries <= 20, `${tries} tries`);
    }
  });
});

describe("nextAnswerTry", () => {
  test("server_busy while the question is open: again soon, then backing off to 4 s", () => {
    assert.deepEqual([0, 1, 2, 3, 4, 9].map((attempt) => nextAnswerTry({ error: serverBusy, attempt, open: true, random: mid })), [250, 500, 1000, 2000, 4000, 4000]);
  });

  test("rate_limited with retry_after_ms: when the server says", () => {
    const d = nextAnswerTry({ error: busy(1200), attempt: 0, open: true, random: mid });
    assert.ok(d >= 1200 && d <= 1500, `${d}`);
  });

  test("not once the question closed, nor for a refusal that stays", () => {
    assert.equal(nextAnswerTry({ error: serverBusy, attempt: 0, open: false }), null);
    for (const code of ["already_answered", "stale_question", "wrong_phase", "invalid_answer", "connection_lost"]) {
      assert.equal(nextAnswerTry({ error: { type: "error", code }, attempt: 0, open: true }), null, code);
    }
  });
});

describe("the countdown", () => {
  test("whole seconds, rounded up, never below zero", () => {
    assert.equal(secondsUntil(5000, 0), 5);
    assert.equal(secondsUntil(5000, 1), 5);
    assert.equal(secondsUntil(5000, 4001), 1);
    assert.equal(secondsUntil(5000, 5000), 0);
    assert.equal(secondsUntil(5000, 9000), 0);
  });

  test("its line: the seconds to the next try, trying now, or given up", async () => {
    assert.equal(joinWaitLine(null, 0), null);
    assert.deepEqual(joinWaitLine({ status: "waiting", busy: true, retryAt: 4200 }, 0), { key: "join.next_try", params: { count: 5 } });
    assert.deepEqual(joinWaitLine({ status: "waiting", busy: true, retryAt: 4200 }, 4200), { key: "join.trying", params: {} });
    assert.deepEqual(joinWaitLine({ status: "sending", busy: true, retryAt: null }, 0), { key: "join.trying", params: {} });
    assert.deepEqual(joinWaitLine({ status: "gave_up", busy: true, retryAt: null }, 0), { key: "join.gave_up", params: {} });
    for (const key of ["join.next_try", "join.trying", "join.gave_up"]) assert.ok(Object.hasOwn(en, key), key);
    await setLocale("en");
    const say = (at, now) => {
      const line = joinWaitLine({ status: "waiting", busy: true, retryAt: at }, now);
      return t(line.key, line.params);
    };
    assert.equal(say(1000, 0), "Next try in 1 second");
    assert.equal(say(12_000, 100), "Next try in 12 seconds");
    assert.equal(say(0, 100), "Trying again…");
  });
});
