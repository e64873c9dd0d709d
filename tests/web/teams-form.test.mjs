// web/teams-form.js: the team names the host gives (2 to 12, distinct), the
// default names in the page's language, and what the create form sends.

import assert from "node:assert/strict";
import { test } from "node:test";

import { web } from "./web.mjs";

const { TEAMS_MAX, checkTeams, cleanTeamName, defaultTeamNames } = await web("teams-form.js");
const { setLocale } = await web("i18n.js");

test("checkTeams: names cleaned as the server keeps them; each error on its name", () => {
  assert.deepEqual(checkTeams(["  Red \n team ", "Blue"]), { teams: ["Red team", "Blue"], errors: {}, error: null });
  const { errors, error } = checkTeams(["Owls", "", "OWLS", "x".repeat(31), "Ｏｗｌｓ", "a\u200bb"]);
  assert.equal(error, null);
  assert.deepEqual(Object.keys(errors), ["1", "2", "3", "4", "5"]);
  assert.equal(errors[1], "Name this team.");
  assert.match(errors[2], /Two teams have this name/);
  assert.match(errors[4], /Two teams/); // full-width letters are the same name
  assert.equal(checkTeams(["One"]).error, "From 2 to 12 teams.");
  assert.equal(checkTeams(Array.from({ length: 13 }, (_, i) => `T${i}`)).error, "From 2 to 12 teams.");
  assert.equal(cleanTeamName(" a  b "), "a b");
});

test("defaultTeamNames: in the page's language, twelve different ones, none already taken", async () => {
  await setLocale("en");
  assert.deepEqual(defaultTeamNames(2), ["Red team", "Blue team"]);
  const all = defaultTeamNames(TEAMS_MAX);
  assert.equal(new Set(all).size, TEAMS_MAX);
  assert.deepEqual(checkTeams(all).errors, {});
  assert.equal(defaultTeamNames(1, ["red TEAM", "Blue team"])[0], "Yellow team");
  // Past the list: numbered names.
  const taken = defaultTeamNames(TEAMS_MAX);
  assert.equal(defaultTeamNames(1, taken)[0], "Team 1");
  await setLocale("fr");
  assert.deepEqual(defaultTeamNames(2), ["Équipe rouge", "Équipe bleue"]);
  await setLocale("ja");
  assert.equal(defaultTeamNames(1)[0], "赤チーム");
  await setLocale("en");
});

test("every language has twelve default team names the server takes (1 to 30 characters, distinct)", async () => {
  const { LOCALES, tList } = await web("i18n.js");
  for (const { tag } of LOCALES) {
    await setLocale(tag);
    const names = defaultTeamNames(TEAMS_MAX);
    assert.deepEqual(names, tList("teams.defaults.list"), `${tag}: twelve names of its own, none numbered`);
    assert.deepEqual(checkTeams(names).errors, {}, `${tag}: ${names.join(" | ")}`);
    assert.ok(names.every((n) => [...n].length <= 30), tag);
  }
  await setLocale("en");
});
