// Home screen: create a room, or join one by code (filled in from /?room=CODE),
// and the "rejoining…" screen shown while a saved seat is being restored.

import { h, setText, setAttr } from "./dom.js";
import { recallName } from "./session.js";
import { describeError } from "./toast.js";

const NAME_MAX = 20;
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const TOPIC_IDEAS = [
  "General knowledge", "Science", "World geography", "Movies", "80s music",
  "Football", "History", "Space", "Food & drink", "Animals",
];

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

function validateInt(raw, min, max, what) {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    return [null, `${what} must be a whole number from ${min} to ${max}.`];
  }
  return [n, null];
}

export function homeView(ctx) {
  const s = ctx.store.state;
  const rememberedName = recallName();
  const invite = s.inviteCode;

  // ---------------------------------------------------------------- create
  const createName = field({
    label: "Your name",
    input: h("input", { type: "text", testid: "create-name", autocomplete: "nickname", maxlength: 40, value: rememberedName, required: true }),
  });
  const createTopic = field({
    label: "Topic",
    hint: "Anything you like: the questions are written for it.",
    input: h("input", { type: "text", testid: "create-topic", maxlength: 100, placeholder: "General knowledge", list: "topic-ideas", autocomplete: "off" }),
  });
  const topicIdeas = h("datalist", { id: "topic-ideas" }, TOPIC_IDEAS.map((t) => h("option", { value: t })));
  const createCount = field({
    label: "Questions",
    input: h("input", { type: "number", testid: "create-num-questions", min: 1, max: 50, step: 1, value: "5", inputmode: "numeric", required: true }),
  });
  const createTime = field({
    label: "Seconds per question",
    input: h("input", { type: "number", testid: "create-time", min: 5, max: 120, step: 1, value: "20", inputmode: "numeric", required: true }),
  });
  const createDifficulty = field({
    label: "Difficulty",
    input: h("select", { testid: "create-difficulty" },
      h("option", { value: "easy" }, "Easy"),
      h("option", { value: "medium", selected: true }, "Medium"),
      h("option", { value: "hard" }, "Hard")),
  });
  const createReveal = field({
    label: "Seconds on each answer",
    hint: "0: the host moves on with “Next”.",
    input: h("input", { type: "number", testid: "create-reveal", min: 0, max: 60, step: 1, value: "5", inputmode: "numeric" }),
  });
  const createSubmit = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "create-submit" }, "Create room");
  const createForm = h("form", { class: "card form", "aria-labelledby": "create-heading", novalidate: true },
    h("h2", { id: "create-heading", class: "card-title" }, "Host a game"),
    createName.wrap,
    createTopic.wrap,
    topicIdeas,
    h("div", { class: "field-row" }, createCount.wrap, createTime.wrap),
    createDifficulty.wrap,
    h("details", { class: "more" },
      h("summary", null, "More options"),
      createReveal.wrap),
    createSubmit);

  // ------------------------------------------------------------------ join
  const joinCode = field({
    label: "Room code",
    input: h("input", {
      type: "text", testid: "join-code", class: "code-input", value: invite || "", autocomplete: "off",
      autocapitalize: "characters", spellcheck: "false", maxlength: 64, required: true,
    }),
  });
  const joinName = field({
    label: "Your name",
    input: h("input", { type: "text", testid: "join-name", autocomplete: "nickname", maxlength: 40, value: rememberedName, required: true }),
  });
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
      name_taken: fields.name, bad_message: null, room_not_found: fields.code, room_full: fields.code,
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
    const [name, nameErr] = validateName(createName.input.value);
    const [count, countErr] = validateInt(createCount.input.value, 1, 50, "Questions");
    const [time, timeErr] = validateInt(createTime.input.value, 5, 120, "Seconds per question");
    const [reveal, revealErr] = validateInt(createReveal.input.value || "5", 0, 60, "Seconds on each answer");
    const topic = createTopic.input.value.trim();
    createName.setError(nameErr);
    createCount.setError(countErr);
    createTime.setError(timeErr);
    createReveal.setError(revealErr);
    if (revealErr) createForm.querySelector("details").open = true;
    const firstBad = [[nameErr, createName], [countErr, createCount], [timeErr, createTime], [revealErr, createReveal]]
      .find(([err]) => err);
    if (firstBad) {
      firstBad[1].input.focus();
      return;
    }
    const fields = { name, num_questions: count, time_per_question: time, difficulty: createDifficulty.input.value, reveal_seconds: reveal };
    if (topic) fields.topic = topic.slice(0, 100);
    busy(createSubmit, true, "Creating…");
    ctx.actions.createRoom(fields).catch((error) => {
      busy(createSubmit, false, "Create room");
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

  for (const f of [createName, createTopic, createCount, createTime, createReveal, joinCode, joinName]) {
    f.input.addEventListener("input", () => f.setError(null));
  }

  const hero = h("header", { class: "hero" },
    h("h1", { id: "home-title", class: "hero-title", tabindex: -1 }, "Quiz Night"),
    h("p", { class: "hero-lead" }, "Pick a topic, share the code, and find out who really knows their stuff."));

  const cards = invite ? [joinForm, createForm] : [createForm, joinForm];
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

export function rejoiningView(ctx) {
  const s = ctx.store.state;
  const status = h("p", { class: "rejoin-status", role: "status", "aria-live": "polite" });
  const title = h("h1", { class: "screen-title", tabindex: -1 }, "Getting you back in…");
  const el = h("section", { class: "screen screen-center" },
    h("div", { class: "card card-narrow center" },
      h("div", { class: "spinner", "aria-hidden": "true" }),
      title,
      h("p", null, "Room ", h("strong", { class: "code-inline", text: s.session?.room_id || "" })),
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
