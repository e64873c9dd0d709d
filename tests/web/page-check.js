// Run in the page by tests/test_browser_i18n.py (page.evaluate): what a
// person would see that is wrong with the screen as it is now.
//
//   untranslated  in the pseudo-locale every letter of the client's own text
//                 is accented (web/i18n.js): a visible text node, an
//                 attribute a person reads (aria-label, title, placeholder,
//                 alt, aria-valuetext, a button's value) or the document
//                 title holding a plain Latin letter did not come from the
//                 catalog. Data is skipped: elements with translate="no"
//                 (names, questions, codes) and text isolated by U+2068 ...
//                 U+2069 (data inside a message), and links (URLs).
//                 `latinWords`: for a language without Latin letters (ar,
//                 ja), a run of three Latin letters, not a single one (the
//                 room code's "Room" is in the catalog, a brand may use one).
//   overflow      an element whose content is wider than its box (cut or
//                 spilling), an element reaching out of the page sideways, a
//                 select whose chosen option is wider than the select, or the
//                 page scrolling sideways.
//
// Returns a list of readable findings; the test fails on any.

(options) => {
  const { pseudo = true, latinWords = false } = options || {};
  const findings = [];
  const LATIN = pseudo ? /[A-Za-z]/ : latinWords ? /[A-Za-z]{3,}/ : null;
  const describe = (el) => {
    const id = el.getAttribute?.("data-testid");
    const cls = typeof el.className === "string" && el.className ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
    return `${el.tagName?.toLowerCase() ?? "#text"}${id ? `[data-testid=${id}]` : ""}${cls}`;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) parts.unshift(describe(e));
    return parts.join(" > ");
  };
  const strip = (text) => String(text)
    .replace(/\u2068[^\u2069]*\u2069/g, "") // data inside a message
    .replace(/\b(?:https?|wss?):\/\/\S+/g, "") // links
    .trim();
  const rendered = (el) => !el.checkVisibility || el.checkVisibility({ visibilityProperty: true });
  const isData = (el) => Boolean(el.closest('[translate="no"]'));

  function untranslated(text) {
    return LATIN !== null && LATIN.test(strip(text));
  }

  if (LATIN) {
    if (untranslated(document.title)) findings.push(`untranslated: document.title ${JSON.stringify(document.title)}`);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || !node.textContent.trim()) continue;
      if (["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(el.tagName)) continue;
      if (isData(el)) continue;
      // <option>s show when their select opens; an SVG <title> is read out.
      const owner = el.tagName === "OPTION" ? el.closest("select") : el.closest("svg") && el.tagName.toLowerCase() === "title" ? el.closest("svg") : el;
      if (!owner || !rendered(owner)) continue;
      if (untranslated(node.textContent)) findings.push(`untranslated: ${path(el)} ${JSON.stringify(node.textContent.trim())}`);
    }
    const ATTRIBUTES = ["aria-label", "title", "placeholder", "alt", "aria-valuetext", "aria-roledescription"];
    for (const el of document.body.querySelectorAll("*")) {
      if (!rendered(el) && !el.closest(".visually-hidden")) continue;
      for (const name of ATTRIBUTES) {
        const value = el.getAttribute(name);
        if (value && untranslated(value)) findings.push(`untranslated: ${path(el)} @${name}=${JSON.stringify(value)}`);
      }
      if (el.tagName === "INPUT" && ["button", "submit", "reset"].includes(el.type) && untranslated(el.value)) {
        findings.push(`untranslated: ${path(el)} value=${JSON.stringify(el.value)}`);
      }
    }
  }

  // Overflow.
  const html = document.documentElement;
  if (html.scrollWidth > window.innerWidth + 1) findings.push(`overflow: the page scrolls sideways (${html.scrollWidth} > ${window.innerWidth})`);
  const canvas = document.createElement("canvas").getContext("2d");
  for (const el of document.body.querySelectorAll("*")) {
    if (el instanceof SVGElement || !rendered(el)) continue;
    if (el.closest(".visually-hidden") || isData(el)) continue;
    if (["INPUT", "TEXTAREA", "OPTION"].includes(el.tagName)) continue;
    const style = getComputedStyle(el);
    if (style.display === "inline" || style.display === "contents") continue;
    if (el.tagName === "SELECT") {
      const chosen = el.selectedOptions[0];
      if (!chosen) continue;
      canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const needed = canvas.measureText(chosen.textContent).width;
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (needed > room + 1) findings.push(`overflow: ${path(el)} shows ${JSON.stringify(chosen.textContent)} (${Math.round(needed)} px) in ${Math.round(room)} px`);
      continue;
    }
    // Out of the page sideways: in a right-to-left page, what sticks out on
    // the right (its start) does not even make the page scroll.
    const box = el.getBoundingClientRect();
    if (box.width > 1 && (box.left < -1 || box.right > window.innerWidth + 1) && !el.closest(".skip-link")) {
      findings.push(`overflow: ${path(el)} reaches ${Math.round(box.left)}..${Math.round(box.right)} px, outside the page (0..${window.innerWidth})`);
    }
    // (A 1 px box is text hidden for the eye and kept for screen readers.)
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 1) {
      findings.push(`overflow: ${path(el)} is ${el.scrollWidth} px wide in ${el.clientWidth} px: ${JSON.stringify(el.textContent.trim().slice(0, 60))}`);
    }
  }
  return findings;
}
