// The room's teams and standings, changed by the host in the lobby
// (update_settings, protocol 1.2): a dialog opened from the host's lobby
// tools (app.js lobbyExtras), on the playing host's lobby and on the
// presenter's alike. The same fields as the create form (teams-form.js).
//
// Test hooks: teams-dialog-button (in the host's lobby tools), teams-dialog
// (the <dialog>), teams-dialog-save, teams-dialog-cancel,
// teams-dialog-error, and the teams-form.js hooks inside.

import { h, setText } from "./dom.js";
import { t } from "./i18n.js";
import { describeError, errorField } from "./toast.js";
import { teamsFieldset } from "./teams-form.js";

let counter = 0;

/** Open the dialog over the page; it sends update_settings through ctx.actions.saveRoomSettings. */
export function openRoomSettings(ctx, opener = null) {
  const settings = ctx.store.state.room?.settings || {};
  const fields = teamsFieldset({ teams: settings.teams, team_score: settings.team_score, leaderboard: settings.leaderboard });
  const id = `rs${++counter}`;
  const error = h("p", { class: "field-error", role: "alert", testid: "teams-dialog-error", hidden: true });
  const save = h("button", { type: "submit", class: "btn btn-primary", testid: "teams-dialog-save" }, t("rs.save"));
  const cancel = h("button", { type: "button", class: "btn btn-ghost", testid: "teams-dialog-cancel", onclick: () => dialog.close() }, t("rs.cancel"));
  const form = h("form", { class: "form", novalidate: true },
    h("h2", { class: "card-title", id: `${id}-title` }, t("rs.title")),
    h("p", { class: "hint" }, t("rs.hint")),
    fields.el,
    error,
    h("div", { class: "button-row" }, save, cancel));
  const dialog = h("dialog", { class: "card room-settings", testid: "teams-dialog", "aria-labelledby": `${id}-title` }, form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const bad = fields.validate();
    if (bad) {
      bad.focus();
      return;
    }
    save.disabled = true;
    try {
      await ctx.actions.saveRoomSettings(fields.value());
      dialog.close();
    } catch (refused) {
      const path = errorField(refused);
      if (refused?.code === "bad_message" && /^teams\[\d+\]/.test(path)) {
        fields.showError(path, t("teams.err_lookalike")).focus();
      } else {
        error.hidden = false;
        setText(error, describeError(refused));
      }
    } finally {
      save.disabled = false;
    }
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener?.isConnected) opener.focus();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}

/** The host's lobby button that opens it. */
export function roomSettingsButton(ctx) {
  const button = h("button", {
    type: "button",
    class: "btn btn-secondary",
    testid: "teams-dialog-button",
    onclick: () => openRoomSettings(ctx, button),
  }, t("rs.open"));
  return button;
}
