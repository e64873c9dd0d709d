// "Give me a name": a friendly two-word name (at most 20 characters) in the
// page's language, so a player in a hurry never has to invent one, and a
// room full of strangers reads kindly on the projector. The words are the
// catalog's (names.adjectives.list, names.nouns.list, names.pattern).

import { raw, t, tList } from "./i18n.js";

const MAX = 20;

/** A random "Adjective Noun" name, different from `avoid` when it can be. */
export function friendlyName(avoid = "", random = Math.random) {
  const adjectives = tList("names.adjectives.list");
  const nouns = tList("names.nouns.list");
  const make = (a, n) => t("names.pattern", { adjective: raw(adjectives[a]), noun: raw(nouns[n]) });
  let name = make(0, 0);
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = make(Math.floor(random() * adjectives.length), Math.floor(random() * nouns.length));
    if (Array.from(candidate).length > MAX) continue;
    name = candidate;
    if (candidate !== avoid) return candidate;
  }
  return name;
}
