"""The lean reading of Telegram updates gives what aiogram's validation gives.

``parse_update`` reads plain text messages and button taps without pydantic when it can
vouch for them (``lean_update``); every other update, and any it cannot vouch for, goes
through ``parse_validated``. Here both ways read every recorded fixture, the bench's
updates and many variations of the two lean shapes (fields missing, of another type,
unknown, other chats) and must agree, and the lean way must really take the common ones.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bots.telegram.updates import NOT_LEAN, lean_update, parse_update, parse_validated
from teller.bench.webhooks import balance_tap, text_update

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_updates() -> list[tuple[str, Any]]:
    updates: list[tuple[str, Any]] = []
    for path in sorted(FIXTURES.glob("telegram_*.json")):
        data = json.loads(path.read_text())
        if "update_id" not in data:  # a sub-object: wrapped as the update that carries it
            key = "callback_query" if "chat_instance" in data or "data" in data else "message"
            data = {"update_id": 1, key: data}
        updates.append((path.name, data))
    return updates


def bench_body(raw: bytes) -> dict[str, Any]:
    return dict(json.loads(raw.split(b"\r\n\r\n", 1)[1]))


TEXT: dict[str, Any] = {
    "update_id": 700,
    "message": {
        "message_id": 12,
        "date": 1_764_000_000,
        "chat": {"id": 4242, "type": "private", "first_name": "Olena"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Olena", "language_code": "uk"},
        "text": "What is my balance?",
    },
}
TAP: dict[str, Any] = {
    "update_id": 701,
    "callback_query": {
        "id": "cq-701",
        "from": {"id": 4242, "is_bot": False, "first_name": "Olena", "language_code": "uk"},
        "chat_instance": "ci",
        "data": "flow:balance",
        "message": {
            "message_id": 88,
            "date": 1_764_000_000,
            "chat": {"id": 4242, "type": "private", "first_name": "Olena"},
            "from": {"id": 1, "is_bot": True, "first_name": "Teller", "username": "TellerBot"},
            "text": "Menu",
            "reply_markup": {
                "inline_keyboard": [[{"text": "Balance", "callback_data": "flow:balance"}]]
            },
        },
    },
}
ODD_VALUES: list[Any] = [None, "1", 1, 1.5, True, False, "", [], {}, -1, 10**12, "/start x"]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


def variations(base: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "as is", base
    for path in list(paths(base)):
        if isinstance(path[-1], str):
            gone = copy.deepcopy(base)
            del parent_of(gone, path)[path[-1]]
            yield f"without {path}", gone
        for value in ODD_VALUES:
            changed = copy.deepcopy(base)
            parent_of(changed, path)[path[-1]] = value
            yield f"{path} = {value!r}", changed
    for path in [p for p in paths(base) if isinstance(parent_of(base, p)[p[-1]], dict)]:
        extra = copy.deepcopy(base)
        parent_of(extra, path)[path[-1]]["something_new"] = 1
        yield f"{path} with an unknown key", extra
    for chat in ("group", "supergroup", "channel"):
        other = copy.deepcopy(base)
        for path in paths(base):
            if path[-1] == "chat":
                parent_of(other, path)["chat"]["type"] = chat
        yield f"in a {chat}", other
    for text in ("/start", "/start ABCDEF12", "/start@TellerBot", "/startle", "  ", "é"):
        if "message" in base:
            spoken = copy.deepcopy(base)
            spoken["message"]["text"] = text
            yield f"text {text!r}", spoken


CASES = [
    *fixture_updates(),
    ("bench text", bench_body(text_update(3))),
    ("bench tap", bench_body(balance_tap(9, 500_001))),
    *[(f"text {name}", data) for name, data in variations(TEXT)],
    *[(f"tap {name}", data) for name, data in variations(TAP)],
]


@pytest.mark.parametrize(("name", "update"), CASES, ids=[name for name, _ in CASES])
def test_the_lean_and_the_validated_reading_agree(name: str, update: dict[str, Any]) -> None:
    assert parse_update(copy.deepcopy(update)) == parse_validated(copy.deepcopy(update))


@pytest.mark.parametrize(
    "update",
    [
        TEXT,
        TAP,
        bench_body(text_update(3)),
        bench_body(balance_tap(9, 500_001)),
        json.loads((FIXTURES / "telegram_message_text_sdk.json").read_text())
        | {"message": {k: v for k, v in TEXT["message"].items()}},
    ],
)
def test_plain_text_and_taps_take_the_lean_way(update: dict[str, Any]) -> None:
    assert lean_update(update) is not NOT_LEAN
    assert lean_update(update) is not None


def test_other_updates_take_the_validated_way() -> None:
    lean = {name for name, update in fixture_updates() if lean_update(update) is not NOT_LEAN}
    # Documents, photos, contacts, edits, inline taps and messages with entities are not
    # lean; the official text sample is (its missing is_bot is filled in either way).
    assert lean == {"telegram_message_text.json"}
