// Safe DOM building.
//
// Everything that reaches the page goes through createElement / textContent /
// setAttribute. Nothing here parses HTML, so a player called
// "<img src=x onerror=alert(1)>" is shown as exactly that text.

const SVG_NS = "http://www.w3.org/2000/svg";

// Keys set as DOM properties rather than attributes.
const PROPERTIES = new Set([
  "value", "checked", "disabled", "hidden", "selected", "tabIndex", "type",
  "readOnly", "required", "open",
]);
const FORBIDDEN = new Set(["innerHTML", "outerHTML", "insertAdjacentHTML", "srcdoc"]);

function applyProps(el, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (FORBIDDEN.has(key)) throw new Error(`dom: refusing to set ${key}`);
    if (key === "class") {
      el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : String(value));
    } else if (key === "text") {
      el.textContent = String(value);
    } else if (key === "testid") {
      el.setAttribute("data-testid", String(value));
    } else if (key === "dataset") {
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined && v !== null) el.dataset[k] = String(v);
      }
    } else if (key === "style" && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) el.style.setProperty(k, String(v));
    } else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
}

function appendChildren(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false || child === true) continue;
    if (Array.isArray(child)) appendChildren(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** h("button", {class: "btn", onclick: fn, testid: "x"}, "label", otherNode) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) applyProps(el, props);
  appendChildren(el, children);
  return el;
}

/**
 * An element holding data, from the server or a player (a name, a question,
 * an option, a room code): never translated, and isolated in its own
 * direction (an Arabic name on an English page, or the reverse).
 */
export function hData(tag, props, text) {
  return h(tag, { dir: "auto", translate: "no", ...props, text: text ?? "" });
}

/** Same as h() for SVG elements (attributes only). */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== undefined && v !== null && v !== false) el.setAttribute(k, String(v));
    }
  }
  appendChildren(el, children);
  return el;
}

/** Set text only when it changed (avoids needless screen reader chatter). */
export function setText(el, text) {
  const value = text === undefined || text === null ? "" : String(text);
  if (el.textContent !== value) el.textContent = value;
}

/** Set or remove an attribute only when it changed. */
export function setAttr(el, name, value) {
  if (value === undefined || value === null || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const v = value === true ? "" : String(value);
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
}

export function toggleClass(el, name, on) {
  if (el.classList.contains(name) !== Boolean(on)) el.classList.toggle(name, Boolean(on));
}

/**
 * Keyed list update: reuses existing children (matched by key) so that focus
 * and transitions survive updates; creates, moves and removes as needed.
 */
export function syncList(parent, items, keyOf, create, update) {
  const existing = new Map();
  for (const child of Array.from(parent.children)) {
    if (child.dataset.key !== undefined) existing.set(child.dataset.key, child);
  }
  let previous = null;
  items.forEach((item, index) => {
    const key = String(keyOf(item, index));
    let node = existing.get(key);
    if (node) existing.delete(key);
    else {
      node = create(item, index);
      node.dataset.key = key;
    }
    update(node, item, index);
    const expected = previous ? previous.nextElementSibling : parent.firstElementChild;
    if (node !== expected) parent.insertBefore(node, expected);
    previous = node;
  });
  for (const node of existing.values()) node.remove();
}

/** Prefer motion only when the user has not asked for less. */
export function prefersReducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}
