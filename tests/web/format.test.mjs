// Small pure helpers: web/format.js, web/names.js, web/options.js, web/clock.js,
// and the reconnect backoff of web/connection.js.

import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

import { web } from "./web.mjs";

const { capitalise, formatNumber, hueOf, initialOf, ordinal } = await web("format.js");
const { t } = await web("i18n.js");
const { friendlyName } = await web("names.js");
const { OPTION_LOOKS, optionLetter, optionLook } = await web("options.js");
const { remainingMs, serverNow, serverOffsetMs, syncServerTime } = await web("clock.js");
const { backoffDelay } = await web("connection.js");

describe("format.js", () => {
  test("ordinal", () => {
    const cases = { 1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 23: "23rd", 101: "101st", 111: "111th", 0: "0th" };
    for (const [n, text] of Object.entries(cases)) assert.equal(ordinal(Number(n)), text);
  });

  test("formatNumber, and plurals through the catalog", () => {
    assert.equal(formatNumber(Number.NaN), formatNumber(0));
    assert.equal(formatNumber(7), "7");
    assert.equal(formatNumber(12345), "12,345");
    assert.equal(t("lobby.chip_questions", { count: 1 }), "1 question");
    assert.equal(t("lobby.chip_questions", { count: 0 }), "0 questions");
    assert.equal(t("lobby.chip_questions", { count: 2 }), "2 questions");
  });

  test("capitalise and initialOf, with characters beyond the BMP", () => {
    assert.equal(capitalise("lobby"), "Lobby");
    assert.equal(capitalise(""), "");
    assert.equal(capitalise(null), "");
    assert.equal(initialOf("  zoë"), "Z");
    assert.equal(initialOf("😀 smile"), "😀");
    assert.equal(initialOf(""), "?");
  });

  test("hueOf: stable, from 0 to 359", () => {
    assert.equal(hueOf("Alice"), hueOf("Alice"));
    assert.notEqual(hueOf("Alice"), hueOf("Bob"));
    for (const name of ["", "a", "Zoë", "😀", "x".repeat(500)]) {
      const h = hueOf(name);
      assert.ok(Number.isInteger(h) && h >= 0 && h < 360, `${name}: ${h}`);
    }
  });
});

describe("names.js", () => {
  test("friendlyName: two words, at most 20 characters, from the random source", () => {
    assert.equal(friendlyName("", () => 0), "Happy Otter");
    assert.equal(friendlyName("", () => 0.999), "Nimble Fox");
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 200; i++) {
      const name = friendlyName("", random);
      assert.match(name, /^[A-Z][a-z]+ [A-Z][a-z]+$/);
      assert.ok(name.length <= 20, name);
    }
  });

  test("friendlyName avoids the name it is given when it can", () => {
    const seq = [0, 0, 0.999, 0.999];
    let i = 0;
    assert.equal(friendlyName("Happy Otter", () => seq[i++]), "Nimble Fox");
    assert.equal(friendlyName("Happy Otter", () => 0), "Happy Otter"); // no other draw: gives up
  });
});

describe("options.js", () => {
  test("letters and looks: A to D, then numbers; never colour alone", () => {
    assert.deepEqual([0, 1, 2, 3, 4].map(optionLetter), ["A", "B", "C", "D", "5"]);
    assert.equal(optionLook(5), OPTION_LOOKS[1]);
    assert.equal(new Set(OPTION_LOOKS.map((l) => l.shape)).size, 4);
  });
});

describe("clock.js", () => {
  afterEach(() => syncServerTime(Date.now(), Date.now()));

  test("the offset from a message's server_time_ms; junk leaves it alone", () => {
    syncServerTime(10_000, 4_000);
    assert.equal(serverOffsetMs(), 6_000);
    syncServerTime("12", 0);
    syncServerTime(Number.NaN, 0);
    syncServerTime(undefined, 0);
    assert.equal(serverOffsetMs(), 6_000);
  });

  test("remainingMs counts on the server's clock, never below zero", () => {
    syncServerTime(Date.now() + 60_000, Date.now()); // the server is a minute ahead
    const left = remainingMs(serverNow() + 5_000);
    assert.ok(left > 4_000 && left <= 5_000, String(left));
    assert.equal(remainingMs(Date.now() + 30_000), 0); // past on the server's clock
    assert.equal(remainingMs(null), 0);
  });
});

describe("connection.js backoff", () => {
  test("0.5 s doubling to a 10 s cap, with 20 % jitter either way", () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 20].map((a) => backoffDelay(a, () => 0.5)), [500, 1000, 2000, 4000, 8000, 10000, 10000]);
    assert.equal(backoffDelay(0, () => 0), 400);
    assert.equal(backoffDelay(0, () => 1), 600);
  });
});
