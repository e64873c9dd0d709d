// Import a module of the browser client (web/) in a unit test:
//   const { applyMessage } = await web("state.js");
// Dynamic, so that the hooks below are in place before the module loads.

import { register } from "node:module";

register("./esm-hooks.mjs", import.meta.url);

export const WEB_DIR = new URL("../../web/", import.meta.url);

export function web(name) {
  return import(new URL(name, WEB_DIR).href);
}
