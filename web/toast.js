// Toasts: every server error becomes one (never swallowed), plus short
// informational notes. Error toasts are role="alert" so screen readers read
// them at once. The words come from the error's code, never from the
// server's English `message`; a `bad_message` names its field (a path such
// as `questions[3].correct`), which is shown as it is.

import { h } from "./dom.js";
import { has, t, tNodes } from "./i18n.js";

const LOCAL_CODES = new Set(["connection_lost"]);

/** The field a `bad_message` names ("num_questions: must be..." -> "num_questions"), or "". */
export function errorField(error) {
  const text = typeof error?.message === "string" ? error.message.trim() : "";
  const m = /^([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_]\w*(?:\[\d+\])?)*)\s*:/.exec(text);
  return m ? m[1] : "";
}

function errorKey(error) {
  const code = error && typeof error.code === "string" ? error.code : "";
  if (code === "bad_message" && errorField(error)) return "error.bad_message_field";
  if (code && (has(`error.${code}`) || LOCAL_CODES.has(code))) return `error.${code}`;
  return "error.unknown";
}

/** A readable sentence for an error from the server (or a local one), in the page's language. */
export function describeError(error) {
  return t(errorKey(error), { field: errorField(error) });
}

/** The same, as nodes (the field path isolated). */
export function describeErrorNodes(error) {
  return tNodes(errorKey(error), { field: errorField(error) });
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
    "aria-label": t("toast.dismiss"),
    onclick: () => dismiss(),
  }, "×");
  const toast = h("div", {
    class: ["toast", `toast-${tone}`],
    role: tone === "error" ? "alert" : "status",
    testid,
    dataset: data,
  },
  h("span", { class: "toast-icon", "aria-hidden": "true" }, tone === "error" ? "!" : "\u2139\ufe0e"),
  h("div", { class: "toast-body" },
    h("p", { class: "toast-text" }, text),
    detail ? h("p", { class: "toast-detail" }, detail) : null),
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

/**
 * Show an error (`{code, message, request_id}`) as a toast; `context` says
 * what was being done (already in the page's language).
 */
export function toastError(error, context = "") {
  return show({
    text: describeErrorNodes(error),
    detail: context || null,
    tone: "error",
    testid: "error-toast",
    timeout: 8000,
    data: { code: error?.code || "", requestId: error?.request_id || "" },
  });
}

/** An informational toast: a message id and its parameters (data isolated). */
export function toastInfo(key, params = {}) {
  return show({ text: tNodes(key, params), tone: "info", testid: "info-toast", timeout: 5000 });
}
