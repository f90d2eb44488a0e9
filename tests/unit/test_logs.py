import io
import json
import logging
import random
from datetime import UTC, datetime
from typing import Any

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from teller.logs import configure_logging, redact_event, redact_text

pytestmark = pytest.mark.usefixtures("clean_logging")


@pytest.fixture
def stream() -> io.StringIO:
    return io.StringIO()


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def with_check_digit(body: str) -> str:
    """Append the Luhn check digit to *body*."""
    for check in "0123456789":
        digits = body + check
        total = 0
        for position, char in enumerate(reversed(digits)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


# --- card numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111 1111 1111 1111", "[card •••• 1111]"),
        ("4111-1111-1111-1111", "[card •••• 1111]"),
        ("4111111111111111", "[card •••• 1111]"),
        ("paid with 5500 0000 0000 0004, thanks", "paid with [card •••• 0004], thanks"),
        ("amex 378282246310005.", "amex [card •••• 0005]."),
        ("13 digits 4222222222222", "13 digits [card •••• 2222]"),
        (with_check_digit("6" * 18), f"[card •••• {with_check_digit('6' * 18)[-4:]}]"),
        ("order 12 4111 1111 1111 1111", "order 12 [card •••• 1111]"),
        (
            "4111 1111 1111 1111 5500 0000 0000 0004",
            "[card •••• 1111] [card •••• 0004]",
        ),
    ],
)
def test_luhn_valid_card_numbers_keep_only_the_last_four(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # 16 digits, fails Luhn
        "4111111111111112",
        "order 123456789012",  # 12 digits: too short for a card
        "id 41111111111111111111",  # 22 unbroken digits: not a card
        "at 2024-01-15 12:30:45",
        "4111  1111  1111  1111",  # double spaces: four short numbers
    ],
)
def test_numbers_that_are_not_cards_stay(text: str) -> None:
    assert redact_text(text) == text


# --- phone numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call +380 67 123 45 67", "call [phone ••67]"),
        ("+380671234567", "[phone ••67]"),
        ("+1 (555) 123-4567 today", "[phone ••67] today"),
        ("+44-20-7946-0958", "[phone ••58]"),
    ],
)
def test_phone_numbers_keep_the_last_two_digits(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", ["+1234567", "score +12 points", "380671234567", "v1.2.3"])
def test_short_or_unsigned_numbers_are_not_phones(text: str) -> None:
    assert redact_text(text) == text


# --- tokens ------------------------------------------------------------------------------

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]"),
        ("{'authorization': 'bearer s3cr3t'}", "{'authorization': 'bearer [redacted]'}"),
        (f"token {JWT} expired", "token [jwt] expired"),
        ("key tlr_" + "aZ09_-" * 6 + " used", "key tlr_[redacted] used"),
        (
            f"POST https://api.telegram.org/bot{BOT_TOKEN}/sendMessage",
            "POST https://api.telegram.org/bot[bot-token]/sendMessage",
        ),
        ("GET /hook?token=abc123&page=2", "GET /hook?token=[redacted]&page=2"),
        ("postgresql://teller:hunter2@db/teller", "postgresql://teller:[redacted]@db/teller"),
    ],
)
def test_credentials_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "tlr_short",
        "12345:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",  # id too short for a bot token
        "123456789:tooShort",
        "eyJhbGciOiJIUzI1NiJ9 alone",
        "GET /cards?page=2&sort=asc",
    ],
)
def test_lookalikes_of_credentials_stay(text: str) -> None:
    assert redact_text(text) == text


# --- event dictionaries ------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "password", "Passcode", "pin", "card_pin", "cvv", "CVC", "client_secret",
        "access_token", "api_key", "X-Api-Key", "apiKey", "Authorization", "otp", "key",
    ],
)  # fmt: skip
def test_fields_with_secret_names_are_redacted_entirely(key: str) -> None:
    event = redact_event(None, "info", {"event": "login", key: "1234", "nested": {key: 42}})
    assert event == {"event": "login", key: "[redacted]", "nested": {key: "[redacted]"}}


@pytest.mark.parametrize("key", ["pinned", "keyboard", "monkey", "tokens_used", "spin", "pan"])
def test_fields_whose_names_only_contain_a_secret_word_stay(key: str) -> None:
    event = redact_event(None, "info", {"event": "x", key: "value"})
    assert event[key] == "value"


def test_nested_values_are_redacted_without_touching_the_original() -> None:
    payload: dict[str, Any] = {
        "cards": ["4111 1111 1111 1111", ("+380671234567", 7)],
        "meta": {"n": 1},
    }
    event = redact_event(
        None, "info", {"event": "card 4111111111111111 added", "payload": payload}
    )
    assert event == {
        "event": "card [card •••• 1111] added",
        "payload": {"cards": ["[card •••• 1111]", ("[phone ••67]", 7)], "meta": {"n": 1}},
    }
    assert payload["cards"][0] == "4111 1111 1111 1111"


def test_a_card_number_logged_as_an_integer_is_masked() -> None:
    event = redact_event(None, "info", {"event": "x", "pan": 4111111111111111, "amount": 1250})
    assert event == {"event": "x", "pan": "[card •••• 1111]", "amount": 1250}


# --- the pipeline ------------------------------------------------------------------------


def test_structlog_lines_are_json_objects_with_the_standard_keys(stream: io.StringIO) -> None:
    configure_logging(json=True, stream=stream)
    structlog.contextvars.bind_contextvars(correlation_id="req-1")
    structlog.get_logger("teller.test").info("paid %s", "4111 1111 1111 1111", amount=1250)

    [line] = json_lines(stream)
    assert line["event"] == "paid [card •••• 1111]"
    assert (line["level"], line["logger"], line["amount"]) == ("info", "teller.test", 1250)
    assert line["correlation_id"] == "req-1"
    assert datetime.fromisoformat(line["timestamp"]).utcoffset() == UTC.utcoffset(None)


def test_stdlib_records_are_redacted_after_their_args_are_formatted(
    stream: io.StringIO,
) -> None:
    configure_logging(json=True, stream=stream)
    logging.getLogger("uvicorn.access").info(
        '%s - "GET /cards/%s HTTP/1.1" %d', "10.0.0.1:5000", "4111-1111-1111-1111", 200
    )
    logging.getLogger("httpx").warning("call %s", "+380 67 123 45 67", extra={"pin": "0000"})

    access, client = json_lines(stream)
    assert access["event"] == '10.0.0.1:5000 - "GET /cards/[card •••• 1111] HTTP/1.1" 200'
    assert (access["logger"], access["level"]) == ("uvicorn.access", "info")
    assert "timestamp" in access
    assert "correlation_id" not in access
    assert client == {
        "event": "call [phone ••67]",
        "pin": "[redacted]",
        "logger": "httpx",
        "level": "warning",
        "timestamp": client["timestamp"],
    }


def test_stdlib_records_inside_a_request_carry_the_correlation_id(stream: io.StringIO) -> None:
    configure_logging(json=True, stream=stream)
    structlog.contextvars.bind_contextvars(correlation_id="abc")
    logging.getLogger("teller.storage").info("SELECT 1")
    assert json_lines(stream)[0]["correlation_id"] == "abc"


def test_exception_text_is_redacted_for_structlog_and_stdlib(stream: io.StringIO) -> None:
    configure_logging(json=True, stream=stream)
    try:
        raise ValueError("card 4111111111111111 declined for +380671234567")
    except ValueError:
        structlog.get_logger("teller").exception("payment failed")
        logging.getLogger("uvicorn.error").exception("request failed")

    for line in json_lines(stream):
        assert "4111111111111111" not in line["exception"]
        assert "ValueError: card [card •••• 1111] declined for [phone ••67]" in line["exception"]
        assert line["level"] == "error"


def test_console_rendering_is_plain_and_redacted(stream: io.StringIO) -> None:
    configure_logging(json=False, stream=stream)
    try:
        raise RuntimeError("token tlr_" + "x" * 40)
    except RuntimeError:
        structlog.get_logger("teller").exception("boom", card="4111 1111 1111 1111")

    text = stream.getvalue()
    assert "boom" in text
    assert "[card •••• 1111]" in text
    assert "RuntimeError: token tlr_[redacted]" in text
    assert "\x1b[" not in text
    assert "4111 1111 1111 1111" not in text
    assert "x" * 40 not in text


def test_configure_is_idempotent(stream: io.StringIO) -> None:
    first = io.StringIO()
    configure_logging(json=True, stream=first)
    configure_logging(json=True, stream=stream)
    configure_logging(json=True, stream=stream)

    structlog.get_logger().info("once")
    logging.getLogger("other").info("twice")

    assert [line["event"] for line in json_lines(stream)] == ["once", "twice"]
    assert first.getvalue() == ""
    ours = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    ]
    assert len(ours) == 1


def test_level_filters_structlog_and_stdlib_alike(stream: io.StringIO) -> None:
    configure_logging(json=True, level="warning", stream=stream)
    structlog.get_logger().info("hidden")
    logging.getLogger("x").info("hidden")
    structlog.get_logger().warning("shown")
    assert [line["event"] for line in json_lines(stream)] == ["shown"]


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="LOUD"):
        configure_logging(json=True, level="LOUD")


def test_server_loggers_are_routed_to_the_root_pipeline(stream: io.StringIO) -> None:
    access = logging.getLogger("uvicorn.access")
    access.addHandler(logging.NullHandler())
    access.propagate = False
    configure_logging(json=True, stream=stream)
    assert (access.handlers, access.propagate) == ([], True)


# --- properties --------------------------------------------------------------------------

separator = st.characters(exclude_characters="0123456789")


@st.composite
def luhn_valid_cards(draw: st.DrawFn) -> tuple[str, str]:
    """A random Luhn-valid 16-digit number and how it is written."""
    body = draw(st.text(alphabet="0123456789", min_size=15, max_size=15))
    digits = with_check_digit(body)
    joiner = draw(st.sampled_from(["", " ", "-"]))
    return digits, joiner.join(digits[i : i + 4] for i in range(0, 16, 4))


@given(
    card=luhn_valid_cards(), prefix=st.text(), before=separator, after=separator, suffix=st.text()
)
def test_no_luhn_valid_card_number_survives_in_random_text(
    card: tuple[str, str], prefix: str, before: str, after: str, suffix: str
) -> None:
    digits, written = card
    redacted = redact_text(prefix + before + written + after + suffix)
    assert written not in redacted
    assert digits not in redacted.replace(" ", "").replace("-", "")


@given(st.text(alphabet=st.sampled_from("0123456789 -+()ab:=/?&_.eyJ@")) | st.text())
def test_redaction_is_idempotent(text: str) -> None:
    once = redact_text(text)
    assert redact_text(once) == once


def test_random_16_digit_numbers_are_masked_exactly_when_luhn_valid() -> None:
    rng = random.Random(7)
    for _ in range(500):
        number = "".join(rng.choice("0123456789") for _ in range(16))
        valid = with_check_digit(number[:15]) == number
        assert (redact_text(number) != number) is valid
