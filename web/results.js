// The host's downloads of a game's `results`: a CSV for Excel and Google
// Sheets (one row per player: rank, name, team in a team game, score,
// correct count, then one column per question; in a team game, after an
// empty row, the teams' table: rank, team, players, score) and the JSON
// (the server's, each player's team named beside its index).

import { toCsv } from "./csv.js";
import { download } from "./download.js";
import { raw, t } from "./i18n.js";
import { optionLetter } from "./options.js";

function answerText(q, a) {
  if (!a) return "";
  const value = a.answer;
  if (typeof value === "string") return value;
  const kind = q?.kind ?? "choice";
  // A slider's answer is its number, as a spreadsheet reads it.
  if (kind === "slider") return typeof value === "number" ? String(value) : "";
  const options = Array.isArray(q?.options) ? q.options : [];
  const one = (i) => (options[i] !== undefined ? String(options[i]) : optionLetter(i));
  // An order answer: the items in the player's order (results list them by their place in the right order).
  if (kind === "order") return Array.isArray(value) ? value.map(one).join(" → ") : "";
  return Array.isArray(value) ? value.map(one).join(" + ") : Number.isInteger(value) ? one(value) : "";
}

/** The teams of a `results`, best first ([] without teams). */
function teamsOf(results) {
  const teams = Array.isArray(results?.teams) ? results.teams.filter((e) => e && Number.isInteger(e.team)) : [];
  return teams.sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.team - b.team);
}

/** The CSV rows (header first) of a `results` message; the headers in the page's language. */
export function resultRows(results) {
  const questions = Array.isArray(results.questions) ? results.questions : [];
  // Plain text in a spreadsheet: no isolation marks around the data.
  const teams = teamsOf(results);
  const names = new Map(teams.map((e) => [e.team, String(e.name ?? "")]));
  const header = [t("csv.rank"), t("csv.name"), ...(teams.length ? [t("csv.team")] : []), t("csv.score"), t("csv.correct"),
    ...questions.map((q, i) => t("csv.question", { n: raw(String(i + 1)), text: raw(q.text ?? q.question ?? "") }))];
  const players = (Array.isArray(results.players) ? [...results.players] : [])
    .sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  const rows = players.map((p) => {
    const answers = Array.isArray(p.answers) ? p.answers : [];
    const correct = answers.filter((a) => a && a.correct).length;
    return [p.rank ?? "", p.name ?? "", ...(teams.length ? [names.get(p.team) ?? ""] : []), p.score ?? 0, correct,
      ...questions.map((q, i) => {
        const a = answers[i];
        if (!a) return "";
        const text = answerText(q, a);
        if ((q.kind ?? "choice") === "poll") return text;
        return `${a.correct ? "✓" : "✗"} ${text}`;
      })];
  });
  if (!teams.length) return [header, ...rows];
  // The teams' table, under the players' after an empty row.
  const teamHeader = [t("csv.team_rank"), t("csv.team"), t("csv.team_players"), t("csv.score")];
  return [header, ...rows, [], teamHeader, ...teams.map((e) => [e.rank ?? "", String(e.name ?? ""), e.players ?? 0, e.score ?? 0])];
}

/** The JSON download: the server's results, each player's team named too. */
export function resultsJson(results) {
  const { type: _type, request_id: _rid, ...data } = results;
  const teams = teamsOf(results);
  if (teams.length && Array.isArray(data.players)) {
    const names = new Map(teams.map((e) => [e.team, String(e.name ?? "")]));
    data.players = data.players.map((p) => (Number.isInteger(p?.team) ? { ...p, team_name: names.get(p.team) ?? null } : p));
  }
  return data;
}

function stamp(results) {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${results.room_id ?? "quiz"}-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

export function downloadResultsCsv(results) {
  download(`${t("csv.filename")}-${stamp(results)}.csv`, toCsv(resultRows(results)), "text/csv");
}

export function downloadResultsJson(results) {
  download(`${t("csv.filename")}-${stamp(results)}.json`, `${JSON.stringify(resultsJson(results), null, 2)}\n`, "application/json");
}

/** Per question: the share of answers that were right (null for polls), for the last screen. */
export function questionSummary(results) {
  const questions = Array.isArray(results?.questions) ? results.questions : [];
  const players = Array.isArray(results?.players) ? results.players : [];
  return questions.map((q, i) => {
    let answered = 0;
    let right = 0;
    for (const p of players) {
      const a = p.answers?.[i];
      if (!a) continue;
      answered += 1;
      if (a.correct) right += 1;
    }
    const kind = q.kind ?? "choice";
    return { index: i, text: q.text ?? q.question ?? "", kind, answered, right: kind === "poll" ? null : right };
  });
}
