// The message catalogs (web/i18n/*.js) and web/i18n.js.
//
// Every catalog has every key of English and no other; a translation keeps
// every placeholder of the English message and adds none; plural messages
// give exactly the forms the language needs (Intl.PluralRules of that
// locale: Polish one/few/many/other, Arabic zero/one/two/few/many/other,
// Japanese other only), cardinal or ordinal; lists ("...list") keep their
// shape; every message id the client uses exists. The pseudo-locale is
// accented, longer and bracketed everywhere.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { describe, test } from "node:test";

import { WEB_DIR, web } from "./web.mjs";

const i18n = await web("i18n.js");
const { LOCALES, t, pickLocale, matchLocale, pseudoCatalog, setLocale, fmtList, FSI, PDI } = i18n;
const en = (await web("i18n/en.js")).default;
const catalogs = Object.fromEntries(await Promise.all(LOCALES.map(async (l) => [l.tag, (await web(`i18n/${l.tag}.js`)).default])));
const PLACEHOLDER = /\{\s*([\w.]+)\s*(?:,\s*(\w+)\s*)?\}/g;

// Messages a language may leave as in English (checked by hand: the word is
// the same in that language, or a name or a file format).
const SAME_AS_ENGLISH = {
  all: ["doc.title_room", "wait.detail_level", "reveal.top10"],
  fr: ["doc.question", "q.counter_open", "home.source", "ed.list_label", "ed.number", "ed.question", "ed.points", "ed.points_normal",
    "ed.points_double", "reveal.score", "final.scores", "csv.score", "final.podium", "category.art", "sound.pause"],
  de: ["final.podium", "category.film_tv", "ed.points_normal", "tm.mine", "csv.team", "teams.numbered"],
  it: ["players.host", "players.offline"],
  nl: ["final.scores", "tm.mine", "csv.team", "teams.numbered"],
  pl: ["final.podium"],
  tr: ["ed.points_normal"],
};

// By name: a translation may format a number its own way ("Platz {rank}" for "{rank, ordinal}").
const placeholders = (text) => new Set([...String(text).matchAll(PLACEHOLDER)].map((m) => `{${m[1]}}`));
const forms = (message) => (typeof message === "string" ? [message] : Object.values(message));
const union = (message) => new Set(forms(message).flatMap((f) => [...placeholders(f)]));
const categories = (tag, key) => new Intl.PluralRules(tag, key.startsWith("ordinal") ? { type: "ordinal" } : {}).resolvedOptions().pluralCategories;

describe("the catalogs", () => {
  test("there are the eleven languages of the issue, each with a catalog file", () => {
    assert.deepEqual(LOCALES.map((l) => l.tag).sort(), ["ar", "de", "en", "es", "fr", "it", "ja", "nl", "pl", "pt", "tr"]);
    const files = readdirSync(new URL("i18n/", WEB_DIR)).filter((f) => f.endsWith(".js")).map((f) => f.slice(0, -3)).sort();
    assert.deepEqual(files, LOCALES.map((l) => l.tag).sort());
  });

  for (const { tag } of LOCALES) {
    describe(tag, () => {
      const catalog = catalogs[tag];

      test("every key of English, and no other", () => {
        const missing = Object.keys(en).filter((k) => !Object.hasOwn(catalog, k));
        const extra = Object.keys(catalog).filter((k) => !Object.hasOwn(en, k));
        assert.deepEqual(missing, [], `${tag} lacks these messages`);
        assert.deepEqual(extra, [], `${tag} has messages English does not`);
      });

      test("every message is text, and plural exactly where English is", () => {
        for (const [key, source] of Object.entries(en)) {
          const message = catalog[key];
          if (message === undefined) continue;
          assert.equal(typeof message, typeof source, `${tag} ${key}: a ${typeof source} in English`);
          for (const form of forms(message)) assert.ok(typeof form === "string" && form.trim(), `${tag} ${key}: an empty form`);
        }
      });

      test("the plural forms the language needs, and no others", () => {
        for (const [key, message] of Object.entries(catalog)) {
          if (typeof message !== "object") continue;
          const needed = categories(tag, key);
          assert.deepEqual(Object.keys(message).sort(), [...needed].sort(), `${tag} ${key}: forms for ${needed.join(", ")}`);
        }
      });

      test("every placeholder of the English message, and no new one", () => {
        for (const [key, source] of Object.entries(en)) {
          const message = catalog[key];
          if (message === undefined) continue;
          const wanted = union(source);
          const have = union(message);
          assert.deepEqual([...have].filter((p) => !wanted.has(p)), [], `${tag} ${key}: a placeholder English does not have`);
          if (typeof message === "string") {
            assert.deepEqual([...wanted].filter((p) => !have.has(p)), [], `${tag} ${key}: ${message}`);
            continue;
          }
          // A plural form may leave the number out where the language says it
          // in words ("سؤالان", two questions); every other placeholder is in
          // every form, and the number is in the general one.
          for (const [category, form] of Object.entries(message)) {
            const inForm = placeholders(form);
            const lacking = [...wanted].filter((p) => !inForm.has(p) && p !== "{count}");
            assert.deepEqual(lacking, [], `${tag} ${key}.${category}: ${form}`);
          }
          if (wanted.has("{count}")) assert.ok(placeholders(message.other).has("{count}"), `${tag} ${key}.other has no {count}`);
        }
      });

      test("lists keep their shape; suggested names fit in 20 characters", () => {
        const list = (key) => catalog[key].split("|").map((s) => s.trim());
        assert.equal(list("options.letters.list").length, 4);
        assert.equal(new Set(list("options.letters.list")).size, 4);
        const adjectives = list("names.adjectives.list");
        const nouns = list("names.nouns.list");
        assert.ok(adjectives.length >= 10 && nouns.length >= 10, `${tag}: at least ten words each`);
        assert.equal(new Set(adjectives).size, adjectives.length, `${tag}: an adjective twice`);
        assert.equal(new Set(nouns).size, nouns.length, `${tag}: a noun twice`);
        for (const a of adjectives) {
          for (const n of nouns) {
            const name = catalog["names.pattern"].replace("{adjective}", a).replace("{noun}", n);
            assert.ok([...name].length <= 20, `${tag}: "${name}" is over 20 characters`);
          }
        }
        assert.ok(list("home.topic_ideas.list").length >= 5);
      });

      test("no English left where a translation was meant", () => {
        if (tag === "en") return;
        // The same as English, on purpose: words these languages share with it.
        const same = new Set([...(SAME_AS_ENGLISH.all), ...(SAME_AS_ENGLISH[tag] || [])]);
        const copied = Object.entries(en)
          .filter(([key, source]) => typeof source === "string" && catalog[key] === source && /[A-Za-z]{3}/.test(source.replace(PLACEHOLDER, "")))
          .map(([key]) => key)
          .filter((key) => !same.has(key));
        assert.deepEqual(copied, [], `${tag}: still in English`);
      });
    });
  }

  test("every message id the client names exists in English", () => {
    const used = new Set();
    for (const file of readdirSync(WEB_DIR).filter((f) => f.endsWith(".js"))) {
      const src = readFileSync(new URL(file, WEB_DIR), "utf8");
      for (const m of src.matchAll(/\b(?:t|tNodes|tList|has|toastInfo)\(\s*"([\w.]+)"/g)) used.add(m[1]);
    }
    const html = readFileSync(new URL("index.html", WEB_DIR), "utf8");
    for (const m of html.matchAll(/data-i18n="([\w.]+)"/g)) used.add(m[1]);
    for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of m[1].split(/\s+/)) used.add(pair.split(":")[1]);
    assert.ok(used.size > 200, `only ${used.size} ids found: is the scan still right?`);
    assert.deepEqual([...used].filter((k) => !Object.hasOwn(en, k)), []);
  });
});

describe("i18n.js", () => {
  test("the language: ?lang=, then the saved choice, then the browser's, then English", () => {
    assert.equal(pickLocale({ query: "ja", saved: "de", languages: ["fr-FR"] }), "ja");
    assert.equal(pickLocale({ query: "xx", saved: "de", languages: ["fr-FR"] }), "de");
    assert.equal(pickLocale({ languages: ["sv-SE", "pt-BR", "en"] }), "pt");
    assert.equal(pickLocale({ languages: ["zh-CN"] }), "en");
    assert.equal(pickLocale({ query: "qps" }), "qps");
    assert.equal(matchLocale("AR-eg"), "ar");
    assert.equal(matchLocale(""), null);
  });

  test("t(): placeholders, plurals, ordinals and isolated data", async () => {
    await setLocale("en");
    assert.equal(t("q.counter", { n: 2, total: 10 }), "Question 2 of 10");
    assert.equal(t("reveal.points", { count: 1 }), "+1 point");
    assert.equal(t("reveal.points", { count: 1200 }), "+1,200 points");
    assert.equal(t("reveal.rank_label", { rank: 2, count: 5 }), "2nd of 5");
    assert.equal(t("toast.player_removed", { name: "Ann" }), `${FSI}Ann${PDI} was removed from the room.`);
    assert.equal(t("pres.share_right", { share: 0.5 }), "50% right");
    assert.equal(t("no.such.key"), "no.such.key");
    assert.equal(fmtList(["a", "b", "c"], "conjunction", false), "a, b, and c");
  });

  test("each language's plural forms are chosen by its rules", async () => {
    await setLocale("pl");
    assert.deepEqual([1, 2, 5, 22, 25].map((n) => t("lobby.chip_questions", { count: n })),
      ["1 pytanie", "2 pytania", "5 pytań", "22 pytania", "25 pytań"]);
    await setLocale("ar");
    const ar = [0, 1, 2, 3, 11, 100].map((n) => t("lobby.chip_questions", { count: n }));
    assert.equal(new Set(ar).size, 6, ar.join(" | "));
    await setLocale("fr");
    assert.equal(t("ordinal", { count: 1 }), "1er");
    assert.equal(t("ordinal", { count: 2 }), "2e");
    assert.equal(t("lobby.chip_questions", { count: 0 }), "0 question");
    await setLocale("ja");
    assert.equal(t("ordinal", { count: 3 }), "3位");
    await setLocale("en");
  });

  test("the pseudo-locale: every letter accented, about 40 % longer, bracketed", () => {
    const pseudo = pseudoCatalog(en);
    for (const [key, message] of Object.entries(pseudo)) {
      for (const [i, form] of forms(message).entries()) {
        const bare = form.replace(PLACEHOLDER, "");
        assert.doesNotMatch(bare, /[A-Za-z]/, `${key}: ${form}`);
        if (key.endsWith(".list")) continue;
        assert.ok(form.startsWith("⟦") && form.endsWith("⟧"), `${key}: ${form}`);
        const source = forms(en[key])[i].replace(PLACEHOLDER, "");
        assert.ok(bare.length - 2 >= Math.floor(source.length * 1.4), `${key}: ${form} is not 40 % longer`);
        assert.deepEqual(placeholders(form), placeholders(forms(en[key])[i]), key);
      }
    }
    assert.equal(pseudo["lobby.start"], "⟦Šţààŕţ ţĥéé ĝààɱéé··⟧");
  });
});
