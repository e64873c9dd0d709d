// Teams and standings, as the host sets them (protocol 1.2 "Teams" and
// "Rounds"): on the create form (view-home.js) and, in the lobby, in the
// room's settings dialog (room-settings.js).
//
//   teams        2 to 12 names of 1 to 30 characters, distinct (the server
//                also refuses look-alikes, and says which: teams[i])
//   team_score   "mean" (default: a table of 3 competes fairly with a table
//                of 6) or "sum"
//   leaderboard  "question" (after every question) or "round" (only
//                between rounds, as a pub quiz does)
//
// Test hooks: teams-on, team-name-N, team-remove-N, team-add, team-score-mean,
// team-score-sum, leaderboard-question, leaderboard-round, teams-error.

import { h, setAttr, setText } from "./dom.js";
import { t, tList } from "./i18n.js";

export const TEAMS_MIN = 2;
export const TEAMS_MAX = 12;
export const TEAM_NAME_MAX = 30;
const CONTROL = /[\p{Cc}\p{Cf}]/u;

let counter = 0;

/** A team name as the server keeps it: white space folded, trimmed. */
export function cleanTeamName(name) {
  return String(name ?? "").split(/\s+/u).filter(Boolean).join(" ");
}

/** How two team names compare here: case and compatibility forms aside (the server adds look-alikes). */
function sameKey(name) {
  return cleanTeamName(name).normalize("NFKC").toLowerCase();
}

/**
 * The teams as they are to be sent, or the error of each name (by index) and
 * of the list: {teams, errors: {index: message}, error}. Pure but for t().
 */
export function checkTeams(names) {
  const teams = names.map(cleanTeamName);
  const errors = {};
  const seen = new Map();
  teams.forEach((name, i) => {
    if (!name) errors[i] = t("teams.err_empty");
    else if ([...name].length > TEAM_NAME_MAX) errors[i] = t("teams.err_long", { max: TEAM_NAME_MAX });
    else if (CONTROL.test(name)) errors[i] = t("teams.err_char");
    else if (seen.has(sameKey(name))) errors[i] = t("teams.err_twice");
    else seen.set(sameKey(name), i);
  });
  const error = teams.length < TEAMS_MIN || teams.length > TEAMS_MAX ? t("teams.err_count", { min: TEAMS_MIN, max: TEAMS_MAX }) : null;
  return { teams, errors, error };
}

/** The first `n` default names in the page's language, none of `taken`. */
export function defaultTeamNames(n, taken = []) {
  const used = new Set(taken.map(sameKey));
  const out = [];
  const names = tList("teams.defaults.list");
  for (const name of names) {
    if (out.length >= n) break;
    if (!used.has(sameKey(name))) {
      used.add(sameKey(name));
      out.push(name);
    }
  }
  for (let i = 1; out.length < n; i++) {
    const name = t("teams.numbered", { n: i });
    if (!used.has(sameKey(name))) {
      used.add(sameKey(name));
      out.push(name);
    }
  }
  return out;
}

function radio(name, value, label, hint, testid, checked) {
  const id = `tf${++counter}`;
  const input = h("input", { type: "radio", name, value, id, testid, checked });
  const hintEl = hint ? h("span", { class: "field-hint", id: `${id}-hint`, text: hint }) : null;
  if (hintEl) setAttr(input, "aria-describedby", hintEl.id);
  return { input, wrap: h("div", { class: "check" }, input, h("label", { for: id }, h("span", { class: "check-label", text: label }), hintEl)) };
}

/**
 * The teams part of a form. `value`: {teams: [...], team_score,
 * leaderboard} to start from. Returns {el, value(), validate(), showError(path)}:
 * value() is what to send ({teams: [] } when off); validate() shows the
 * errors and returns the first field to focus, or null.
 */
export function teamsFieldset(value = {}, { showLeaderboard = true } = {}) {
  const startTeams = Array.isArray(value.teams) && value.teams.length >= TEAMS_MIN ? value.teams.slice(0, TEAMS_MAX) : [];
  let names = startTeams.length ? [...startTeams] : defaultTeamNames(4);
  const id = `teams${++counter}`;

  const on = h("input", { type: "checkbox", id: `${id}-on`, testid: "teams-on", checked: startTeams.length > 0 });
  const onHint = h("span", { class: "field-hint", id: `${id}-on-hint`, text: t("teams.on_hint") });
  setAttr(on, "aria-describedby", onHint.id);
  const onWrap = h("div", { class: "check" }, on, h("label", { for: on.id }, h("span", { class: "check-label", text: t("teams.on") }), onHint));

  const list = h("ol", { class: "team-names" });
  const listError = h("p", { class: "field-error", testid: "teams-error", id: `${id}-err`, role: "alert", hidden: true });
  const addButton = h("button", { type: "button", class: "btn btn-ghost btn-small", testid: "team-add", onclick: () => addTeam() }, t("teams.add"));
  const rowErrors = [];

  const scoreName = `${id}-score`;
  const mean = radio(scoreName, "mean", t("teams.score_mean"), t("teams.score_mean_hint"), "team-score-mean", value.team_score !== "sum");
  const sum = radio(scoreName, "sum", t("teams.score_sum"), t("teams.score_sum_hint"), "team-score-sum", value.team_score === "sum");
  const scoreGroup = h("fieldset", { class: "team-choice" }, h("legend", { class: "field-label", text: t("teams.score") }), mean.wrap, sum.wrap);

  const teamPart = h("div", { class: "team-part" },
    h("fieldset", { class: "team-list" }, h("legend", { class: "field-label", text: t("teams.names") }), list, addButton, listError),
    scoreGroup);

  const boardName = `${id}-board`;
  const perQuestion = radio(boardName, "question", t("teams.board_question"), null, "leaderboard-question", value.leaderboard !== "round");
  const perRound = radio(boardName, "round", t("teams.board_round"), t("teams.board_round_hint"), "leaderboard-round", value.leaderboard === "round");
  const boardGroup = showLeaderboard
    ? h("fieldset", { class: "team-choice" }, h("legend", { class: "field-label", text: t("teams.board") }), perQuestion.wrap, perRound.wrap)
    : null;

  const el = h("div", { class: "teams-form" }, onWrap, teamPart, boardGroup);

  function renderNames(focusIndex = null) {
    rowErrors.length = 0;
    list.replaceChildren(...names.map((name, i) => {
      const input = h("input", {
        type: "text", id: `${id}-n${i}`, testid: `team-name-${i}`, maxlength: 40, value: name, dir: "auto", autocomplete: "off",
        "aria-label": t("teams.name_label", { n: i + 1 }),
      });
      input.value = name;
      input.addEventListener("input", () => {
        names[i] = input.value;
        setError(i, null);
      });
      const error = h("p", { class: "field-error", id: `${id}-n${i}-err`, hidden: true });
      rowErrors[i] = { input, error };
      const remove = h("button", {
        type: "button", class: "btn btn-ghost btn-small", testid: `team-remove-${i}`, disabled: names.length <= TEAMS_MIN,
        "aria-label": t("teams.remove_label", { n: i + 1 }), onclick: () => removeTeam(i),
      }, t("teams.remove"));
      return h("li", { class: "team-row" }, input, remove, error);
    }));
    addButton.disabled = names.length >= TEAMS_MAX;
    if (focusIndex !== null) rowErrors[Math.min(focusIndex, names.length - 1)]?.input.focus();
  }
  function setError(i, message) {
    const row = rowErrors[i];
    if (!row) return;
    row.error.hidden = !message;
    setText(row.error, message || "");
    setAttr(row.input, "aria-invalid", message ? "true" : null);
    setAttr(row.input, "aria-describedby", message ? row.error.id : null);
  }
  function addTeam() {
    names.push(defaultTeamNames(1, names)[0]);
    renderNames(names.length - 1);
    rowErrors[names.length - 1]?.input.select();
  }
  function removeTeam(i) {
    names.splice(i, 1);
    renderNames(i);
  }
  function showTeams() {
    teamPart.hidden = !on.checked;
  }
  on.addEventListener("change", showTeams);
  renderNames();
  showTeams();

  return {
    el,
    value() {
      const out = { teams: on.checked ? names.map(cleanTeamName) : [], team_score: sum.input.checked ? "sum" : "mean" };
      if (boardGroup) out.leaderboard = perRound.input.checked ? "round" : "question";
      return out;
    },
    get enabled() {
      return on.checked;
    },
    /** Show the errors; the first field to fix, or null. */
    validate() {
      listError.hidden = true;
      if (!on.checked) return null;
      const { errors, error } = checkTeams(names);
      names.forEach((_, i) => setError(i, errors[i] || null));
      if (error) {
        listError.hidden = false;
        setText(listError, error);
      }
      const first = Object.keys(errors).map(Number).sort((a, b) => a - b)[0];
      return first !== undefined ? rowErrors[first].input : error ? addButton : null;
    },
    /** The server refused `teams[i]` (a look-alike of another) or `teams`: say so there. */
    showError(path, message) {
      const m = /^teams\[(\d+)\]/.exec(path);
      if (m && rowErrors[Number(m[1])]) {
        setError(Number(m[1]), message);
        return rowErrors[Number(m[1])].input;
      }
      listError.hidden = false;
      setText(listError, message);
      return on;
    },
  };
}
