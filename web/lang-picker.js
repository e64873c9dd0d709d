// The language menu (in the header, on every screen) and the offer of the
// room's language to a player who has not chosen one.

import { h } from "./dom.js";
import { LOCALES, PSEUDO, dataNode, endonym, languageName, locale, matchLocale, raw, savedLocale, setLocale, t, tNodes } from "./i18n.js";

const GLOBE = "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm6.9 6h-2.9a15.7 15.7 0 0 0-1.4-3.6A8 8 0 0 1 18.9 8ZM12 4c.8 1.1 1.5 2.5 1.9 4h-3.8c.4-1.5 1.1-2.9 1.9-4ZM4.3 14a8.2 8.2 0 0 1 0-4h3.3a16.5 16.5 0 0 0 0 4H4.3Zm.8 2h2.9c.3 1.3.8 2.5 1.4 3.6A8 8 0 0 1 5.1 16ZM8 8H5.1a8 8 0 0 1 4.3-3.6C8.8 5.5 8.3 6.7 8 8Zm4 12c-.8-1.1-1.5-2.5-1.9-4h3.8c-.4 1.5-1.1 2.9-1.9 4Zm2.3-6H9.7a14.7 14.7 0 0 1 0-4h4.6a14.7 14.7 0 0 1 0 4Zm.3 5.6c.6-1.1 1.1-2.3 1.4-3.6h2.9a8 8 0 0 1-4.3 3.6Zm1.8-5.6a16.5 16.5 0 0 0 0-4h3.3a8.2 8.2 0 0 1 0 4h-3.3Z";

function globe() {
  const ns = "http://www.w3.org/2000/svg";
  const icon = document.createElementNS(ns, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  icon.setAttribute("class", "lang-globe");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", GLOBE);
  icon.appendChild(path);
  return icon;
}

/**
 * The menu: a globe and the label "Language" (shown beside it where there is
 * room), and a select of the languages, each named in itself.
 */
export function createLanguagePicker() {
  const label = h("span", { class: "lang-label" });
  const select = h("select", { id: "lang-select", class: "lang-select", testid: "lang-select" });
  const el = h("div", { class: "lang-picker", testid: "lang-picker" },
    h("label", { for: "lang-select", class: "lang-label-wrap" }, globe(), label),
    select);
  function fill() {
    const list = locale() === PSEUDO.tag ? [...LOCALES, PSEUDO] : LOCALES;
    select.replaceChildren(...list.map((l) => h("option", {
      value: l.tag, lang: l.lang || l.tag, dir: l.dir || "auto", translate: "no", selected: l.tag === locale(),
    }, l.name)));
    select.value = locale();
    label.textContent = t("lang.label");
  }
  select.addEventListener("change", () => {
    setLocale(select.value, { save: true }).catch(() => fill());
  });
  fill();
  return { el, update: fill, select };
}

/**
 * The room's language, when it should be offered to this player: the host
 * set one we have, it is not the page's, and the player has not chosen a
 * language of their own nor turned this offer down.
 */
export function offeredLanguage(roomLanguage, { current = locale(), saved = savedLocale(), declined = [] } = {}) {
  const tag = matchLocale(roomLanguage);
  if (!tag || tag === current || saved || declined.includes(tag)) return null;
  return tag;
}

/** The offer: "The host chose French for this room." [Switch to French] [No thanks]. */
export function languageOffer(tag, { onDecline }) {
  const own = dataNode(endonym(tag), "span");
  own.lang = tag;
  return h("div", { class: "lang-offer", testid: "lang-offer", role: "region", "aria-label": t("lang.label") },
    h("p", { class: "lang-offer-text" }, t("lang.offer", { language: raw(languageName(tag)) })),
    h("div", { class: "button-row" },
      h("button", {
        type: "button", class: "btn btn-secondary btn-small", testid: "lang-offer-yes",
        onclick: () => setLocale(tag, { save: true }),
      }, tNodes("lang.offer_yes", { language: own })),
      h("button", { type: "button", class: "btn btn-ghost btn-small", testid: "lang-offer-no", onclick: onDecline }, t("lang.offer_no"))));
}
