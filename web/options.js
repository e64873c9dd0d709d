// How the (up to) four answer options look: a colour, a letter and a shape
// each, so that they never rely on colour alone. The letters are the
// language's (options.letters.list: A B C D, or أ ب ج د in Arabic).

import { svg } from "./dom.js";
import { fmtNumber, tList } from "./i18n.js";

export const OPTION_LOOKS = [
  { shape: "triangle" },
  { shape: "diamond" },
  { shape: "circle" },
  { shape: "square" },
];

export function optionLook(index) {
  return OPTION_LOOKS[index % OPTION_LOOKS.length];
}

export function optionLetter(index) {
  const letters = tList("options.letters.list");
  return index < letters.length ? letters[index] : fmtNumber(index + 1);
}

function shapeNode(shape) {
  switch (shape) {
    case "triangle":
      return svg("path", { d: "M12 3 L22 20 H2 Z" });
    case "diamond":
      return svg("path", { d: "M12 2 L22 12 L12 22 L2 12 Z" });
    case "circle":
      return svg("circle", { cx: 12, cy: 12, r: 10 });
    default:
      return svg("rect", { x: 3, y: 3, width: 18, height: 18, rx: 2 });
  }
}

/** A decorative shape icon (hidden from screen readers: the letter says it). */
export function shapeIcon(index, className = "shape") {
  return svg("svg", {
    class: className,
    viewBox: "0 0 24 24",
    width: 24,
    height: 24,
    "aria-hidden": "true",
    focusable: "false",
  }, shapeNode(optionLook(index).shape));
}
