// web/bundle.js: the quiz bundle (.zip with quiz.json and the media named
// by id): a quiz with pictures and sound goes out and comes back the same;
// hostile or foreign zips are told apart; media ids are found and replaced.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { web } from "./web.mjs";

const { BundleError, isBundle, makeBundle, mediaIds, mediaName, readBundle, replaceMediaIds, sniffType } = await web("bundle.js");
const { zipStore } = await web("zip.js");
const { checkQuiz, normaliseQuestion } = await web("quizdoc.js");

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const WEBP = new Uint8Array([...new TextEncoder().encode("RIFF"), 8, 0, 0, 0, ...new TextEncoder().encode("WEBPVP8 "), 1, 2, 3]);
const MP3 = new Uint8Array([...new TextEncoder().encode("ID3"), 4, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

const QUIZ = {
  title: "Picture round",
  questions: [
    { kind: "choice", text: "Which flag?", options: ["France", "Italy", "", ""], option_images: [A, B, null, null], correct: 1, image: C, image_alt: "Flags", round: "Flags" },
    { kind: "slider", text: "Year of this song?", min: 1950, max: 2000, step: 1, correct: 1975, audio: C },
    { kind: "order", text: "Oldest first", options: ["Rome", "Paris", "Berlin", ""], image: A, image_alt: "Map", round: "Cities" },
    { kind: "text", text: "Who sings?", answers: ["Abba"] },
  ],
};
const MEDIA = new Map([[A, { bytes: PNG, type: "image/png" }], [B, { bytes: WEBP, type: "image/webp" }], [C, { bytes: MP3, type: "audio/mpeg" }]]);

describe("media ids", () => {
  test("mediaIds: each id once, in the order the quiz needs them; not ids left out", () => {
    assert.deepEqual(mediaIds(QUIZ.questions), [C, A, B]);
    assert.deepEqual(mediaIds([{ image: "nope", audio: null, option_images: [null, "x"] }, null, "q"]), []);
    assert.deepEqual(mediaIds([]), []);
  });

  test("replaceMediaIds: every field, the rest untouched, the input unchanged", () => {
    const before = structuredClone(QUIZ.questions);
    const out = replaceMediaIds(QUIZ.questions, new Map([[A, "d".repeat(64)], [C, "e".repeat(64)]]));
    assert.deepEqual(QUIZ.questions, before);
    assert.deepEqual(out[0].option_images, ["d".repeat(64), B, null, null]);
    assert.equal(out[0].image, "e".repeat(64));
    assert.equal(out[1].audio, "e".repeat(64));
    assert.equal(out[2].image, "d".repeat(64));
    assert.deepEqual(out[3], QUIZ.questions[3]);
    assert.equal("image" in out[3], false);
  });

  test("sniffType: by the first bytes, else by the name", () => {
    assert.equal(sniffType(WEBP), "image/webp");
    assert.equal(sniffType(PNG), "image/png");
    assert.equal(sniffType(MP3), "audio/mpeg");
    assert.equal(sniffType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), "image/jpeg");
    assert.equal(sniffType(new TextEncoder().encode("GIF89a..")), "image/gif");
    assert.equal(sniffType(new TextEncoder().encode("OggS....")), "audio/ogg");
    assert.equal(sniffType(new TextEncoder().encode("....ftypM4A ")), "audio/mp4");
    assert.equal(sniffType(new Uint8Array([1, 2]), "clip.opus"), "audio/ogg");
    assert.equal(sniffType(new Uint8Array([1, 2]), "x"), "application/octet-stream");
    assert.equal(mediaName(A, "image/webp"), `media/${A}.webp`);
    assert.equal(mediaName(A, "audio/mpeg"), `media/${A}.mp3`);
  });
});

describe("the bundle", () => {
  test("a quiz with pictures and sound goes out and comes back the same (through the editor's checks)", async () => {
    const sent = checkQuiz(QUIZ).questions;
    const zip = makeBundle({ title: QUIZ.title, questions: sent }, MEDIA);
    assert.ok(isBundle(zip));
    const back = await readBundle(zip);
    assert.equal(back.title, "Picture round");
    assert.deepEqual(back.questions, sent);
    assert.deepEqual([...back.media.keys()].sort(), [A, B, C].sort());
    assert.deepEqual(back.media.get(A).bytes, PNG);
    assert.equal(back.media.get(A).type, "image/png");
    assert.equal(back.media.get(B).name, `${B}.webp`);
    assert.equal(back.media.get(C).type, "audio/mpeg");
    // In the editor's shape and checked again: the very questions that were sent.
    assert.deepEqual(checkQuiz({ questions: back.questions.map(normaliseQuestion) }).questions, sent);
  });

  test("what is inside: quiz.json and media/<id>.<ext>, only the media the quiz names", async () => {
    const spare = new Map([...MEDIA, ["f".repeat(64), { bytes: PNG, type: "image/png" }]]);
    const { readZip } = await web("zip.js");
    const entries = await readZip(makeBundle({ title: "", questions: QUIZ.questions }, spare));
    assert.deepEqual(entries.map((e) => e.name), ["quiz.json", `media/${C}.mp3`, `media/${A}.png`, `media/${B}.webp`]);
    const quiz = JSON.parse(new TextDecoder().decode(entries[0].data));
    assert.equal(quiz.format, "quiz-bundle");
    assert.equal(quiz.version, 1);
  });

  test("a quiz naming a file the bundle lacks is not written", () => {
    assert.throws(() => makeBundle(QUIZ, new Map([[A, MEDIA.get(A)]])), (e) => e instanceof BundleError && e.code === "missing");
  });

  test("a zipped folder, a bare list of questions, other files and Mac leftovers", async () => {
    const zip = zipStore([
      { name: "my quiz/quiz.json", data: JSON.stringify([{ text: "Q?", options: ["a", "b"], correct: 0, image: A, image_alt: "x" }]) },
      { name: `my quiz/pictures/${A}.PNG`, data: PNG },
      { name: `__MACOSX/my quiz/._${A}.png`, data: new Uint8Array([0, 5, 22, 7]) },
      { name: "my quiz/readme.txt", data: "hello" },
      { name: "my quiz/deeper/quiz.json", data: "[]" },
    ]);
    const back = await readBundle(zip);
    assert.equal(back.title, "");
    assert.equal(back.questions.length, 1);
    assert.deepEqual([...back.media.keys()], [A]);
    assert.equal(back.media.get(A).type, "image/png");
  });

  test("a zip that is no quiz", async () => {
    await assert.rejects(readBundle(zipStore([{ name: "photo.png", data: PNG }])), (e) => e.code === "no_quiz");
    await assert.rejects(readBundle(zipStore([{ name: "quiz.json", data: "{oops" }])), (e) => e.code === "bad_quiz");
    await assert.rejects(readBundle(zipStore([{ name: "quiz.json", data: '{"title": "x"}' }])), (e) => e.code === "bad_quiz");
    await assert.rejects(readBundle(zipStore([{ name: "a/b/quiz.json", data: "[]" }])), (e) => e.code === "no_quiz");
    await assert.rejects(readBundle(new TextEncoder().encode("[1]")), (e) => e.code === "not_zip");
    assert.equal(isBundle(new TextEncoder().encode('{"questions": []}')), false);
  });
});
