// The editor (web/quizdoc.js) against the shared table of question cases,
// tests/cases/questions.json: it accepts what the server accepts, refuses
// what the server refuses, and puts the error on the field the server names
// (or on the list that holds it: `options` for `options[1]`). The server
// runs the same table in tests/test_question_cases.py.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { web } from "./web.mjs";

const { checkQuestion } = await web("quizdoc.js");

const CASES = JSON.parse(readFileSync(new URL("../cases/questions.json", import.meta.url), "utf8"));

/** The editor's error key for a server path: "q" -> "question", "q.options[1]" -> "options.1". */
export function editorField(path) {
  if (path === "q") return "question";
  return path.replace(/^q\./, "").replace(/\[(\d+)\]/g, ".$1");
}

test("the table holds cases of every kind, both verdicts, with unique names", () => {
  assert.ok(CASES.length >= 100, `${CASES.length} cases`);
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
  const kinds = new Set(CASES.map((c) => c.question?.kind ?? "choice"));
  for (const kind of ["choice", "multi", "true_false", "text", "poll", "slider", "order"]) assert.ok(kinds.has(kind), kind);
  // Every field of protocol 1.2 has a case the server refuses.
  const paths = new Set(CASES.filter((c) => !c.ok).map((c) => c.path.replace(/\[\d+\]/g, "[i]")));
  for (const field of ["min", "max", "step", "tolerance", "margin", "round", "image", "image_alt", "audio", "option_images", "option_images[i]"]) assert.ok(paths.has(`q.${field}`), field);
  for (const c of CASES) {
    assert.equal(typeof c.ok, "boolean", c.name);
    assert.ok(c.ok ? c.path === null : /^q(\.\w+(\[\d+\])?)?$/.test(c.path), `${c.name}: path ${c.path}`);
  }
});

test("editorField maps server paths to the editor's keys", () => {
  assert.equal(editorField("q"), "question");
  assert.equal(editorField("q.text"), "text");
  assert.equal(editorField("q.options[3]"), "options.3");
  assert.equal(editorField("q.correct[0]"), "correct.0");
  assert.equal(editorField("q.option_images[1]"), "option_images.1");
});

for (const c of CASES) {
  test(`${c.ok ? "accepts" : "refuses"}: ${c.name}`, () => {
    const { errors } = checkQuestion(structuredClone(c.question));
    const keys = Object.keys(errors);
    if (c.ok) {
      assert.deepEqual(errors, {}, "the server accepts this question");
      return;
    }
    assert.notEqual(keys.length, 0, `the server refuses this question at ${c.path}`);
    const field = editorField(c.path);
    const list = field.replace(/\.\d+$/, ""); // options.1 -> options
    assert.ok(keys.includes(field) || keys.includes(list), `the server names ${c.path}; the editor says ${JSON.stringify(errors)}`);
  });
}
