// web/results.js (the host's results file) and the pure parts of
// web/result-rows.js (what a reveal says, for every kind).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { web } from "./web.mjs";

const { questionSummary, resultRows, resultsJson } = await web("results.js");
const rows = await web("result-rows.js");
const { correctSet, resultKind } = rows;
// The sentences isolate each name and option (U+2068 ... U+2069) so that a
// name in another script keeps its place: compared here without the marks.
const plain = (text) => text.replace(/[\u2068\u2069]/g, "");
const correctSentence = (...args) => plain(rows.correctSentence(...args));
const tieExplanation = (...args) => plain(rows.tieExplanation(...args));
const { parseCsv, toCsv } = await web("csv.js");

const RESULTS = {
  type: "results",
  room_id: "ZEBNG",
  questions: [
    { kind: "choice", text: "Capital of France?", options: ["Rome", "Paris"], correct: 1 },
    { kind: "multi", text: "Primes?", options: ["2", "4", "5"], correct: [0, 2] },
    { kind: "text", text: "Who wrote Faust?", answers: ["Goethe"] },
    { kind: "poll", text: "Cats or dogs?", options: ["Cats", "Dogs"] },
  ],
  players: [
    { name: "Bob", rank: 2, score: 500, answers: [{ answer: 0, correct: false }, { answer: [0, 2], correct: true }, null, { answer: 1, correct: null }] },
    { name: "=Ann", rank: 1, score: 1900, answers: [{ answer: 1, correct: true }, { answer: [1], correct: false }, { answer: "goethe", correct: true }, { answer: 0, correct: null }] },
  ],
};

describe("results.js", () => {
  test("resultRows: a header, then one row per player by rank, each answer as its text", () => {
    assert.deepEqual(resultRows(RESULTS), [
      ["Rank", "Name", "Score", "Correct answers", "Q1: Capital of France?", "Q2: Primes?", "Q3: Who wrote Faust?", "Q4: Cats or dogs?"],
      [1, "=Ann", 1900, 2, "✓ Paris", "✗ 4", "✓ goethe", "Cats"],
      [2, "Bob", 500, 1, "✗ Rome", "✓ 2 + 5", "", "Dogs"],
    ]);
  });

  test("resultRows: an index past the options shows its letter; missing fields are blank", () => {
    const rows = resultRows({ questions: [{ question: "Old?", options: ["a"] }], players: [{ answers: [{ answer: 3, correct: false }] }] });
    assert.deepEqual(rows, [["Rank", "Name", "Score", "Correct answers", "Q1: Old?"], ["", "", 0, 0, "✗ D"]]);
    assert.deepEqual(resultRows({}), [["Rank", "Name", "Score", "Correct answers"]]);
  });

  test("the CSV of the results defuses a player's formula and reads back", () => {
    const back = parseCsv(toCsv(resultRows(RESULTS)), ",");
    assert.equal(back[1][1], "'=Ann");
    assert.equal(back.length, 3);
  });

  test("questionSummary: right answers per question, none for a poll", () => {
    assert.deepEqual(questionSummary(RESULTS), [
      { index: 0, text: "Capital of France?", kind: "choice", answered: 2, right: 1 },
      { index: 1, text: "Primes?", kind: "multi", answered: 2, right: 1 },
      { index: 2, text: "Who wrote Faust?", kind: "text", answered: 1, right: 1 },
      { index: 3, text: "Cats or dogs?", kind: "poll", answered: 2, right: null },
    ]);
    assert.deepEqual(questionSummary(null), []);
  });
});

describe("result-rows.js", () => {
  test("resultKind: the result's, else the question's, else from the fields", () => {
    assert.equal(resultKind({ kind: "poll" }, { kind: "choice" }), "poll");
    assert.equal(resultKind({}, { kind: "multi" }), "multi");
    assert.equal(resultKind({ accepted_answers: ["x"] }, null), "text");
    assert.equal(resultKind({}, null), "choice");
  });

  test("correctSet: a list, one index, or none", () => {
    assert.deepEqual([...correctSet({ correct_answers: [0, 2] })], [0, 2]);
    assert.deepEqual([...correctSet({ correct_answer: 1 })], [1]);
    assert.deepEqual([...correctSet({})], []);
  });

  test("correctSentence for each kind", () => {
    const q = { options: ["Mars", "Venus", "Earth"] };
    assert.equal(correctSentence({ correct_answer: 0 }, q), "The answer was A: Mars.");
    assert.equal(correctSentence({ kind: "multi", correct_answers: [0, 2] }, q), "The right answers were A: Mars and C: Earth.");
    assert.equal(correctSentence({ kind: "poll", correct_answer: 0 }, q), "Poll closed.");
    assert.equal(correctSentence({ kind: "text", accepted_answers: ["Goethe", "J. W. Goethe"] }, null), "Accepted answers: Goethe and J. W. Goethe.");
    assert.equal(correctSentence({ correct_answer: 0 }, null), "");
  });

  test("tieExplanation: shared place, or ahead on time", () => {
    assert.equal(tieExplanation([{ name: "A", score: 5, rank: 1 }, { name: "B", score: 5, rank: 1 }]),
      "A and B are tied: same points and the same time, so they share a place.");
    assert.equal(tieExplanation([{ name: "A", score: 5, rank: 1 }, { name: "B", score: 5, rank: 2 }]),
      "A and B have the same points: A is ahead for answering right faster in total.");
    assert.equal(tieExplanation([{ name: "A", score: 9, rank: 1 }, { name: "B", score: 5, rank: 2 }]), "");
    assert.equal(tieExplanation(null), "");
    // The names are isolated: "Ann" stays whole beside an Arabic name.
    assert.equal(rows.tieExplanation([{ name: "سارة", score: 5, rank: 1 }, { name: "Ann", score: 5, rank: 1 }]).slice(0, 6), "\u2068سارة\u2069");
  });
});


// Protocol 1.2: a team game with a slider and an order question.
const TEAM_RESULTS = {
  type: "results",
  request_id: "r9",
  room_id: "ZEBNG",
  questions: [
    { kind: "slider", text: "Moon landing?", min: 1950, max: 2000, step: 1, correct: 1969, histogram: [] },
    { kind: "order", text: "Nearest the Sun first", options: ["Mercury", "Venus", "Earth"] },
  ],
  players: [
    { id: "pB", name: "Bob", team: 1, rank: 2, score: 450, answers: [{ answer: 1975, correct: false, points: 450 }, { answer: [1, 0, 2], correct: false, points: 0 }] },
    { id: "pA", name: "Ann", team: 0, rank: 1, score: 1900, answers: [{ answer: 1969, correct: true, points: 950 }, { answer: [0, 1, 2], correct: true, points: 950 }] },
  ],
  teams: [{ team: 1, name: "Foxes", players: 1, score: 450, rank: 2 }, { team: 0, name: "Owls", players: 1, score: 1900, rank: 1 }],
};

describe("results.js, protocol 1.2", () => {
  test("a team column after the name, and the teams' table after an empty row", () => {
    assert.deepEqual(resultRows(TEAM_RESULTS), [
      ["Rank", "Name", "Team", "Score", "Correct answers", "Q1: Moon landing?", "Q2: Nearest the Sun first"],
      [1, "Ann", "Owls", 1900, 2, "✓ 1969", "✓ Mercury → Venus → Earth"],
      [2, "Bob", "Foxes", 450, 0, "✗ 1975", "✗ Venus → Mercury → Earth"],
      [],
      ["Team rank", "Team", "Players", "Score"],
      [1, "Owls", 1, 1900],
      [2, "Foxes", 1, 450],
    ]);
    // In the file: an empty line between the two tables, and both read back.
    const text = toCsv(resultRows(TEAM_RESULTS));
    assert.match(text, /Foxes,450,0,✗ 1975,✗ Venus → Mercury → Earth\r\n\r\nTeam rank,Team,Players,Score\r\n/);
    const back = parseCsv(text, ",");
    assert.deepEqual(back.slice(-3), [["Team rank", "Team", "Players", "Score"], ["1", "Owls", "1", "1900"], ["2", "Foxes", "1", "450"]]);
  });

  test("without teams, no team column and no team table", () => {
    const rows = resultRows({ ...TEAM_RESULTS, teams: [] });
    assert.deepEqual(rows[0].slice(0, 3), ["Rank", "Name", "Score"]);
    assert.equal(rows.length, 3);
  });

  test("the JSON: the server's results, each player's team named, no message fields", () => {
    const data = resultsJson(TEAM_RESULTS);
    assert.equal(data.type, undefined);
    assert.equal(data.request_id, undefined);
    assert.deepEqual(data.players.map((p) => [p.name, p.team, p.team_name]), [["Bob", 1, "Foxes"], ["Ann", 0, "Owls"]]);
    assert.deepEqual(data.teams, TEAM_RESULTS.teams);
    assert.equal(TEAM_RESULTS.players[0].team_name, undefined); // not changed in place
  });

  test("questionSummary counts a slider within tolerance and a whole order as right", () => {
    assert.deepEqual(questionSummary(TEAM_RESULTS).map((q) => [q.kind, q.answered, q.right]), [["slider", 2, 1], ["order", 2, 1]]);
  });
});

describe("result-rows.js, protocol 1.2", () => {
  test("correctSentence for a slider and an order", () => {
    assert.equal(correctSentence({ kind: "slider", correct_value: 1969 }, null), "The answer was 1969.");
    assert.equal(correctSentence({ kind: "slider", correct_value: 12500 }, null), "The answer was 12,500.");
    assert.equal(correctSentence({ kind: "slider" }, null), "");
    assert.equal(correctSentence({ kind: "order", correct_order: [2, 0, 1] }, { options: ["b", "c", "a"] }), "The right order: a, b, and c.");
    assert.equal(correctSentence({ kind: "order", correct_order: [0] }, null), "");
  });

  test("resultKind knows the new kinds", () => {
    assert.equal(resultKind({ kind: "slider" }, null), "slider");
    assert.equal(resultKind({}, { kind: "order" }), "order");
  });
});
