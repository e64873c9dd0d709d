"""The security settings are read from the environment (bad values: tests/test_config.py)."""

from __future__ import annotations

import pytest

from quiz.ops.config import load_settings

NEW = {
    "CREATE_ROOM_PER_MINUTE": ("create_room_per_minute", "7", 7),
    "JOIN_PER_MINUTE": ("join_per_minute", "900", 900),
    "JOIN_BURST": ("join_burst", "250", 250),
    "WRONG_CODE_PER_MINUTE": ("wrong_code_per_minute", "5", 5),
    "SERVER_WRONG_CODE_PER_MINUTE": ("server_wrong_code_per_minute", "90", 90),
    "TRUSTED_PROXY_HOPS": ("trusted_proxy_hops", "1", 1),
    "ABANDONED_LOBBY_SECONDS": ("abandoned_lobby_seconds", "45", 45.0),
}


@pytest.mark.parametrize("variable", list(NEW))
def test_each_setting_is_read(variable: str) -> None:
    field, raw, value = NEW[variable]
    assert getattr(load_settings({variable: raw}), field) == value
