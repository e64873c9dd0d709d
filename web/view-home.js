// Home screen: create a room, or join one by code (filled in from /?room=CODE),
// and the "rejoining…" screen shown while a saved seat is being restored.

import { h, hData, setText, setAttr } from "./dom.js";
import { recallName } from "./session.js";
import { describeError, errorField, toastError } from "./toast.js";
import { loadConfig } from "./config.js";
import { LOCALES, endonym, fmtDuration, has, locale, t, tList, tNodes } from "./i18n.js";
import { friendlyName } from "./names.js";
import { checkQuiz, loadQuiz } from "./quizdoc.js";
import { teamsFieldset } from "./teams-form.js";
import { mediaIds } from "./bundle.js";
import { ensureSavedQuizMedia, isMissingMediaError } from "./quizmedia.js";
import { joinWaitLine } from "./retry.js";

const NAME_MAX = 20;
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

// Seconds per question; 0: no limit (the host closes each question).
const TIMES = [10, 20, 30, 60, 90, 120, 0];
// Seconds the result stays up; 0: the host moves on.
const REVEALS = [0, 5, 10, 20];
// The languages a room can be in (the questions written for it, true/false,
// and the language offered to its players): ours, and Swedish, which the
// server names true/false in.
const ROOM_LANGUAGES = [...LOCALES.map((l) => l.tag), "sv"];

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
  if (!name) return [null, t("home.err_name_empty")];
  if (Array.from(name).length > NAME_MAX) return [null, t("home.err_name_long", { max: NAME_MAX })];
  if (CONTROL_CHARS.test(name)) return [null, t("home.err_name_char")];
  return [name, null];
}

export { field, validateName };

function validateInt(raw, min, max) {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    return [null, t("home.err_count", { min, max })];
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
  }, t("home.suggest"));
  nameField.wrap.insertBefore(h("div", { class: "name-row" }, nameField.input, button), nameField.wrap.children[1]);
  return nameField;
}

export function homeView(ctx) {
  const s = ctx.store.state;
  const rememberedName = recallName();
  const invite = s.inviteCode;

  // ---------------------------------------------------------------- create
  const createName = nameWithSuggest(field({
    label: t("home.name"),
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
  const srcGenerated = sourceRadio("generated", t("home.source_generated"), "source-generated");
  const srcMine = sourceRadio("mine", t("home.source_mine"), "source-mine");
  srcGenerated.input.checked = true;
  const sourceGroup = h("fieldset", { class: "seg" }, h("legend", { class: "field-label", text: t("home.source") }), srcGenerated.wrap, srcMine.wrap);

  const createTopic = field({
    label: t("home.topic"),
    hint: t("home.topic_hint"),
    input: h("input", { type: "text", testid: "create-topic", maxlength: 100, placeholder: t("topic.default"), list: "topic-ideas", autocomplete: "off" }),
  });
  const topicIdeas = h("datalist", { id: "topic-ideas" }, tList("home.topic_ideas.list").map((idea) => h("option", { value: idea })));
  const mixOption = () => h("option", { value: "" }, t("home.category_mix"));
  const createCategory = field({
    label: t("home.category"),
    input: h("select", { testid: "create-category" }, mixOption()),
  });
  // Said once: the server has no AI key, so the questions come from its bank.
  const noLlmNote = h("p", { class: "hint", testid: "no-llm-note", hidden: true }, t("home.no_llm"));
  const createCount = field({
    label: t("home.count"),
    input: h("input", { type: "number", testid: "create-num-questions", min: 1, max: 50, step: 1, value: "5", inputmode: "numeric", required: true }),
  });
  const createDifficulty = field({
    label: t("home.difficulty"),
    input: h("select", { testid: "create-difficulty" },
      ["easy", "medium", "hard"].map((level) => h("option", { value: level, selected: level === "medium" }, t(`difficulty.${level}`)))),
  });
  // The room's language: the page's by default. Each language is named in itself.
  const createLanguage = field({
    label: t("home.language"),
    hint: t("home.language_hint"),
    input: h("select", { testid: "create-language" }, ROOM_LANGUAGES.map((tag) => h("option", {
      value: tag, lang: tag, translate: "no", selected: tag === locale(),
    }, endonym(tag)))),
  });
  const myQuizInfo = h("p", { class: "myquiz-info", testid: "myquiz-info" });
  const editButton = h("button", { type: "button", class: "btn btn-secondary", testid: "open-editor", onclick: () => ctx.actions.openEditor() }, t("home.edit"));
  const generatedPart = h("div", { class: "form-part" }, createTopic.wrap, topicIdeas, noLlmNote, createCategory.wrap,
    h("div", { class: "field-row" }, createCount.wrap, createDifficulty.wrap));
  const minePart = h("div", { class: "form-part", hidden: true }, myQuizInfo, editButton);

  const createTime = field({
    label: t("home.time"),
    input: h("select", { testid: "create-time" }, TIMES.map((v) => h("option", { value: v, selected: v === 20 }, v ? fmtDuration(v) : t("home.time_none")))),
  });
  const createReveal = field({
    label: t("home.reveal"),
    input: h("select", { testid: "create-reveal" }, REVEALS.map((v) => h("option", { value: v, selected: v === 0 }, v ? fmtDuration(v) : t("home.reveal_manual")))),
  });
  const hostPlays = checkbox(t("home.host_plays"), "create-host-plays", false, t("home.host_plays_hint"));
  const showText = checkbox(t("home.show_text"), "create-show-text", true, t("home.show_text_hint"));
  const speedPoints = checkbox(t("home.speed"), "create-speed-points", true);
  const streakBonus = checkbox(t("home.streak"), "create-streak-bonus", true, t("home.streak_hint"));
  const nameFilter = checkbox(t("home.name_filter"), "create-name-filter", true, t("home.name_filter_hint"));
  // Teams (protocol 1.2), and when the standings show: after every question, or between rounds.
  const teams = teamsFieldset({});
  const createSubmit = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "create-submit" }, t("home.create"));
  const createForm = h("form", { class: "card form form-create", "aria-labelledby": "create-heading", novalidate: true },
    h("h2", { id: "create-heading", class: "card-title" }, t("home.create_heading")),
    createName.wrap,
    sourceGroup,
    generatedPart,
    minePart,
    createLanguage.wrap,
    h("div", { class: "field-row field-row-wide" }, createTime.wrap, createReveal.wrap),
    hostPlays.wrap,
    teams.el,
    h("details", { class: "more" },
      h("summary", null, t("home.more")),
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
    createCategory.wrap.hidden = config.llm;
    noLlmNote.hidden = config.llm;
    const quiz = loadQuiz();
    const n = quiz.questions.length;
    if (n) myQuizInfo.replaceChildren(...tNodes("home.myquiz_info", { title: quiz.title || t("quiz.untitled"), count: n }));
    else setText(myQuizInfo, t("home.myquiz_none"));
  }
  for (const r of [srcGenerated, srcMine]) r.input.addEventListener("change", showSource);
  loadConfig().then((c) => {
    config = c;
    // The bank's categories by their key, in the page's language (a category
    // we have no words for shows the server's name, as data).
    const named = c.categories.map((cat) => [cat, has(`category.${cat.key}`) ? t(`category.${cat.key}`) : null]);
    named.sort(([a, x], [b, y]) => (x ?? a.name).localeCompare(y ?? b.name, locale()));
    createCategory.input.replaceChildren(mixOption(),
      ...named.map(([cat, label]) => (label ? h("option", { value: cat.name }, label) : hData("option", { value: cat.name }, cat.name))));
    showSource();
  });
  // A host who has written a quiz most likely wants to play it.
  if (s.preferMyQuiz || loadQuiz().questions.length) srcMine.input.checked = true;
  showSource();

  // ------------------------------------------------------------------ join
  const joinCode = field({
    label: t("home.code"),
    input: h("input", {
      type: "text", testid: "join-code", class: "code-input", value: invite || "", autocomplete: "off",
      autocapitalize: "characters", spellcheck: "false", maxlength: 64, required: true,
    }),
  });
  const joinName = nameWithSuggest(field({
    label: t("home.name"),
    input: h("input", { type: "text", testid: "join-name", autocomplete: "nickname", maxlength: 40, value: rememberedName, required: true }),
  }));
  const joinSubmit = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "join-submit" }, t("home.join"));
  const joinWait = joinWaitBox(joinSubmit, () => ctx.actions.cancelJoin());
  const joinForm = h("form", { class: ["card", "form", invite && "card-highlight"], "aria-labelledby": "join-heading", novalidate: true },
    h("h2", { id: "join-heading", class: "card-title" }, invite ? t("home.invited") : t("home.join_heading")),
    invite ? h("p", { class: "card-lead" }, t("home.invited_lead")) : null,
    joinCode.wrap,
    joinName.wrap,
    joinWait.el);

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
    if (error.code === "bad_message") {
      // The server names the field ("num_questions: ..."): the error goes under it.
      const named = errorField(error).split(/[.[]/)[0];
      if (fields[named]) target = fields[named];
    }
    (target || fallbackField).setError(text);
    (target || fallbackField).input.focus();
  }

  createForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const mine = srcMine.input.checked;
    const [name, nameErr] = validateName(createName.input.value);
    const [count, countErr] = mine ? [null, null] : validateInt(createCount.input.value, 1, 50);
    createName.setError(nameErr);
    createCount.setError(countErr);
    let quizErr = null;
    let quiz = null;
    if (mine) {
      quiz = loadQuiz();
      const checked = checkQuiz(quiz);
      if (!checked.questions.length) quizErr = t("home.err_quiz_empty");
      else if (!checked.ok) quizErr = t("home.err_quiz_fix");
      quiz = { title: quiz.title, questions: checked.questions };
    }
    setText(myQuizInfo, quizErr || myQuizInfo.textContent);
    if (quizErr) {
      ctx.actions.openEditor(true);
      return;
    }
    const firstBad = [[nameErr, createName], [countErr, createCount]].find(([err]) => err);
    const teamsBad = teams.validate();
    if (firstBad) {
      firstBad[1].input.focus();
      return;
    }
    if (teamsBad) {
      teamsBad.focus();
      return;
    }
    // Pictures and sound the server has forgotten (a quiz kept for more than
    // a day) go back up from this browser's copies first.
    if (mine && mediaIds(quiz.questions).length && ctx.uploader) {
      busy(createSubmit, true, t("home.media_checking"));
      const { quiz: kept, missing } = await ensureSavedQuizMedia(ctx.uploader).catch(() => ({ quiz: null, missing: [] }));
      busy(createSubmit, false, t("home.create"));
      if (missing.length) {
        ctx.actions.openEditor(false, null, true);
        return;
      }
      if (kept) quiz = { title: kept.title, questions: checkQuiz(kept).questions };
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
      language: createLanguage.input.value,
    };
    const teamFields = teams.value();
    // create_room takes 2 to 12 teams, or none at all (no field).
    if (teamFields.teams.length) Object.assign(fields, { teams: teamFields.teams, team_score: teamFields.team_score });
    if (teamFields.leaderboard !== "question") fields.leaderboard = teamFields.leaderboard;
    if (mine) {
      fields.questions = quiz.questions;
      fields.topic = (quiz.title || t("quiz.untitled")).slice(0, 100);
    } else {
      fields.num_questions = count;
      fields.difficulty = createDifficulty.input.value;
      // No topic typed, or the bank's mix: "general knowledge" in the page's language.
      const topic = (config.llm ? createTopic.input.value.trim() : createCategory.input.value) || t("topic.default");
      fields.topic = topic.slice(0, 100);
    }
    busy(createSubmit, true, t("home.creating"));
    let retried = false;
    // With media, a refusal may be mended here (below): it is toasted only when it is not.
    const quiet = Boolean(mine && mediaIds(fields.questions).length && ctx.uploader);
    const create = () => ctx.actions.createRoom(fields, { quiet }).catch(async (error) => {
      if (quiet && !retried && isMissingMediaError(error)) {
        // The server lost a file between the check and the room (it said
        // it had it): put it back from this browser, and try once more.
        retried = true;
        const { quiz: kept, missing } = await ensureSavedQuizMedia(ctx.uploader).catch(() => ({ quiz: null, missing: ["?"] }));
        if (kept && !missing.length) {
          fields.questions = checkQuiz(kept).questions;
          return create();
        }
      }
      if (quiet) toastError(error, t("action.create_room"));
      busy(createSubmit, false, t("home.create"));
      if (mine && error?.code === "bad_message" && /^questions/.test(error.message || "")) {
        ctx.actions.openEditor(false, error.message);
        return;
      }
      if (error?.code === "bad_message" && /^teams/.test(errorField(error))) {
        teams.showError(errorField(error), t("teams.err_lookalike")).focus();
        return;
      }
      showFormError(error, { name: createName, topic: createTopic, num_questions: createCount, time_per_question: createTime, difficulty: createDifficulty, reveal_seconds: createReveal }, createName);
    });
    create();
  });

  joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = joinCode.input.value.trim();
    const [name, nameErr] = validateName(joinName.input.value);
    joinCode.setError(code ? null : t("home.err_code_empty"));
    joinName.setError(nameErr);
    if (!code) return joinCode.input.focus();
    if (nameErr) return joinName.input.focus();
    busy(joinSubmit, true, t("home.joining"));
    ctx.actions.joinRoom(code, name).catch((error) => {
      // Waited too long, or cancelled: the wait's box says so, the form is as it was.
      if (error?.code === "gave_up" || error?.code === "cancelled") return;
      busy(joinSubmit, false, t("home.join"));
      showFormError(error, { name: joinName, code: joinCode, room_id: joinCode }, joinCode);
    });
  });

  /** The join form while a join is under way, waits, or gave up (state.joining). */
  let shownJoining = null;
  function showJoining(joining) {
    if (joining === shownJoining) return;
    shownJoining = joining;
    const going = Boolean(joining) && joining.status !== "gave_up";
    // What was typed stays, and stays put while it is being tried.
    for (const f of [joinCode, joinName]) f.input.readOnly = going;
    joinName.wrap.querySelector(".suggest-name").disabled = going;
    if (going) busy(joinSubmit, true, t("home.joining"));
    else if (joinSubmit.disabled || joining) busy(joinSubmit, false, joining ? t("join.try_again") : t("home.join"));
    joinWait.show(joining);
  }

  for (const f of [createName, createTopic, createCount, joinCode, joinName]) {
    f.input.addEventListener("input", () => f.setError(null));
  }

  const hero = h("header", { class: "hero" },
    h("h1", { id: "home-title", class: "hero-title", tabindex: -1 }, t("app.name")),
    h("p", { class: "hero-lead" }, t("home.lead")));

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
    update(state) {
      showJoining(state.joining);
    },
    destroy() {
      joinWait.destroy();
    },
  };
}

/**
 * "Joining… the room is busy": the wait between two tries of a join the
 * server refused for now, with the seconds to the next try and a Cancel
 * button; or, after JOIN_GIVE_UP_MS, that it gave up. Above the form's
 * `submit` button (all three in the returned element). The polite live
 * region says the wait once, and the giving up; the countdown is for the
 * eyes (a screen reader reads it when asked, not every second).
 */
function joinWaitBox(submit, onCancel) {
  const said = h("p", { class: "join-said", testid: "join-busy-status", role: "status", "aria-live": "polite" });
  const line = h("p", { class: "join-busy-line", testid: "join-busy-countdown" });
  const cancel = h("button", { type: "button", class: "btn btn-ghost btn-small", testid: "join-cancel", onclick: onCancel }, t("join.cancel"));
  const box = h("div", { class: "join-busy", testid: "join-busy", hidden: true },
    h("div", { class: "spinner spinner-small", "aria-hidden": "true" }),
    h("div", { class: "join-busy-text" }, h("p", { class: "join-busy-title" }, t("join.busy_title")), line),
    cancel);
  const el = h("div", { class: "join-actions" }, box, said, submit);
  let joining = null;
  let ticker = null;

  function tick() {
    const next = joinWaitLine(joining, Date.now());
    setText(line, next ? t(next.key, next.params) : "");
  }

  return {
    el,
    show(next) {
      const was = joining;
      joining = next;
      const waiting = Boolean(next?.busy) && next.status !== "gave_up";
      const focus = document.activeElement;
      const lost = !focus || focus === document.body || focus === submit || box.contains(focus);
      box.hidden = !waiting;
      // Said once when the wait starts, and once when it ends in giving up.
      const words = next?.status === "gave_up" ? t("join.gave_up") : waiting ? t("join.busy_said") : "";
      if (said.textContent !== words) setText(said, words);
      setAttr(el, "data-state", next?.busy ? next.status : null);
      clearInterval(ticker);
      ticker = waiting ? setInterval(tick, 250) : null;
      tick();
      // The join button is off while it waits: the focus goes to Cancel, and back.
      if (waiting && !was?.busy && lost) cancel.focus();
      else if (!waiting && was?.busy && lost) submit.focus();
    },
    destroy() {
      clearInterval(ticker);
    },
  };
}

export function rejoiningView(ctx, heading = t("rejoin.title")) {
  const s = ctx.store.state;
  const status = h("p", { class: "rejoin-status", role: "status", "aria-live": "polite" });
  const title = h("h1", { class: "screen-title", tabindex: -1 }, heading);
  const el = h("section", { class: "screen screen-center" },
    h("div", { class: "card card-narrow center" },
      h("div", { class: "spinner", "aria-hidden": "true" }),
      title,
      h("p", null, tNodes("rejoin.room", { code: hData("strong", { class: "code-inline", dir: "ltr" }, s.session?.room_id || s.display?.room_id || "") })),
      status,
      h("button", { type: "button", class: "btn btn-ghost", testid: "rejoin-cancel", onclick: () => ctx.actions.forgetSession() },
        t("rejoin.leave"))));
  return {
    el,
    focus() {
      title.focus({ preventScroll: true });
    },
    update(state) {
      setText(status, has(state.connection.detail) ? t(state.connection.detail) : state.connection.detail);
    },
  };
}
