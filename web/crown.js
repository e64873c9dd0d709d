// The winner's crown, drawn beside the first place on every podium and board.

import { svg } from "./dom.js";

export function crown() {
  return svg("svg", { class: "crown", viewBox: "0 0 24 16", "aria-hidden": "true", focusable: "false" },
    svg("path", { d: "M2 14 L0 3 L7 8 L12 0 L17 8 L24 3 L22 14 Z" }));
}
