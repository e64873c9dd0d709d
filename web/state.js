// Client state and the reducer that folds server messages into it.
//
// The server is authoritative: `room_state` (and the `room` in
// room_created / room_joined) replaces what we know; the other messages move
// the state along between resyncs. Unknown message types and fields are
// ignored.

import { syncServerTime } from "./clock.js";

export const PHASES = ["lobby", "generating", "countdown", "question", "reveal", "finished"];

export function initialState({ session = null, inviteCode = "", lastQuestion = null, display = null } = {}) {
  const s = {
    session, // {room_id, player_id, token, watch_question} or null
    inviteCode, // room code from ?room=CODE, to fill the join form
    display, // {room_id, key} on a second screen (/?watch=CODE&key=SECRET), else null
    connection: { state: "reconnecting", detail: "conn.connecting" }, // detail: a message id (conn.*)
    notice: null, // {key, params?, tone, action?: "reconnect"} shown on the home screen (key: a message id)
    editor: null, // {mode: "mine" | "draft", ...} while the editor is open
    preferMyQuiz: false, // the create form starts on "My own quiz" (after the editor)
    draftPending: false, // generate_questions in flight (the lobby's review button)
    draftUsed: false, // the host took a reviewed draft: no second review
    displayUrl: null, // the second-screen link, once asked for
    // A join under way: {status: "sending" | "waiting" | "gave_up", busy,
    // retryAt}; busy once the server said to come back later (see retry.js).
    joining: null,
    ...emptyRoom(),
  };
  // After a refresh during a reveal, the room state has the result but not
  // the question: the one this tab saw last (see session.js) fills it in.
  if (session && lastQuestion && lastQuestion.room_id === session.room_id && lastQuestion.question) {
    s.question = { ...lastQuestion.question, restored: true };
    if (lastQuestion.answer !== null && lastQuestion.answer !== undefined) {
      s.answer = { questionIndex: lastQuestion.question.question_index, index: lastQuestion.answer, status: "locked" };
    }
  }
  return s;
}

function emptyRoom() {
  return {
    room: null, // the room state as last known (players kept up to date)
    phase: "home", // the room's phase, or "home" when not in a room
    generating: null, // {topic, num_questions, source}
    countdown: null, // {seconds, receivedAt}
    question: null, // the `question` message in play (or last played)
    answer: { questionIndex: null, index: null, status: "none" }, // status: none | sending | locked
    progress: null, // {question_index, answered, total}
    result: null, // `question_result` of the reveal
    resultAt: 0, // local time the result arrived (for the auto-advance hint)
    myResult: null, // `your_result`
    me: { score: 0, streak: null, rank: null, team: null, teamRank: null }, // streak: null until known (not in the room state)
    final: null, // `game_over` leaderboard
    finalCount: null, // `game_over.player_count`
    draft: null, // `questions_draft` under review in the lobby
    results: null, // the last `results` (host)
    questionAt: 0, // local time the question in play arrived (media timing)
    round: null, // {round, title, questions, first}: the round in play (a quiz with rounds)
    roundStart: null, // `round_start`: the round's title card, shown during its countdown
    roundOver: null, // `round_over`: the round's standings (the phase stays reveal)
    roundOverAt: 0, // local time it arrived
    finalTeams: null, // `game_over.teams`: the teams' final standings
    extraTime: {}, // the host's only: {player_id: factor} for every factor other than 1
  };
}

/**
 * The state and who listens to it. Nothing outside this module writes to
 * `state`: server messages go through `receive` (applyMessage), the page's
 * own changes through `dispatch` (applyAction, types "local/..."), and
 * listeners (the render) hear of every change.
 */
export function createStore(state) {
  const listeners = new Set();
  const emit = (reason) => {
    for (const listener of listeners) listener(state, reason);
  };
  return {
    state,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** Tell the listeners (re-render), e.g. once after receive() and its follow-ups. */
    emit,
    /**
     * Fold a local action into the state; listeners hear of it if it changed
     * anything, unless `quiet` (the caller emits later). Returns whether it did.
     */
    dispatch(action, { quiet = false } = {}) {
      const changed = applyAction(state, action);
      if (changed && !quiet) emit(action.type);
      return changed;
    },
    /** Fold a server message into the state (no emit: the caller emits). Returns whether it changed anything. */
    receive(message, receivedAt = Date.now()) {
      return applyMessage(state, message, receivedAt);
    },
  };
}

// ---------------------------------------------------------------- selectors

export function myId(s) {
  return s.session ? s.session.player_id : null;
}

export function isHost(s) {
  return Boolean(s.room && s.session && s.room.host_id === s.session.player_id);
}

export function findPlayer(s, id) {
  // An index by id: a host of 10,000 players gets a player_joined each.
  return s.room?.byId?.get(id) || null;
}

/** How many players the room has (large rooms send a capped list and a count). */
export function playerCount(s) {
  if (!s.room) return 0;
  return Number.isFinite(s.room.player_count) ? s.room.player_count : s.room.players.length;
}

/** True when this page presents the game (a host who does not play, or a display). */
export function isPresenter(s) {
  if (s.display) return true;
  return isHost(s) && s.room?.host_plays === false;
}

function indexPlayers(room) {
  room.byId = new Map(room.players.map((p) => [p.id, p]));
}

/** True when this player joined during the open question and plays from the next one. */
export function isWatchingQuestion(s) {
  const watch = s.session?.watch_question;
  return Number.isInteger(watch) && s.question !== null && s.question.question_index === watch;
}

export function settingOf(s, name, fallback) {
  const value = s.room?.settings?.[name];
  return value === undefined || value === null ? fallback : value;
}

/**
 * A ranked list of {player_id, name, score, rank}: the server's final
 * leaderboard when we have it, else computed from the players' scores
 * (same score, same rank; the server's time tie-break is not known here).
 */
export function leaderboardFromPlayers(players) {
  const sorted = [...players].sort((a, b) => (b.score || 0) - (a.score || 0));
  let lastScore = null;
  let lastRank = 0;
  return sorted.map((p, i) => {
    const score = p.score || 0;
    const rank = score === lastScore ? lastRank : i + 1;
    lastScore = score;
    lastRank = rank;
    return { player_id: p.id, name: p.name, score, rank };
  });
}

// ------------------------------------------------------------------ reducer

function normalisePlayers(players) {
  if (!Array.isArray(players)) return [];
  return players
    .filter((p) => p && typeof p.id === "string")
    .map((p) => ({
      id: p.id,
      name: typeof p.name === "string" ? p.name : "?",
      score: Number.isFinite(p.score) ? p.score : 0,
      connected: p.connected !== false,
      team: teamIndex(p.team),
    }));
}

function teamIndex(value) {
  return Number.isInteger(value) && value >= 0 ? value : null;
}

function isObject(value) {
  return Boolean(value) && typeof value === "object" && !Array.isArray(value);
}

/** The room's teams in team order ({team, name, players, score, rank}); [] without teams. */
export function teamsOf(s) {
  return Array.isArray(s.room?.teams) ? s.room.teams : [];
}

export function hasTeams(s) {
  return teamsOf(s).length > 0;
}

/** A team's name by its index, or null. */
export function teamName(s, index) {
  if (!Number.isInteger(index)) return null;
  const team = teamsOf(s).find((t) => t.team === index);
  if (team && typeof team.name === "string") return team.name;
  const names = s.room?.settings?.teams;
  return Array.isArray(names) && typeof names[index] === "string" ? names[index] : null;
}

/** This player's team index, or null. */
export function myTeam(s) {
  const me = findPlayer(s, myId(s));
  if (me && Number.isInteger(me.team)) return me.team;
  return Number.isInteger(s.me.team) ? s.me.team : null;
}

/** Standings after each question (the default), or only between rounds (`leaderboard: "round"`). */
export function boardEachQuestion(s) {
  return settingOf(s, "leaderboard", "question") !== "round";
}

/** Teams' standings, best first (a copy sorted by rank, then team). */
export function teamStandings(teams) {
  if (!Array.isArray(teams)) return [];
  return teams
    .filter((t) => t && Number.isInteger(t.team))
    .slice()
    .sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.team - b.team);
}

/**
 * Whether question `index` ends its round (a quiz with rounds): the room
 * then shows the round's standings before moving on.
 */
export function roundEndsAt(s, index) {
  const r = s.round;
  if (!r) return false;
  const total = s.room?.total_questions;
  if (Number.isFinite(total) && total > 0 && index + 1 >= total) return true;
  return Number.isInteger(r.first) && Number.isFinite(r.questions) && index + 1 >= r.first + r.questions;
}

/** The extra-time factor the host gave a player (1: none). Known to the host only. */
export function extraTimeOf(s, playerId) {
  const factor = s.extraTime?.[playerId];
  return Number.isFinite(factor) && factor > 0 ? factor : 1;
}

function resetGame(s) {
  s.generating = null;
  s.countdown = null;
  s.question = null;
  s.answer = { questionIndex: null, index: null, status: "none" };
  s.progress = null;
  s.result = null;
  s.myResult = null;
  s.me = { score: 0, streak: 0, rank: null, team: null, teamRank: null };
  s.final = null;
  s.round = null;
  s.roundStart = null;
  s.roundOver = null;
  s.finalTeams = null;
}

function setPhase(s, phase) {
  s.phase = phase;
  if (s.room) s.room.phase = phase;
}

/** Apply an authoritative room state. `joinedNow`: a fresh (not resumed) join. */
function applyRoom(s, room, receivedAt, { joinedNow = false } = {}) {
  if (!room || typeof room !== "object") return;
  const previousPhase = s.phase;
  s.room = {
    ...room,
    settings: room.settings && typeof room.settings === "object" ? room.settings : {},
    players: normalisePlayers(room.players),
  };
  indexPlayers(s.room);
  const phase = PHASES.includes(room.phase) ? room.phase : "lobby";
  setPhase(s, phase);

  const me = findPlayer(s, myId(s));
  if (me) s.me.score = me.score;

  if (isObject(room.extra_time)) s.extraTime = { ...room.extra_time };
  if (isObject(room.round) && Number.isInteger(room.round.round)) {
    const same = s.round && s.round.round === room.round.round;
    s.round = { round: room.round.round, title: room.round.title ?? null, questions: room.round.questions ?? null, first: same ? s.round.first : null };
  }
  if (phase !== "countdown") s.roundStart = null;
  if (phase !== "reveal") s.roundOver = null;

  if (phase === "lobby") {
    if (previousPhase !== "lobby") resetGame(s);
    if (s.session) s.session.watch_question = null;
    s.me.score = me ? me.score : 0;
    return;
  }
  if (phase === "generating" && !s.generating) {
    s.generating = { topic: room.topic, num_questions: room.total_questions, source: null };
  }
  if (phase === "countdown") {
    // After a resync the room state says when the first question opens.
    const endsMs = Number(room.countdown_ends_ms);
    const nowMs = Number(room.server_time_ms);
    if (Number.isFinite(endsMs) && Number.isFinite(nowMs)) {
      s.countdown = { seconds: Math.max(0, (endsMs - nowMs) / 1000), receivedAt };
    }
    // Before the first question of a game with rounds: the first round's title.
    if (!s.roundStart && room.question_index < 0 && s.round) s.roundStart = { round: s.round.round, title: s.round.title, questions: s.round.questions };
  }
  if (phase === "question" && room.question && typeof room.question === "object") {
    const q = room.question;
    syncServerTime(q.server_time_ms, receivedAt);
    if (!s.question || s.question.question_index !== q.question_index) {
      s.progress = null;
      s.result = null;
      s.myResult = null;
    }
    s.question = q;
    if (joinedNow && s.session) s.session.watch_question = q.question_index;
    const yours = room.your_answer;
    if (yours !== null && yours !== undefined) {
      s.answer = { questionIndex: q.question_index, index: yours, status: "locked" };
    } else if (!(s.answer.questionIndex === q.question_index && s.answer.status === "sending")) {
      s.answer = { questionIndex: q.question_index, index: null, status: "none" };
    }
  }
  if (phase === "reveal" || phase === "finished") {
    syncServerTime(room.server_time_ms, receivedAt);
    const idx = room.question_index;
    if (s.result && s.result.question_index !== idx) {
      s.result = null;
      s.myResult = null;
    }
    // The server adds the last question_result to the room state in these
    // phases: a page that (re)joins during a reveal shows it in full.
    const last = room.last_result;
    const q = s.question;
    if (q && q.restored && last && Number.isFinite(last.next_at_ms)) {
      // A question restored from an earlier page must have closed when this result did.
      const closedAt = last.next_at_ms - 1000 * Number(room.settings?.reveal_seconds || 0);
      if (closedAt < q.server_time_ms - 1000 || closedAt > q.deadline_ms + 1000) s.question = null;
    }
    if (!s.result && last && typeof last === "object" && last.question_index === idx && last.type !== "round_over") {
      s.result = { ...last, resynced: true };
      s.resultAt = receivedAt;
      applyScores(s, last.leaderboard);
    }
    // A round's standings are the room's last word until it moves on.
    if (phase === "reveal" && last && typeof last === "object" && last.type === "round_over") {
      if (!s.roundOver || s.roundOver.round !== last.round) s.roundOverAt = receivedAt;
      s.roundOver = last;
      applyScores(s, last.leaderboard);
    }
    if (!s.result) s.resultAt = receivedAt;
  }
  if (phase === "finished" && Array.isArray(room.leaderboard)) {
    s.final = room.leaderboard;
    applyScores(s, room.leaderboard);
  }
  if (phase === "finished" && Array.isArray(room.teams) && room.teams.length) s.finalTeams = teamStandings(room.teams);
}

/** A team gained or lost a member (join, leave) between two room states. */
function countTeam(s, team, delta) {
  const entry = teamsOf(s).find((t) => t.team === team);
  if (entry && Number.isFinite(entry.players)) entry.players = Math.max(0, entry.players + delta);
}

function upsertPlayer(s, player, connected) {
  if (!s.room || !player || typeof player.id !== "string") return;
  const existing = findPlayer(s, player.id);
  const team = teamIndex(player.team);
  if (existing) {
    existing.connected = connected;
    if (typeof player.name === "string") existing.name = player.name;
    if (team !== null) existing.team = team;
  } else {
    const p = { id: player.id, name: String(player.name ?? "?"), score: 0, connected, team };
    s.room.players.push(p);
    s.room.byId.set(p.id, p);
    if (Number.isFinite(s.room.player_count)) s.room.player_count += 1;
    if (team !== null) countTeam(s, team, 1);
  }
}

function applyScores(s, leaderboard) {
  if (!s.room || !Array.isArray(leaderboard)) return;
  for (const entry of leaderboard) {
    const p = findPlayer(s, entry.player_id);
    if (p && Number.isFinite(entry.score)) p.score = entry.score;
    if (entry.player_id === myId(s)) {
      if (Number.isFinite(entry.score)) s.me.score = entry.score;
      if (Number.isFinite(entry.rank)) s.me.rank = entry.rank;
    }
  }
}

/** Fold one server message into the state. Returns true if it changed anything visible. */
export function applyMessage(s, m, receivedAt = Date.now()) {
  const inRoom = s.room !== null;
  switch (m.type) {
    case "room_created":
    case "room_joined": {
      const sameSeat = s.session && s.session.player_id === m.player_id && s.session.room_id === m.room_id;
      s.session = {
        room_id: String(m.room_id),
        player_id: String(m.player_id),
        token: String(m.token || s.session?.token || ""),
        watch_question: sameSeat ? s.session.watch_question ?? null : null,
      };
      s.inviteCode = "";
      s.notice = null;
      s.joining = null;
      if (!m.resumed) resetGame(s);
      // Who has extra time: in the state sent to the host alone (none listed: none).
      s.extraTime = isObject(m.room?.extra_time) ? { ...m.room.extra_time } : {};
      applyRoom(s, m.room, receivedAt, { joinedNow: m.type === "room_joined" && !m.resumed });
      if (s.room && !s.room.host_id && m.is_host) s.room.host_id = m.player_id;
      return true;
    }
    case "room_state":
      if (!s.session) return false;
      applyRoom(s, m.room, receivedAt);
      return true;
    default:
      break;
  }
  if (!inRoom) return false; // room events after leaving: ignore

  switch (m.type) {
    case "player_joined":
      upsertPlayer(s, m.player, true);
      return true;
    case "player_reconnected":
      upsertPlayer(s, m.player, true);
      return true;
    case "player_disconnected":
      upsertPlayer(s, m.player, false);
      return true;
    case "player_left":
      if (m.player && typeof m.player.id === "string") {
        const p = s.room.byId.get(m.player.id);
        if (p) {
          s.room.players.splice(s.room.players.indexOf(p), 1);
          s.room.byId.delete(p.id);
        }
        const team = teamIndex(m.player.team) ?? p?.team ?? null;
        if (team !== null) countTeam(s, team, -1);
        if (Number.isFinite(s.room.player_count)) s.room.player_count = Math.max(0, s.room.player_count - 1);
        if (s.extraTime && Object.hasOwn(s.extraTime, m.player.id)) delete s.extraTime[m.player.id];
      }
      return true;
    case "room_size":
      if (Number.isFinite(m.players)) s.room.player_count = m.players;
      if (Number.isFinite(m.connected)) s.room.connected_count = m.connected;
      return true;
    case "questions_draft":
      s.draft = { questions: Array.isArray(m.questions) ? m.questions : [], topic: m.topic, source: m.source, at: receivedAt };
      return true;
    case "results":
      s.results = m;
      return true;
    case "host_changed":
      if (typeof m.host_id === "string") s.room.host_id = m.host_id;
      return true;
    case "generating_questions":
      resetGame(s);
      setPhase(s, "generating");
      s.generating = { topic: m.topic ?? s.room.topic, num_questions: m.num_questions, source: null };
      if (Number.isFinite(m.num_questions)) s.room.total_questions = m.num_questions;
      return true;
    case "questions_generated":
      s.generating = { ...(s.generating || { topic: s.room.topic }), num_questions: m.num_questions, source: m.source ?? null };
      if (Number.isFinite(m.num_questions)) s.room.total_questions = m.num_questions;
      return true;
    case "countdown":
      setPhase(s, "countdown");
      s.countdown = { seconds: Number(m.seconds) || 0, receivedAt };
      return true;
    case "round_start":
      if (!Number.isInteger(m.round)) return false;
      s.roundStart = { round: m.round, title: typeof m.title === "string" ? m.title : null, questions: Number.isFinite(m.questions) ? m.questions : null };
      s.round = { ...s.roundStart, first: Math.max(0, (Number.isInteger(s.room.question_index) ? s.room.question_index : -1) + 1) };
      s.roundOver = null;
      return true;
    case "round_over":
      if (!Number.isInteger(m.round)) return false;
      setPhase(s, "reveal");
      s.roundOver = m;
      s.roundOverAt = receivedAt;
      applyScores(s, m.leaderboard);
      return true;
    case "extra_time":
      if (typeof m.player_id !== "string" || !Number.isFinite(m.factor)) return false;
      s.extraTime = { ...s.extraTime };
      if (m.factor === 1) delete s.extraTime[m.player_id];
      else s.extraTime[m.player_id] = m.factor;
      return true;
    case "question": {
      syncServerTime(m.server_time_ms, receivedAt);
      setPhase(s, "question");
      s.question = m;
      s.questionAt = receivedAt;
      s.roundStart = null;
      s.roundOver = null;
      if (Number.isInteger(m.round) && (!s.round || s.round.round !== m.round)) {
        s.round = { round: m.round, title: null, questions: null, first: m.question_index };
      }
      s.room.question_index = m.question_index;
      if (Number.isFinite(m.total_questions)) s.room.total_questions = m.total_questions;
      const keep = s.answer.questionIndex === m.question_index && s.answer.status !== "none";
      if (!keep) s.answer = { questionIndex: m.question_index, index: null, status: "none" };
      if (!s.progress || s.progress.question_index !== m.question_index) s.progress = null;
      s.result = null;
      s.myResult = null;
      if (s.session && Number.isInteger(s.session.watch_question) && s.session.watch_question !== m.question_index) {
        s.session.watch_question = null;
      }
      return true;
    }
    case "answer_received":
      if (s.answer.questionIndex === m.question_index && s.answer.index !== null) {
        s.answer.status = "locked";
      }
      return true;
    case "answer_progress":
      s.progress = { question_index: m.question_index, answered: m.answered, total: m.total };
      return true;
    case "question_result":
      setPhase(s, "reveal");
      s.roundOver = null;
      s.result = m;
      s.resultAt = receivedAt;
      s.room.question_index = m.question_index;
      if (s.myResult && s.myResult.question_index !== m.question_index) s.myResult = null;
      applyScores(s, m.leaderboard);
      return true;
    case "your_result":
      s.myResult = m;
      if (Number.isFinite(m.score)) {
        s.me.score = m.score;
        const p = findPlayer(s, myId(s));
        if (p) p.score = m.score;
      }
      if (Number.isFinite(m.streak)) s.me.streak = m.streak;
      if (Number.isFinite(m.rank)) s.me.rank = m.rank;
      if (Number.isInteger(m.team)) s.me.team = m.team;
      if (Number.isFinite(m.team_rank)) s.me.teamRank = m.team_rank;
      return true;
    case "game_over":
      setPhase(s, "finished");
      s.final = Array.isArray(m.leaderboard) ? m.leaderboard : null;
      s.finalCount = Number.isFinite(m.player_count) ? m.player_count : null;
      s.finalTeams = Array.isArray(m.teams) && m.teams.length ? teamStandings(m.teams) : null;
      s.roundOver = null;
      applyScores(s, m.leaderboard);
      return true;
    default:
      return false; // unknown types are ignored
  }
}

/** Back to the home screen, with no room. */
export function leaveRoomState(s, notice = null) {
  Object.assign(s, emptyRoom());
  s.session = null;
  s.notice = notice;
}

// ------------------------------------------------------------ local actions
//
// What the page itself changes (not the server): one named action each,
// {type: "local/<name>", ...fields}. applyAction returns true when the state
// changed (the store then re-renders); unknown types change nothing.

export const LOCAL = Object.freeze({
  CONNECTION: "local/connection", // {status: {state, detail}} from the connection
  DISPLAY_SEAT: "local/display_seat", // a second screen's seatless session (room_id from `display`)
  WATCH_FAILED: "local/watch_failed", // {notice}: the second screen's room is gone
  LEAVE_ROOM: "local/leave_room", // {notice?, inviteCode?}: back home, no room, no seat
  RECONNECT_HERE: "local/reconnect_here", // {session}: take the seat back ("Play here instead")
  DISMISS_NOTICE: "local/dismiss_notice",
  ANSWER_SENDING: "local/answer_sending", // {questionIndex, answer}
  ANSWER_FAILED: "local/answer_failed", // {questionIndex, code}: the server refused the answer
  JOINING: "local/joining", // {joining}: a join sent, waiting to try again, given up; null: none
  OPEN_EDITOR: "local/open_editor", // {showErrors?, serverError?}: the host's own quiz
  REVIEW_DRAFT: "local/review_draft", // {at}: the editor on the draft just received
  CLOSE_EDITOR: "local/close_editor", // {preferMyQuiz?}
  DRAFT_PENDING: "local/draft_pending", // {pending}: generate_questions sent / answered
  DRAFT_USED: "local/draft_used", // the reviewed draft was sent: close the editor
  DISPLAY_LINK: "local/display_link", // {url}: the second-screen link
});

/** Fold one local action into the state. Returns true if it changed anything. */
export function applyAction(s, action) {
  switch (action?.type) {
    case LOCAL.CONNECTION:
      s.connection = action.status;
      return true;
    case LOCAL.DISPLAY_SEAT:
      if (!s.display || s.session) return false;
      s.session = { room_id: s.display.room_id, player_id: null, token: null, watch_question: null };
      return true;
    case LOCAL.WATCH_FAILED:
      s.room = null;
      s.notice = action.notice ?? null;
      return true;
    case LOCAL.LEAVE_ROOM:
      leaveRoomState(s, action.notice ?? null);
      if (typeof action.inviteCode === "string") s.inviteCode = action.inviteCode;
      return true;
    case LOCAL.RECONNECT_HERE:
      s.notice = null;
      s.session = action.session ?? null;
      return true;
    case LOCAL.DISMISS_NOTICE:
      s.notice = null;
      return true;
    case LOCAL.ANSWER_SENDING:
      s.answer = { questionIndex: action.questionIndex, index: action.answer, status: "sending" };
      return true;
    case LOCAL.ANSWER_FAILED:
      if (s.answer.questionIndex !== action.questionIndex) return false; // a later question by now
      if (action.code === "already_answered") s.answer.status = "locked";
      else s.answer = { questionIndex: action.questionIndex, index: null, status: "none" };
      return true;
    case LOCAL.JOINING:
      s.joining = action.joining ?? null;
      return true;
    case LOCAL.OPEN_EDITOR:
      s.editor = { mode: "mine", showErrors: Boolean(action.showErrors), serverError: action.serverError ?? null, mediaMissing: Boolean(action.mediaMissing) };
      return true;
    case LOCAL.REVIEW_DRAFT:
      if (!s.draft) return false;
      s.editor = { mode: "draft", questions: s.draft.questions, at: action.at };
      return true;
    case LOCAL.CLOSE_EDITOR:
      s.editor = null;
      if (action.preferMyQuiz) s.preferMyQuiz = true;
      return true;
    case LOCAL.DRAFT_PENDING:
      s.draftPending = Boolean(action.pending);
      return true;
    case LOCAL.DRAFT_USED:
      s.editor = null;
      s.draftUsed = true;
      return true;
    case LOCAL.DISPLAY_LINK:
      s.displayUrl = action.url;
      return true;
    default:
      return false; // unknown actions change nothing
  }
}
