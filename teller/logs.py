"""Structured logs for every process: one structlog pipeline shared with stdlib `logging`.

Everything that logs — our code through structlog, uvicorn, SQLAlchemy, Alembic, httpx
through the stdlib — ends in the same `ProcessorFormatter`, so every line gets a UTC
timestamp, the request's correlation id and the same redaction of card numbers, phone
numbers and credentials before it is rendered (JSON lines in production, plain console
text in development).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = ["configure_logging", "redact_event", "redact_text"]

# --- redaction of free text --------------------------------------------------------------

# A run of digit groups joined by single spaces or dashes: "4111 1111-1111 1111", "20240101".
_DIGIT_RUN = re.compile(r"[0-9]+(?:[ -][0-9]+)*")
_DIGIT_GROUP = re.compile(r"[0-9]+")
_PAN_MIN, _PAN_MAX = 13, 19  # ISO/IEC 7812 primary account number lengths
_PHONE = re.compile(r"\+\(?[0-9](?:[ ()-]{0,2}[0-9]){7,14}(?![0-9])")  # E.164: 8-15 digits
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"\b(bearer)\s+(?!\[redacted\])[^\s'\",;)}\]]+", re.IGNORECASE)
_TELLER_KEY = re.compile(r"tlr_[A-Za-z0-9_-]{32,}")
# https://core.telegram.org/bots/api#authorizing-your-bot — also inside ".../bot<token>/..."
_BOT_TOKEN = re.compile(r"[0-9]{6,12}:[A-Za-z0-9_-]{30,}")
# "user:password@" in URLs and "name=value" pairs (query strings, DSNs) with a secret name.
_URL_USERINFO = re.compile(r"(?<=://)([^:/@\s]*):([^@/\s]+)@")
_NAME_VALUE = re.compile(r"(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9_.-]*)=([^&#\s'\",;]+)")

_REDACTED = "[redacted]"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_spans(groups: list[re.Match[str]]) -> list[tuple[int, int]]:
    """Group-index spans (inclusive) that hold 13-19 digits and pass Luhn, overlaps merged.

    Candidates start and end on group boundaries, so "order 12 4111 1111 1111 1111" still
    finds the card while an unbroken 20-digit id is never cut into a "card".
    """
    found: list[tuple[int, int]] = []
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last].group()
            if len(digits) > _PAN_MAX:
                break
            if len(digits) >= _PAN_MIN and _luhn_ok(digits):
                if found and first <= found[-1][1]:
                    found[-1] = (found[-1][0], max(found[-1][1], last))
                else:
                    found.append((first, last))
    return found


def _mask_card_run(match: re.Match[str]) -> str:
    run = match.group()
    groups = list(_DIGIT_GROUP.finditer(run))
    if sum(len(group.group()) for group in groups) < _PAN_MIN:
        return run
    pieces: list[str] = []
    cursor = 0
    for first, last in _card_spans(groups):
        start, end = groups[first].start(), groups[last].end()
        last_four = "".join(group.group() for group in groups[first : last + 1])[-4:]
        pieces += [run[cursor:start], f"[card •••• {last_four}]"]
        cursor = end
    pieces.append(run[cursor:])
    return "".join(pieces)


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9]", "", match.group())
    return f"[phone ••{digits[-2:]}]"


def _mask_secret_pair(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"{name}={_REDACTED}" if _is_secret_key(name) else match.group()


def redact_text(text: str) -> str:
    """Mask card numbers, phone numbers and credentials in free text.

    Pure and idempotent: redacting already redacted text changes nothing.
    """
    text = _JWT.sub("[jwt]", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {_REDACTED}", text)
    text = _TELLER_KEY.sub(f"tlr_{_REDACTED}", text)
    text = _BOT_TOKEN.sub("[bot-token]", text)
    text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}:{_REDACTED}@", text)
    text = _NAME_VALUE.sub(_mask_secret_pair, text)
    # Cards before phones: a "+" glued to a card number must not leave its digits behind.
    text = _DIGIT_RUN.sub(_mask_card_run, text)
    return _PHONE.sub(_mask_phone, text)


# --- redaction of event dictionaries ------------------------------------------------------

_SECRET_WORDS = frozenset(
    {
        "password", "passwd", "pwd", "passcode", "pin", "cvv", "cvc", "secret", "token",
        "apikey", "authorization", "otp", "key", "cookie", "credentials",
    }
)  # fmt: skip
# Split "X-Api-Key", "client_secret", "accessToken" into lower-case words.
_KEY_WORDS = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
# Keys structlog and ProcessorFormatter use for their own objects: never rewritten.
_INTERNAL_KEYS = frozenset({"_record", "_from_structlog", "exc_info"})
_MAX_DEPTH = 20


def _is_secret_key(name: object) -> bool:
    words = {word.lower() for word in _KEY_WORDS.split(str(name)) if word}
    return not _SECRET_WORDS.isdisjoint(words)


def _redact_value(value: object, depth: int = 0) -> object:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict | list | tuple) and depth >= _MAX_DEPTH:
        return "[too deep]"  # a cycle or a pathological payload; never recurse without end
    if isinstance(value, dict):
        return {
            key: _REDACTED if _is_secret_key(key) else _redact_value(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        items = [_redact_value(item, depth + 1) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, int) and not isinstance(value, bool):
        # A card number logged as an integer would otherwise reach the renderer untouched.
        text = str(value)
        masked = redact_text(text)
        return value if masked == text else masked
    return value


def redact_event(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: redact the event, every field and the formatted exception."""
    for key, value in event_dict.items():
        if key in _INTERNAL_KEYS:
            continue
        event_dict[key] = _REDACTED if _is_secret_key(key) else _redact_value(value)
    return event_dict


# --- configuration ------------------------------------------------------------------------


class _TellerHandler(logging.StreamHandler[TextIO]):
    """The root handler `configure_logging` installs; found again by type to be replaced."""


# Servers that install their own handlers: send their records to the root pipeline instead.
# Run uvicorn with `log_config=None` so it does not reconfigure them afterwards.
_OWN_HANDLER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


# Record attributes ExtraAdder would mistake for extras: set by other handlers' formatters
# on the shared record ("message", "asctime") or uvicorn's ANSI copy of the message.
_NOT_EXTRAS = ("message", "asctime", "color_message")


def _drop_non_extras(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    for key in _NOT_EXTRAS:
        event_dict.pop(key, None)
    return event_dict


def _foreign_stack(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    stack = event_dict.pop("stack_info", None)
    if isinstance(stack, str):  # a stdlib record carries its stack already formatted
        event_dict["stack"] = stack
    return event_dict


def _renderer(json: bool) -> Processor:
    if json:
        # ensure_ascii (the default) keeps every record on one physical line for any reader.
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback
    )


def _level_number(level: str) -> int:
    number = logging.getLevelNamesMapping().get(level.upper())
    if number is None:
        raise ValueError(f"unknown log level {level!r}")
    return number


def configure_logging(*, json: bool, level: str = "INFO", stream: TextIO | None = None) -> None:
    """Route structlog and stdlib logging through one redacting pipeline to *stream*.

    *json* selects JSON lines (production) or console text (development); *stream*
    defaults to the current `sys.stderr`. Safe to call again: the previous configuration
    is replaced, handlers installed by others on the root logger are left alone.
    """
    number = _level_number(level)
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        timestamper,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: loggers made at import time must follow a later (re)configuration.
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            *shared,
            structlog.stdlib.ExtraAdder(),
            _drop_non_extras,
            _foreign_stack,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,  # to text first, so it is redacted too
            redact_event,
            _renderer(json),
        ],
    )
    handler = _TellerHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(formatter)
    _install(handler, number)


def _install(handler: logging.Handler, level: int) -> None:
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _TellerHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs each request's URL at INFO, and some platforms' URLs hold a bot token.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    for name in _OWN_HANDLER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
