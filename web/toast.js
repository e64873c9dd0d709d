// Toasts: every server error becomes one (never swallowed), plus short
// informational notes. Error toasts are role="alert" so screen readers read
// them at once.

import { h } from "./dom.js";

const FRIENDLY = {
  bad_json: "The server could not read a message from this page.",
  bad_message: "The server refused a message.",
  unknown_action: "The server did not understand that request.",
  not_in_room: "You are not in a room any more.",
  already_in_room: "You are already in a room.",
  room_not_found: "There is no room with that code. Check it and try again.",
  room_full: "That room is full.",
  name_taken: "Someone in that room already has this name. Pick another one.",
  not_host: "Only the host can do that.",
  wrong_phase: "That is not possible at this point of the game.",
  already_answered: "Your answer is already locked in.",
  stale_question: "Too late: that question has closed.",
  invalid_answer: "That answer is not one of the options.",
  invalid_token: "Your seat in that room has expired.",
  rate_limited: "Slow down a little: too many actions at once.",
  server_busy: "The server is busy right now. Try again in a moment.",
  internal_error: "Something went wrong on the server.",
  room_locked: "This room is locked: the host is not letting anyone new in right now.",
  name_not_allowed: "That name is not allowed in this room. Pick another one.",
  not_a_player: "Only players can do that: this screen presents the game.",
  connection_lost: "The connection dropped before the server answered. Please try again.",
};

/** A readable sentence for an error message from the server (or a local one). */
export function describeError(error) {
  const code = error && typeof error.code === "string" ? error.code : "";
  const serverText = error && typeof error.message === "string" ? error.message.trim() : "";
  const friendly = FRIENDLY[code];
  if (!friendly) return serverText || "Something went wrong.";
  // bad_message names the field: the server's text says more than ours.
  if (code === "bad_message" && serverText) return `${friendly} ${serverText}`;
  return friendly;
}

let container = null;

function host() {
  container ??= document.getElementById("toasts");
  return container;
}

function show({ text, detail, tone, testid, timeout, data }) {
  const root = host();
  if (!root) return null;
  const close = h("button", {
    type: "button",
    class: "toast-close",
    "aria-label": "Dismiss",
    onclick: () => dismiss(),
  }, "×");
  const toast = h("div", {
    class: ["toast", `toast-${tone}`],
    role: tone === "error" ? "alert" : "status",
    testid,
    dataset: data,
  },
  h("span", { class: "toast-icon", "aria-hidden": "true" }, tone === "error" ? "!" : "i"),
  h("div", { class: "toast-body" },
    h("p", { class: "toast-text", text }),
    detail ? h("p", { class: "toast-detail", text: detail }) : null),
  close);

  let timer = null;
  const dismiss = () => {
    clearTimeout(timer);
    toast.classList.add("toast-leaving");
    setTimeout(() => toast.remove(), 200);
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(dismiss, timeout);
  };
  toast.addEventListener("mouseenter", () => clearTimeout(timer));
  toast.addEventListener("mouseleave", arm);
  toast.addEventListener("focusin", () => clearTimeout(timer));
  toast.addEventListener("focusout", arm);

  // Keep at most 4 on screen.
  while (root.children.length >= 4) root.firstElementChild.remove();
  root.appendChild(toast);
  arm();
  return toast;
}

/** Show an error (`{code, message, request_id}`) as a toast. */
export function toastError(error, context = "") {
  const text = describeError(error);
  const serverText = typeof error?.message === "string" ? error.message.trim() : "";
  const detail = [context, serverText && serverText !== text && !text.includes(serverText) ? serverText : ""]
    .filter(Boolean).join(" · ");
  return show({
    text,
    detail,
    tone: "error",
    testid: "error-toast",
    timeout: 8000,
    data: { code: error?.code || "", requestId: error?.request_id || "" },
  });
}

export function toastInfo(text) {
  return show({ text, tone: "info", testid: "info-toast", timeout: 5000 });
}
