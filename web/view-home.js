// Home screen: create a room, or join one by code (filled in from /?room=CODE),
// and the "rejoining…" screen shown while a saved seat is being restored.

import { h, setText, setAttr } from "./dom.js";
import { recallName } from "./session.js";
import { describeError } from "./toast.js";
import { loadConfig } from "./config.js";
import { plural } from "./format.js";
import { friendlyName } from "./names.js";
import { checkQuiz, loadQuiz } from "./quizdoc.js";

const NAME_MAX = 20;
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const TOPIC_IDEAS = [
  "General knowledge", "Science", "World geography", "Movies", "80s music",
  "Football", "History", "Space", "Food & drink", "Animals",
];

// Seconds per question; 0: no limit (the host closes each question).
const TIMES = [[10, "10 seconds"], [20, "20 seconds"], [30, "30 seconds"], [60, "1 minute"], [90, "90 seconds"], [120, "2 minutes"], [0, "No limit"]];
// Seconds the result stays up; 0: the host moves on.
const REVEALS = [[0, "Until I move on"], [5, "5 seconds"], [10, "10 seconds"], [20, "20 seconds"]];
const LANGUAGES = [["en", "English"], ["fr", "Français"], ["de", "Deutsch"], ["es", "Español"], ["it", "Italiano"], ["nl", "Nederlands"], ["pt", "Português"], ["pl", "Polski"], ["sv", "Svenska"]];

let fieldCounter = 0;

/** A labelled form field with an inline error slot. */
function field({ label, hint, input }) {
  const id = `f${++fieldCounter}`;
  input.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const hintEl = hint ? h("p", { class: "field-hint", id: `${id}-hint`, text: hint }) : null;
  setAttr(input, "aria-describedby", [hintEl?.id, error.id].filter(Boolean).join(" "));
  const wrap = h("div", { class: "field" },
    h("label", { for: id, text: label }),
    input,
    hintEl,
    error);
  return {
    wrap,
    input,
    setError(message) {
      error.hidden = !message;
      setText(error, message || "");
      setAttr(input, "aria-invalid", message ? "true" : null);
    },
  };
}

function validateName(raw) {
  const name = raw.trim();
  if (!name) return [null, "Enter a name so the others know who you are."];
  if (Array.from(name).length > NAME_MAX) return [null, `Keep it to ${NAME_MAX} characters.`];
  if (CONTROL_CHARS.test(name)) return [null, "The name has a character that cannot be shown."];
  return [name, null];
}

export { field, validateName };

function validateInt(raw, min, max, what) {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    return [null, `${what} must be a whole number from ${min} to ${max}.`];
  }
  return [n, null];
}

function checkbox(label, testid, checked, hint) {
  const input = h("input", { type: "checkbox", testid, checked });
  const id = `f${++fieldCounter}`;
  input.id = id;
  const hintEl = hint ? h("span", { class: "field-hint", id: `${id}-hint`, text: hint }) : null;
  if (hintEl) setAttr(input, "aria-describedby", hintEl.id);
  return { input, wrap: h("div", { class: "check" }, input, h("label", { for: id }, h("span", { class: "check-label", text: label }), hintEl)) };
}

function nameWithSuggest(nameField) {
  const button = h("button", {
    type: "button",
    class: "btn btn-ghost btn-small suggest-name",
    testid: "suggest-name",
    onclick: () => {
      nameField.input.value = friendlyName(nameField.input.value);
      nameField.setError(null);
      nameField.input.focus();
    },
  }, "Give me a name");
  nameField.wrap.insertBefore(h("div", { class: "name-row" }, nameField.input, button), nameField.wrap.children[1]);
  return nameField;
}

export function homeView(ctx) {
  const s = ctx.store.state;
  const rememberedName = recallName();
  const invite = s.inviteCode;

  // ---------------------------------------------------------------- create
  const createName = nameWithSuggest(field({
    label: "Your name",
    input: h("input", { type: "text", testid: "create-name", autocomplete: "nickname", maxlength: 40, value: rememberedName, required: true }),
  }));
  // Where the questions come from: an AI topic (with a Groq key), a bank
  // category or a mix (without one), or the host's own quiz.
  const sourceName = `source-${++fieldCounter}`;
  const sourceRadio = (value, label, testid) => {
    const input = h("input", { type: "radio", name: sourceName, value, testid });
    const id = `f${++fieldCounter}`;
    input.id = id;
    return { input, wrap: h("div", { class: "seg-item" }, input, h("label", { for: id, text: label })) };
  };
  const srcGenerated = sourceRadio("generated", "Questions for me", "source-generated");
  const srcMine = sourceRadio("mine", "My own quiz", "source-mine");
  srcGenerated.input.checked = true;
  const sourceGroup = h("fieldset", { class: "seg" }, h("legend", { class: "field-label", text: "Questions" }), srcGenerated.wrap, srcMine.wrap);

  const createTopic = field({
    label: "Topic",
    hint: "Anything you like: the questions are written for it.",
    input: h("input", { type: "text", testid: "create-topic", maxlength: 100, placeholder: "General knowledge", list: "topic-ideas", autocomplete: "off" }),
  });
  const topicIdeas = h("datalist", { id: "topic-ideas" }, TOPIC_IDEAS.map((t) => h("option", { value: t })));
  const createCategory = field({
    label: "Category",
    hint: "No AI key is set up on this server, so the questions come from its question bank.",
    input: h("select", { testid: "create-category" }, h("option", { value: "" }, "A mix of everything")),
  });
  const noLlmNote = h("p", { class: "hint", testid: "no-llm-note", hidden: true },
    "AI questions are off: this server has no Groq API key. Pick a category from the question bank instead.");
  const createCount = field({
    label: "Questions",
    input: h("input", { type: "number", testid: "create-num-questions", min: 1, max: 50, step: 1, value: "5", inputmode: "numeric", required: true }),
  });
  const createDifficulty = field({
    label: "Difficulty",
    input: h("select", { testid: "create-difficulty" },
      h("option", { value: "easy" }, "Easy"),
      h("option", { value: "medium", selected: true }, "Medium"),
      h("option", { value: "hard" }, "Hard")),
  });
  const createLanguage = field({
    label: "Language",
    input: h("select", { testid: "create-language" }, LANGUAGES.map(([tag, name]) => h("option", { value: tag }, name))),
  });
  const myQuizInfo = h("p", { class: "myquiz-info", testid: "myquiz-info" });
  const editButton = h("button", { type: "button", class: "btn btn-secondary", testid: "open-editor", onclick: () => ctx.actions.openEditor() }, "Write or edit my quiz");
  const generatedPart = h("div", { class: "form-part" }, createTopic.wrap, topicIdeas, createCategory.wrap, noLlmNote,
    h("div", { class: "field-row" }, createCount.wrap, createDifficulty.wrap), createLanguage.wrap);
  const minePart = h("div", { class: "form-part", hidden: true }, myQuizInfo, editButton);

  const createTime = field({
    label: "Time per question",
    input: h("select", { testid: "create-time" }, TIMES.map(([v, label]) => h("option", { value: v, selected: v === 20 }, label))),
  });
  const createReveal = field({
    label: "Result on screen",
    input: h("select", { testid: "create-reveal" }, REVEALS.map(([v, label]) => h("option", { value: v, selected: v === 0 }, label))),
  });
  const hostPlays = checkbox("I play too", "create-host-plays", false, "Off: this screen presents (a projector or TV) and everyone answers on their phone.");
  const showText = checkbox("Show the question on phones", "create-show-text", true, "Off: phones show only the answer buttons; everyone reads the big screen.");
  const speedPoints = checkbox("Faster answers score more", "create-speed-points", true);
  const streakBonus = checkbox("Streak bonus", "create-streak-bonus", true, "+100 for each right answer in a row.");
  const nameFilter = checkbox("Refuse rude names", "create-name-filter", true, "A name with a word from a list of swear words (and look-alike spellings) cannot join.");
  const createSubmit = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "create-submit" }, "Create room");
  const createForm = h("form", { class: "card form form-create", "aria-labelledby": "create-heading", novalidate: true },
    h("h2", { id: "create-heading", class: "card-title" }, "Host a game"),
    createName.wrap,
    sourceGroup,
    generatedPart,
    minePart,
    h("div", { class: "field-row" }, createTime.wrap, createReveal.wrap),
    hostPlays.wrap,
    h("details", { class: "more" },
      h("summary", null, "Scoring, phones and names"),
      showText.wrap,
      speedPoints.wrap,
      streakBonus.wrap,
      nameFilter.wrap),
    createSubmit);

  let config = { llm: true, categories: [], lan_urls: [] };
  function showSource() {
    const mine = srcMine.input.checked;
    generatedPart.hidden = mine;
    minePart.hidden = !mine;
    createTopic.wrap.hidden = !config.llm;
    createLanguage.wrap.hidden = !config.llm;
    createCategory.wrap.hidden = config.llm;
    noLlmNote.hidden = config.llm;
    const quiz = loadQuiz();
    const n = quiz.questions.length;
    setText(myQuizInfo, n ? `${quiz.title || "My quiz"}: ${plural(n, "question")}, kept in this browser.` : "You have no quiz yet: write one, or import a file or a spreadsheet.");
  }
  for (const r of [srcGenerated, srcMine]) r.input.addEventListener("change", showSource);
  loadConfig().then((c) => {
    config = c;
    createCategory.input.replaceChildren(h("option", { value: "" }, "A mix of everything"),
      ...c.categories.map((cat) => h("option", { value: cat.name }, cat.name)));
    showSource();
  });
  // A host who has written a quiz most likely wants to play it.
  if (s.preferMyQuiz || loadQuiz().questions.length) srcMine.input.checked = true;
  showSource();

  // ------------------------------------------------------------------ join
  const joinCode = field({
    label: "Room code",
    input: h("input", {
      type: "text", testid: "join-code", class: "code-input", value: invite || "", autocomplete: "off",
      autocapitalize: "characters", spellcheck: "false", maxlength: 64, required: true,
    }),
  });
  const joinName = nameWithSuggest(field({
    label: "Your name",
    input: h("input", { type: "text", testid: "join-name", autocomplete: "nickname", maxlength: 40, value: rememberedName, required: true }),
  }));
  const joinSubmit = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "join-submit" }, "Join game");
  const joinForm = h("form", { class: ["card", "form", invite && "card-highlight"], "aria-labelledby": "join-heading", novalidate: true },
    h("h2", { id: "join-heading", class: "card-title" }, invite ? "You're invited!" : "Join a game"),
    invite ? h("p", { class: "card-lead" }, "Pick a name and jump in.") : null,
    joinCode.wrap,
    joinName.wrap,
    joinSubmit);

  function busy(button, on, label) {
    button.disabled = on;
    setAttr(button, "aria-busy", on ? "true" : null);
    if (label) setText(button, label);
  }

  /** Show a server error next to the field it is about. */
  function showFormError(error, fields, fallbackField) {
    const text = describeError(error);
    const byCode = {
      name_taken: fields.name, name_not_allowed: fields.name, bad_message: null, room_not_found: fields.code, room_full: fields.code,
      invalid_token: fields.code,
    };
    let target = byCode[error.code] ?? null;
    if (error.code === "bad_message" && typeof error.message === "string") {
      const m = error.message.toLowerCase();
      for (const [key, f] of Object.entries(fields)) if (f && m.includes(key)) target = f;
    }
    (target || fallbackField).setError(text);
    (target || fallbackField).input.focus();
  }

  createForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const mine = srcMine.input.checked;
    const [name, nameErr] = validateName(createName.input.value);
    const [count, countErr] = mine ? [null, null] : validateInt(createCount.input.value, 1, 50, "Questions");
    createName.setError(nameErr);
    createCount.setError(countErr);
    let quizErr = null;
    let quiz = null;
    if (mine) {
      quiz = loadQuiz();
      const checked = checkQuiz(quiz);
      if (!checked.questions.length) quizErr = "Your quiz has no questions yet.";
      else if (!checked.ok) quizErr = "Some questions need fixing first.";
      quiz = { title: quiz.title, questions: checked.questions };
    }
    setText(myQuizInfo, quizErr || myQuizInfo.textContent);
    if (quizErr) {
      ctx.actions.openEditor(true);
      return;
    }
    const firstBad = [[nameErr, createName], [countErr, createCount]].find(([err]) => err);
    if (firstBad) {
      firstBad[1].input.focus();
      return;
    }
    const fields = {
      name,
      time_per_question: Number(createTime.input.value),
      reveal_seconds: Number(createReveal.input.value),
      host_plays: hostPlays.input.checked,
      speed_points: speedPoints.input.checked,
      streak_bonus: streakBonus.input.checked,
      show_question_text: showText.input.checked,
      profanity_filter: nameFilter.input.checked,
    };
    if (mine) {
      fields.questions = quiz.questions;
      fields.topic = (quiz.title || "My quiz").slice(0, 100);
    } else {
      fields.num_questions = count;
      fields.difficulty = createDifficulty.input.value;
      const topic = config.llm ? createTopic.input.value.trim() : createCategory.input.value;
      if (topic) fields.topic = topic.slice(0, 100);
      if (config.llm) fields.language = createLanguage.input.value;
    }
    busy(createSubmit, true, "Creating…");
    ctx.actions.createRoom(fields).catch((error) => {
      busy(createSubmit, false, "Create room");
      if (mine && error?.code === "bad_message" && /^questions/.test(error.message || "")) {
        ctx.actions.openEditor(false, error.message);
        return;
      }
      showFormError(error, { name: createName, topic: createTopic, num_questions: createCount, time_per_question: createTime, difficulty: createDifficulty, reveal_seconds: createReveal }, createName);
    });
  });

  joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = joinCode.input.value.trim();
    const [name, nameErr] = validateName(joinName.input.value);
    joinCode.setError(code ? null : "Enter the room code shown on the host's screen.");
    joinName.setError(nameErr);
    if (!code) return joinCode.input.focus();
    if (nameErr) return joinName.input.focus();
    busy(joinSubmit, true, "Joining…");
    ctx.actions.joinRoom(code, name).catch((error) => {
      busy(joinSubmit, false, "Join game");
      showFormError(error, { name: joinName, code: joinCode, room_id: joinCode }, joinCode);
    });
  });

  for (const f of [createName, createTopic, createCount, joinCode, joinName]) {
    f.input.addEventListener("input", () => f.setError(null));
  }

  const hero = h("header", { class: "hero" },
    h("h1", { id: "home-title", class: "hero-title", tabindex: -1 }, "Quiz Night"),
    h("p", { class: "hero-lead" }, "Pick a topic, share the code, and find out who really knows their stuff."));

  // Join first: most people on this page hold a phone and a code.
  const cards = [joinForm, createForm];
  const el = h("section", { class: "screen screen-home", "aria-labelledby": "home-title" },
    hero,
    h("div", { class: "home-grid" }, cards));

  return {
    el,
    focus() {
      // With an invite, go straight to the name; otherwise the page title.
      if (invite) (joinName.input.value ? joinSubmit : joinName.input).focus({ preventScroll: true });
      else hero.firstElementChild.focus({ preventScroll: true });
    },
    update() {},
  };
}

export function rejoiningView(ctx, heading = "Getting you back in…") {
  const s = ctx.store.state;
  const status = h("p", { class: "rejoin-status", role: "status", "aria-live": "polite" });
  const title = h("h1", { class: "screen-title", tabindex: -1 }, heading);
  const el = h("section", { class: "screen screen-center" },
    h("div", { class: "card card-narrow center" },
      h("div", { class: "spinner", "aria-hidden": "true" }),
      title,
      h("p", null, "Room ", h("strong", { class: "code-inline", text: s.session?.room_id || s.display?.room_id || "" })),
      status,
      h("button", { type: "button", class: "btn btn-ghost", testid: "rejoin-cancel", onclick: () => ctx.actions.forgetSession() },
        "Leave this room")));
  return {
    el,
    focus() {
      title.focus({ preventScroll: true });
    },
    update(state) {
      setText(status, state.connection.detail);
    },
  };
}
