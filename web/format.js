// Small text formatters.

const numberFormat = new Intl.NumberFormat();

export function formatNumber(n) {
  return numberFormat.format(Number.isFinite(n) ? n : 0);
}

/** 1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd". */
export function ordinal(n) {
  const v = Math.abs(n) % 100;
  if (v >= 11 && v <= 13) return `${n}th`;
  switch (v % 10) {
    case 1: return `${n}st`;
    case 2: return `${n}nd`;
    case 3: return `${n}rd`;
    default: return `${n}th`;
  }
}

export function plural(n, one, many = `${one}s`) {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

export function capitalise(text) {
  const s = String(text ?? "");
  return s ? s[0].toUpperCase() + s.slice(1) : s;
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
