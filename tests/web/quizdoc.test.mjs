// web/quizdoc.js: the host's quiz in the editor: checking a question (the
// rules themselves are held to the server's by question-cases.test.mjs),
// the editor's shape, storage, and the formats it comes in.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterEach, describe, test } from "node:test";

import { web } from "./web.mjs";

const {
  KINDS, LIMITS, blankQuestion, changeKind, charCount, checkQuestion, checkQuiz, cleanText, emptyQuiz, exportJson,
  fold, importJson, importKahoot, loadQuiz, normaliseQuestion, onGrid, saveQuiz,
} = await web("quizdoc.js");

const CASES = JSON.parse(readFileSync(new URL("../cases/questions.json", import.meta.url), "utf8"));

describe("text as the server keeps it", () => {
  test("cleanText: controls and line breaks are spaces, runs of spaces one, none at the ends", () => {
    assert.equal(cleanText("  Capital\tof\n\nFrance?\u2028 "), "Capital of France?");
    assert.equal(cleanText("a\u00a0\u3000b\u0007c"), "a b c");
    assert.equal(cleanText("\ufeffx"), "\ufeffx"); // a format character is not white space
    assert.equal(cleanText(42), "");
    assert.equal(cleanText(null), "");
  });

  test("charCount counts characters, not UTF-16 units", () => {
    assert.equal(charCount("😀😀"), 2);
    assert.equal("😀😀".length, 4);
    assert.equal(charCount(""), 0);
  });

  // tests/test_folding.py holds the server's fold to these.
  const SAME = [
    ["Zoë", "zoe"], ["Straße", "STRASSE"], ["Łódź", "Lodz"], ["Ærøskøbing", "aeroskobing"], ["İstanbul", "istanbul"],
    ["  New   York ", "new york"], ["O'Brien", "OBrien"], ["¿Qué?", "que"], ["Zoe\u0308", "Zoë"], ["ﬁsh", "fish"],
    ["\u00a0Paris\u200b", "Paris"], ["Αθήνα", "αθηνα"], ["ΟΔΥΣΣΕΥΣ", "Οδυσσεύς"], ["Ёлка", "елка"],
    ["ＴＯＫＹＯ", "tokyo"], ["ﾄｳｷｮｳ", "トウキョウ"], ["東京。", "東京"], ["서울".normalize("NFD"), "서울"],
    ["القَاهِرَة", "القاهرة"], ["مـــصر", "مصر"], ["١٩٨٤", "1984"], ["שָׁלוֹם", "שלום"], ["२०२४", "2024"],
  ];
  const DIFFERENT = [["かき", "かぎ"], ["कुत्ता", "कत्ता"], ["мой", "мои"], ["C++", "C"], ["Paris", "Pari"], ["1984", "1948"]];

  for (const [a, b] of SAME) test(`fold: ${a} is ${b}`, () => assert.equal(fold(a), fold(b)));
  for (const [a, b] of DIFFERENT) test(`fold: ${a} is not ${b}`, () => assert.notEqual(fold(a), fold(b)));

  test("fold: exactly the server's form for a few", () => {
    assert.equal(fold("Straße!"), "strasse");
    assert.equal(fold("  New   York "), "newyork");
    assert.equal(fold("١٩٨٤"), "1984");
    assert.equal(fold("?!"), "");
  });
});

describe("checkQuestion: what the editor sends", () => {
  test("text cleaned, points 1 left out, the rest kept", () => {
    const { question, errors } = checkQuestion({ kind: "multi", text: " Which  are\nprimes? ", options: ["2", " 4 ", "5"], correct: [2, 0], points: 1, time_limit: 30, explanation: " 4 is\n2×2. " });
    assert.deepEqual(errors, {});
    assert.deepEqual(question, { kind: "multi", text: "Which are primes?", options: ["2", "4", "5"], correct: [0, 2], time_limit: 30, explanation: "4 is 2×2." });
  });

  test("blank option rows are dropped and the right answer follows its option", () => {
    const { question, errors } = checkQuestion({ kind: "choice", text: "Q?", options: ["", "Rome", "  ", "Paris"], correct: 3 });
    assert.deepEqual(errors, {});
    assert.deepEqual(question.options, ["Rome", "Paris"]);
    assert.equal(question.correct, 1);
  });

  test("a right answer on a blank row is no right answer", () => {
    assert.equal(checkQuestion({ text: "Q?", options: ["Rome", "Paris", ""], correct: 2 }).errors.correct, "Mark the right answer.");
    const multi = checkQuestion({ kind: "multi", text: "Q?", options: ["a", "", "c", ""], correct: [1, 2] });
    assert.deepEqual(multi.errors, {});
    assert.deepEqual(multi.question.correct, [1]); // the tick on the blank row goes with it
    assert.equal(checkQuestion({ kind: "multi", text: "Q?", options: ["a", "b", "", ""], correct: [2] }).errors.correct, "Mark at least one right answer.");
  });

  test("true_false: True and False by default, false is the second", () => {
    assert.deepEqual(checkQuestion({ kind: "true_false", text: "Q?", correct: false }).question, { kind: "true_false", text: "Q?", options: ["True", "False"], correct: 1 });
    assert.equal(checkQuestion({ kind: "true_false", text: "Q?", correct: true }).question.correct, 0);
    assert.deepEqual(checkQuestion({ kind: "true_false", text: "Q?", options: ["Wahr", "Falsch"], correct: 0 }).question.options, ["Wahr", "Falsch"]);
  });

  test("text: accepted answers cleaned, blank lines dropped", () => {
    const { question, errors } = checkQuestion({ kind: "text", text: "Who?", answers: [" Goethe ", "", "J. W.  Goethe", "   "] });
    assert.deepEqual(errors, {});
    assert.deepEqual(question, { kind: "text", text: "Who?", answers: ["Goethe", "J. W. Goethe"] });
  });

  test("a poll has no correct in what is sent", () => {
    assert.deepEqual(checkQuestion({ kind: "poll", text: "Cats?", options: ["Cats", "Dogs"], points: 0 }).question, { kind: "poll", text: "Cats?", options: ["Cats", "Dogs"], points: 0 });
  });

  test("the messages the editor shows on each field", () => {
    assert.equal(checkQuestion({ text: "", options: ["a", "b"], correct: 0 }).errors.text, "Write the question.");
    assert.equal(checkQuestion({ text: "x".repeat(301), options: ["a", "b"], correct: 0 }).errors.text, "At most 300 characters (now 301).");
    assert.match(checkQuestion({ text: "Q?", options: ["red", "Blue", "Red!"], correct: 0 }).errors["options.2"], /same answer twice/);
    assert.equal(checkQuestion({ text: "Q?", options: ["a", "", ""], correct: 0 }).errors.options, "Give at least two answers.");
    assert.equal(checkQuestion({ kind: "text", text: "Q?", answers: ["", " "] }).errors.answers, "Give at least one accepted answer.");
    assert.match(checkQuestion({ kind: "text", text: "Q?", answers: ["?!"] }).errors.answers, /no letter or digit/);
    assert.equal(checkQuestion({ text: "Q?", options: ["a", "b"], correct: 0, time_limit: 3 }).errors.time_limit, "From 5 to 240 seconds, or empty for the room's time.");
    assert.equal(checkQuestion({ text: "Q?", options: ["a", "b"], correct: 0, points: 5 }).errors.points, "0, 1 or 2.");
  });

  test("every error of a question at once, not only the first", () => {
    const { errors } = checkQuestion({ kind: "choice", text: "", options: ["a", "A"], correct: 7, time_limit: 1, explanation: "e".repeat(301) });
    assert.deepEqual(Object.keys(errors).sort(), ["correct", "explanation", "options.1", "text", "time_limit"]);
  });
});

describe("checkQuiz", () => {
  const good = { kind: "choice", text: "Q?", options: ["a", "b"], correct: 0 };

  test("ready when every question is", () => {
    const r = checkQuiz({ title: "T", questions: [good, { kind: "poll", text: "P?", options: ["x", "y"] }] });
    assert.equal(r.ok, true);
    assert.equal(r.questions.length, 2);
    assert.equal(r.errors.filter(Boolean).length, 0);
  });

  test("the errors of each question by its index", () => {
    const r = checkQuiz({ questions: [good, { ...good, text: "" }] });
    assert.equal(r.ok, false);
    assert.equal(r.errors[0], undefined);
    assert.deepEqual(Object.keys(r.errors[1]), ["text"]);
  });

  test("1 to 100 questions", () => {
    assert.equal(checkQuiz({ questions: [] }).ok, false);
    assert.equal(checkQuiz(emptyQuiz()).ok, false);
    assert.equal(checkQuiz({ questions: Array(LIMITS.questions).fill(good) }).ok, true);
    assert.equal(checkQuiz({ questions: Array(LIMITS.questions + 1).fill(good) }).ok, false);
  });
});

describe("the editor's shape", () => {
  test("blankQuestion: one of each kind", () => {
    assert.deepEqual(KINDS, ["choice", "multi", "true_false", "text", "poll", "slider", "order"]);
    assert.deepEqual(blankQuestion(), { kind: "choice", text: "", options: ["", "", "", ""], correct: 0 });
    assert.deepEqual(blankQuestion("multi").correct, [0]);
    assert.deepEqual(blankQuestion("true_false").options, ["True", "False"]);
    assert.deepEqual(blankQuestion("text"), { kind: "text", text: "", answers: [""] });
    assert.equal(blankQuestion("poll").correct, undefined);
    assert.equal(blankQuestion("quiz").kind, "choice");
    // A new slider and a new order are ready to fill in; the slider is valid as it is.
    assert.deepEqual(blankQuestion("slider"), { kind: "slider", text: "", min: 0, max: 100, step: 1, correct: 50 });
    assert.deepEqual(Object.keys(checkQuestion({ ...blankQuestion("slider"), text: "Q?" }).errors), []);
    assert.deepEqual(blankQuestion("order").options, ["", "", "", ""]);
  });

  test("changeKind keeps what still makes sense", () => {
    const choice = { kind: "choice", text: "Largest planet?", options: ["Mars", "Jupiter", "Venus", ""], correct: 1, time_limit: 30, points: 2, explanation: "Gas giant." };
    assert.deepEqual(changeKind(choice, "multi"), { kind: "multi", text: "Largest planet?", options: ["Mars", "Jupiter", "Venus", ""], correct: [1], time_limit: 30, points: 2, explanation: "Gas giant." });
    assert.deepEqual(changeKind(choice, "text").answers, ["Jupiter"]);
    assert.deepEqual(changeKind(choice, "true_false").options, ["True", "False"]);
    assert.equal(changeKind(choice, "poll").correct, undefined);
    assert.deepEqual(changeKind({ kind: "multi", text: "Q", options: ["a", "b"], correct: [1, 0] }, "choice").correct, 1);
    assert.deepEqual(changeKind({ kind: "true_false", text: "Q", options: ["True", "False"], correct: 1 }, "choice").options, ["", "", "", ""]);
  });

  test("normaliseQuestion: four rows, the fields of its kind, easy mends", () => {
    assert.deepEqual(normaliseQuestion({ text: "Q", options: ["a", 2, null], correct: [1], time_limit: "30", points: "" }),
      { kind: "choice", text: "Q", options: ["a", "2", "", ""], correct: 1, time_limit: 30 });
    assert.deepEqual(normaliseQuestion({ kind: "text", text: "Q", answers: ["x"], options: ["a", "b"], correct: 0 }), { kind: "text", text: "Q", answers: ["x"] });
    assert.deepEqual(normaliseQuestion({ kind: "poll", text: "Q", options: ["a", "b"], correct: 0, answers: ["a"] }), { kind: "poll", text: "Q", options: ["a", "b", "", ""] });
    assert.deepEqual(normaliseQuestion({ kind: "true_false", text: "Q", correct: false }), { kind: "true_false", text: "Q", options: ["True", "False"], correct: 1 });
    assert.deepEqual(normaliseQuestion({ kind: "multi", text: "Q", options: ["a", "b"], correct: 1 }).correct, [1]);
    assert.deepEqual(normaliseQuestion({ q: "Bank?", options: ["a", "b", "c", "d", "e"], answer: 2 }), { kind: "choice", text: "Bank?", options: ["a", "b", "c", "d"], correct: 2 });
    assert.equal(normaliseQuestion({ kind: "quiz", text: "Q" }).kind, "choice");
  });

  test("normaliseQuestion keeps every question the server accepts acceptable", () => {
    for (const c of CASES.filter((x) => x.ok)) {
      assert.deepEqual(checkQuestion(normaliseQuestion(structuredClone(c.question))).errors, {}, c.name);
    }
  });
});

describe("protocol 1.2: slider, order, rounds, media", () => {
  const A = "a".repeat(64);
  const B = "b".repeat(64);

  test("a slider: what is sent, its defaults left to the server", () => {
    const { question, errors } = checkQuestion({ kind: "slider", text: " Year? ", min: 1950, max: 2000, step: 1, correct: 1969, tolerance: 1 });
    assert.deepEqual(errors, {});
    assert.deepEqual(question, { kind: "slider", text: "Year?", min: 1950, max: 2000, step: 1, correct: 1969, tolerance: 1 });
  });

  test("a slider: every field's error at once, in the editor's words", () => {
    const { errors } = checkQuestion({ kind: "slider", text: "Q", min: 10, max: 5, step: 0, correct: 7, tolerance: -1, margin: 0 });
    assert.deepEqual(Object.keys(errors).sort(), ["margin", "max", "step", "tolerance"]);
    assert.equal(errors.max, "Must be more than the lowest value.");
    assert.equal(checkQuestion({ kind: "slider", text: "Q", min: 0, max: 100, step: 5, correct: 7 }).errors.correct,
      "Must be one of the slider's values: the lowest value plus whole steps, up to the highest.");
    assert.equal(checkQuestion({ kind: "slider", text: "Q", max: 100, step: 5, correct: 5 }).errors.min, "Give a number.");
    assert.equal(checkQuestion({ kind: "slider", text: "Q", min: 0, max: 20000, step: 1, correct: 5 }).errors.step, "Too small for this range: at most 10,000 steps.");
  });

  test("onGrid: decimals within the server's 1e-6 of a step", () => {
    assert.equal(onGrid({ min: 0, max: 1, step: 0.1 }, 0.3), true);
    assert.equal(onGrid({ min: 0, max: 1, step: 0.1 }, 0.35), false);
    assert.equal(onGrid({ min: -50, max: 50, step: 10 }, -20), true);
    assert.equal(onGrid({ min: 0, max: 10, step: 3 }, 10), false);
    assert.equal(onGrid({ min: 0, max: 10, step: 3 }, 12), false);
  });

  test("an order: blank rows dropped, 2 to 6 items, no right answer field", () => {
    const { question, errors } = checkQuestion({ kind: "order", text: "Sun first", options: ["Mercury", "", "Venus", " Earth ", "", ""] });
    assert.deepEqual(errors, {});
    assert.deepEqual(question, { kind: "order", text: "Sun first", options: ["Mercury", "Venus", "Earth"] });
    assert.equal(checkQuestion({ kind: "order", text: "Q", options: ["a", "b", "c", "d", "e", "f", "g"] }).errors.options, "At most 6 answers.");
    assert.equal(checkQuestion({ kind: "order", text: "Q", options: ["a", "", ""] }).errors.options, "Give at least two answers.");
  });

  test("a round title is cleaned and sent; an empty one is an error", () => {
    assert.equal(checkQuestion({ text: "Q", options: ["a", "b"], correct: 0, round: "  Flags\nof Europe " }).question.round, "Flags of Europe");
    assert.equal(checkQuestion({ text: "Q", options: ["a", "b"], correct: 0, round: "" }).errors.round, "Give the round a title.");
  });

  test("media: the picture with its alt text, the sound, option pictures following their rows", () => {
    const { question, errors } = checkQuestion({
      kind: "choice", text: "Flag?", options: ["France", "", "Italy", ""], option_images: [A, null, B, null], correct: 2,
      image: A, image_alt: " A flag ", audio: B,
    });
    assert.deepEqual(errors, {});
    assert.deepEqual(question, { kind: "choice", text: "Flag?", options: ["France", "Italy"], correct: 1, image: A, image_alt: "A flag", audio: B, option_images: [A, B] });
    // No picture at all on the options: nothing sent.
    assert.equal(checkQuestion({ kind: "poll", text: "Q", options: ["a", "b", "", ""], option_images: [null, null, null, null] }).question.option_images, undefined);
    // A picture on a blank row: its answer needs a text, its label.
    assert.equal(checkQuestion({ kind: "choice", text: "Q", options: ["a", "b", "", ""], option_images: [null, null, A, null], correct: 0 }).errors["options.2"],
      "Give this answer a text: it is the picture's label.");
    assert.equal(checkQuestion({ text: "Q", options: ["a", "b"], correct: 0, image: A }).errors.image_alt, "Describe the picture, for players who can't see it.");
  });

  test("changeKind keeps the picture, the sound and the round; option pictures where options can have them", () => {
    const q = { kind: "choice", text: "Q", options: ["a", "b", "", ""], option_images: [A, null, null, null], correct: 0, image: A, image_alt: "x", audio: B, round: "R" };
    const multi = changeKind(q, "multi");
    assert.deepEqual([multi.image, multi.image_alt, multi.audio, multi.round], [A, "x", B, "R"]);
    assert.deepEqual(multi.option_images, [A, null, null, null]);
    const order = changeKind(q, "order");
    assert.deepEqual(order.options, ["a", "b", "", ""]);
    assert.equal(order.option_images, undefined);
    assert.equal(order.correct, undefined);
    const slider = changeKind(q, "slider");
    assert.equal(slider.options, undefined);
    assert.equal(slider.round, "R");
    assert.deepEqual(checkQuestion(slider).errors, {});
    // An order of six items to a choice: the first four.
    assert.deepEqual(changeKind({ kind: "order", text: "Q", options: ["1", "2", "3", "4", "5", "6"] }, "choice").options, ["1", "2", "3", "4"]);
  });

  test("normaliseQuestion: what each kind has a field for, numbers from text, option pictures as rows", () => {
    assert.deepEqual(normaliseQuestion({ kind: "slider", text: "Q", min: "0", max: "10", step: 1, correct: "5", options: ["a"], option_images: [A] }),
      { kind: "slider", text: "Q", min: 0, max: 10, step: 1, correct: 5 });
    assert.deepEqual(normaliseQuestion({ kind: "order", text: "Q", options: ["a", "b", "c", "d", "e", "f", "g"], correct: 1 }).options, ["a", "b", "c", "d", "e", "f"]);
    assert.deepEqual(normaliseQuestion({ kind: "order", text: "Q", options: ["a"] }).options, ["a", ""]);
    assert.deepEqual(normaliseQuestion({ text: "Q", options: ["a", "b"], option_images: [A, "junk"], correct: 0 }).option_images, [A, null, null, null]);
    assert.equal(normaliseQuestion({ kind: "true_false", text: "Q", correct: 0, option_images: [A, B], min: 3 }).option_images, undefined);
    assert.equal(normaliseQuestion({ text: "Q", options: ["a", "b"], correct: 0, image_alt: "x", round: null }).image_alt, undefined);
    assert.equal(normaliseQuestion({ text: "Q", options: ["a", "b"], correct: 0, round: null }).round, undefined);
  });

  test("a quiz with every new field goes out as the server takes it (export)", () => {
    const quiz = { title: "T", questions: [
      { kind: "slider", text: "Year?", min: 1950, max: 2000, step: 1, correct: 1969, round: "Space", image: A, image_alt: "Moon" },
      { kind: "order", text: "Sun first", options: ["Mercury", "Venus", "", ""], audio: B },
    ] };
    assert.deepEqual(JSON.parse(exportJson(quiz)), [
      { kind: "slider", text: "Year?", min: 1950, max: 2000, step: 1, correct: 1969, image: A, image_alt: "Moon", round: "Space" },
      { kind: "order", text: "Sun first", options: ["Mercury", "Venus"], audio: B },
    ]);
    const back = importJson(exportJson(quiz));
    assert.deepEqual(checkQuiz(back).questions, JSON.parse(exportJson(quiz)));
  });
});

describe("files", () => {
  test("importJson: a list of questions, or an object holding one with a title", () => {
    const list = importJson('\ufeff[{"text": "Q?", "options": ["a", "b"], "correct": 1}]');
    assert.equal(list.title, "");
    assert.deepEqual(list.questions, [{ kind: "choice", text: "Q?", options: ["a", "b", "", ""], correct: 1 }]);
    const obj = importJson(JSON.stringify({ title: "T".repeat(150), questions: [{ kind: "poll", text: "P", options: ["x", "y"] }] }));
    assert.equal(obj.title.length, LIMITS.title);
    assert.equal(obj.questions[0].kind, "poll");
    assert.equal(importJson(JSON.stringify(Array(150).fill({ text: "Q" }))).questions.length, LIMITS.questions);
  });

  test("importJson: readable errors", () => {
    assert.throws(() => importJson("{nope"), { message: "This file is not JSON." });
    assert.throws(() => importJson("[]"), { message: "No questions found in this file." });
    assert.throws(() => importJson('{"title": "x"}'), { message: "No questions found in this file." });
  });

  test("exportJson: the documented list of questions, as the server takes them", () => {
    const text = exportJson({ title: "T", questions: [{ kind: "true_false", text: " Sun is a star. ", options: ["True", "False"], correct: 0 }] });
    assert.ok(text.endsWith("\n"));
    assert.deepEqual(JSON.parse(text), [{ kind: "true_false", text: "Sun is a star.", options: ["True", "False"], correct: 0 }]);
  });

  test("importKahoot: Kahoot's template, its header and number column skipped", () => {
    const csv = "#,Question - max 120 characters,Answer 1,Answer 2,Answer 3,Answer 4,Time limit (sec),Correct answer(s)\r\n"
      + '1,"Which ocean is the largest?",Atlantic,Pacific,Indian,Arctic,20,2\r\n'
      + '2,"Which of these are mammals?","Whale","Shark","Bat","Trout",30,"1,3"\r\n'
      + "3,Is water wet?,True,False,,,7,1\r\n"
      + "4,A broken row,a,b,c,d,20,9\r\n";
    const { questions, skipped } = importKahoot(csv);
    assert.deepEqual(questions, [
      { kind: "choice", text: "Which ocean is the largest?", options: ["Atlantic", "Pacific", "Indian", "Arctic"], correct: 1, time_limit: 20 },
      { kind: "multi", text: "Which of these are mammals?", options: ["Whale", "Shark", "Bat", "Trout"], correct: [0, 2], time_limit: 30 },
      { kind: "true_false", text: "Is water wet?", options: ["True", "False"], correct: 0, time_limit: 7 },
    ]);
    assert.deepEqual(skipped, [5]);
  });

  test("importKahoot: rows pasted from a spreadsheet (tabs); a time out of range is left to the room", () => {
    const { questions } = importKahoot("Capital of Norway?\tOslo\tBergen\t\t\t300\t1");
    assert.deepEqual(questions, [{ kind: "choice", text: "Capital of Norway?", options: ["Oslo", "Bergen", "", ""], correct: 0 }]);
    assert.deepEqual(checkQuestion(questions[0]).errors, {});
  });
});

describe("storage", () => {
  const realWindow = globalThis.window;
  afterEach(() => {
    globalThis.window = realWindow;
  });

  function fakeStorage() {
    const items = new Map();
    return {
      items,
      getItem: (k) => (items.has(k) ? items.get(k) : null),
      setItem: (k, v) => items.set(k, String(v)),
    };
  }

  test("saveQuiz then loadQuiz: the same quiz, in the editor's shape", () => {
    const localStorage = fakeStorage();
    globalThis.window = { localStorage };
    const quiz = { title: "Friday", questions: [{ kind: "text", text: "Who?", answers: ["Goethe"] }, "junk", null] };
    assert.equal(saveQuiz(quiz), true);
    assert.deepEqual(loadQuiz(), { title: "Friday", questions: [{ kind: "text", text: "Who?", answers: ["Goethe"] }] });
  });

  test("nothing stored, corrupt, or no storage at all: an empty quiz", () => {
    globalThis.window = { localStorage: fakeStorage() };
    assert.deepEqual(loadQuiz(), emptyQuiz());
    globalThis.window.localStorage.setItem("quiz.myquiz.v1", "{corrupt");
    assert.deepEqual(loadQuiz(), emptyQuiz());
    globalThis.window = undefined;
    assert.deepEqual(loadQuiz(), emptyQuiz());
  });

  test("a full or disabled storage: saveQuiz says so", () => {
    globalThis.window = {
      localStorage: {
        setItem() {
          throw new Error("QuotaExceededError");
        },
      },
    };
    assert.equal(saveQuiz({ title: "", questions: [] }), false);
  });
});
