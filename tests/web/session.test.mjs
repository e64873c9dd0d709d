// web/session.js (the seat in sessionStorage), web/config.js (/config.json)
// and web/invite.js (the join link, with the LAN address on localhost), with
// the browser's globals stubbed: each test file runs in its own process.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { web } from "./web.mjs";

function fakeStorage() {
  const items = new Map();
  return {
    items,
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => items.set(k, String(v)),
    removeItem: (k) => items.delete(k),
  };
}

const sessionStorage = fakeStorage();
const localStorage = fakeStorage();
globalThis.window = { sessionStorage, localStorage };
// Opened as localhost; /config.json names the LAN address.
globalThis.location = new URL("http://127.0.0.1:8765/");
const fetched = [];
globalThis.fetch = async (url, options) => {
  fetched.push([url, options]);
  return { ok: true, json: async () => ({ llm: false, categories: [{ key: "space", name: "Space" }, { name: "no key" }], lan_urls: ["http://192.0.2.10:8765/", 7] }) };
};

const { clearSession, loadLastQuestion, loadSession, recallName, rememberName, saveLastQuestion, saveSession } = await web("session.js");
const { loadConfig } = await web("config.js");
const { inviteLink, isLoopbackHost } = await web("invite.js");

describe("session.js", () => {
  test("a seat saved is a seat loaded; cleared, none", () => {
    saveSession({ room_id: "ZEBNG", player_id: "pB", token: "tB", watch_question: 2, extra: "dropped" });
    assert.deepEqual(loadSession(), { room_id: "ZEBNG", player_id: "pB", token: "tB", watch_question: 2 });
    clearSession();
    assert.equal(loadSession(), null);
  });

  test("a corrupt or incomplete seat is none", () => {
    sessionStorage.setItem("quiz.session.v1", "{nope");
    assert.equal(loadSession(), null);
    sessionStorage.setItem("quiz.session.v1", JSON.stringify({ room_id: "ZEBNG", player_id: "pB", token: "" }));
    assert.equal(loadSession(), null);
    sessionStorage.setItem("quiz.session.v1", JSON.stringify({ room_id: "ZEBNG", player_id: "pB", token: "t", watch_question: "2" }));
    assert.deepEqual(loadSession(), { room_id: "ZEBNG", player_id: "pB", token: "t", watch_question: null });
  });

  test("the last question and its answer, kept for a refresh; forgotten on null", () => {
    const question = { question_index: 1, question: "Q?", options: ["a", "b"] };
    saveLastQuestion("ZEBNG", question, [0, 1]);
    assert.deepEqual(loadLastQuestion(), { room_id: "ZEBNG", question, answer: [0, 1] });
    saveLastQuestion(null, null, null);
    assert.equal(loadLastQuestion(), null);
    sessionStorage.setItem("quiz.question.v1", JSON.stringify({ room_id: "ZEBNG", question: { question_index: "1" } }));
    assert.equal(loadLastQuestion(), null);
  });

  test("the name is remembered in localStorage", () => {
    rememberName("Zoë");
    assert.equal(localStorage.getItem("quiz.name.v1"), "Zoë");
    assert.equal(recallName(), "Zoë");
  });
});

describe("config.js and invite.js", () => {
  test("loadConfig: fetched once, without the cache, odd entries dropped", async () => {
    const config = await loadConfig();
    assert.deepEqual(config, { llm: false, categories: [{ key: "space", name: "Space" }], lan_urls: ["http://192.0.2.10:8765/"] });
    await loadConfig();
    assert.equal(fetched.length, 1);
    assert.deepEqual(fetched[0], ["config.json", { cache: "no-store" }]);
  });

  test("on localhost the invite carries the LAN address", async () => {
    assert.equal(isLoopbackHost(), true);
    assert.equal(await inviteLink.lan, "http://192.0.2.10:8765/");
    assert.equal(inviteLink("ZEBNG", await inviteLink.lan), "http://192.0.2.10:8765/?room=ZEBNG");
    assert.equal(inviteLink("ZEBNG", null), "http://127.0.0.1:8765/?room=ZEBNG");
  });

  test("on a real address the page's own origin is the invite", () => {
    globalThis.location = new URL("https://quiz.example.com/play/");
    try {
      assert.equal(isLoopbackHost(), false);
      assert.equal(inviteLink("ZE BN", "http://192.0.2.10:8765/"), "https://quiz.example.com/play/?room=ZE%20BN");
    } finally {
      globalThis.location = new URL("http://127.0.0.1:8765/");
    }
  });

  test("every loopback name counts as localhost", () => {
    for (const [href, loopback] of [["http://localhost:1/", true], ["http://127.0.0.2:1/", true], ["http://[::1]:1/", true], ["http://192.168.1.5:1/", false], ["http://quiz.test:1/", false]]) {
      globalThis.location = new URL(href);
      assert.equal(isLoopbackHost(), loopback, href);
    }
    globalThis.location = new URL("http://127.0.0.1:8765/");
  });
});
