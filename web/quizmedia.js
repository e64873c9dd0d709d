// A quiz's media against the server: put back what the server forgot (from
// the files this browser kept, web/mediastore.js), and take the ids the
// server answers. Used before a room is created (view-home.js), when the
// editor opens (view-editor.js), and before a reviewed draft is sent.

import { mediaIds, replaceMediaIds } from "./bundle.js";
import { keepMedia, recallMedia } from "./mediastore.js";
import { headMedia, restoreMedia } from "./uploads.js";
import { loadQuiz, saveQuiz } from "./quizdoc.js";

/**
 * `questions` with every media id the server holds: the missing ones
 * uploaded again from this browser. {questions, missing: [ids], changed}.
 */
export async function ensureMedia(questions, uploader, { onProgress } = {}) {
  const ids = mediaIds(questions);
  if (!ids.length) return { questions, missing: [], changed: false };
  const { map, missing } = await restoreMedia(ids, { uploader, has: headMedia, recall: recallMedia, keep: keepMedia, onProgress });
  return { questions: map.size ? replaceMediaIds(questions, map) : questions, missing, changed: map.size > 0 };
}

/** The same for the quiz kept in this browser, saved again when an id changed. */
export async function ensureSavedQuizMedia(uploader, opts) {
  const quiz = loadQuiz();
  const { questions, missing, changed } = await ensureMedia(quiz.questions, uploader, opts);
  if (changed) saveQuiz({ ...quiz, questions });
  return { quiz: { ...quiz, questions }, missing, changed };
}

/** Whether a server error is "the server has no media ...": a field naming an id it lost. */
export function isMissingMediaError(error) {
  return error?.code === "bad_message" && /^questions\[\d+\]\.(?:image|audio|option_images)\b/.test(error.message || "") && /no media/.test(error.message || "");
}
