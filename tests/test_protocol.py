"""``protocol.parse``, with no server: one frame in, one command or one error out.

Every field's error names the field (and carries the request_id to echo);
bad_json is for frames that are not JSON, bad_message for JSON the protocol
does not accept. tests/test_ws_errors.py keeps one socket test proving that
such an error reaches the client and everything carries on.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from quiz.core.commands import (
    CloseQuestion,
    CreateRoom,
    EndGame,
    GenerateQuestions,
    GetDisplayLink,
    GetResults,
    JoinRoom,
    KickPlayer,
    LeaveRoom,
    LockRoom,
    MovePlayer,
    NextQuestion,
    PlayAgain,
    Rejoin,
    SetExtraTime,
    SetQuestions,
    StartGame,
    SubmitAnswer,
    UnlockRoom,
    UpdateSettings,
    UploadMedia,
    Watch,
)
from quiz.core.messages import ErrorCode
from quiz.core.settings import RoomSettings
from quiz.wire.protocol import ProtocolError, _command, _decode_checked, _decode_plain, parse

QUESTION = {"text": "Capital of France?", "options": ["Rome", "Paris"], "correct": 1}


def frame(action: str | None = None, **fields: Any) -> str:
    data = fields if action is None else {"action": action, **fields}
    return json.dumps(data)


def refused(raw: str | bytes, code: ErrorCode = ErrorCode.BAD_MESSAGE) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        parse(raw)
    assert info.value.code is code, info.value
    assert info.value.message
    return info.value


# Every action, with its smallest valid frame.

MINIMAL: list[tuple[str, dict[str, Any], type]] = [
    ("create_room", {"name": "Ann"}, CreateRoom),
    ("join_room", {"room_id": "ABCDE", "name": "Ann"}, JoinRoom),
    ("rejoin", {"room_id": "ABCDE", "token": "t" * 32}, Rejoin),
    ("start_game", {}, StartGame),
    ("submit_answer", {"question_index": 0, "answer": 1}, SubmitAnswer),
    ("next_question", {}, NextQuestion),
    ("kick_player", {"player_id": "p1"}, KickPlayer),
    ("leave_room", {}, LeaveRoom),
    ("play_again", {}, PlayAgain),
    ("set_questions", {"questions": [QUESTION]}, SetQuestions),
    ("close_question", {}, CloseQuestion),
    ("end_game", {}, EndGame),
    ("lock_room", {}, LockRoom),
    ("unlock_room", {}, UnlockRoom),
    ("get_results", {}, GetResults),
    ("generate_questions", {"topic": "space"}, GenerateQuestions),
    ("get_display_link", {}, GetDisplayLink),
    ("watch", {"room_id": "ABCDE", "display_token": "d" * 16}, Watch),
    ("update_settings", {}, UpdateSettings),
    ("upload_media", {"size": 10, "content_type": "image/png"}, UploadMedia),
    ("move_player", {"player_id": "p1", "team": 1}, MovePlayer),
    ("set_extra_time", {"player_id": "p1", "factor": 2}, SetExtraTime),
]


@pytest.mark.parametrize(("action", "fields", "kind"), MINIMAL, ids=[m[0] for m in MINIMAL])
def test_every_action_parses_and_keeps_its_request_id(
    action: str, fields: dict[str, Any], kind: type
) -> None:
    command = parse(frame(action, request_id="req-1", **fields))
    assert type(command) is kind
    assert command.request_id == "req-1"
    assert parse(frame(action, **fields)).request_id is None


def test_every_action_of_the_protocol_is_covered() -> None:
    from quiz.wire.protocol import _BUILDERS

    assert {m[0] for m in MINIMAL} == set(_BUILDERS)


def test_create_room_defaults() -> None:
    command = parse(frame("create_room", name="  Ann  "))
    assert command == CreateRoom("Ann", RoomSettings(), None, ())


def test_create_room_with_every_setting() -> None:
    command = parse(
        frame(
            "create_room",
            name="Ann",
            topic="Space",
            num_questions=50,
            time_per_question=0,
            difficulty="hard",
            reveal_seconds=60,
            host_plays=False,
            speed_points=False,
            streak_bonus=False,
            language="pt-BR",
            show_question_text=False,
            profanity_filter=False,
            questions=[QUESTION],
        )
    )
    assert isinstance(command, CreateRoom)
    assert command.settings == RoomSettings(
        topic="Space",
        num_questions=50,
        time_per_question=0,
        difficulty="hard",
        reveal_seconds=60,
        host_plays=False,
        speed_points=False,
        streak_bonus=False,
        language="pt-BR",
        show_question_text=False,
        profanity_filter=False,
    )
    assert [q.text for q in command.questions] == ["Capital of France?"]


def test_null_is_refused_and_unknown_fields_are_ignored() -> None:
    # docs/protocol.md: an optional field is omitted (its default) or valid.
    for field in ("num_questions", "topic", "host_plays", "language"):
        assert refused(frame("create_room", name="Ann", **{field: None})).message.startswith(field)
    command = parse(frame("create_room", name="Ann", colour={"a": [1]}, nothing=None))
    assert isinstance(command, CreateRoom)
    assert command.settings == RoomSettings()


@pytest.mark.parametrize("action", ["join_room", "rejoin", "watch"])
def test_room_codes_are_case_insensitive(action: str) -> None:
    fields = dict(next(m[1] for m in MINIMAL if m[0] == action))
    fields["room_id"] = " abcde "
    command = parse(frame(action, **fields))
    assert command.room_id == "ABCDE"  # type: ignore[union-attr]


def test_generate_questions_defaults() -> None:
    command = parse(frame("generate_questions", topic="space"))
    assert command == GenerateQuestions("space", 10, "medium", "en", None)


def test_set_questions_topic_is_optional() -> None:
    plain = parse(frame("set_questions", questions=[QUESTION]))
    titled = parse(frame("set_questions", questions=[QUESTION], topic=" My\nquiz "))
    assert isinstance(plain, SetQuestions) and plain.topic is None
    assert isinstance(titled, SetQuestions) and titled.topic == "My quiz"


# Not JSON, not an object, no action.


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "{",
        "",
        '{"action": "create_room", "name": "x", "num_questions": NaN}',
        '{"action": "create_room", "name": "x", "num_questions": Infinity}',
        '{"action": "create_room", "name": "x", "num_questions": -Infinity}',
    ],
    ids=["text", "unclosed", "empty", "nan", "infinity", "-infinity"],
)
def test_not_json_is_bad_json(raw: str) -> None:
    error = refused(raw, ErrorCode.BAD_JSON)
    assert error.request_id is None


@pytest.mark.parametrize("depth", [33, 900, 100_000])  # the last: past the parser's stack
def test_json_nested_too_deep_is_bad_message(depth: int) -> None:
    raw = '{"action": "start_game", "x": ' + "[" * depth + "]" * depth + "}"
    assert "nests deeper than" in refused(raw).message


@pytest.mark.parametrize("raw", ["[1, 2]", '"a string"', "null", "5", "true"])
def test_json_that_is_not_an_object_is_bad_message(raw: str) -> None:
    assert "object" in refused(raw).message


@pytest.mark.parametrize("raw", ["{}", '{"action": 7}', '{"action": null}', '{"action": ["a"]}'])
def test_a_frame_without_an_action_string_names_action(raw: str) -> None:
    assert refused(raw).message.startswith("action:")


def test_missing_action_still_echoes_the_request_id() -> None:
    assert refused(frame(request_id="r1")).request_id == "r1"


def test_unknown_action_names_it_shortened_and_echoes_the_request_id() -> None:
    error = refused(frame("dance", request_id="r2"), ErrorCode.UNKNOWN_ACTION)
    assert "dance" in error.message and error.request_id == "r2"
    long = refused(frame("x" * 5000), ErrorCode.UNKNOWN_ACTION)
    assert len(long.message) < 100


@pytest.mark.parametrize("raw", [b'{"action": "create_room", "name": "bin"}', b"", b"\xff\x00"])
def test_binary_frames_are_refused_whatever_they_hold(raw: bytes) -> None:
    error = refused(raw)
    assert "binary" in error.message


# request_id.


@pytest.mark.parametrize("rid", ["", 12, "r" * 65, ["r"], True, {"id": "r"}])
def test_bad_request_id_names_it_and_is_not_echoed(rid: Any) -> None:
    error = refused(frame("start_game", request_id=rid))
    assert error.message.startswith("request_id:")
    assert error.request_id is None


def test_request_id_of_64_characters_is_kept() -> None:
    assert parse(frame("start_game", request_id="r" * 64)).request_id == "r" * 64


# Every field: a bad value names the field, and the request_id is echoed.

BAD_FIELDS: list[tuple[str, dict[str, Any], str]] = [
    # create_room
    ("create_room", {}, "name"),
    ("create_room", {"name": 5}, "name"),
    ("create_room", {"name": "   "}, "name"),
    ("create_room", {"name": "n" * 21}, "name"),
    ("create_room", {"name": "ok", "num_questions": 0}, "num_questions"),
    ("create_room", {"name": "ok", "num_questions": 51}, "num_questions"),
    ("create_room", {"name": "ok", "num_questions": 10**30}, "num_questions"),
    ("create_room", {"name": "ok", "num_questions": True}, "num_questions"),
    ("create_room", {"name": "ok", "num_questions": 5.0}, "num_questions"),
    ("create_room", {"name": "ok", "num_questions": "5"}, "num_questions"),
    ("create_room", {"name": "ok", "time_per_question": -1}, "time_per_question"),
    ("create_room", {"name": "ok", "time_per_question": 1}, "time_per_question"),
    ("create_room", {"name": "ok", "time_per_question": 4}, "time_per_question"),
    ("create_room", {"name": "ok", "time_per_question": 121}, "time_per_question"),
    ("create_room", {"name": "ok", "difficulty": "extreme"}, "difficulty"),
    ("create_room", {"name": "ok", "difficulty": 2}, "difficulty"),
    ("create_room", {"name": "ok", "reveal_seconds": -1}, "reveal_seconds"),
    ("create_room", {"name": "ok", "reveal_seconds": 61}, "reveal_seconds"),
    ("create_room", {"name": "ok", "topic": ""}, "topic"),
    ("create_room", {"name": "ok", "topic": "\n\t "}, "topic"),
    ("create_room", {"name": "ok", "topic": "t" * 101}, "topic"),
    ("create_room", {"name": "ok", "topic": ["space"]}, "topic"),
    ("create_room", {"name": "ok", "host_plays": "yes"}, "host_plays"),
    ("create_room", {"name": "ok", "speed_points": 1}, "speed_points"),
    ("create_room", {"name": "ok", "streak_bonus": "false"}, "streak_bonus"),
    ("create_room", {"name": "ok", "show_question_text": 0}, "show_question_text"),
    ("create_room", {"name": "ok", "profanity_filter": []}, "profanity_filter"),
    ("create_room", {"name": "ok", "language": "english!"}, "language"),
    ("create_room", {"name": "ok", "language": "e"}, "language"),
    ("create_room", {"name": "ok", "language": "pt-"}, "language"),
    ("create_room", {"name": "ok", "language": "l" * 36}, "language"),
    ("create_room", {"name": "ok", "questions": {}}, "questions"),
    ("create_room", {"name": "ok", "questions": []}, "questions"),
    ("create_room", {"name": "ok", "questions": [{"text": "q"}]}, "questions[0].options"),
    # join_room, rejoin, watch
    ("join_room", {"name": "ok"}, "room_id"),
    ("join_room", {"room_id": ["A"], "name": "ok"}, "room_id"),
    ("join_room", {"room_id": "R" * 17, "name": "ok"}, "room_id"),
    ("join_room", {"room_id": "ABCDE"}, "name"),
    ("join_room", {"room_id": "ABCDE", "name": "n" * 21}, "name"),
    ("rejoin", {"room_id": "ABCDE"}, "token"),
    ("rejoin", {"room_id": "ABCDE", "token": "t" * 129}, "token"),
    ("rejoin", {"token": "t" * 32}, "room_id"),
    ("watch", {"room_id": "ABCDE"}, "display_token"),
    ("watch", {"room_id": "ABCDE", "display_token": "d" * 65}, "display_token"),
    ("watch", {"display_token": "d" * 16}, "room_id"),
    # submit_answer
    ("submit_answer", {"answer": 0}, "question_index"),
    ("submit_answer", {"question_index": -1, "answer": 0}, "question_index"),
    ("submit_answer", {"question_index": 1_000_001, "answer": 0}, "question_index"),
    ("submit_answer", {"question_index": False, "answer": 0}, "question_index"),
    ("submit_answer", {"question_index": "0", "answer": 0}, "question_index"),
    ("submit_answer", {"question_index": 0}, "answer"),
    ("submit_answer", {"question_index": 0, "answer": True}, "answer"),
    ("submit_answer", {"question_index": 0, "answer": False}, "answer"),
    ("submit_answer", {"question_index": 0, "answer": {"i": 1}}, "answer"),
    ("submit_answer", {"question_index": 0, "answer": 10**12}, "answer"),
    ("submit_answer", {"question_index": 0, "answer": [0, True]}, "answer"),
    ("submit_answer", {"question_index": 0, "answer": [0, "1"]}, "answer"),
    # kick_player
    ("kick_player", {}, "player_id"),
    ("kick_player", {"player_id": 7}, "player_id"),
    ("kick_player", {"player_id": "p" * 65}, "player_id"),
    # set_questions
    ("set_questions", {}, "questions"),
    ("set_questions", {"questions": "all of them"}, "questions"),
    ("set_questions", {"questions": [QUESTION] * 101}, "questions"),
    (
        "set_questions",
        {"questions": [QUESTION, {**QUESTION, "correct": 2}]},
        "questions[1].correct",
    ),
    ("set_questions", {"questions": [QUESTION], "topic": "t" * 101}, "topic"),
    # generate_questions
    ("generate_questions", {}, "topic"),
    ("generate_questions", {"topic": "space", "count": 0}, "count"),
    ("generate_questions", {"topic": "space", "count": 51}, "count"),
    ("generate_questions", {"topic": "space", "difficulty": "insane"}, "difficulty"),
    ("generate_questions", {"topic": "space", "language": "??"}, "language"),
]


@pytest.mark.parametrize(
    ("action", "fields", "name"),
    BAD_FIELDS,
    ids=[f"{a}-{n}-{i}" for i, (a, _, n) in enumerate(BAD_FIELDS)],
)
def test_a_bad_field_is_named_and_the_request_id_echoed(
    action: str, fields: dict[str, Any], name: str
) -> None:
    error = refused(frame(action, request_id="rid-7", **fields))
    assert error.message.startswith(f"{name}:"), error.message
    assert error.request_id == "rid-7"


def test_a_number_too_big_for_a_float_is_not_a_whole_number() -> None:
    # JSON has no limit; Python reads 1e400 as inf. Infinity spelled out is bad_json.
    raw = '{"action": "create_room", "name": "ok", "num_questions": 1e400, "request_id": "r"}'
    error = refused(raw)
    assert error.message == "num_questions: must be a whole number" and error.request_id == "r"


# Limits that are allowed, at the edge.


@pytest.mark.parametrize("seconds", [0, 5, 120])
def test_time_per_question_edges_that_are_allowed(seconds: int) -> None:
    command = parse(frame("create_room", name="ok", time_per_question=seconds))
    assert command.settings.time_per_question == seconds  # type: ignore[union-attr]


def test_lengths_are_counted_in_characters_not_bytes() -> None:
    name = "é" * 20  # 40 bytes of UTF-8
    assert parse(frame("create_room", name=name)).name == name  # type: ignore[union-attr]
    assert parse(frame("create_room", name="🙂" * 20)).name == "🙂" * 20  # type: ignore[union-attr]


# Names: no control characters; topics: control characters fold to spaces.


@pytest.mark.parametrize(
    "name",
    ["a\u0000b", "a\nb", "a\tb", "a\u001bb", "a\u007fb", "a\u0085b", "a\u2028b", "a\u2029b"],
    ids=["nul", "newline", "tab", "escape", "delete", "c1-next-line", "line-sep", "para-sep"],
)
@pytest.mark.parametrize("action", ["create_room", "join_room"])
def test_control_characters_in_a_name_are_refused(action: str, name: str) -> None:
    fields: dict[str, Any] = {"name": name}
    if action == "join_room":
        fields["room_id"] = "ABCDE"
    error = refused(frame(action, **fields))
    assert error.message == "name: must not contain control characters"


def test_white_space_around_a_name_is_trimmed() -> None:
    assert parse(frame("join_room", room_id="ABCDE", name="\t Ann \n")).name == "Ann"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("  space\n\ttravel\u0007 ", "space travel"),
        ("a\u2028b\u2029c", "a b c"),
        ("a" + " " * 300 + "b", "a b"),  # folded first, then measured
        ("Ünïcödé  ist   schön", "Ünïcödé ist schön"),
    ],
)
@pytest.mark.parametrize("action", ["create_room", "generate_questions", "set_questions"])
def test_a_topic_folds_control_characters_and_runs_of_space(
    action: str, raw: str, folded: str
) -> None:
    fields: dict[str, Any] = {"topic": raw}
    if action == "create_room":
        fields["name"] = "ok"
    if action == "set_questions":
        fields["questions"] = [QUESTION]
    command = parse(frame(action, **fields))
    topic = command.settings.topic if isinstance(command, CreateRoom) else command.topic  # type: ignore[union-attr]
    assert topic == folded


# Answers: the shape of the value.


@pytest.mark.parametrize(
    ("answer", "parsed"),
    [
        (2, 2),
        (-1, -1),
        ([2, 0], (2, 0)),  # in the player's order: an order answer is the order
        ([3], (3,)),
        ("Goethe", "Goethe"),
        (" x ", " x "),
        (1969.5, 1969.5),  # a slider's value; whether it fits is the room's to say
    ],
)
def test_an_answer_is_an_index_a_list_of_indexes_a_number_or_text(answer: Any, parsed: Any) -> None:
    command = parse(frame("submit_answer", question_index=3, answer=answer))
    assert command == SubmitAnswer(3, parsed, None)


@pytest.mark.parametrize(
    "answer", [[], [0, 0], [0, 1, 2, 3, 0], [0, 1, 2, 3, 4, 5, 6], "", "a" * 101], ids=str
)
def test_an_answer_that_fits_no_question_is_invalid_answer(answer: Any) -> None:
    error = refused(
        frame("submit_answer", question_index=0, answer=answer, request_id="a1"),
        ErrorCode.INVALID_ANSWER,
    )
    assert error.message.startswith("answer:") and error.request_id == "a1"


def test_update_settings_carries_only_the_fields_sent() -> None:
    command = parse(frame("update_settings", show_question_text=False, time_per_question=0))
    assert command == UpdateSettings({"show_question_text": False, "time_per_question": 0})
    # An explicit null is refused, as for every optional field.
    assert refused(frame("update_settings", topic=None)).message.startswith("topic: ")
    assert refused(frame("update_settings", host_plays=True)).message.startswith("host_plays: ")
    error = refused(frame("update_settings", reveal_seconds=61))
    assert error.message.startswith("reveal_seconds: ")


def _outcome(decode: Any, raw: str) -> Any:
    """What ``parse`` makes of ``raw`` with one decoder: a command or an error's fields."""
    try:
        return _command(decode(raw))
    except ProtocolError as exc:
        return ("refused", exc.code, exc.message, exc.request_id)


def _random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(9 if depth < 40 else 6)
    if kind == 0:  # around 64 bits, where orjson turns an integer into a float
        return rng.choice([1, -1]) * rng.randrange(10 ** rng.randrange(1, 23))
    if kind == 1:
        return rng.choice([0.5, -2.0, 1e300, 1e-300, 3.0])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind in (3, 4, 5):  # quotes and backslashes (escapes), accents, decomposed ones
        chars = 'ab "\\/\x7f\u00e9e\u0301\u4e2d'
        return "".join(rng.choice(chars) for _ in range(rng.randrange(6)))
    if kind in (6, 7):
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    keys = ["answer", "question_index", "request_id", "name", "room_id", "x"]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randrange(3))}


def _random_frame(rng: random.Random) -> str:
    message: dict[str, Any] = {"action": rng.choice(["submit_answer", "join_room", "nope"])}
    for key in rng.sample(["question_index", "answer", "request_id", "name", "room_id"], 3):
        value = _random_value(rng, 0)
        if rng.random() < 0.1:  # around MAX_DEPTH
            for _ in range(rng.randrange(28, 36)):
                value = [value] if rng.random() < 0.5 else {"x": value}
        message[key] = value
    return json.dumps(message, ensure_ascii=rng.random() < 0.7)


def test_the_quick_decoder_gives_what_the_checked_one_gives() -> None:
    # Every frame is decoded by orjson when it is plain (quiz.wire.protocol):
    # whatever it lets through must parse exactly as the checked path would.
    assert _decode_plain(frame("submit_answer", question_index=3, answer=2)) is not None
    rng = random.Random(7)
    plain = 0
    for _ in range(4000):
        raw = _random_frame(rng)
        if _decode_plain(raw) is None:
            continue
        plain += 1
        assert _outcome(_decode_plain, raw) == _outcome(_decode_checked, raw), raw
    assert plain > 500  # the comparison covered the quick path, not just the checked one


def test_upload_media_takes_a_size_and_a_media_type() -> None:
    command = parse(frame("upload_media", size=123, content_type=" Image/JPEG; q=1 "))
    assert command == UploadMedia(123, "image/jpeg")
    # Any size is well-formed: MEDIA_MAX_BYTES is the server's to enforce.
    assert parse(frame("upload_media", size=2**40, content_type="x/y")).size == 2**40
    for fields, name in [
        ({"content_type": "image/png"}, "size"),
        ({"size": 0, "content_type": "image/png"}, "size"),
        ({"size": 1.5, "content_type": "image/png"}, "size"),
        ({"size": 1}, "content_type"),
        ({"size": 1, "content_type": "jpeg"}, "content_type"),
        ({"size": 1, "content_type": "image/png\u0000"}, "content_type"),
    ]:
        assert refused(frame("upload_media", **fields)).message.startswith(name)
