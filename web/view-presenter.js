// The presenter's screen (a projector or TV: 1920×1080 or 1280×720, never
// scrolls) and the display-only second screen (same pictures, no controls).
//
// Lobby: the code and a large QR code with the names that joined (by team
// in a team game; the host moves players, and gives extra time, in the
// "Players" panel). Question: the question and its options large (its
// picture large, its sound with a play button, option pictures), the
// timer, "N of M answered". Reveal: the distribution (a slider's
// histogram, an order's right order) and the explanation, then the top 10
// and the teams (unless the room keeps standings for the rounds' ends). A
// round: its title card during the countdown, its standings at its end.
// The end: a podium built 3rd, 2nd, 1st (the teams' in a team game), and a
// per-question summary.
// Keys (host): space or → moves on (start, leaderboard, next question).

import { h, hData, setText, setAttr, toggleClass, syncList } from "./dom.js";
import { crown } from "./crown.js";
import { podiumScore } from "./view-final.js";
import { announce } from "./announce.js";
import { remainingMs } from "./clock.js";
import { capitalise, formatNumber, hueOf, initialOf, ordinal } from "./format.js";
import { locale, raw, t, tNodes } from "./i18n.js";
import { createLeaderboard } from "./leaderboard.js";
import { optionLetter, shapeIcon } from "./options.js";
import { qrCodeSvg } from "./qr.js";
import { buildResultRows, tieNodes } from "./result-rows.js";
import { questionSummary } from "./results.js";
import { boardEachQuestion, hasTeams, isHost, leaderboardFromPlayers, playerCount, roundEndsAt, settingOf, teamStandings, teamsOf } from "./state.js";
import { isUntimed, optionImages, questionKind } from "./view-question.js";
import { roundTitle } from "./view-reveal.js";
import { markShown, picture, soundControl } from "./play-media.js";
import { formatValue } from "./slider-input.js";
import { createPlayerList } from "./players.js";
import { createTeamBoard, teamBadge, teamHue, teamPodium } from "./teams.js";
import { inviteLink } from "./invite.js";
import { confirmButton } from "./confirm-button.js";

const LATEST_NAMES = 48; // the lobby shows the count and the latest names

function btn(label, testid, onclick, cls = "btn-secondary", keys = null) {
  return h("button", { type: "button", class: ["btn", cls], testid, onclick, "aria-keyshortcuts": keys }, label);
}

export function presenterView(ctx) {
  const display = Boolean(ctx.store.state.display);
  const stage = h("div", { class: "stage", testid: "stage" });
  const controls = h("div", { class: "present-controls", testid: "present-controls", role: "toolbar", "aria-label": t("bar.host_controls") });
  const el = h("section", { class: ["screen", "screen-present", display && "is-display"], testid: "presenter", "aria-label": display ? t("pres.display_label") : t("pres.label") },
    stage, display ? null : controls);

  let key = "";
  let part = null; // the current stage's {update, destroy}
  let step = "reveal"; // reveal -> board, within the reveal phase
  let stepFor = null;
  let autoTimer = 0;

  function stageKey(s) {
    switch (s.phase) {
      case "question": return `question:${s.question?.question_index}`;
      case "reveal": return s.roundOver ? `round:${s.roundOver.round}` : `${step}:${s.room.question_index}`;
      case "countdown": return s.roundStart ? `countdown:${s.roundStart.round}` : "countdown";
      default: return s.phase;
    }
  }

  /** Whether this result has standings to show (not with `leaderboard: "round"`). */
  function hasBoard(s) {
    const result = s.result && s.result.question_index === s.room.question_index ? s.result : null;
    return boardEachQuestion(s) && !(result && !Array.isArray(result.leaderboard));
  }

  function next() {
    const s = ctx.store.state;
    if (display || !isHost(s)) return;
    if (s.phase === "lobby") ctx.actions.startGame().catch(() => {});
    else if (s.phase === "reveal" && !s.roundOver && step === "reveal" && hasBoard(s)) {
      step = "board";
      render(s);
    } else if (s.phase === "reveal") ctx.actions.next().catch(() => {});
  }

  function render(s) {
    if (s.phase === "reveal" && stepFor !== s.room.question_index) {
      stepFor = s.room.question_index;
      step = "reveal";
      clearTimeout(autoTimer);
      // With the room moving on by itself, show the board for the second half.
      const seconds = Number(settingOf(s, "reveal_seconds", 5));
      if (seconds > 0 && hasBoard(s)) {
        autoTimer = setTimeout(() => {
          step = "board";
          render(ctx.store.state);
        }, (seconds * 1000) / 2);
      }
    }
    const k = stageKey(s);
    if (k !== key) {
      key = k;
      part?.destroy?.();
      part = makeStage(k.split(":")[0], ctx, { next, display });
      stage.replaceChildren(part.el);
      setAttr(el, "data-stage", k.split(":")[0]);
    }
    part.update(s);
    if (!display) {
      renderControls(s);
      renderManage(s);
    }
  }

  let controlsKey = "";
  function renderControls(s) {
    const host = isHost(s);
    const locked = Boolean(s.room.locked);
    const showText = settingOf(s, "show_question_text", true) !== false;
    const board = s.phase === "reveal" ? hasBoard(s) : null;
    const k = `${host}|${s.phase}|${step}|${locked}|${s.room.total_questions}|${s.room.question_index}|${showText}|${locale()}|${board}|${s.roundOver?.round}|${Boolean(s.round)}`;
    if (k === controlsKey) return;
    controlsKey = k;
    if (!host) {
      controls.replaceChildren();
      return;
    }
    const a = ctx.actions;
    const isLast = s.room.total_questions && s.room.question_index + 1 >= s.room.total_questions;
    const items = [];
    if (s.phase === "lobby") {
      items.push(btn(t("lobby.start"), "start-button", () => a.startGame().catch(() => {}), "btn-primary btn-large", "Space"));
      items.push(btn(locked ? t("lobby.unlock") : t("lobby.lock"), "lock-button", () => a.setLocked(!locked)));
      const phones = btn(showText ? t("pres.phones_shown") : t("pres.phones_answers"), "phones-text-button",
        () => a.updateSettings({ show_question_text: !showText }));
      setAttr(phones, "aria-pressed", showText ? "true" : "false");
      items.push(phones);
      items.push(...a.lobbyExtras());
    } else if (s.phase === "question") {
      items.push(btn(t("pres.skip"), "skip-button", () => a.closeQuestion(), "btn-primary btn-large"));
    } else if (s.phase === "reveal") {
      const onward = s.roundOver ? (isLast ? t("reveal.show_final") : t("round.next"))
        : roundEndsAt(s, s.room.question_index) ? t("reveal.round_standings")
          : isLast ? t("reveal.show_final") : t("reveal.next");
      items.push(step === "reveal" && !s.roundOver && board
        ? btn(t("pres.show_board"), "next-button", () => next(), "btn-primary btn-large", "Space ArrowRight")
        : btn(onward, "next-button", () => next(), "btn-primary btn-large", "Space ArrowRight"));
      items.push(btn(t("final.results_csv"), "results-csv", () => a.downloadResults("csv")));
    } else if (s.phase === "finished") {
      items.push(btn(t("final.play_again"), "play-again-button", () => a.playAgain().catch(() => {}), "btn-primary btn-large"));
      items.push(btn(t("final.new_questions"), "play-again-new", () => a.playAgainNew()));
      items.push(btn(t("final.results_csv"), "results-csv", () => a.downloadResults("csv")));
      items.push(btn(t("final.results_json"), "results-json", () => a.downloadResults("json")));
    }
    if (["countdown", "question", "reveal", "generating"].includes(s.phase)) {
      items.push(confirmButton({ label: t("pres.end"), confirmLabel: t("pres.end_sure"), testid: "end-game-button", onConfirm: () => a.endGame() }));
    }
    if (s.phase !== "lobby" && s.phase !== "finished") items.push(btn(locked ? t("bar.unlock") : t("bar.lock"), "lock-button", () => a.setLocked(!locked), "btn-ghost"));
    // The players: teams (in the lobby), extra time, remove; for the host's eyes.
    if (s.phase !== "finished") items.push(managePanel.el);
    items.push(btn(t("pres.leave"), "leave-button", () => a.leave(), "btn-ghost"));
    controls.replaceChildren(...items, h("span", { class: "kbd-legend", "aria-hidden": "true" }, t("pres.keys")));
  }

  // The host's players panel: the players' list with each one's tools.
  const managePlayers = createPlayerList(ctx, { live: false });
  const manageSummary = h("summary", { class: "btn btn-ghost" });
  const managePanel = {
    el: h("details", { class: "manage-players", testid: "manage-players" },
      manageSummary,
      h("div", { class: "manage-popover" },
        h("p", { class: "hint" }, t("pres.manage_hint")),
        managePlayers.el)),
  };
  managePanel.el.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && managePanel.el.open) {
      managePanel.el.open = false;
      manageSummary.focus();
    }
  });
  function renderManage(s) {
    if (display || !isHost(s)) return;
    setText(manageSummary, t("pres.manage", { count: playerCount(s) }));
    if (managePanel.el.open) managePlayers.update(s);
  }
  managePanel.el.addEventListener("toggle", () => {
    // The list is there while the panel is open (the stage has the names otherwise).
    if (managePanel.el.open) renderManage(ctx.store.state);
    else managePlayers.el.replaceChildren();
  });

  return {
    el,
    focus() {
      stage.querySelector("h1")?.focus({ preventScroll: true });
    },
    update: render,
    onKey(event) {
      // On the presenter, space and → always move on, whatever has the
      // focus (a clicked button keeps it; Enter still presses that one),
      // but not from inside the players' panel.
      if (event.target instanceof Element && event.target.closest(".manage-popover")) return;
      if (event.key === " " || event.key === "ArrowRight") {
        event.preventDefault();
        next();
      }
    },
    destroy() {
      clearTimeout(autoTimer);
      part?.destroy?.();
    },
  };
}

function makeStage(kind, ctx, opts) {
  switch (kind) {
    case "lobby": return lobbyStage(ctx, opts);
    case "question": return questionStage(ctx, opts);
    case "reveal": return revealStage(ctx);
    case "board": return boardStage(ctx);
    case "round": return boardStage(ctx, { round: true });
    case "finished": return finalStage(ctx, opts);
    default: return waitStage(ctx);
  }
}

// ------------------------------------------------------------------ lobby

function lobbyStage(ctx) {
  const s = ctx.store.state;
  const roomId = s.room.room_id || s.session?.room_id || "";
  const codeEl = hData("p", { class: "present-code", testid: "room-code", dir: "ltr", "aria-label": t("lobby.code_label", { code: Array.from(roomId).join(" ") }) }, roomId);
  const linkEl = h("p", { class: "present-link", testid: "share-link" });
  const qrBox = h("div", { class: "present-qr", testid: "qr" });
  const count = h("p", { class: "present-count", testid: "player-count", "aria-live": "polite" });
  const names = h("ul", { class: "present-names", testid: "player-list", "aria-label": t("pres.latest") });
  // A team game: a box per team, its name, its count and its latest names
  // (in a large room, the count only).
  const teamsBox = h("div", { class: "present-teams", testid: "team-groups", hidden: true });
  const locked = h("p", { class: "tag tag-locked", testid: "locked-badge", hidden: true }, t("pres.locked"));
  const topic = h("h1", { class: "present-topic", tabindex: -1, dir: "auto", translate: "no" });
  const displayLine = h("div", { class: "present-display hint", testid: "display-link", hidden: true });
  const el = h("div", { class: "present-lobby" },
    h("div", { class: "present-join" },
      h("p", { class: "present-eyebrow" }, t("pres.join_phone")),
      linkEl,
      h("p", { class: "present-eyebrow" }, t("lobby.code_title")),
      codeEl,
      qrBox),
    h("div", { class: "present-people" }, topic, count, locked, names, teamsBox, displayLine));
  const teamParts = new Map();
  let teamsKey = "";
  const chip = (p, host) => {
    const av = h("span", { class: "avatar avatar-small", translate: "no", "aria-hidden": "true", text: initialOf(p.name) });
    av.style.setProperty("--hue", String(hueOf(p.id)));
    const li = h("li", { class: "present-name", testid: "player", dataset: { playerId: p.id } }, av, hData("span", { class: "present-name-text" }, p.name));
    if (host) {
      li.appendChild(h("button", { type: "button", class: "kick-x", testid: "kick-button", "aria-label": t("players.remove_label", { name: p.name }), onclick: () => ctx.actions.kick(p.id) }, "×"));
    }
    return li;
  };
  function renderTeams(st, host) {
    const teams = teamsOf(st);
    const large = playerCount(st) > 100;
    const key = `${teams.map((e) => e.team).join("|")}|${large}`;
    if (key !== teamsKey) {
      teamsKey = key;
      teamParts.clear();
      teamsBox.replaceChildren(...teams.map((e) => {
        const title = hData("h2", { class: "present-team-name" });
        const n = h("span", { class: "present-team-count" });
        const list = h("ul", { class: "present-team-names", hidden: large });
        const badge = teamBadge(e.team, e.name);
        const box = h("section", { class: "present-team", testid: "team-group", dataset: { team: e.team } },
          h("div", { class: "present-team-head" }, badge, title, n), list);
        box.style.setProperty("--hue", String(teamHue(e.team)));
        teamParts.set(e.team, { box, title, n, list, badge });
        return box;
      }));
      setAttr(teamsBox, "data-count", teams.length);
    }
    for (const e of teams) {
      const part = teamParts.get(e.team);
      if (!part) continue;
      const members = large ? null : st.room.players.filter((p) => p.team === e.team);
      const count = members ? members.length : e.players ?? 0;
      setText(part.title, e.name);
      setText(part.badge, initialOf(e.name || "?"));
      setText(part.n, t("tm.players", { count }));
      setAttr(part.box, "data-count", count);
      if (members) {
        const latest = members.slice(-Math.max(4, Math.floor(LATEST_NAMES / Math.max(1, teams.length)))).reverse();
        syncList(part.list, latest, (p) => p.id, (p) => chip(p, host), () => {});
      }
    }
  }

  let shownLink = "";
  function renderLink(link) {
    if (link === shownLink) return;
    shownLink = link;
    linkEl.replaceChildren(hData("a", { href: link, target: "_blank", rel: "noopener", dir: "ltr" }, link.replace(/^https?:\/\//, "")));
    let qr = null;
    try {
      // The link as it is (not isolated): a screen reader reads it out.
      qr = qrCodeSvg(link, { label: t("pres.qr_label", { link: raw(link) }) });
    } catch {
      qr = null;
    }
    qrBox.replaceChildren(...(qr ? [qr] : []));
  }
  renderLink(inviteLink(roomId, null));
  inviteLink.lan?.then((lan) => renderLink(inviteLink(roomId, lan)));

  return {
    el,
    update(st) {
      setText(topic, capitalise(st.room.topic || t("topic.default")));
      const n = playerCount(st);
      setText(count, n ? t("pres.joined", { count: n }) : t("pres.waiting_players"));
      setAttr(count, "data-value", n);
      locked.hidden = !st.room.locked;
      if (st.displayUrl && displayLine.hidden) {
        // The secret link stays folded: this screen is the one everybody sees.
        displayLine.hidden = false;
        displayLine.replaceChildren(h("details", null,
          h("summary", null, t("pres.display_link")),
          hData("a", { href: st.displayUrl, target: "_blank", rel: "noopener", dir: "ltr" }, st.displayUrl)));
      }
      const host = isHost(st) && !st.display;
      const teams = hasTeams(st);
      names.hidden = teams;
      teamsBox.hidden = !teams;
      if (teams) {
        renderTeams(st, host);
        return;
      }
      const latest = st.room.players.slice(-LATEST_NAMES).reverse();
      syncList(names, latest, (p) => p.id, (p) => chip(p, host), () => {});
    },
  };
}

// -------------------------------------------------------------- question

function questionStage(ctx, { display }) {
  const s0 = ctx.store.state;
  const q = s0.question;
  const kind = questionKind(q);
  const total = q.total_questions || s0.room.total_questions || 0;
  const untimed = isUntimed(q);
  const limitMs = untimed ? 1 : Number(q.time_limit_ms);
  const seconds = h("p", { class: "present-seconds", testid: "timer-seconds" });
  const fill = h("div", { class: "timer-fill" });
  const timerBar = h("div", { class: "timer-bar", testid: "timer-bar", role: "progressbar", "aria-label": t("q.time_left"), "aria-valuemin": 0, "aria-valuemax": Math.round(limitMs / 1000) }, fill);
  const answered = h("p", { class: "present-answered", testid: "answer-progress" });
  const still = h("p", { class: "present-still", testid: "still-answering", hidden: true }, t("pres.still_answering"));
  const options = Array.isArray(q.options) ? q.options : [];
  const lang = settingOf(s0, "language", null); // the quiz's own words are in the room's language
  const since = s0.questionAt || Date.now();
  const title = hData("h1", { class: "present-question", testid: "question-text", tabindex: -1, lang }, q.question ?? "");
  // The question's picture large, and its sound (played at once where the
  // browser allows it, on the host's screen; a second screen waits for a press).
  const image = picture(q.image, { alt: q.image_alt || "", cls: "present-picture", testid: "question-image", since });
  const sound = soundControl(q.audio, { autoplay: !display });
  const pictures = ["choice", "multi", "poll"].includes(kind) ? optionImages(q) : null;
  let body;
  if (kind === "text") {
    body = h("p", { class: "present-type", text: t("pres.type_on_phone") });
  } else if (kind === "slider") {
    const decimals = Math.max(...[q.min, q.max, q.step].map((v) => (String(v).split(".")[1] || "").length));
    body = h("div", { class: "present-slider", testid: "slider-scale" },
      h("p", { class: "present-slider-scale", "aria-hidden": "true" },
        h("span", null, formatValue(q.min, decimals)), h("span", { class: "present-slider-line" }), h("span", null, formatValue(q.max, decimals))),
      h("p", { class: "present-type" }, t("pres.slider_on_phone", { min: raw(formatValue(q.min, decimals)), max: raw(formatValue(q.max, decimals)) })));
  } else if (kind === "order") {
    body = h("div", { class: "present-order-box" },
      h("ul", { class: ["present-order", `n-${options.length}`], testid: "order-items", "aria-label": t("pres.order_items") },
        options.map((o, i) => h("li", { class: ["present-order-item", `opt-${i % 4}`] }, hData("span", { class: "present-option-text", lang }, String(o))))));
  } else {
    body = h("ol", { class: ["present-options", `n-${options.length}`, pictures && "with-pictures"], "aria-label": t("q.answers") },
      options.map((o, i) => h("li", { class: ["present-option", `opt-${i % 4}`], testid: `option-${i}` },
        h("span", { class: "option-key", "aria-hidden": "true" }, shapeIcon(i), h("span", { class: "option-letter", text: optionLetter(i) })),
        h("span", { class: "visually-hidden", text: t("option.prefix", { letter: raw(optionLetter(i)) }) }),
        pictures ? picture(pictures[i], { alt: String(o), cls: "present-option-picture", testid: "option-image", since }) : null,
        hData("span", { class: "present-option-text", lang, "aria-hidden": pictures && pictures[i] ? "true" : null }, String(o)))));
  }
  const hint = kind === "multi" ? h("p", { class: "present-hint" }, t("pres.multi_hint"))
    : kind === "poll" ? h("p", { class: "present-hint" }, t("q.poll_tag"))
      : kind === "order" ? h("p", { class: "present-hint" }, t("pres.order_hint")) : null;
  const media = image || sound ? h("div", { class: "present-media" }, image, sound?.el) : null;
  const el = h("div", { class: ["present-question-stage", `kind-${kind}`, image && "has-image", pictures && "has-option-pictures"] },
    h("div", { class: "present-qhead" },
      h("p", { class: "present-eyebrow question-counter", testid: "question-counter" }, total ? t("q.counter", { n: q.question_index + 1, total }) : t("q.counter_open", { n: q.question_index + 1 })),
      untimed ? h("p", { class: "chip", testid: "timer-none" }, t("q.no_limit")) : h("div", { class: "present-timer" }, seconds, timerBar),
      h("div", { class: "present-counts" }, answered, still)),
    title,
    hint,
    media ? h("div", { class: "present-body" }, media, body) : body);

  announce(total ? t("pres.announce_question", { n: q.question_index + 1, total, text: q.question ?? "" }) : t("pres.announce_question_open", { n: q.question_index + 1, text: q.question ?? "" }));
  markShown(el, since);
  let raf = 0;
  let online = true;
  const tick = () => {
    raf = 0;
    if (untimed || !online) return;
    const left = remainingMs(q.deadline_ms);
    fill.style.transform = `scaleX(${Math.max(0, Math.min(1, left / limitMs))})`;
    const sec = Math.max(0, Math.ceil(left / 1000));
    setText(seconds, formatNumber(sec));
    setAttr(timerBar, "aria-valuenow", sec);
    toggleClass(seconds, "is-urgent", sec <= 5);
    // Time is up on this screen, and the question still open: someone has
    // more time (extra time), or the last answers are on their way.
    still.hidden = left > 0;
    if (left > 0) raf = requestAnimationFrame(tick);
  };
  return {
    el,
    update(s) {
      online = s.connection.state === "connected";
      const p = s.progress && s.progress.question_index === q.question_index ? s.progress : null;
      // Before the first count, the connected players are who can answer.
      const room = s.room;
      const expected = Number.isFinite(room?.connected_count)
        ? room.connected_count
        : (room?.players || []).filter((pl) => pl.connected).length;
      setText(answered, t("pres.answered", { count: p ? p.answered : 0, total: p ? p.total : expected }));
      setAttr(answered, "data-answered", p ? p.answered : 0);
      setAttr(answered, "data-total", p ? p.total : null);
      if (!raf) raf = requestAnimationFrame(tick);
    },
    destroy() {
      cancelAnimationFrame(raf);
      sound?.destroy();
    },
  };
}

// ---------------------------------------------------------------- reveal

function revealStage(ctx) {
  const s0 = ctx.store.state;
  const qIndex = s0.room.question_index;
  const question = s0.question && s0.question.question_index === qIndex ? s0.question : null;
  const list = h("ol", { class: "reveal-list present-reveal", testid: "reveal", "aria-label": t("reveal.list_label") });
  const extra = h("div", { class: "present-reveal-extra" });
  const lang = settingOf(s0, "language", null);
  const explanation = h("p", { class: "present-explanation", testid: "explanation", hidden: true, dir: "auto", translate: "no", lang });
  const title = question
    ? hData("h1", { class: "present-question small", tabindex: -1, lang }, question.question ?? "")
    : h("h1", { class: "present-question small", tabindex: -1, text: t("pres.the_answer") });
  const total = s0.room.total_questions;
  const el = h("div", { class: "present-reveal-stage" },
    h("p", { class: "present-eyebrow" }, total ? t("pres.reveal_counter", { n: qIndex + 1, total }) : t("pres.reveal_counter_open", { n: qIndex + 1 })),
    title, list, extra, explanation);
  let built = false;
  return {
    el,
    update(s) {
      const result = s.result && s.result.question_index === qIndex ? s.result : null;
      if (!result || built) return;
      built = true;
      const { rows, kind, extra: more } = buildResultRows(result, question, null, lang);
      list.replaceChildren(...rows);
      extra.replaceChildren(...(more ? [more] : []));
      setAttr(list, "data-kind", kind);
      toggleClass(el, `kind-${kind}`, true);
      explanation.hidden = !result.explanation;
      setText(explanation, result.explanation || "");
      requestAnimationFrame(() => list.classList.add("is-shown"));
      announce(t("pres.answer_shown"));
    },
  };
}

/** The standings after a question (the top 10 and the teams), or at the end of a round (`round`). */
function boardStage(ctx, { round = false } = {}) {
  const s0 = ctx.store.state;
  const over = round ? s0.roundOver : null;
  const board = createLeaderboard({ limit: 10, label: t("reveal.top10") });
  const teamBoard = createTeamBoard({ limit: 12 });
  const teamBox = h("section", { class: "present-team-box", "aria-labelledby": "present-teams-title", hidden: true },
    h("h2", { class: "present-eyebrow", id: "present-teams-title" }, t("tm.standings")), teamBoard.el);
  const tie = h("p", { class: "present-tie", testid: "tie-note", hidden: true });
  const lang = settingOf(s0, "language", null);
  const heading = round
    ? h("div", { class: "present-round-head" },
      h("p", { class: "present-eyebrow" }, t("round.over", { n: over.round + 1 })),
      roundTitle(over, "h1", { class: "present-title", tabindex: -1, lang }))
    : h("h1", { class: "present-title", tabindex: -1 }, t("reveal.leaderboard"));
  const grid = h("div", { class: "present-boards" }, h("section", { class: "present-player-box", "aria-label": t("reveal.top10") }, board.el), teamBox);
  const el = h("div", { class: ["present-board-stage", round && "is-round"], testid: round ? "round-over" : null, dataset: { round: over ? over.round : null } },
    heading, grid, tie);
  if (round) announce(t("round.over", { n: over.round + 1 }));
  return {
    el,
    update(s) {
      const qIndex = s.room.question_index;
      const source = round ? (s.roundOver || over) : (s.result && s.result.question_index === qIndex ? s.result : null);
      const entries = source && Array.isArray(source.leaderboard) ? source.leaderboard : leaderboardFromPlayers(s.room.players);
      board.update(entries, null);
      const teams = teamStandings(source?.teams);
      teamBox.hidden = !teams.length;
      toggleClass(grid, "with-teams", teams.length > 0);
      if (teams.length) teamBoard.update(teams, null);
      const nodes = tieNodes(entries.slice(0, 10));
      const key = nodes.map((n) => n.textContent).join("");
      tie.hidden = !nodes.length;
      if (tie.dataset.key !== key) {
        tie.dataset.key = key;
        tie.replaceChildren(...nodes);
      }
    },
  };
}

// ----------------------------------------------------------------- final

function finalStage(ctx, { display }) {
  const podium = h("ol", { class: "present-podium", testid: "podium", "aria-label": t("final.podium") });
  const summary = h("ol", { class: "present-summary", testid: "question-summary", "aria-label": t("pres.how_it_went") });
  // The host's screen has the results (per question); a second screen shows the top 10.
  const board = createLeaderboard({ limit: 10, label: t("reveal.top10") });
  const boxTitle = h("h2", { class: "present-eyebrow" }, t("reveal.top10"));
  // A team game: the teams' podium, and the best player under it.
  const podiumBox = h("div", { class: "present-podium-box" }, podium);
  const best = h("p", { class: "present-best", testid: "best-player", hidden: true });
  const el = h("div", { class: "present-final-stage" },
    h("h1", { class: "present-title", tabindex: -1 }, t("final.title")),
    h("div", { class: "present-final-grid" }, podiumBox, h("section", { class: "present-summary-box", "aria-label": t("pres.more_results") }, boxTitle, summary, board.el)));
  let podiumKey = "";
  let asked = false;
  return {
    el,
    update(s) {
      const entries = Array.isArray(s.final) && s.final.length ? s.final : leaderboardFromPlayers(s.room.players);
      const teams = Array.isArray(s.finalTeams) ? s.finalTeams : [];
      const top = entries.slice(0, 3);
      const k = teams.length ? `teams|${teams.slice(0, 3).map((e) => `${e.team}:${e.score}:${e.rank}`).join("|")}|${top[0]?.player_id}|${locale()}` : top.map((e) => `${e.player_id}:${e.score}`).join("|");
      if (k !== podiumKey && teams.length) {
        podiumKey = k;
        podiumBox.replaceChildren(teamPodium(teams, { cls: "present-podium" }), best);
        const first = top[0];
        best.hidden = !first;
        if (first) best.replaceChildren(...tNodes("pres.best_player", { name: String(first.name), count: first.score }));
      } else if (k !== podiumKey) {
        podiumKey = k;
        if (podiumBox.firstChild !== podium) podiumBox.replaceChildren(podium);
        podium.replaceChildren(...top.map((e, i) => {
          const av = h("span", { class: "avatar avatar-large", translate: "no", "aria-hidden": "true", text: initialOf(e.name) });
          av.style.setProperty("--hue", String(hueOf(e.player_id)));
          const rank = Number.isFinite(e.rank) ? e.rank : i + 1;
          return h("li", { class: ["podium-place", `place-${i + 1}`], testid: "podium-place", dataset: { rank, playerId: e.player_id, score: e.score } },
            h("div", { class: "podium-who" }, rank === 1 ? crown() : null, av, hData("span", { class: "podium-name" }, e.name),
              podiumScore(e.score)),
            h("div", { class: "podium-block" }, h("span", { class: "podium-rank", text: ordinal(rank) })));
        }));
      }
      // Fresh results for this screen (an earlier download holds fewer questions).
      if (!display && isHost(s) && !asked) {
        asked = true;
        ctx.actions.fetchResults().catch(() => {});
      }
      const rows = s.results && asked ? questionSummary(s.results) : [];
      summary.hidden = !rows.length;
      board.el.hidden = rows.length > 0;
      setText(boxTitle, rows.length ? t("pres.by_question") : t("reveal.top10"));
      if (!rows.length) board.update(entries, null);
      if (summary.childElementCount !== rows.length) {
        summary.replaceChildren(...rows.map((r) => {
          const share = r.right === null || !r.answered ? null : Math.round((100 * r.right) / r.answered);
          return h("li", { class: "summary-row", testid: "summary-row" },
            h("span", { class: "summary-n", text: formatNumber(r.index + 1) }),
            hData("span", { class: "summary-text" }, r.text),
            h("span", { class: "summary-share", text: share === null ? (r.kind === "poll" ? t("pres.poll") : "–") : t("pres.share_right", { share: share / 100 }) }));
        }));
      }
    },
  };
}

function waitStage(ctx) {
  const s0 = ctx.store.state;
  const round = s0.phase === "countdown" ? s0.roundStart : null;
  const lang = settingOf(s0, "language", null);
  // Before a round: its title card ("Round 2", its title, how many questions) over the countdown.
  const title = round
    ? roundTitle(round, "h1", { class: "present-title round-title", tabindex: -1, lang })
    : h("h1", { class: "present-title", tabindex: -1 });
  const number = h("p", { class: ["present-countdown", round && "small"], testid: "countdown" });
  let raf = 0;
  const tick = () => {
    const c = ctx.store.state.countdown;
    const left = c && c.seconds > 0 ? Math.ceil(c.seconds - (Date.now() - c.receivedAt) / 1000) : 0;
    setText(number, left > 0 ? formatNumber(left) : "");
    raf = requestAnimationFrame(tick);
  };
  const el = round
    ? h("div", { class: "present-wait present-round-card", testid: "round-card", dataset: { round: round.round } },
      h("p", { class: "present-eyebrow round-eyebrow" }, t("round.number", { n: round.round + 1 })),
      title,
      Number.isFinite(round.questions) ? h("p", { class: "present-round-count" }, t("round.questions", { count: round.questions })) : null,
      number)
    : h("div", { class: "present-wait" }, title, number);
  if (round) announce(t(round.title ? "round.announce" : "round.announce_untitled", { n: round.round + 1, title: round.title ?? "" }));
  return {
    el,
    update(s) {
      if (!round) setText(title, s.phase === "generating" ? t("pres.writing") : t("wait.get_ready"));
      if (!raf) tick();
    },
    destroy() {
      cancelAnimationFrame(raf);
    },
  };
}
