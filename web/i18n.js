// Every string a person reads, in the player's language.
//
// Catalogs: web/i18n/<tag>.js, one per language, each a default export of
// { "message.id": message }. A message is
//   - a string with {placeholders}: "Question {n} of {total}"
//   - or plural forms, chosen by the `count` parameter through
//     Intl.PluralRules: { one: "{count} question", other: "{count} questions" }
//     (ids starting "ordinal" use the ordinal rules: 1st, 2nd, 3rd...).
// A placeholder may name a format: {rank, ordinal}, {share, percent}.
// English (en.js) is the reference and the fallback: a translation lacks
// nothing (tests/web/i18n.test.mjs), but should one, the English shows.
//
// Parameters: numbers are formatted for the language (Intl.NumberFormat);
// strings are data (a name, a question, a room code): never translated, and
// isolated so that a Latin name in an Arabic sentence (or the reverse) keeps
// its place: t() wraps them in U+2068 FSI ... U+2069 PDI, tNodes() puts
// them in <bdi translate="no">. Arrays are lists (Intl.ListFormat). Text that
// is already in the page's language (a formatted duration, another message)
// goes in as raw(text), and DOM nodes as they are (tNodes only).
//
// The language: ?lang=TAG for this page, else the player's saved choice
// (localStorage), else the first of navigator.languages we have, else
// English. `qps` is a pseudo-locale for tests: English with every letter
// accented, about 40 % longer and bracketed (⟦Šţàŕţ ţĥé ĝàɱé⟧), so that any
// string that did not come through here stands out.
//
// To add a string: a key in en.js and in every other catalog (the unit test
// names what is missing), then t(key, params) in the view.

import en from "./i18n/en.js";

/** The languages of the menu, each named in itself. */
export const LOCALES = [
  { tag: "en", name: "English" },
  { tag: "fr", name: "Français" },
  { tag: "de", name: "Deutsch" },
  { tag: "es", name: "Español" },
  { tag: "pt", name: "Português" },
  { tag: "it", name: "Italiano" },
  { tag: "nl", name: "Nederlands" },
  { tag: "pl", name: "Polski" },
  { tag: "tr", name: "Türkçe" },
  { tag: "ar", name: "العربية", dir: "rtl" },
  { tag: "ja", name: "日本語" },
];
export const PSEUDO = { tag: "qps", name: "Pseudo", intl: "en", lang: "en-XA" };
const RTL = new Set(["ar", "he", "fa", "ur", "ps", "yi", "dv", "ckb", "sd", "ug"]);
const STORE_KEY = "quiz.lang.v1";
export const FSI = "\u2068";
export const PDI = "\u2069";

const catalogs = new Map([["en", en]]);
let current = makeCurrent("en");
const listeners = new Set();

function info(tag) {
  return tag === PSEUDO.tag ? PSEUDO : LOCALES.find((l) => l.tag === tag) || LOCALES[0];
}

function makeCurrent(tag) {
  const l = info(tag);
  const intl = l.intl || l.tag;
  return {
    tag: l.tag,
    intl,
    lang: l.lang || l.tag,
    dir: l.dir || (RTL.has(l.tag) ? "rtl" : "ltr"),
    pseudo: l.tag === PSEUDO.tag,
    messages: catalogs.get(l.tag) || en,
    plural: new Intl.PluralRules(intl),
    ordinal: new Intl.PluralRules(intl, { type: "ordinal" }),
    number: new Intl.NumberFormat(intl),
    percent: new Intl.NumberFormat(intl, { style: "percent", maximumFractionDigits: 0 }),
    lists: new Map(),
  };
}

// ------------------------------------------------------------ the language

/** The page's language tag ("en", "ar", "qps"...). */
export function locale() {
  return current.tag;
}

/** The tag for Intl and for <html lang> ("en-XA" for the pseudo-locale). */
export function htmlLang() {
  return current.lang;
}

/** "rtl" or "ltr". */
export function dir() {
  return current.dir;
}

export function isRtl(tag = current.tag) {
  return RTL.has(String(tag).split("-")[0].toLowerCase());
}

/** Our language for a BCP 47 tag ("pt-BR" -> "pt", "fr-CA" -> "fr"), or null. */
export function matchLocale(tag) {
  if (typeof tag !== "string" || !tag) return null;
  const lower = tag.trim().toLowerCase();
  if (lower === PSEUDO.tag || lower === "en-xa") return PSEUDO.tag;
  const primary = lower.split(/[-_]/)[0];
  return LOCALES.some((l) => l.tag === primary) ? primary : null;
}

/**
 * The language to start in: ?lang=, then the saved choice, then the browser's
 * languages in order, then English.
 */
export function pickLocale({ query = null, saved = null, languages = [] } = {}) {
  for (const tag of [query, saved, ...languages]) {
    const found = matchLocale(tag);
    if (found) return found;
  }
  return "en";
}

export function savedLocale() {
  try {
    return matchLocale(window.localStorage.getItem(STORE_KEY));
  } catch {
    return null;
  }
}

function saveLocale(tag) {
  try {
    window.localStorage.setItem(STORE_KEY, tag);
  } catch {
    /* storage off: the choice lasts as long as the page */
  }
}

/** The catalog of a language (loaded once); the pseudo-locale is made from English. */
export async function loadCatalog(tag) {
  if (catalogs.has(tag)) return catalogs.get(tag);
  let messages;
  if (tag === PSEUDO.tag) messages = pseudoCatalog(en);
  else messages = (await import(`./i18n/${tag}.js`)).default;
  catalogs.set(tag, messages);
  return messages;
}

/**
 * Switch the page to a language (its catalog loaded first). `save`: the
 * player chose it, remember it for next time. Listeners re-render.
 */
export async function setLocale(tag, { save = false } = {}) {
  const found = matchLocale(tag) || "en";
  await loadCatalog(found);
  if (save) saveLocale(found);
  if (found === current.tag) return false;
  current = makeCurrent(found);
  if (typeof document !== "undefined") applyDocument();
  for (const fn of listeners) fn(found);
  return true;
}

/** Called after every change of language. */
export function onLocaleChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * <html lang dir>, and the page's fixed text: elements of index.html carry
 * data-i18n="id" (their text) and data-i18n-attr="attr:id attr:id".
 */
export function applyDocument(root = document) {
  const html = root.documentElement;
  html.lang = current.lang;
  html.dir = current.dir;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(/\s+/).filter(Boolean)) {
      const [attr, key] = pair.split(":");
      el.setAttribute(attr, t(key));
    }
  }
}

// -------------------------------------------------------------- messages

class Raw {
  constructor(text) {
    this.text = String(text);
  }
}

/** Text already in the page's language (a formatted duration, another message): not isolated, not data. */
export function raw(text) {
  return new Raw(text);
}

/** Whether a catalog (or English) has this message. */
export function has(key) {
  return key in current.messages || key in en;
}

function lookup(key) {
  const m = current.messages;
  if (Object.hasOwn(m, key)) return m[key];
  if (Object.hasOwn(en, key)) return current.pseudo ? pseudoMessage(en[key], key) : en[key];
  return undefined;
}

function choose(message, key, params) {
  if (typeof message === "string") return message;
  if (!message || typeof message !== "object") return String(key);
  const n = Number(params.count);
  const rules = key.startsWith("ordinal") ? current.ordinal : current.plural;
  const category = Number.isFinite(n) ? rules.select(n) : "other";
  return message[category] ?? message.other ?? String(key);
}

const PLACEHOLDER = /\{\s*([\w.]+)\s*(?:,\s*(\w+)\s*)?\}/g;

function formatValue(value, format, { isolate }) {
  if (value instanceof Raw) return value.text;
  if (format === "ordinal") return ordinal(Number(value));
  if (format === "percent") return current.percent.format(Number(value) || 0);
  if (typeof value === "number") return fmtNumber(value);
  if (Array.isArray(value)) return fmtList(value.map((v) => (typeof v === "number" ? fmtNumber(v) : v)), "conjunction", isolate);
  if (value instanceof Date) return fmtTime(value);
  if (value === null || value === undefined) return "";
  return isolate ? `${FSI}${String(value)}${PDI}` : String(value);
}

/**
 * The message `key` in the page's language, as a string. String parameters
 * are isolated (FSI...PDI); use tNodes() to put the message in the page with
 * its data in <bdi> elements.
 */
export function t(key, params = {}) {
  const message = choose(lookup(key), key, params);
  return message.replace(PLACEHOLDER, (whole, name, format) =>
    (Object.hasOwn(params, name) ? formatValue(params[name], format, { isolate: true }) : whole));
}

/**
 * The message as nodes for the page: data (string parameters, list items)
 * in <bdi translate="no">, DOM nodes as given, the rest as text.
 */
export function tNodes(key, params = {}) {
  const message = choose(lookup(key), key, params);
  const out = [];
  let last = 0;
  for (const match of message.matchAll(PLACEHOLDER)) {
    if (match.index > last) out.push(document.createTextNode(message.slice(last, match.index)));
    last = match.index + match[0].length;
    const [, name, format] = match;
    if (!Object.hasOwn(params, name)) {
      out.push(document.createTextNode(match[0]));
      continue;
    }
    const value = params[name];
    if (typeof Node !== "undefined" && value instanceof Node) out.push(value);
    else if (typeof value === "string") out.push(dataNode(value));
    else if (Array.isArray(value)) out.push(...listNodes(value));
    else out.push(document.createTextNode(formatValue(value, format, { isolate: false })));
  }
  if (last < message.length) out.push(document.createTextNode(message.slice(last)));
  return out;
}

/** A piece of data in the page: isolated, and never to be translated. */
export function dataNode(text, tag = "bdi") {
  const el = document.createElement(tag);
  el.setAttribute("translate", "no");
  el.textContent = String(text);
  return el;
}

function listNodes(items, type = "conjunction") {
  const parts = listFormat(type).formatToParts(items.map(String));
  return parts.map((p) => (p.type === "element" ? dataNode(p.value) : document.createTextNode(pseudoText(p.value))));
}

// --------------------------------------------------------------- formats

export function fmtNumber(n) {
  return current.number.format(Number.isFinite(n) ? n : 0);
}

/** 1 -> "1st" ("1er", "1.", "1位"...): the ordinal message of the language. */
export function ordinal(n) {
  return t("ordinal", { count: n });
}

function listFormat(type) {
  if (!current.lists.has(type)) current.lists.set(type, new Intl.ListFormat(current.intl, { type, style: "long" }));
  return current.lists.get(type);
}

/** ["a", "b", "c"] -> "a, b and c" ("a, b et c"...); items isolated unless `isolate` is false. */
export function fmtList(items, type = "conjunction", isolate = true) {
  const list = (items || []).map(String);
  const parts = listFormat(type).formatToParts(list);
  return parts.map((p) => (p.type === "element" ? (isolate ? `${FSI}${p.value}${PDI}` : p.value) : pseudoText(p.value))).join("");
}

/** Seconds as words: 20 -> "20 seconds", 60 -> "1 minute" (style "long"), or "20 sec" ("short"). */
export function fmtDuration(seconds, style = "long") {
  const s = Number(seconds) || 0;
  const [value, unit] = s >= 60 && s % 60 === 0 ? [s / 60, "minute"] : [s, "second"];
  return pseudoText(new Intl.NumberFormat(current.intl, { style: "unit", unit, unitDisplay: style }).format(value));
}

/** A time of day: "14:05", "2:05 PM". */
export function fmtTime(date) {
  return pseudoText(new Intl.DateTimeFormat(current.intl, { hour: "numeric", minute: "2-digit" }).format(date));
}

/** A language's name in the page's language: "fr" -> "French" ("français" in French). */
export function languageName(tag) {
  try {
    const name = new Intl.DisplayNames([current.intl], { type: "language" }).of(tag);
    return pseudoText(name || tag);
  } catch {
    return tag;
  }
}

/** A language's name in itself ("Français"), for the menu. */
export function endonym(tag) {
  const l = LOCALES.find((x) => x.tag === matchLocale(tag));
  if (l) return l.name;
  try {
    return new Intl.DisplayNames([tag], { type: "language" }).of(tag) || tag;
  } catch {
    return tag;
  }
}

/** A list message ("a|b|c") as an array. */
export function tList(key) {
  return t(key).split("|").map((s) => s.trim()).filter(Boolean);
}

// --------------------------------------------------------- pseudo-locale

const ACCENTS = {
  a: "à", b: "ƀ", c: "ç", d: "ð", e: "é", f: "ƒ", g: "ĝ", h: "ĥ", i: "î", j: "ĵ", k: "ķ", l: "ļ", m: "ɱ",
  n: "ñ", o: "ô", p: "þ", q: "ǫ", r: "ŕ", s: "š", t: "ţ", u: "û", v: "ṽ", w: "ŵ", x: "ẋ", y: "ý", z: "ž",
  A: "Å", B: "Ɓ", C: "Ç", D: "Ð", E: "É", F: "Ƒ", G: "Ĝ", H: "Ĥ", I: "Î", J: "Ĵ", K: "Ķ", L: "Ļ", M: "Ṁ",
  N: "Ñ", O: "Ö", P: "Þ", Q: "Ǫ", R: "Ŕ", S: "Š", T: "Ţ", U: "Û", V: "Ṽ", W: "Ŵ", X: "Ẋ", Y: "Ý", Z: "Ž",
};
const VOWELS = new Set(["à", "é", "î", "ô", "û", "ý", "Å", "É", "Î", "Ö", "Û", "Ý"]);

/** Every ASCII letter accented (placeholders left alone). */
export function accent(text) {
  let out = "";
  let depth = 0;
  for (const ch of String(text)) {
    if (ch === "{") depth += 1;
    if (ch === "}") depth = Math.max(0, depth - 1);
    out += depth ? ch : ACCENTS[ch] ?? ch;
  }
  return out;
}

/** Accented, about 40 % longer (vowels drawn out), bracketed: "Start" -> "⟦Šţààŕţ⟧". */
export function pseudoString(text) {
  const accented = accent(text);
  const visible = accented.replace(PLACEHOLDER, "").length;
  let extra = Math.ceil(visible * 0.4);
  let out = "";
  let depth = 0;
  for (const ch of accented) {
    if (ch === "{") depth += 1;
    if (ch === "}") depth = Math.max(0, depth - 1);
    out += ch;
    if (!depth && extra > 0 && VOWELS.has(ch)) {
      out += ch;
      extra -= 1;
    }
  }
  return `⟦${out}${"·".repeat(Math.max(0, extra))}⟧`;
}

function pseudoMessage(message, key) {
  // Lists ("a|b|c": names, topics, option letters) are only accented: they
  // are single words, some with a length limit.
  const one = key.endsWith(".list") ? accent : pseudoString;
  if (typeof message === "string") return one(message);
  return Object.fromEntries(Object.entries(message).map(([k, v]) => [k, one(v)]));
}

/** The pseudo-locale's catalog, made from English. */
export function pseudoCatalog(source) {
  return Object.fromEntries(Object.entries(source).map(([k, v]) => [k, pseudoMessage(v, k)]));
}

/** Text from Intl (a unit, "and", a language's name): accented in the pseudo-locale. */
function pseudoText(text) {
  return current.pseudo ? accent(text) : text;
}
