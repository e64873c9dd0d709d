// "Put in order" on a phone: the items as the server sent them, moved by
// dragging (pointer events: a finger, a pen or a mouse) or with an up and a
// down button on each item (the keyboard and screen readers: the new place
// is announced, and the focus stays on the button that was pressed).
//
// order() is the list of the shown indexes in the player's order, as
// `submit_answer` takes it.

import { h, hData, setAttr, setText, svg, toggleClass } from "./dom.js";
import { fmtNumber, t } from "./i18n.js";

function arrow(up) {
  return svg("svg", { class: "order-arrow", viewBox: "0 0 24 24", width: 24, height: 24, "aria-hidden": "true", focusable: "false" },
    svg("path", { d: up ? "M12 5 L20 15 H4 Z" : "M12 19 L4 9 H20 Z" }));
}

function grip() {
  return svg("svg", { class: "order-grip-icon", viewBox: "0 0 12 20", width: 12, height: 20, "aria-hidden": "true", focusable: "false" },
    ...[3, 10, 17].flatMap((y) => [svg("circle", { cx: 3, cy: y, r: 1.8 }), svg("circle", { cx: 9, cy: y, r: 1.8 })]));
}

/**
 * @param {{items: string[], lang?: string|null, label: string, onChange?: () => void}} options
 */
export function createOrderList({ items, lang = null, label, onChange = () => {} }) {
  const total = items.length;
  let order = items.map((_, i) => i);
  let disabled = false;
  const live = h("p", { class: "visually-hidden", "aria-live": "polite", testid: "order-announce" });
  const list = h("ol", { class: "order-list", testid: "order-list", "aria-label": label });

  const rows = items.map((text, index) => {
    const up = h("button", { type: "button", class: "order-move", testid: "order-up", onclick: () => move(index, -1, up) }, arrow(true));
    const down = h("button", { type: "button", class: "order-move", testid: "order-down", onclick: () => move(index, 1, down) }, arrow(false));
    const place = h("span", { class: "order-place", "aria-hidden": "true" });
    const li = h("li", { class: "order-item", testid: "order-item", dataset: { index } },
      h("span", { class: "order-grip", "aria-hidden": "true" }, grip()),
      place,
      hData("span", { class: "order-text", lang }, text),
      h("span", { class: "order-buttons" }, up, down));
    li._parts = { up, down, place };
    li.addEventListener("pointerdown", (event) => startDrag(event, index));
    return li;
  });

  function arrange() {
    const held = drag?.li;
    if (!held) {
      order.forEach((index, at) => {
        if (list.children[at] !== rows[index]) list.insertBefore(rows[index], list.children[at] || null);
      });
      return;
    }
    // The item under the finger never leaves the page (that would end its
    // pointer capture, and the drag): the others move around it.
    const at = order.indexOf(drag.index);
    for (const index of order.slice(0, at)) list.insertBefore(rows[index], held);
    for (const index of order.slice(at + 1)) list.appendChild(rows[index]);
  }

  function layout() {
    arrange();
    order.forEach((index, at) => {
      const li = rows[index];
      const { up, down, place } = li._parts;
      setText(place, fmtNumber(at + 1));
      setAttr(li, "data-place", at);
      // Still focusable at the ends (aria-disabled, not disabled): the focus stays put.
      setAttr(up, "aria-disabled", disabled || at === 0 ? "true" : null);
      setAttr(down, "aria-disabled", disabled || at === total - 1 ? "true" : null);
      setAttr(up, "aria-label", t("order.up_label", { item: items[index], place: at + 1, total }));
      setAttr(down, "aria-label", t("order.down_label", { item: items[index], place: at + 1, total }));
    });
  }

  function say(index) {
    const at = order.indexOf(index);
    setText(live, t("order.moved", { item: items[index], place: at + 1, total }));
  }

  function move(index, delta, button) {
    if (disabled) return;
    const at = order.indexOf(index);
    const to = at + delta;
    if (to < 0 || to >= total) return;
    order.splice(at, 1);
    order.splice(to, 0, index);
    layout();
    button?.focus({ preventScroll: true });
    say(index);
    onChange();
  }

  // ------------------------------------------------------------ dragging
  let drag = null;

  function startDrag(event, index) {
    if (disabled || drag || (event.pointerType === "mouse" && event.button !== 0)) return;
    if (event.target.closest("button")) return;
    event.preventDefault();
    const li = rows[index];
    li.setPointerCapture?.(event.pointerId);
    drag = { index, li, pointerId: event.pointerId, grab: event.clientY - li.getBoundingClientRect().top, from: order.indexOf(index) };
    toggleClass(li, "is-dragging", true);
    toggleClass(list, "is-sorting", true);
    li.addEventListener("pointermove", onMove);
    li.addEventListener("pointerup", onEnd);
    li.addEventListener("pointercancel", onEnd);
    li.addEventListener("lostpointercapture", onEnd);
  }

  function onMove(event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    event.preventDefault();
    const { index, li, grab } = drag;
    const top = list.getBoundingClientRect().top;
    const y = event.clientY;
    // The place under the finger: how many of the other items' middles are above it.
    let place = 0;
    for (const other of order) {
      if (other === index) continue;
      const r = rows[other];
      if (y > top + r.offsetTop + r.offsetHeight / 2) place += 1;
    }
    if (place !== order.indexOf(index)) {
      order = order.filter((i) => i !== index);
      order.splice(place, 0, index);
      layout();
    }
    li.style.transform = `translateY(${y - grab - (top + li.offsetTop)}px)`;
  }

  function onEnd(event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    const { index, li, from } = drag;
    drag = null;
    li.removeEventListener("pointermove", onMove);
    li.removeEventListener("pointerup", onEnd);
    li.removeEventListener("pointercancel", onEnd);
    li.removeEventListener("lostpointercapture", onEnd);
    li.style.transform = "";
    toggleClass(li, "is-dragging", false);
    toggleClass(list, "is-sorting", false);
    if (order.indexOf(index) !== from) {
      say(index);
      onChange();
    }
  }

  layout();
  const el = h("div", { class: "order-answer" }, list, live);
  return {
    el,
    list,
    /** The shown indexes in the player's order. */
    order: () => [...order],
    /** Show an order (an answer already sent, after a reload). */
    setOrder(next) {
      if (Array.isArray(next) && next.length === total && [...next].sort((a, b) => a - b).every((v, i) => v === i)) {
        order = [...next];
        layout();
      }
    },
    setDisabled(value) {
      if (disabled === Boolean(value)) return;
      disabled = Boolean(value);
      toggleClass(list, "is-locked", disabled);
      layout();
    },
    focus() {
      rows[order[0]]._parts.down.focus({ preventScroll: true });
    },
  };
}
