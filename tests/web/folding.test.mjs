// The editor's fold (web/quizdoc.js) against the server's, on the shared
// table tests/cases/folding.json (the server's own results, checked by
// tests/test_folding.py): two options the server folds together, the editor
// refuses too, and no other.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { web } from "./web.mjs";

const { fold } = await web("quizdoc.js");
const CASES = JSON.parse(readFileSync(new URL("../cases/folding.json", import.meta.url), "utf8"));

test("the table is not empty", () => {
  assert.ok(CASES.length >= 50, `${CASES.length} cases`);
});

for (const { text, fold: expected } of CASES) {
  test(`fold(${JSON.stringify(text)}) is the server's`, () => {
    assert.equal(fold(text), expected);
  });
}
