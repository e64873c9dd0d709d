// A `slider` answer on a phone: a range input and a number field kept in
// step, both labelled, on the question's grid (min + k * step, up to max).
// The range is moved by a finger or the arrow keys (Page Up/Down, Home,
// End); a screen reader hears the number itself (aria-valuetext, no unit);
// the number field takes an exact value, snapped to the grid.

import { h, setAttr, setText } from "./dom.js";
import { htmlLang, raw, t } from "./i18n.js";

function decimalsOf(n) {
  const text = String(n);
  if (text.includes("e-")) return Number(text.split("e-")[1]) || 0;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** A slider's grid: snap(v) is the nearest value a player may send. */
export function sliderGrid(min, max, step) {
  const decimals = Math.min(10, Math.max(decimalsOf(step), decimalsOf(min)));
  const steps = Math.floor((max - min) / step + 1e-9);
  const valueAt = (k) => Number((min + k * step).toFixed(decimals));
  return {
    decimals,
    steps,
    snap(value) {
      const k = Math.min(steps, Math.max(0, Math.round((Number(value) - min) / step)));
      return valueAt(k);
    },
    middle: valueAt(Math.round(steps / 2)),
  };
}

/** A value as people read it in the page's language (grouped from 10,000: a year stays 1969). */
export function formatValue(value, decimals = 0) {
  const options = { maximumFractionDigits: Math.min(20, decimals), useGrouping: Math.abs(value) >= 10000 };
  try {
    return new Intl.NumberFormat(htmlLang(), options).format(value);
  } catch {
    return new Intl.NumberFormat("en", options).format(value);
  }
}

/**
 * @param {{min: number, max: number, step: number, id: string, onSubmit: (value: number) => void}} options
 */
export function createSliderInput({ min, max, step, id, onSubmit }) {
  const grid = sliderGrid(min, max, step);
  let value = grid.middle;
  const show = (v) => formatValue(v, grid.decimals);

  const range = h("input", {
    type: "range", id: `${id}-range`, testid: "slider-range", min, max, step, value: String(value),
    "aria-describedby": `${id}-scale`,
  });
  const number = h("input", {
    type: "number", id: `${id}-number`, testid: "slider-number", min, max, step, value: String(value),
    inputmode: grid.decimals || min < 0 ? "decimal" : "numeric", autocomplete: "off", enterkeyhint: "send",
  });
  const shown = h("output", { class: "slider-value", testid: "slider-value", for: `${range.id} ${number.id}`, "aria-hidden": "true" });
  const scale = h("p", { class: "slider-scale", id: `${id}-scale` },
    h("span", { class: "slider-min", "aria-hidden": "true" }, show(min)),
    h("span", { class: "visually-hidden" }, t("q.slider_range", { min: raw(show(min)), max: raw(show(max)) })),
    h("span", { class: "slider-max", "aria-hidden": "true" }, show(max)));
  const send = h("button", { type: "submit", class: "btn btn-primary btn-large", testid: "submit-answer" }, t("q.send"));

  function set(v, { typing = false } = {}) {
    value = grid.snap(v);
    if (range.value !== String(value)) range.value = String(value);
    if (!typing && number.value !== String(value)) number.value = String(value);
    setText(shown, show(value));
    setAttr(range, "aria-valuetext", show(value));
  }

  range.addEventListener("input", () => set(range.value));
  number.addEventListener("input", () => {
    if (number.value.trim() !== "" && Number.isFinite(Number(number.value))) set(Number(number.value), { typing: true });
  });
  number.addEventListener("change", () => set(number.value.trim() === "" ? value : Number(number.value)));

  const form = h("form", {
    class: "slider-answer", novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      if (number.value.trim() !== "" && Number.isFinite(Number(number.value))) set(Number(number.value));
      onSubmit(value);
    },
  },
  shown,
  h("div", { class: "slider-track" },
    h("label", { for: range.id, class: "visually-hidden" }, t("q.slider_label")),
    range,
    scale),
  h("div", { class: "slider-row" },
    h("label", { for: number.id, class: "field-label" }, t("q.slider_exact")),
    number,
    send));
  set(value);

  return {
    el: form,
    range,
    number,
    send,
    value: () => value,
    set,
    setDisabled(disabled) {
      range.disabled = disabled;
      number.disabled = disabled;
      send.disabled = disabled;
    },
    focus() {
      range.focus({ preventScroll: true });
    },
  };
}
