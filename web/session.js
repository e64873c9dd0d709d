// The player's seat, kept per browser tab in sessionStorage so that a refresh,
// a dropped connection or a server restart can `rejoin` with the token.
// The remembered display name is kept in localStorage (not secret).

const SESSION_KEY = "quiz.session.v1";
const NAME_KEY = "quiz.name.v1";

function storage(kind) {
  try {
    return kind === "local" ? window.localStorage : window.sessionStorage;
  } catch {
    return null; // storage disabled (privacy mode, sandboxed iframe)
  }
}

/** @returns {{room_id: string, player_id: string, token: string, watch_question?: number|null} | null} */
export function loadSession() {
  const store = storage("session");
  if (!store) return null;
  try {
    const value = JSON.parse(store.getItem(SESSION_KEY) || "null");
    if (
      value && typeof value === "object" &&
      typeof value.room_id === "string" && value.room_id &&
      typeof value.player_id === "string" && value.player_id &&
      typeof value.token === "string" && value.token
    ) {
      return {
        room_id: value.room_id,
        player_id: value.player_id,
        token: value.token,
        watch_question: Number.isInteger(value.watch_question) ? value.watch_question : null,
      };
    }
  } catch {
    /* corrupt entry: treat as none */
  }
  return null;
}

export function saveSession(session) {
  const store = storage("session");
  if (!store || !session) return;
  try {
    store.setItem(SESSION_KEY, JSON.stringify({
      room_id: session.room_id,
      player_id: session.player_id,
      token: session.token,
      watch_question: Number.isInteger(session.watch_question) ? session.watch_question : null,
    }));
  } catch {
    /* quota or disabled storage: the game still works until a refresh */
  }
}

export function clearSession() {
  const store = storage("session");
  try {
    store?.removeItem(SESSION_KEY);
  } catch {
    /* ignore */
  }
}

const QUESTION_KEY = "quiz.question.v1";

/** The last question this tab saw (and the answer it sent), to show a reveal after a refresh. */
export function saveLastQuestion(roomId, question, answer) {
  const store = storage("session");
  try {
    if (!roomId || !question) store?.removeItem(QUESTION_KEY);
    else store?.setItem(QUESTION_KEY, JSON.stringify({ room_id: roomId, question, answer }));
  } catch {
    /* ignore */
  }
}

/** @returns {{room_id: string, question: object, answer: number|null} | null} */
export function loadLastQuestion() {
  try {
    const value = JSON.parse(storage("session")?.getItem(QUESTION_KEY) || "null");
    if (value && typeof value === "object" && typeof value.room_id === "string" &&
      value.question && typeof value.question === "object" && Number.isInteger(value.question.question_index)) {
      return { room_id: value.room_id, question: value.question, answer: value.answer ?? null };
    }
  } catch {
    /* corrupt entry: treat as none */
  }
  return null;
}

export function rememberName(name) {
  try {
    storage("local")?.setItem(NAME_KEY, name);
  } catch {
    /* ignore */
  }
}

export function recallName() {
  try {
    return storage("local")?.getItem(NAME_KEY) || "";
  } catch {
    return "";
  }
}
