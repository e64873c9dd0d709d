"""``load_settings``, with no process: defaults, and every bad value named.

tests/test_process.py proves that the real program stops with that one line
and exit code 2; here each variable is checked on its own, in a second.
"""

from __future__ import annotations

import dataclasses

import pytest

from quiz.ops.config import _VARIABLES, ConfigError, Settings, load_settings

SECRETS = ("GROQ_API_KEY", "REDIS_URL")

# At least one value each variable refuses.
BAD: dict[str, list[str]] = {
    "HOST": ["two words", "h" * 256],
    "PORT": ["eighty", "-1", "65536", "80.5", "0x50"],
    "PING_INTERVAL": ["-1", "0.5", "3601", "nan", "soon"],
    "PING_TIMEOUT": ["0", "inf", "ten"],
    "MAX_MESSAGE_BYTES": ["1023", "16777217", "64k"],
    "MAX_PLAYERS_PER_ROOM": ["0", "100001", "many"],
    "MAX_ROOMS": ["0", "1000001", "1e3"],
    "ALLOWED_ORIGINS": ["quiz.example.com", "https://ok.example,ftp://bad.example"],
    "RATE_LIMIT_PER_SECOND": ["0.5", "10001", "fast"],
    "RATE_LIMIT_BURST": ["0", "100001", "2.5"],
    "CREATE_ROOM_PER_MINUTE": ["0", "100001", "many"],
    "JOIN_PER_MINUTE": ["0", "1000001", "1.5"],
    "JOIN_BURST": ["0", "1000001", "lots"],
    "WRONG_CODE_PER_MINUTE": ["0", "100001", "-3"],
    "SERVER_WRONG_CODE_PER_MINUTE": ["0", "1000001", "2.5"],
    "TRUSTED_PROXY_HOPS": ["-1", "11", "yes"],
    "ABANDONED_LOBBY_SECONDS": ["0.5", "86401", "soon"],
    "RECONNECT_GRACE_SECONDS": ["0", "86401", "-5"],
    "ROOM_IDLE_TTL_SECONDS": ["9", "604801", "forever"],
    "COUNTDOWN_SECONDS": ["-1", "11", "3.0"],
    "SHUTDOWN_GRACE_SECONDS": ["-0.1", "6.5", "later"],
    "LOG_LEVEL": ["LOUD", "verbose", "10"],
    "LOG_FORMAT": ["xml", "yaml"],
    "SERVER_ID": ["has space", "s" * 65],
    "GROQ_API_KEY": ["gsk has spaces", "k" * 501],
    "GROQ_MODEL": ["two words", "m" * 201],
    "GROQ_BASE_URL": ["localhost:9000", "ftp://x"],
    "LLM_TIMEOUT_SECONDS": ["0.05", "301", "nan"],
    "LLM_MAX_CONCURRENCY": ["0", "1001", "eight"],
    "REDIS_URL": ["localhost:6379", "http://redis:6379"],
    "REDIS_SSL_VERIFY": ["maybe", "2"],
    "REDIS_LEASE_SECONDS": ["0.5", "61", "long"],
    "REDIS_MAX_CONNECTIONS": ["3", "10001", "lots"],
    "WORKERS": ["0", "65", "two", "1.5"],
    "WEB_DIR": ["has space/web", "w" * 4097],
    "MEDIA_DIR": ["has space/media", "m" * 4097],
    "MEDIA_MAX_BYTES": ["1023", "104857601", "10M"],
    "MEDIA_MAX_PIXELS": ["9999", "89000001", "big"],
    "MEDIA_AUDIO_MAX_SECONDS": ["0.5", "601", "long"],
    "MEDIA_UPLOADS_PER_HOUR": ["0", "1000001", "lots"],
    "MEDIA_BYTES_PER_HOUR": ["1023", "1099511627777", "1G"],
    "MEDIA_UPLOADING_BYTES": ["1023", "68719476737", "x"],
    "MEDIA_UPLOAD_TIMEOUT_SECONDS": ["0.5", "3601", "soon"],
    "MEDIA_STORE_BYTES": ["1023", "1099511627777", "full"],
    "MEDIA_TTL_SECONDS": ["59", "31536001", "forever"],
    "MEDIA_CACHE_BYTES": ["-1", "68719476737", "some"],
    "MEDIA_THREADS": ["0", "65", "two"],
}

CASES = [(variable, value) for variable, values in BAD.items() for value in values]


def test_every_variable_has_bad_values_here() -> None:
    assert set(BAD) == set(_VARIABLES)


def test_no_variables_give_the_defaults() -> None:
    settings = load_settings({})
    expected = Settings(server_id=settings.server_id)
    assert settings == expected
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 8765, 1)
    assert settings.redis_url is None and settings.groq_api_key is None
    assert settings.reconnect_grace_seconds == 120 and settings.countdown_seconds == 3


def test_media_in_a_directory_and_redis_together_are_refused() -> None:
    # A folder on one server's disk could not be served by the others.
    with pytest.raises(ConfigError, match=r"^MEDIA_DIR .*REDIS_URL"):
        load_settings({"MEDIA_DIR": "/srv/media", "REDIS_URL": "redis://redis:6379/0"})


def test_an_upload_cap_no_upload_could_fit_under_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^MEDIA_MAX_BYTES=.*MEDIA_UPLOADING_BYTES"):
        load_settings({"MEDIA_MAX_BYTES": "2048", "MEDIA_UPLOADING_BYTES": "1024"})


def test_the_default_server_id_is_unique_per_process() -> None:
    assert load_settings({}).server_id != load_settings({}).server_id


def test_the_environment_is_read_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9001")
    assert load_settings().port == 9001


@pytest.mark.parametrize(("variable", "value"), CASES, ids=[f"{v}={x[:12]}" for v, x in CASES])
def test_a_bad_value_stops_with_an_error_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({variable: value})
    message = str(info.value)
    assert message.startswith(f"{variable}="), message
    assert "expected" in message  # and says what it accepts
    if variable in SECRETS:
        assert value not in message and "(hidden)" in message
    else:
        assert repr(value) in message


@pytest.mark.parametrize("variable", SECRETS)
def test_a_bad_secret_is_never_echoed_not_even_in_part(variable: str) -> None:
    secret = "redis-or-gsk s3cr3t-value-Zq9"
    with pytest.raises(ConfigError) as info:
        load_settings({variable: secret})
    text = str(info.value) + repr(info.value.args)
    assert "s3cr3t" not in text and "redis-or-gsk" not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_secrets_are_hidden_from_the_start_up_settings() -> None:
    settings = load_settings(
        {"GROQ_API_KEY": "gsk_s3cr3t", "REDIS_URL": "redis://:s3cr3t@redis:6379/0", "WORKERS": "2"}
    )
    public = settings.public()
    assert public["groq_api_key"] == "set" and public["redis_url"] == "set"
    assert "s3cr3t" not in repr(public)
    assert load_settings({}).public()["redis_url"] == "unset"


@pytest.mark.parametrize("variable", list(_VARIABLES))
@pytest.mark.parametrize("empty", ["", "   ", "\t"])
def test_an_empty_value_counts_as_unset(variable: str, empty: str) -> None:
    settings = load_settings({variable: empty, "SERVER_ID": "fixed"})
    field = _VARIABLES[variable][0]
    default = Settings(server_id="fixed")
    assert getattr(settings, field) == getattr(default, field)


def test_good_values_are_read() -> None:
    settings = load_settings(
        {
            "HOST": " 127.0.0.1 ",
            "PORT": "0",
            "PING_INTERVAL": "1",
            "MAX_MESSAGE_BYTES": "1024",
            "ALLOWED_ORIGINS": "https://quiz.example/, http://localhost:8000 ,",
            "RATE_LIMIT_PER_SECOND": "2.5",
            "COUNTDOWN_SECONDS": "0",
            "SHUTDOWN_GRACE_SECONDS": "6",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": " JSON ",
            "SERVER_ID": "eu-1",
            "GROQ_BASE_URL": "http://127.0.0.1:9000/openai/v1",
            "REDIS_URL": "rediss://redis.example:6380/0",
            "REDIS_SSL_VERIFY": "off",
            "WORKERS": "4",
            "WEB_DIR": "/srv/web",
        }
    )
    assert settings == dataclasses.replace(
        Settings(),
        host="127.0.0.1",
        port=0,
        ping_interval=1.0,
        max_message_bytes=1024,
        allowed_origins=("https://quiz.example", "http://localhost:8000"),
        rate_limit_per_second=2.5,
        countdown_seconds=0,
        shutdown_grace_seconds=6.0,
        log_level="DEBUG",
        log_format="json",
        server_id="eu-1",
        groq_base_url="http://127.0.0.1:9000/openai/v1",
        redis_url="rediss://redis.example:6380/0",
        redis_ssl_verify=False,
        workers=4,
        web_dir="/srv/web",
    )


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("yes", True), ("ON", True), ("0", False)])
def test_booleans_read_the_usual_spellings(raw: str, value: bool) -> None:
    assert load_settings({"REDIS_SSL_VERIFY": raw}).redis_ssl_verify is value


@pytest.mark.parametrize(
    "url", ["redis://localhost:6379/0", "rediss://r:6380", "unix:///tmp/r.sock"]
)
def test_redis_url_schemes(url: str) -> None:
    assert load_settings({"REDIS_URL": url}).redis_url == url


@pytest.mark.parametrize("workers", ["2", "64"])
def test_more_than_one_worker_needs_redis_url(workers: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"WORKERS": workers})
    assert str(info.value).startswith(f"WORKERS={workers} needs REDIS_URL")
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_settings({"WORKERS": workers, "REDIS_URL": ""})  # empty is unset
    ok = load_settings({"WORKERS": workers, "REDIS_URL": "redis://127.0.0.1:6379"})
    assert ok.workers == int(workers)


def test_one_worker_needs_no_redis() -> None:
    assert load_settings({"WORKERS": "1"}).workers == 1
