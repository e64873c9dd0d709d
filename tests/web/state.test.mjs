// web/state.js: the reducer of server messages, the local actions, the
// selectors and the store.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { web } from "./web.mjs";

const {
  LOCAL, PHASES, applyAction, applyMessage, boardEachQuestion, createStore, extraTimeOf, findPlayer, hasTeams,
  initialState, isHost, isPresenter, isWatchingQuestion, leaderboardFromPlayers, leaveRoomState, myId, myTeam,
  playerCount, roundEndsAt, settingOf, teamName, teamStandings, teamsOf,
} = await web("state.js");
const { serverOffsetMs } = await web("clock.js");

const T0 = 1_795_385_341_000; // the server's clock in these messages

function room(over = {}) {
  return {
    room_id: "ZEBNG",
    phase: "lobby",
    host_id: "pA",
    topic: "space",
    settings: { topic: "space", num_questions: 2, time_per_question: 20, difficulty: "medium", reveal_seconds: 5 },
    players: [
      { id: "pA", name: "Alice", score: 0, connected: true },
      { id: "pB", name: "Bob", score: 0, connected: true },
    ],
    question_index: -1,
    total_questions: 2,
    server_time_ms: T0,
    ...over,
  };
}

function question(index = 0, over = {}) {
  return {
    type: "question",
    question_index: index,
    total_questions: 2,
    question: `Question ${index}?`,
    options: ["Saturn", "Jupiter", "Neptune", "Uranus"],
    time_limit_ms: 20_000,
    deadline_ms: T0 + 20_000 * (index + 1),
    server_time_ms: T0 + 20_000 * index,
    ...over,
  };
}

function result(index = 0, over = {}) {
  return {
    type: "question_result",
    question_index: index,
    correct_answer: 2,
    answer_counts: [0, 0, 1, 1],
    leaderboard: [
      { player_id: "pA", name: "Alice", score: 955, rank: 1 },
      { player_id: "pB", name: "Bob", score: 0, rank: 2 },
    ],
    next_at_ms: T0 + 20_000 * (index + 1) + 5_000,
    ...over,
  };
}

/** Alice, the host, in the lobby of ZEBNG. */
function asHost() {
  const s = initialState();
  applyMessage(s, { type: "room_created", room_id: "ZEBNG", player_id: "pA", is_host: true, token: "tA", room: room() }, 1000);
  return s;
}

/** Bob, a player, in the lobby of ZEBNG. */
function asPlayer(roomOver = {}) {
  const s = initialState();
  applyMessage(s, { type: "room_joined", room_id: "ZEBNG", player_id: "pB", is_host: false, token: "tB", room: room(roomOver) }, 1000);
  return s;
}

/** Bob with question `index` open. */
function inQuestion(index = 0) {
  const s = asPlayer();
  applyMessage(s, question(index), 2000);
  return s;
}

describe("initialState", () => {
  test("starts at home, connecting, with nothing open", () => {
    const s = initialState({ inviteCode: "ABCDE" });
    assert.equal(s.phase, "home");
    assert.equal(s.room, null);
    assert.equal(s.session, null);
    assert.equal(s.inviteCode, "ABCDE");
    assert.equal(s.display, null);
    assert.equal(s.editor, null);
    assert.deepEqual(s.connection, { state: "reconnecting", detail: "conn.connecting" });
    assert.deepEqual(s.answer, { questionIndex: null, index: null, status: "none" });
    assert.deepEqual(PHASES, ["lobby", "generating", "countdown", "question", "reveal", "finished"]);
  });

  test("a second screen starts with its display and no seat", () => {
    const s = initialState({ display: { room_id: "ZEBNG", key: "k" } });
    assert.deepEqual(s.display, { room_id: "ZEBNG", key: "k" });
    assert.equal(s.session, null);
    assert.equal(isPresenter(s), true);
  });

  test("the question this tab saw last comes back with its answer, for the same room only", () => {
    const session = { room_id: "ZEBNG", player_id: "pB", token: "tB", watch_question: null };
    const lastQuestion = { room_id: "ZEBNG", question: question(1), answer: 3 };
    const s = initialState({ session, lastQuestion });
    assert.equal(s.question.question_index, 1);
    assert.equal(s.question.restored, true);
    assert.deepEqual(s.answer, { questionIndex: 1, index: 3, status: "locked" });

    const other = initialState({ session, lastQuestion: { ...lastQuestion, room_id: "OTHER" } });
    assert.equal(other.question, null);
    const unanswered = initialState({ session, lastQuestion: { ...lastQuestion, answer: null } });
    assert.equal(unanswered.answer.status, "none");
  });
});

describe("applyMessage: entering a room", () => {
  test("room_created seats the host and takes the room", () => {
    const s = initialState({ inviteCode: "OLD" });
    s.notice = { tone: "error", text: "The room was closed." };
    const changed = applyMessage(s, { type: "room_created", room_id: "ZEBNG", player_id: "pA", is_host: true, token: "tA", room: room() }, 1000);
    assert.equal(changed, true);
    assert.deepEqual(s.session, { room_id: "ZEBNG", player_id: "pA", token: "tA", watch_question: null });
    assert.equal(s.inviteCode, "");
    assert.equal(s.notice, null);
    assert.equal(s.phase, "lobby");
    assert.equal(s.room.room_id, "ZEBNG");
    assert.equal(findPlayer(s, "pB").name, "Bob");
    assert.equal(myId(s), "pA");
    assert.equal(isHost(s), true);
    assert.equal(playerCount(s), 2);
  });

  test("is_host names the host when the room does not", () => {
    const s = initialState();
    applyMessage(s, { type: "room_created", room_id: "ZEBNG", player_id: "pA", is_host: true, token: "t", room: room({ host_id: undefined }) });
    assert.equal(s.room.host_id, "pA");
  });

  test("players are cleaned up: no id, no entry; odd names and scores get defaults", () => {
    const s = asPlayer({ players: [{ id: "pA", name: 7, score: "x" }, { name: "ghost" }, null, { id: "pB", name: "Bob", score: 3, connected: false }] });
    assert.deepEqual(s.room.players, [
      { id: "pA", name: "?", score: 0, connected: true, team: null },
      { id: "pB", name: "Bob", score: 3, connected: false, team: null },
    ]);
    assert.equal(s.me.score, 3);
  });

  test("an unknown phase counts as the lobby", () => {
    const s = asPlayer({ phase: "intermission" });
    assert.equal(s.phase, "lobby");
    assert.equal(s.room.phase, "lobby");
  });

  test("joining during a question: this player watches it and plays from the next", () => {
    const s = asPlayer({ phase: "question", question_index: 0, question: question(0), your_answer: null });
    assert.equal(s.phase, "question");
    assert.equal(s.question.question_index, 0);
    assert.equal(s.session.watch_question, 0);
    assert.equal(isWatchingQuestion(s), true);
    applyMessage(s, question(1));
    assert.equal(s.session.watch_question, null);
    assert.equal(isWatchingQuestion(s), false);
  });

  test("a resumed seat (rejoin) keeps the game and the token it had", () => {
    const s = inQuestion(0);
    applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 0, answer: 2 });
    applyMessage(s, { type: "room_joined", room_id: "ZEBNG", player_id: "pB", resumed: true, room: room({ phase: "question", question_index: 0, question: question(0), your_answer: 2 }) });
    assert.equal(s.session.token, "tB");
    assert.equal(s.session.watch_question, null); // not a fresh join
    assert.deepEqual(s.answer, { questionIndex: 0, index: 2, status: "locked" });
  });

  test("a fresh join resets the last game's state", () => {
    const s = inQuestion(0);
    applyMessage(s, result(0));
    applyMessage(s, { type: "room_joined", room_id: "OTHER", player_id: "pZ", token: "tZ", room: room({ room_id: "OTHER", host_id: "pX", players: [] }) });
    assert.equal(s.result, null);
    assert.equal(s.question, null);
    assert.deepEqual(s.me, { score: 0, streak: 0, rank: null, team: null, teamRank: null });
    assert.equal(s.session.room_id, "OTHER");
  });
});

describe("applyMessage: room_state resyncs", () => {
  test("is ignored without a seat", () => {
    const s = initialState();
    assert.equal(applyMessage(s, { type: "room_state", room: room() }), false);
    assert.equal(s.room, null);
  });

  test("replaces what we knew of the room", () => {
    const s = asPlayer();
    applyMessage(s, { type: "room_state", room: room({ topic: "history", players: [{ id: "pB", name: "Bob", score: 10, connected: true }] }) });
    assert.equal(s.room.topic, "history");
    assert.equal(findPlayer(s, "pA"), null);
    assert.equal(s.me.score, 10);
  });

  test("generating: the topic and count from the room", () => {
    const s = asPlayer();
    applyMessage(s, { type: "room_state", room: room({ phase: "generating", topic: "rivers", total_questions: 7 }) });
    assert.equal(s.phase, "generating");
    assert.deepEqual(s.generating, { topic: "rivers", num_questions: 7, source: null });
  });

  test("countdown: the time left from the server's clock", () => {
    const s = asPlayer();
    applyMessage(s, { type: "room_state", room: room({ phase: "countdown", countdown_ends_ms: T0 + 2500, server_time_ms: T0 }) }, 777);
    assert.equal(s.phase, "countdown");
    assert.deepEqual(s.countdown, { seconds: 2.5, receivedAt: 777 });
  });

  test("question: the open question, the clock synced, your answer locked", () => {
    const s = asPlayer();
    applyMessage(s, { type: "room_state", room: room({ phase: "question", question_index: 1, question: question(1), your_answer: 3 }) }, 5000);
    assert.equal(s.question.question_index, 1);
    assert.deepEqual(s.answer, { questionIndex: 1, index: 3, status: "locked" });
    assert.equal(serverOffsetMs(), question(1).server_time_ms - 5000);
    assert.equal(s.session.watch_question, null); // a resync is not a join
  });

  test("question: an answer still being sent stays sending; a new question clears the old one's progress", () => {
    const s = inQuestion(0);
    applyMessage(s, { type: "answer_progress", question_index: 0, answered: 1, total: 2 });
    applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 0, answer: 1 });
    applyMessage(s, { type: "room_state", room: room({ phase: "question", question_index: 0, question: question(0), your_answer: null }) });
    assert.deepEqual(s.answer, { questionIndex: 0, index: 1, status: "sending" });
    assert.notEqual(s.progress, null);
    applyMessage(s, { type: "room_state", room: room({ phase: "question", question_index: 1, question: question(1), your_answer: null }) });
    assert.deepEqual(s.answer, { questionIndex: 1, index: null, status: "none" });
    assert.equal(s.progress, null);
  });

  test("reveal: the last result in full, scores from its leaderboard", () => {
    const s = asPlayer();
    const changed = applyMessage(s, { type: "room_state", room: room({ phase: "reveal", question_index: 0, last_result: result(0) }) }, 9000);
    assert.equal(changed, true);
    assert.equal(s.phase, "reveal");
    assert.equal(s.result.resynced, true);
    assert.equal(s.result.correct_answer, 2);
    assert.equal(s.resultAt, 9000);
    assert.equal(findPlayer(s, "pA").score, 955);
    assert.equal(s.me.rank, 2);
  });

  test("reveal: a result of another question is dropped", () => {
    const s = inQuestion(0);
    applyMessage(s, result(0));
    applyMessage(s, { type: "room_state", room: room({ phase: "reveal", question_index: 1 }) });
    assert.equal(s.result, null);
  });

  test("reveal: a question restored from an earlier page stays only if it closed with this result", () => {
    const session = { room_id: "ZEBNG", player_id: "pB", token: "tB", watch_question: null };
    const revealing = (q) => {
      const s = initialState({ session, lastQuestion: { room_id: "ZEBNG", question: q, answer: null } });
      applyMessage(s, { type: "room_state", room: room({ phase: "reveal", question_index: 0, last_result: result(0, { next_at_ms: q.deadline_ms + 5000 }) }) });
      return s;
    };
    assert.equal(revealing(question(0)).question?.question_index, 0);
    // The same index, but from an earlier game: it closed long before.
    const stale = question(0, { server_time_ms: T0 + 600_000, deadline_ms: T0 + 620_000 });
    const s = initialState({ session, lastQuestion: { room_id: "ZEBNG", question: stale, answer: null } });
    applyMessage(s, { type: "room_state", room: room({ phase: "reveal", question_index: 0, last_result: result(0) }) });
    assert.equal(s.question, null);
  });

  test("finished: the final leaderboard", () => {
    const s = asPlayer();
    const board = result(0).leaderboard;
    applyMessage(s, { type: "room_state", room: room({ phase: "finished", question_index: 1, leaderboard: board }) });
    assert.equal(s.phase, "finished");
    assert.deepEqual(s.final, board);
    assert.equal(s.me.rank, 2);
  });

  test("back in the lobby after a game: the game is forgotten", () => {
    const s = inQuestion(1);
    applyMessage(s, result(1));
    applyMessage(s, { type: "game_over", leaderboard: result(1).leaderboard });
    applyMessage(s, { type: "room_state", room: room() });
    assert.equal(s.phase, "lobby");
    assert.equal(s.question, null);
    assert.equal(s.result, null);
    assert.equal(s.final, null);
    assert.equal(s.me.score, 0);
    assert.deepEqual(s.answer, { questionIndex: null, index: null, status: "none" });
  });
});

describe("applyMessage: players", () => {
  test("player_joined adds a player (and counts them in a large room)", () => {
    const s = asHost();
    s.room.player_count = 2;
    assert.equal(applyMessage(s, { type: "player_joined", player: { id: "pC", name: "Cleo" } }), true);
    assert.deepEqual(findPlayer(s, "pC"), { id: "pC", name: "Cleo", score: 0, connected: true, team: null });
    assert.equal(s.room.players.length, 3);
    assert.equal(playerCount(s), 3);
  });

  test("player_joined for a known player updates the name and marks them connected", () => {
    const s = asHost();
    applyMessage(s, { type: "player_disconnected", player: { id: "pB" } });
    applyMessage(s, { type: "player_joined", player: { id: "pB", name: "Bobby" } });
    assert.deepEqual(findPlayer(s, "pB"), { id: "pB", name: "Bobby", score: 0, connected: true, team: null });
    assert.equal(s.room.players.length, 2);
  });

  test("player_disconnected and player_reconnected flip connected", () => {
    const s = asHost();
    applyMessage(s, { type: "player_disconnected", player: { id: "pB", name: "Bob" } });
    assert.equal(findPlayer(s, "pB").connected, false);
    applyMessage(s, { type: "player_reconnected", player: { id: "pB", name: "Bob" } });
    assert.equal(findPlayer(s, "pB").connected, true);
  });

  test("player_left removes the player; the count never goes below zero", () => {
    const s = asHost();
    s.room.player_count = 0;
    applyMessage(s, { type: "player_left", player: { id: "pB", name: "Bob" }, reason: "kicked" });
    assert.equal(findPlayer(s, "pB"), null);
    assert.deepEqual(s.room.players.map((p) => p.id), ["pA"]);
    assert.equal(s.room.player_count, 0);
  });

  test("a player message without an id changes nobody", () => {
    const s = asHost();
    const before = structuredClone(s.room.players);
    applyMessage(s, { type: "player_joined", player: { name: "Nobody" } });
    applyMessage(s, { type: "player_left", player: {} });
    assert.deepEqual(s.room.players, before);
  });

  test("room_size sets the counts of a large room", () => {
    const s = asHost();
    applyMessage(s, { type: "room_size", players: 10_000, connected: 9_876 });
    assert.equal(playerCount(s), 10_000);
    assert.equal(s.room.connected_count, 9_876);
  });

  test("host_changed moves the host", () => {
    const s = asPlayer();
    assert.equal(isHost(s), false);
    applyMessage(s, { type: "host_changed", host_id: "pB" });
    assert.equal(isHost(s), true);
  });
});

describe("applyMessage: a game", () => {
  test("generating_questions resets the last game and says what is coming", () => {
    const s = inQuestion(0);
    applyMessage(s, { type: "generating_questions", topic: "rivers", num_questions: 4 });
    assert.equal(s.phase, "generating");
    assert.equal(s.room.phase, "generating");
    assert.deepEqual(s.generating, { topic: "rivers", num_questions: 4, source: null });
    assert.equal(s.room.total_questions, 4);
    assert.equal(s.question, null);
  });

  test("questions_generated says where they came from", () => {
    const s = asPlayer();
    applyMessage(s, { type: "generating_questions", topic: "rivers", num_questions: 4 });
    applyMessage(s, { type: "questions_generated", num_questions: 3, source: "fallback" });
    assert.deepEqual(s.generating, { topic: "rivers", num_questions: 3, source: "fallback" });
    assert.equal(s.room.total_questions, 3);
  });

  test("countdown", () => {
    const s = asPlayer();
    applyMessage(s, { type: "countdown", seconds: 3, ends_ms: T0 + 3000 }, 4242);
    assert.equal(s.phase, "countdown");
    assert.deepEqual(s.countdown, { seconds: 3, receivedAt: 4242 });
  });

  test("question opens: phase, question, counters, a clear answer", () => {
    const s = asPlayer();
    applyMessage(s, question(0, { total_questions: 5 }), 3000);
    assert.equal(s.phase, "question");
    assert.equal(s.question.question, "Question 0?");
    assert.equal(s.room.question_index, 0);
    assert.equal(s.room.total_questions, 5);
    assert.deepEqual(s.answer, { questionIndex: 0, index: null, status: "none" });
    assert.equal(serverOffsetMs(), question(0).server_time_ms - 3000);
  });

  test("answer_progress, kept when the same question comes again", () => {
    const s = inQuestion(0);
    applyMessage(s, { type: "answer_progress", question_index: 0, answered: 1, total: 2 });
    assert.deepEqual(s.progress, { question_index: 0, answered: 1, total: 2 });
    applyMessage(s, question(0));
    assert.deepEqual(s.progress, { question_index: 0, answered: 1, total: 2 });
    applyMessage(s, question(1));
    assert.equal(s.progress, null);
  });

  test("question_result: the reveal, with the scores", () => {
    const s = inQuestion(0);
    applyMessage(s, result(0), 8000);
    assert.equal(s.phase, "reveal");
    assert.equal(s.result.correct_answer, 2);
    assert.equal(s.resultAt, 8000);
    assert.equal(findPlayer(s, "pA").score, 955);
    assert.deepEqual([s.me.score, s.me.rank], [0, 2]);
  });

  test("your_result: this player's points, streak and rank", () => {
    const s = inQuestion(0);
    applyMessage(s, result(0));
    applyMessage(s, { type: "your_result", question_index: 0, answered: true, correct: true, points: 955, score: 1955, rank: 1, streak: 2 });
    assert.equal(s.myResult.points, 955);
    assert.deepEqual(s.me, { score: 1955, streak: 2, rank: 1, team: null, teamRank: null });
    assert.equal(findPlayer(s, "pB").score, 1955);
  });

  test("a result of another question drops your_result of the one before", () => {
    const s = inQuestion(0);
    applyMessage(s, result(0));
    applyMessage(s, { type: "your_result", question_index: 0, score: 5 });
    applyMessage(s, result(1));
    assert.equal(s.myResult, null);
  });

  test("a new question clears the last result", () => {
    const s = inQuestion(0);
    applyMessage(s, result(0));
    applyMessage(s, { type: "your_result", question_index: 0, score: 5 });
    applyMessage(s, question(1));
    assert.equal(s.result, null);
    assert.equal(s.myResult, null);
  });

  test("game_over: the final leaderboard and how many played", () => {
    const s = inQuestion(1);
    applyMessage(s, { type: "game_over", leaderboard: result(1).leaderboard, player_count: 2 });
    assert.equal(s.phase, "finished");
    assert.equal(s.final.length, 2);
    assert.equal(s.finalCount, 2);
    assert.equal(s.me.rank, 2);
  });

  test("questions_draft and results are kept for the host", () => {
    const s = asHost();
    applyMessage(s, { type: "questions_draft", questions: [{ text: "Q?" }], topic: "space", source: "bank" }, 6000);
    assert.deepEqual(s.draft, { questions: [{ text: "Q?" }], topic: "space", source: "bank", at: 6000 });
    applyMessage(s, { type: "questions_draft", questions: "nonsense" });
    assert.deepEqual(s.draft.questions, []);
    const results = { type: "results", room_id: "ZEBNG", questions: [], players: [] };
    applyMessage(s, results);
    assert.equal(s.results, results);
  });
});

describe("the answer, from click to lock", () => {
  test("sending, then locked by answer_received", () => {
    const s = inQuestion(0);
    assert.equal(applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 0, answer: 2 }), true);
    assert.deepEqual(s.answer, { questionIndex: 0, index: 2, status: "sending" });
    applyMessage(s, { type: "answer_received", question_index: 0 });
    assert.deepEqual(s.answer, { questionIndex: 0, index: 2, status: "locked" });
  });

  test("answer_received of another question locks nothing", () => {
    const s = inQuestion(1);
    applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 1, answer: 0 });
    applyMessage(s, { type: "answer_received", question_index: 0 });
    assert.equal(s.answer.status, "sending");
  });

  test("the question again (a resend) keeps the answer being sent", () => {
    const s = inQuestion(0);
    applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 0, answer: [0, 2] });
    applyMessage(s, question(0));
    assert.deepEqual(s.answer, { questionIndex: 0, index: [0, 2], status: "sending" });
  });

  test("refused as already answered: locked", () => {
    const s = inQuestion(0);
    applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 0, answer: "Jupiter" });
    assert.equal(applyAction(s, { type: LOCAL.ANSWER_FAILED, questionIndex: 0, code: "already_answered" }), true);
    assert.deepEqual(s.answer, { questionIndex: 0, index: "Jupiter", status: "locked" });
  });

  test("refused otherwise: free to answer again", () => {
    const s = inQuestion(0);
    applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 0, answer: 1 });
    applyAction(s, { type: LOCAL.ANSWER_FAILED, questionIndex: 0, code: "stale_question" });
    assert.deepEqual(s.answer, { questionIndex: 0, index: null, status: "none" });
  });

  test("a refusal that comes after the next question changes nothing", () => {
    const s = inQuestion(0);
    applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 0, answer: 1 });
    applyMessage(s, question(1));
    assert.equal(applyAction(s, { type: LOCAL.ANSWER_FAILED, questionIndex: 0, code: null }), false);
    assert.deepEqual(s.answer, { questionIndex: 1, index: null, status: "none" });
  });
});

describe("leaving, and what is ignored", () => {
  test("room messages before entering a room are ignored", () => {
    const s = initialState();
    const before = structuredClone(s);
    for (const m of [question(0), result(0), { type: "player_joined", player: { id: "x" } }, { type: "game_over", leaderboard: [] }]) {
      assert.equal(applyMessage(s, m), false, m.type);
    }
    assert.deepEqual(s, before);
  });

  test("unknown message types (and local action names from the server) change nothing", () => {
    const s = inQuestion(0);
    const before = structuredClone(s);
    for (const type of ["pong", "server_restarting", "ack", "error", "local/leave_room", "__proto__", undefined]) {
      assert.equal(applyMessage(s, { type, room: room({ phase: "finished" }) }), false, String(type));
    }
    assert.deepEqual(s, before);
  });

  test("leaveRoomState: home, no room, no seat; the connection and the display stay", () => {
    const s = inQuestion(0);
    s.display = null;
    s.connection = { state: "connected", detail: "Connected" };
    leaveRoomState(s, { tone: "error", text: "The room was closed." });
    assert.equal(s.phase, "home");
    assert.equal(s.room, null);
    assert.equal(s.session, null);
    assert.equal(s.question, null);
    assert.deepEqual(s.notice, { tone: "error", text: "The room was closed." });
    assert.deepEqual(s.connection, { state: "connected", detail: "Connected" });
  });

  test("room events after leaving are ignored", () => {
    const s = inQuestion(0);
    leaveRoomState(s);
    assert.equal(applyMessage(s, result(0)), false);
    assert.equal(applyMessage(s, { type: "player_joined", player: { id: "pC", name: "Cleo" } }), false);
    assert.equal(s.phase, "home");
    assert.equal(s.result, null);
  });
});

describe("local actions", () => {
  test("connection: the status line", () => {
    const s = initialState();
    assert.equal(applyAction(s, { type: LOCAL.CONNECTION, status: { state: "connected", detail: "Connected" } }), true);
    assert.deepEqual(s.connection, { state: "connected", detail: "Connected" });
  });

  test("joining: a join waiting to try again, until the room takes it", () => {
    const s = initialState({ inviteCode: "ZEBNG" });
    assert.equal(s.joining, null);
    const waiting = { status: "waiting", busy: true, retryAt: 5000 };
    assert.equal(applyAction(s, { type: LOCAL.JOINING, joining: waiting }), true);
    assert.deepEqual(s.joining, waiting);
    applyMessage(s, { type: "room_joined", room_id: "ZEBNG", player_id: "pB", token: "tB", room: room() });
    assert.equal(s.joining, null);
    assert.equal(s.phase, "lobby");
    applyAction(s, { type: LOCAL.JOINING, joining: { status: "gave_up", busy: true, retryAt: null } });
    assert.equal(applyAction(s, { type: LOCAL.JOINING, joining: null }), true);
    assert.equal(s.joining, null);
  });

  test("display_seat: a second screen gets a seatless session once; a player page gets none", () => {
    const s = initialState({ display: { room_id: "ZEBNG", key: "k" } });
    assert.equal(applyAction(s, { type: LOCAL.DISPLAY_SEAT }), true);
    assert.deepEqual(s.session, { room_id: "ZEBNG", player_id: null, token: null, watch_question: null });
    assert.equal(applyAction(s, { type: LOCAL.DISPLAY_SEAT }), false);
    const player = initialState();
    assert.equal(applyAction(player, { type: LOCAL.DISPLAY_SEAT }), false);
    assert.equal(player.session, null);
  });

  test("a second screen follows the room through room_state once it has its session", () => {
    const s = initialState({ display: { room_id: "ZEBNG", key: "k" } });
    applyAction(s, { type: LOCAL.DISPLAY_SEAT });
    assert.equal(applyMessage(s, { type: "room_state", room: room({ host_plays: false }) }), true);
    assert.equal(s.phase, "lobby");
    assert.equal(isPresenter(s), true);
    assert.equal(isHost(s), false);
  });

  test("watch_failed: the second screen's room is gone", () => {
    const s = initialState({ display: { room_id: "ZEBNG", key: "k" } });
    applyAction(s, { type: LOCAL.DISPLAY_SEAT });
    applyMessage(s, { type: "room_state", room: room() });
    const notice = { tone: "error", text: "lost" };
    assert.equal(applyAction(s, { type: LOCAL.WATCH_FAILED, notice }), true);
    assert.equal(s.room, null);
    assert.deepEqual(s.notice, notice);
  });

  test("leave_room: home with a notice, and the join form filled when asked", () => {
    const s = inQuestion(0);
    const notice = { tone: "error", text: "Your seat has expired." };
    assert.equal(applyAction(s, { type: LOCAL.LEAVE_ROOM, notice, inviteCode: "ZEBNG" }), true);
    assert.equal(s.room, null);
    assert.equal(s.session, null);
    assert.equal(s.phase, "home");
    assert.deepEqual(s.notice, notice);
    assert.equal(s.inviteCode, "ZEBNG");
  });

  test("leave_room without an invite code leaves the join form as it was", () => {
    const s = inQuestion(0);
    s.inviteCode = "KEEP";
    applyAction(s, { type: LOCAL.LEAVE_ROOM });
    assert.equal(s.inviteCode, "KEEP");
    assert.equal(s.notice, null);
  });

  test("reconnect_here: the saved seat back, the notice gone", () => {
    const s = inQuestion(0);
    applyAction(s, { type: LOCAL.LEAVE_ROOM, notice: { tone: "info", text: "elsewhere", action: "reconnect" } });
    const seat = { room_id: "ZEBNG", player_id: "pB", token: "tB", watch_question: null };
    assert.equal(applyAction(s, { type: LOCAL.RECONNECT_HERE, session: seat }), true);
    assert.deepEqual(s.session, seat);
    assert.equal(s.notice, null);
  });

  test("dismiss_notice", () => {
    const s = initialState();
    s.notice = { tone: "info", text: "hello" };
    assert.equal(applyAction(s, { type: LOCAL.DISMISS_NOTICE }), true);
    assert.equal(s.notice, null);
  });

  test("open_editor: the host's own quiz, with or without its errors shown", () => {
    const s = initialState();
    applyAction(s, { type: LOCAL.OPEN_EDITOR });
    assert.deepEqual(s.editor, { mode: "mine", showErrors: false, serverError: null, mediaMissing: false });
    applyAction(s, { type: LOCAL.OPEN_EDITOR, showErrors: false, serverError: "questions[0].options[1]: repeats another option" });
    assert.deepEqual(s.editor, { mode: "mine", showErrors: false, serverError: "questions[0].options[1]: repeats another option", mediaMissing: false });
    // Pictures the server lost, and this browser could not put back: the editor says so.
    applyAction(s, { type: LOCAL.OPEN_EDITOR, mediaMissing: true });
    assert.equal(s.editor.mediaMissing, true);
    applyAction(s, { type: LOCAL.OPEN_EDITOR, showErrors: true });
    assert.equal(s.editor.showErrors, true);
  });

  test("review_draft: the editor on the draft just received, only when there is one", () => {
    const s = asHost();
    assert.equal(applyAction(s, { type: LOCAL.REVIEW_DRAFT, at: 1 }), false);
    assert.equal(s.editor, null);
    applyMessage(s, { type: "questions_draft", questions: [{ text: "Q?" }], topic: "space" }, 5);
    assert.equal(applyAction(s, { type: LOCAL.REVIEW_DRAFT, at: 5 }), true);
    assert.deepEqual(s.editor, { mode: "draft", questions: [{ text: "Q?" }], at: 5 });
  });

  test("close_editor, and whether the create form then prefers the host's quiz", () => {
    const s = initialState();
    applyAction(s, { type: LOCAL.OPEN_EDITOR });
    applyAction(s, { type: LOCAL.CLOSE_EDITOR });
    assert.equal(s.editor, null);
    assert.equal(s.preferMyQuiz, false);
    applyAction(s, { type: LOCAL.OPEN_EDITOR });
    applyAction(s, { type: LOCAL.CLOSE_EDITOR, preferMyQuiz: true });
    assert.equal(s.editor, null);
    assert.equal(s.preferMyQuiz, true);
  });

  test("draft_pending and draft_used", () => {
    const s = asHost();
    applyAction(s, { type: LOCAL.DRAFT_PENDING, pending: true });
    assert.equal(s.draftPending, true);
    applyAction(s, { type: LOCAL.DRAFT_PENDING, pending: false });
    assert.equal(s.draftPending, false);
    applyMessage(s, { type: "questions_draft", questions: [] });
    applyAction(s, { type: LOCAL.REVIEW_DRAFT, at: 1 });
    assert.equal(applyAction(s, { type: LOCAL.DRAFT_USED }), true);
    assert.equal(s.editor, null);
    assert.equal(s.draftUsed, true);
  });

  test("display_link", () => {
    const s = asHost();
    applyAction(s, { type: LOCAL.DISPLAY_LINK, url: "http://quiz.test/?watch=ZEBNG&key=k" });
    assert.equal(s.displayUrl, "http://quiz.test/?watch=ZEBNG&key=k");
  });

  test("unknown actions, and server messages given as actions, change nothing", () => {
    const s = inQuestion(0);
    const before = structuredClone(s);
    for (const action of [{ type: "local/nothing" }, question(1), { type: "room_state", room: room() }, {}, null]) {
      assert.equal(applyAction(s, action), false);
    }
    assert.deepEqual(s, before);
  });

  test("every named action is handled", () => {
    for (const type of Object.values(LOCAL)) {
      // A host with a draft in; a second screen not yet following for display_seat.
      const s = type === LOCAL.DISPLAY_SEAT ? initialState({ display: { room_id: "ZEBNG", key: "k" } }) : asHost();
      applyMessage(s, { type: "questions_draft", questions: [] });
      assert.equal(applyAction(s, { type, questionIndex: s.answer.questionIndex, session: null }), true, type);
    }
  });
});

describe("the store", () => {
  test("dispatch: a change reaches the listeners with the action's type", () => {
    const store = createStore(initialState());
    const heard = [];
    store.subscribe((state, reason) => heard.push([state, reason]));
    assert.equal(store.dispatch({ type: LOCAL.DISMISS_NOTICE }), true);
    assert.deepEqual(heard, [[store.state, LOCAL.DISMISS_NOTICE]]);
  });

  test("dispatch: no change, no render; quiet leaves it to emit", () => {
    const store = createStore(initialState());
    const heard = [];
    store.subscribe((_, reason) => heard.push(reason));
    assert.equal(store.dispatch({ type: LOCAL.REVIEW_DRAFT, at: 1 }), false);
    assert.equal(store.dispatch({ type: LOCAL.OPEN_EDITOR }, { quiet: true }), true);
    assert.deepEqual(heard, []);
    assert.equal(store.state.editor.mode, "mine");
    store.emit("editor");
    assert.deepEqual(heard, ["editor"]);
  });

  test("receive folds a server message in without rendering; the caller emits", () => {
    const store = createStore(initialState());
    const heard = [];
    store.subscribe((_, reason) => heard.push(reason));
    assert.equal(store.receive({ type: "room_created", room_id: "ZEBNG", player_id: "pA", token: "t", room: room() }, 1), true);
    assert.equal(store.receive({ type: "nonsense" }), false);
    assert.deepEqual(heard, []);
    assert.equal(store.state.phase, "lobby");
  });

  test("unsubscribe", () => {
    const store = createStore(initialState());
    let calls = 0;
    const off = store.subscribe(() => {
      calls += 1;
    });
    store.emit("x");
    off();
    store.emit("y");
    assert.equal(calls, 1);
  });
});

describe("selectors", () => {
  test("myId and isHost without a seat", () => {
    const s = initialState();
    assert.equal(myId(s), null);
    assert.equal(isHost(s), false);
    assert.equal(playerCount(s), 0);
  });

  test("isPresenter: a host who does not play; not a host who plays", () => {
    const presenting = initialState();
    applyMessage(presenting, { type: "room_created", room_id: "ZEBNG", player_id: "pA", token: "t", room: room({ host_plays: false }) });
    assert.equal(isPresenter(presenting), true);
    assert.equal(isPresenter(asHost()), false);
    const player = asPlayer({ host_plays: false });
    assert.equal(isPresenter(player), false);
  });

  test("settingOf: the room's setting, or the fallback when absent or null", () => {
    const s = asPlayer({ settings: { reveal_seconds: 0, difficulty: null } });
    assert.equal(settingOf(s, "reveal_seconds", 5), 0);
    assert.equal(settingOf(s, "difficulty", "medium"), "medium");
    assert.equal(settingOf(initialState(), "reveal_seconds", 5), 5);
  });

  test("leaderboardFromPlayers: by score, equal scores share a rank", () => {
    const board = leaderboardFromPlayers([
      { id: "a", name: "A", score: 5 },
      { id: "b", name: "B", score: 9 },
      { id: "c", name: "C", score: 5 },
      { id: "d", name: "D" },
    ]);
    assert.deepEqual(board.map((e) => [e.player_id, e.score, e.rank]), [["b", 9, 1], ["a", 5, 2], ["c", 5, 2], ["d", 0, 4]]);
  });
});


// ---------------------------------------------------------------- protocol 1.2

const TEAMS = [
  { team: 0, name: "Owls", players: 1, score: 0, rank: 1 },
  { team: 1, name: "Foxes", players: 1, score: 0, rank: 1 },
];

/** A team room: Alice (Owls) and Bob (Foxes); `as` is who this page is. */
function teamRoom(as = "pB", over = {}) {
  const s = initialState();
  const players = [
    { id: "pA", name: "Alice", score: 0, connected: true, team: 0 },
    { id: "pB", name: "Bob", score: 0, connected: true, team: 1 },
  ];
  const type = as === "pA" ? "room_created" : "room_joined";
  applyMessage(s, { type, room_id: "ZEBNG", player_id: as, is_host: as === "pA", token: "t", room: room({ players, teams: TEAMS.map((t) => ({ ...t })), settings: { ...room().settings, teams: ["Owls", "Foxes"] }, ...over }) }, 1000);
  return s;
}

describe("applyMessage: teams", () => {
  test("the room's teams and each player's team; a player's own team", () => {
    const s = teamRoom();
    assert.equal(hasTeams(s), true);
    assert.deepEqual(teamsOf(s).map((t) => t.name), ["Owls", "Foxes"]);
    assert.equal(findPlayer(s, "pA").team, 0);
    assert.equal(myTeam(s), 1);
    assert.equal(teamName(s, 1), "Foxes");
    assert.equal(teamName(s, 7), null);
    assert.equal(hasTeams(asPlayer()), false);
    assert.equal(myTeam(asPlayer()), null);
  });

  test("a player joining or leaving counts in their team until the next room state", () => {
    const s = teamRoom("pA");
    applyMessage(s, { type: "player_joined", player: { id: "pC", name: "Cleo", team: 1 } });
    assert.equal(findPlayer(s, "pC").team, 1);
    assert.equal(teamsOf(s)[1].players, 2);
    applyMessage(s, { type: "player_left", player: { id: "pC", name: "Cleo", team: 1 }, reason: "left" });
    assert.equal(teamsOf(s)[1].players, 1);
    // A room state (after move_player) says where everyone is now.
    applyMessage(s, { type: "room_state", room: room({ players: [{ id: "pA", name: "Alice", score: 0, team: 1 }, { id: "pB", name: "Bob", score: 0, team: 1 }], teams: [{ ...TEAMS[0], players: 0 }, { ...TEAMS[1], players: 2 }] }) });
    assert.equal(findPlayer(s, "pA").team, 1);
    assert.equal(teamsOf(s)[0].players, 0);
  });

  test("your_result: your team and its rank; question_result and game_over: the standings", () => {
    const s = teamRoom();
    applyMessage(s, question(0));
    const teams = [{ team: 1, name: "Foxes", players: 1, score: 900, rank: 1 }, { team: 0, name: "Owls", players: 1, score: 0, rank: 2 }];
    applyMessage(s, result(0, { teams }));
    assert.deepEqual(s.result.teams, teams);
    applyMessage(s, { type: "your_result", question_index: 0, answered: true, correct: true, points: 900, score: 900, rank: 1, streak: 1, team: 1, team_rank: 1 });
    assert.equal(s.me.team, 1);
    assert.equal(s.me.teamRank, 1);
    applyMessage(s, { type: "game_over", leaderboard: result(0).leaderboard, teams: [teams[1], teams[0]] });
    assert.deepEqual(s.finalTeams.map((t) => t.team), [1, 0]); // best first, whatever the order sent
    assert.equal(s.phase, "finished");
  });

  test("teamStandings: best first, ties by team; junk dropped", () => {
    assert.deepEqual(teamStandings([{ team: 2, rank: 2 }, null, { team: 0, rank: 1 }, { team: 1, rank: 1 }, { rank: 1 }]).map((t) => t.team), [0, 1, 2]);
    assert.deepEqual(teamStandings(undefined), []);
  });

  test("a room in finished phase lists the teams' final standings", () => {
    const s = teamRoom("pB", { phase: "finished", question_index: 0, leaderboard: [], teams: [{ ...TEAMS[0], rank: 2 }, { ...TEAMS[1], rank: 1 }] });
    assert.deepEqual(s.finalTeams.map((t) => t.name), ["Foxes", "Owls"]);
  });
});

describe("applyMessage: rounds", () => {
  test("round_start: the title card, then its countdown, then its question", () => {
    const s = asPlayer();
    applyMessage(s, { type: "questions_generated", num_questions: 3, source: "host" });
    assert.equal(applyMessage(s, { type: "round_start", round: 0, title: "Warm-up", questions: 2 }), true);
    assert.deepEqual(s.roundStart, { round: 0, title: "Warm-up", questions: 2 });
    assert.deepEqual(s.round, { round: 0, title: "Warm-up", questions: 2, first: 0 });
    applyMessage(s, { type: "countdown", seconds: 3 }, 1500);
    assert.equal(s.phase, "countdown");
    assert.deepEqual(s.roundStart, { round: 0, title: "Warm-up", questions: 2 }); // still on screen
    applyMessage(s, question(0, { round: 0 }));
    assert.equal(s.roundStart, null);
    assert.equal(roundEndsAt(s, 0), false);
    assert.equal(roundEndsAt(s, 1), true);
  });

  test("an untitled first round; a round_start without a number is ignored", () => {
    const s = asPlayer();
    applyMessage(s, { type: "round_start", round: 0, title: null, questions: 1 });
    assert.equal(s.roundStart.title, null);
    assert.equal(applyMessage(s, { type: "round_start", title: "x" }), false);
  });

  test("round_over: the round's standings, in the reveal, until the next round starts", () => {
    const s = inQuestion(1);
    applyMessage(s, result(1));
    const over = { type: "round_over", round: 0, title: "Warm-up", leaderboard: [{ player_id: "pB", name: "Bob", score: 1200, rank: 1 }], teams: TEAMS, next_at_ms: T0 + 99_000 };
    assert.equal(applyMessage(s, over, 5000), true);
    assert.equal(s.phase, "reveal");
    assert.equal(s.roundOver, over);
    assert.equal(s.roundOverAt, 5000);
    assert.equal(s.me.score, 1200);
    assert.equal(s.me.rank, 1);
    applyMessage(s, { type: "round_start", round: 1, title: "Space", questions: 1 });
    assert.equal(s.roundOver, null);
    assert.equal(s.round.first, 2); // the question after the last one played
    assert.equal(applyMessage(s, { type: "round_over", title: "x" }), false);
  });

  test("a page that comes back during a round's standings shows them", () => {
    const over = { type: "round_over", round: 0, title: "Warm-up", leaderboard: [], teams: [] };
    const s = asPlayer({ phase: "reveal", question_index: 1, last_result: over, round: { round: 0, title: "Warm-up", questions: 2 } });
    assert.equal(s.roundOver, over);
    assert.equal(s.result, null); // a round's standings are not a question's result
    assert.deepEqual(s.round, { round: 0, title: "Warm-up", questions: 2, first: null });
  });

  test("a page that comes back during the first countdown shows the first round's title", () => {
    const s = asPlayer({ phase: "countdown", question_index: -1, countdown_ends_ms: T0 + 2000, round: { round: 0, title: "Warm-up", questions: 2 } });
    assert.deepEqual(s.roundStart, { round: 0, title: "Warm-up", questions: 2 });
    // Between rounds the room state cannot say which round comes: no card rather than a wrong one.
    const later = asPlayer({ phase: "countdown", question_index: 1, countdown_ends_ms: T0 + 2000, round: { round: 0, title: "Warm-up", questions: 2 } });
    assert.equal(later.roundStart, null);
  });

  test("leaderboard: round keeps the standings for the end of a round", () => {
    assert.equal(boardEachQuestion(asPlayer()), true);
    assert.equal(boardEachQuestion(asPlayer({ settings: { ...room().settings, leaderboard: "round" } })), false);
    const s = inQuestion(0);
    applyMessage(s, result(0, { leaderboard: undefined }));
    assert.equal(s.phase, "reveal");
    assert.equal(s.result.leaderboard, undefined);
  });

  test("a question names its round: a page that missed round_start still knows where it starts", () => {
    const s = asPlayer();
    applyMessage(s, question(1, { round: 1 }));
    assert.deepEqual(s.round, { round: 1, title: null, questions: null, first: 1 });
    assert.equal(roundEndsAt(asPlayer(), 0), false); // no rounds: never
  });
});

describe("applyMessage: slider and order", () => {
  test("a slider result has a histogram and the right value; an order one the right order", () => {
    const s = inQuestion(0);
    applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 0, answer: 1975 });
    applyMessage(s, { type: "answer_received", question_index: 0 });
    assert.deepEqual(s.answer, { questionIndex: 0, index: 1975, status: "locked" });
    const slider = { type: "question_result", question_index: 0, kind: "slider", histogram: [{ from: 1950, to: 1952, count: 1 }], correct_value: 1969, leaderboard: [] };
    applyMessage(s, slider);
    assert.equal(s.result, slider);
    applyMessage(s, question(1, { kind: "order", options: ["b", "a"] }));
    applyAction(s, { type: LOCAL.ANSWER_SENDING, questionIndex: 1, answer: [1, 0] });
    assert.deepEqual(s.answer.index, [1, 0]);
    applyMessage(s, { type: "question_result", question_index: 1, kind: "order", correct_order: [1, 0], answer_counts: [1, 0] });
    assert.deepEqual(s.result.correct_order, [1, 0]);
  });

  test("a slider answer partly right: your_result's points count, correct stays false", () => {
    const s = inQuestion(0);
    applyMessage(s, { type: "your_result", question_index: 0, kind: "slider", answered: true, correct: false, points: 450, score: 450, rank: 1, streak: 0 });
    assert.equal(s.me.score, 450);
    assert.equal(s.myResult.correct, false);
  });
});

describe("applyMessage: extra time (the host's eyes only)", () => {
  test("the host's room state lists it; each extra_time message changes it", () => {
    const s = initialState();
    applyMessage(s, { type: "room_created", room_id: "ZEBNG", player_id: "pA", is_host: true, token: "t", room: room({ extra_time: { pB: 1.5 } }) });
    assert.equal(extraTimeOf(s, "pB"), 1.5);
    assert.equal(extraTimeOf(s, "pA"), 1);
    assert.equal(applyMessage(s, { type: "extra_time", player_id: "pB", factor: 2 }), true);
    assert.equal(extraTimeOf(s, "pB"), 2);
    applyMessage(s, { type: "extra_time", player_id: "pB", factor: 1 });
    assert.equal(extraTimeOf(s, "pB"), 1);
    assert.deepEqual(s.extraTime, {});
    assert.equal(applyMessage(s, { type: "extra_time", player_id: "pB" }), false);
  });

  test("a broadcast room state (without it) keeps what the host knew", () => {
    const s = initialState();
    applyMessage(s, { type: "room_created", room_id: "ZEBNG", player_id: "pA", is_host: true, token: "t", room: room() });
    applyMessage(s, { type: "extra_time", player_id: "pB", factor: 2 });
    applyMessage(s, { type: "room_state", room: room({ locked: true }) });
    assert.equal(extraTimeOf(s, "pB"), 2);
    // A rejoin's room state is the host's own: it says all there is.
    applyMessage(s, { type: "room_joined", room_id: "ZEBNG", player_id: "pA", is_host: true, token: "t", resumed: true, room: room() });
    assert.deepEqual(s.extraTime, {});
  });

  test("a player who leaves takes their extra time along", () => {
    const s = initialState();
    applyMessage(s, { type: "room_created", room_id: "ZEBNG", player_id: "pA", is_host: true, token: "t", room: room({ extra_time: { pB: 2 } }) });
    applyMessage(s, { type: "player_left", player: { id: "pB", name: "Bob" }, reason: "kicked" });
    assert.equal(extraTimeOf(s, "pB"), 1);
  });

  test("a player's own longer question: its own time limit and deadline", () => {
    const s = asPlayer();
    applyMessage(s, question(0, { time_limit_ms: 40_000, deadline_ms: T0 + 40_000 }));
    assert.equal(s.question.time_limit_ms, 40_000);
    assert.equal(s.question.deadline_ms, T0 + 40_000);
    assert.deepEqual(s.extraTime, {}); // a player never knows who has more time
  });
});

describe("applyMessage: the room's media", () => {
  test("the room state's media list is kept for the prefetch; questions carry their media", () => {
    const id = "a".repeat(64);
    const s = asPlayer({ media: [id] });
    assert.deepEqual(s.room.media, [id]);
    applyMessage(s, question(0, { image: id, image_alt: "A cat", option_images: [id, null, null, null] }), 4321);
    assert.equal(s.question.image, id);
    assert.equal(s.questionAt, 4321);
  });
});
