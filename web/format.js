// Small text formatters. Numbers, ordinals and plurals follow the page's
// language (web/i18n.js); these are the helpers the views share.

import { fmtNumber, htmlLang, ordinal as ordinalOf } from "./i18n.js";

export function formatNumber(n) {
  return fmtNumber(n);
}

/** 1 -> "1st" in English, "1er" in French, "1位" in Japanese... */
export function ordinal(n) {
  return ordinalOf(n);
}

/** The first letter upper case, by the rules of the page's language (Turkish i -> İ). */
export function capitalise(text) {
  const s = String(text ?? "");
  if (!s) return s;
  const [first, ...rest] = Array.from(s);
  let upper = first;
  try {
    upper = first.toLocaleUpperCase(htmlLang());
  } catch {
    upper = first.toUpperCase();
  }
  return upper + rest.join("");
}

/** The first visible character of a name, for avatars. */
export function initialOf(name) {
  const chars = Array.from(String(name ?? "").trim());
  return (chars[0] || "?").toUpperCase();
}

/** A stable hue (0-359) from a string, for avatar colours. */
export function hueOf(text) {
  let hash = 0;
  for (const ch of String(text)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 360;
}
