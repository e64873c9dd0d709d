// How the (up to) four answer options look: a colour, a letter and a shape
// each, so that they never rely on colour alone.

import { svg } from "./dom.js";

export const OPTION_LOOKS = [
  { letter: "A", shape: "triangle", name: "red triangle" },
  { letter: "B", shape: "diamond", name: "blue diamond" },
  { letter: "C", shape: "circle", name: "yellow circle" },
  { letter: "D", shape: "square", name: "green square" },
];

export function optionLook(index) {
  return OPTION_LOOKS[index % OPTION_LOOKS.length];
}

export function optionLetter(index) {
  return index < OPTION_LOOKS.length ? OPTION_LOOKS[index].letter : String(index + 1);
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
