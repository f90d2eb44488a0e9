"""Telegram updates → the message model: every recorded fixture, and each kind of message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Update
from pydantic import ValidationError

from bots.channel import Received
from bots.telegram.updates import Event, parse_update, update_id_of, validate
from flows.messages import Kind

FIXTURES = Path(__file__).parent / "fixtures"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def wrapped(key: str, name: str, update_id: int) -> bytes:
    """A sub-object fixture inside an Update, its bytes unchanged."""
    return b'{"update_id":%d,"%s":' % (update_id, key.encode()) + raw(name) + b"}"


def received(data: dict[str, Any] | bytes) -> Received:
    parsed = parse_update(json.loads(data) if isinstance(data, bytes) else data)
    assert isinstance(parsed, Received), parsed
    return parsed


def message(update_id: int = 500, chat_type: str = "private", **content: Any) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 77,
            "date": 1700000000,
            "chat": {"id": 4242, "type": chat_type},
            "from": {"id": 4242, "is_bot": False, "first_name": "Olena", "language_code": "uk"},
            **content,
        },
    }


# -- the recorded fixtures -------------------------------------------------------------------


def test_the_schema_valid_text_update_validates_strictly_and_is_text() -> None:
    body = raw("telegram_message_text_sdk.json")
    Update.model_validate_json(body)  # no leniency needed
    got = received(body)
    msg = got.inbound
    assert (msg.channel, msg.user, msg.message_id, msg.kind) == (
        "telegram",
        "218485655",
        "892252934",
        Kind.TEXT,
    )
    assert msg.text == "hello there"
    assert (msg.locale, msg.display_name) == ("en", "Waffle")
    assert msg.at == datetime(2019, 9, 26, 17, 19, 2, tzinfo=UTC)
    assert got.fetch == {}


@pytest.mark.parametrize(
    "name",
    [
        "telegram_message_text.json",
        "telegram_callback_query.json",
        "telegram_document.json",
        "telegram_edited_message.json",
    ],
)
def test_the_official_samples_fail_aiogram_but_are_still_read(name: str) -> None:
    with pytest.raises(ValidationError):
        Update.model_validate_json(raw(name))
    assert validate(json.loads(raw(name))) is not None


def test_the_official_start_message_is_a_start_without_referral() -> None:
    msg = received(raw("telegram_message_text.json")).inbound
    assert (msg.user, msg.message_id, msg.kind) == ("1111111", "10000", Kind.START)
    assert msg.text == "/start"
    assert msg.referral is None
    assert (msg.display_name, msg.locale) == ("Test Firstname", None)
    assert msg.at == datetime.fromtimestamp(1441645532, UTC)


def test_the_official_callback_query_is_a_payload_with_its_inline_message() -> None:
    got = received(raw("telegram_callback_query.json"))
    msg = got.inbound
    assert (msg.user, msg.message_id, msg.kind) == ("1111111", "10000", Kind.PAYLOAD)
    assert msg.payload == "Data from button callback"
    assert got.fetch == {
        "callback_id": "4382bfdwdsb323b2d9",
        "inline_message_id": "1234csdbsk4839",
    }


def test_the_official_document_is_noted_for_download() -> None:
    got = received(raw("telegram_document.json"))
    assert (got.inbound.kind, got.inbound.user, got.inbound.attachment) == (
        Kind.DOCUMENT,
        "1111111",
        None,
    )
    assert got.fetch == {
        "file_id": "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX",
        "filename": "Testfile.pdf",
        "content_type": "application/pdf",
        "size": "536392",
    }


def test_the_official_edit_is_acknowledged_and_ignored() -> None:
    assert parse_update(json.loads(raw("telegram_edited_message.json"))) is None


def test_the_sdk_callback_query_object_is_a_payload() -> None:
    got = received(wrapped("callback_query", "telegram_callback_query_object_sdk.json", 31))
    assert (got.inbound.user, got.inbound.message_id, got.inbound.kind) == (
        "12345",
        "31",
        Kind.PAYLOAD,
    )
    assert got.inbound.payload == "some_data"
    assert got.inbound.display_name == "firstName"
    assert got.fetch == {"callback_id": "id", "inline_message_id": "i_m_id"}


def test_the_photo_message_takes_the_largest_size() -> None:
    got = received(wrapped("message", "telegram_photo_message.json", 32))
    msg = got.inbound
    # A private chat's person is from.id (the fixture's chat id differs; from wins).
    assert (msg.user, msg.message_id, msg.kind, msg.text) == ("109734", "32", Kind.IMAGE, "")
    assert got.fetch == {
        "file_id": "dd-A_LsTIABFNx-FUOaEa_3AABAQABAg",
        "filename": "photo.jpg",
        "content_type": "image/jpeg",
        "size": "53013",
    }


def _contact_update(sender: int) -> bytes:
    head = (
        b'{"update_id":33,"message":{"message_id":5,"date":1700000000,'
        b'"chat":{"id":%d,"type":"private"},'
        b'"from":{"id":%d,"is_bot":false,"first_name":"dd"},"contact":' % (sender, sender)
    )
    return head + raw("telegram_contact_object.json") + b"}}"


def test_the_senders_own_contact_is_marked_as_theirs() -> None:
    msg = received(_contact_update(8633)).inbound
    assert (msg.kind, msg.user, msg.contact_phone) == (Kind.CONTACT, "8633", "00011111111")
    assert msg.contact_is_sender is True


def test_someone_elses_contact_is_not_the_senders() -> None:
    msg = received(_contact_update(9999)).inbound
    assert (msg.kind, msg.contact_phone, msg.contact_is_sender) == (
        Kind.CONTACT,
        "00011111111",
        False,
    )


# -- each kind of message ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "referral"),
    [
        ("/start inv_7Kq-2", "inv_7Kq-2"),
        ("/start@TellerBankBot inv42", "inv42"),
        ("/start", None),
        ("/start not a code", None),
        ("/start " + "x" * 65, None),
        ("/start бюджет", None),
    ],
)
def test_start_with_and_without_a_deep_link_code(text: str, referral: str | None) -> None:
    msg = received(message(text=text)).inbound
    assert (msg.kind, msg.referral) == (Kind.START, referral)


@pytest.mark.parametrize("text", ["/help", "/startle", "start", "balance please"])
def test_other_text_and_commands_are_text(text: str) -> None:
    msg = received(message(text=text)).inbound
    assert (msg.kind, msg.text, msg.user, msg.locale) == (Kind.TEXT, text, "4242", "uk")


def test_a_contact_without_user_id_is_not_the_senders() -> None:
    contact = {"phone_number": "+420777123456", "first_name": "Olena"}
    msg = received(message(contact=contact)).inbound
    assert (msg.kind, msg.contact_phone, msg.contact_is_sender) == (
        Kind.CONTACT,
        "+420777123456",
        False,
    )


def test_a_document_name_loses_any_directory() -> None:
    doc = {"file_id": "F", "file_unique_id": "U", "file_name": "..\\..\\etc/passwd"}
    got = received(message(document=doc, caption="my passport"))
    assert got.inbound.text == "my passport"
    assert got.fetch == {
        "file_id": "F",
        "filename": "passwd",
        "content_type": "application/octet-stream",
    }


@pytest.mark.parametrize(
    "content",
    [
        {"location": {"latitude": 50.08, "longitude": 14.42}},
        {
            "location": {"latitude": 50.08, "longitude": 14.42},
            "venue": {
                "location": {"latitude": 50.08, "longitude": 14.42},
                "title": "Branch",
                "address": "Náměstí 1",
            },
        },
    ],
)
def test_a_location_or_venue_is_a_location(content: dict[str, Any]) -> None:
    assert received(message(**content)).inbound.kind is Kind.LOCATION


@pytest.mark.parametrize(
    "content",
    [
        {
            "sticker": {
                "file_id": "S",
                "file_unique_id": "SU",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"voice": {"file_id": "V", "file_unique_id": "VU", "duration": 3}},
        {"video_note": {"file_id": "N", "file_unique_id": "NU", "length": 240, "duration": 2}},
        {"dice": {"emoji": "🎲", "value": 4}},
    ],
)
def test_what_teller_cannot_read_becomes_empty_text(content: dict[str, Any]) -> None:
    msg = received(message(**content)).inbound
    assert (msg.kind, msg.text, msg.user) == (Kind.TEXT, "", "4242")


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
def test_group_and_channel_messages_are_ignored(chat_type: str) -> None:
    assert parse_update(message(chat_type=chat_type, text="/start")) is None


def test_service_messages_channel_posts_and_reactions_are_ignored() -> None:
    earlier = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}
    pinned = message(pinned_message=earlier)
    assert parse_update(pinned) is None
    post = {
        "update_id": 501,
        "channel_post": {
            "message_id": 1,
            "date": 1700000000,
            "chat": {"id": -100123, "type": "channel", "title": "News"},
            "text": "hello",
        },
    }
    assert parse_update(post) is None
    reaction = {
        "update_id": 502,
        "message_reaction": {
            "chat": {"id": 4242, "type": "private"},
            "message_id": 9,
            "date": 1700000000,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        },
    }
    assert parse_update(reaction) is None


def test_a_tap_in_a_private_chat_notes_the_message_to_clear() -> None:
    update = {
        "update_id": 503,
        "callback_query": {
            "id": "cq1",
            "from": {"id": 4242, "is_bot": False, "first_name": "Olena", "language_code": "uk"},
            "chat_instance": "ci",
            "data": "opt:3:yes",
            "message": {
                "message_id": 88,
                "date": 1700000000,
                "chat": {"id": 4242, "type": "private"},
                "text": "Send 10 EUR?",
            },
        },
    }
    got = received(update)
    assert (got.inbound.kind, got.inbound.payload, got.inbound.user) == (
        Kind.PAYLOAD,
        "opt:3:yes",
        "4242",
    )
    assert got.fetch == {"callback_id": "cq1", "chat_id": "4242", "message_id": "88"}

    update["callback_query"]["message"]["chat"] = {"id": -5, "type": "group", "title": "G"}
    assert parse_update(update) is None


def test_blocking_and_restarting_the_bot_are_events() -> None:
    def change(status: str) -> dict[str, Any]:
        person = {"id": 4242, "is_bot": False, "first_name": "Olena"}
        bot = {"id": 1, "is_bot": True, "first_name": "Teller"}
        return {
            "update_id": 504,
            "my_chat_member": {
                "chat": {"id": 4242, "type": "private"},
                "from": person,
                "date": 1700000000,
                "old_chat_member": {"status": "member", "user": bot},
                "new_chat_member": (
                    {"status": "kicked", "user": bot, "until_date": 0}
                    if status == "kicked"
                    else {"status": "member", "user": bot}
                ),
            },
        }

    assert parse_update(change("kicked")) == Event("4242", "unsubscribed")
    assert parse_update(change("member")) == Event("4242", "subscribed")


def test_an_update_that_does_not_validate_is_ignored() -> None:
    assert parse_update({"update_id": 505, "message": {"message_id": "x"}}) is None
    assert parse_update({"update_id": 506, "something_new": {"a": 1}}) is None


def test_update_ids() -> None:
    assert update_id_of({"update_id": 7}) == 7
    assert update_id_of({"update_id": "7"}) is None
    assert update_id_of({"update_id": True}) is None
    assert update_id_of([1]) is None
