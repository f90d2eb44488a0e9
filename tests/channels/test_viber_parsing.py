"""Viber events into the message model: the recorded fixtures byte for byte, and the shapes
Viber documents but nobody recorded (pictures, files, contacts, locations, stickers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bots.viber import deep_link
from bots.viber.actions import SHARE_PHONE, link_marker
from bots.viber.events import BadEvent, Enqueue, Ignore, Outcome, Report, Welcome, parse
from flows.messages import Inbound, Kind

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = 4912661846655238145  # every documented example's message_token: above 2**53


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def enqueued(outcome: Outcome) -> Inbound:
    assert isinstance(outcome, Enqueue), outcome
    return outcome.received.inbound


def message(body: dict[str, Any], *, tracking: str | None = None) -> bytes:
    msg = dict(body)
    if tracking is not None:
        msg["tracking_data"] = tracking
    event = {
        "event": "message",
        "timestamp": 1457764197627,
        "message_token": TOKEN,
        "sender": {"id": "01234567890A=", "name": "John McClane", "language": "uk"},
        "message": msg,
    }
    return json.dumps(event).encode()


# -- the recorded fixtures -----------------------------------------------------------------------


def test_text_fixture_with_unicode_and_tracking_data() -> None:
    body = fixture("viber_message_text.json")
    msg = enqueued(parse(body))
    assert msg.channel == "viber"
    assert msg.user == "01234567890A="
    assert msg.message_id == "4912661846655238145"  # every digit: never through a float
    assert msg.kind is Kind.TEXT
    assert msg.text == json.loads(body)["message"]["text"]
    assert msg.text.startswith("批封廟根縄華勢田郎報株聞")
    assert msg.display_name == json.loads(body)["sender"]["name"]
    assert msg.locale is None  # this sender has no language
    assert msg.referral is None
    assert msg.at == datetime(2016, 3, 12, 6, 29, 57, 627000, tzinfo=UTC)


def test_documented_callback_example_is_text() -> None:
    msg = enqueued(parse(fixture("viber_message_doc_example.json")))
    # type "text" wins: the example's stray media and location are not read
    assert msg.kind is Kind.TEXT
    assert msg.text == "a message to the service"
    assert msg.message_id == str(TOKEN)
    assert msg.locale == "en"
    assert msg.display_name == "John McClane"
    assert msg.attachment is None


def test_conversation_started_fixture_asks_for_the_welcome() -> None:
    outcome = parse(fixture("viber_conversation_started.json"))
    # "context information" has a space: not a code Teller makes, so no referral
    assert outcome == Welcome("01234567890A=", "en", None)


def test_subscribed_fixture_is_reported() -> None:
    assert parse(fixture("viber_subscribed.json")) == Report(
        "jc9HsWTZ2Yf2NkRZ8KcNug==", "subscribed"
    )


def test_seen_fixture_is_acknowledged_only() -> None:
    assert parse(fixture("viber_seen.json")) == Ignore("seen")


# -- conversation_started -------------------------------------------------------------------------


def started(**fields: Any) -> bytes:
    event = json.loads(fixture("viber_conversation_started.json"))
    event.update(fields)
    return json.dumps(event).encode()


def test_conversation_started_with_a_code_welcomes_with_the_code() -> None:
    assert parse(started(context="INV-abc_123")) == Welcome("01234567890A=", "en", "INV-abc_123")


def test_conversation_started_by_a_subscriber_with_a_code_starts_over() -> None:
    msg = enqueued(parse(started(context="INV-abc_123", subscribed=True)))
    assert msg.kind is Kind.START
    assert msg.referral == "INV-abc_123"
    assert msg.message_id == f"conversation_started:{TOKEN}"
    assert msg.locale == "en"


def test_conversation_started_by_a_subscriber_without_a_code_changes_nothing() -> None:
    assert isinstance(parse(started(subscribed=True)), Ignore)
    assert isinstance(parse(started(subscribed=True, context="x" * 65)), Ignore)


# -- messages Viber documents --------------------------------------------------------------------


def test_a_tapped_button_is_its_payload() -> None:
    msg = enqueued(parse(message({"type": "text", "text": "btn:flow:balance"})))
    assert msg.kind is Kind.PAYLOAD
    assert msg.payload == "flow:balance"
    assert msg.text == ""
    assert msg.locale == "uk"


def test_the_welcome_start_button_starts_with_its_code() -> None:
    msg = enqueued(parse(message({"type": "text", "text": "start:INV42"})))
    assert (msg.kind, msg.referral) == (Kind.START, "INV42")
    plain = enqueued(parse(message({"type": "text", "text": "start:"})))
    assert (plain.kind, plain.referral) == (Kind.START, None)


def test_a_typed_first_message_keeps_the_welcomes_code() -> None:
    msg = enqueued(parse(message({"type": "text", "text": "hello"}, tracking="start:INV42")))
    assert (msg.kind, msg.text, msg.referral) == (Kind.TEXT, "hello", "INV42")


def test_typed_text_that_looks_like_a_start_with_a_bad_code_is_text() -> None:
    msg = enqueued(parse(message({"type": "text", "text": "start:no spaces"})))
    assert (msg.kind, msg.text) == (Kind.TEXT, "start:no spaces")


def test_picture_is_an_image_to_fetch() -> None:
    media = "https://dl-media.viber.com/5/share/2/long/bots/generic/photo.jpg?Expires=1"
    body = message({"type": "picture", "text": "my id", "media": media, "size": 123456})
    outcome = parse(body)
    assert isinstance(outcome, Enqueue)
    assert outcome.received.inbound.kind is Kind.IMAGE
    assert outcome.received.inbound.text == "my id"
    assert outcome.received.fetch == {"url": media, "filename": "photo.jpg", "size": "123456"}


def test_file_is_a_document_to_fetch() -> None:
    media = "https://dl-media.viber.com/doc.pdf"
    body = message({"type": "file", "media": media, "file_name": "statement.pdf", "size": 10})
    outcome = parse(body)
    assert isinstance(outcome, Enqueue)
    assert outcome.received.inbound.kind is Kind.DOCUMENT
    assert outcome.received.fetch == {"url": media, "filename": "statement.pdf", "size": "10"}


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\tmp\\id.jpg", "id.jpg"),
        ("..", "document"),
        ("a\nb.pdf", "ab.pdf"),
    ],
)
def test_a_file_name_is_a_bare_name(name: str, kept: str) -> None:
    body = message({"type": "file", "media": "https://dl-media.viber.com/x", "file_name": name})
    outcome = parse(body)
    assert isinstance(outcome, Enqueue)
    assert outcome.received.fetch["filename"] == kept


def test_a_picture_without_a_usable_url_is_empty_text() -> None:
    msg = enqueued(parse(message({"type": "picture", "media": "file:///etc/passwd"})))
    assert (msg.kind, msg.text) == (Kind.TEXT, "")


def test_contact_after_our_share_phone_button_is_the_senders() -> None:
    contact = {"type": "contact", "contact": {"name": "John", "phone_number": "+420601234567"}}
    msg = enqueued(parse(message(contact, tracking=SHARE_PHONE)))
    assert msg.kind is Kind.CONTACT
    assert msg.contact_phone == "+420601234567"
    assert msg.contact_is_sender is True


def test_any_other_contact_is_not_the_senders() -> None:
    contact = {"type": "contact", "contact": {"name": "Mum", "phone_number": "+420601111111"}}
    msg = enqueued(parse(message(contact)))
    assert (msg.kind, msg.contact_phone, msg.contact_is_sender) == (
        Kind.CONTACT,
        "+420601111111",
        False,
    )
    other = enqueued(parse(message(contact, tracking="start:")))
    assert other.contact_is_sender is False


def test_location() -> None:
    body = message({"type": "location", "location": {"lat": 50.76891, "lon": 6.11499}})
    assert enqueued(parse(body)).kind is Kind.LOCATION


@pytest.mark.parametrize(
    "shape",
    [
        {"type": "sticker", "sticker_id": 46105},
        {"type": "video", "media": "https://dl-media.viber.com/v.mp4", "size": 1},
        {"type": "url", "media": "https://example.com"},
        {"type": "rich_media"},
        {"type": "something-new"},
        {"type": "contact", "contact": {"name": "no number"}},
    ],
)
def test_unsupported_messages_are_empty_text(shape: dict[str, Any]) -> None:
    msg = enqueued(parse(message(shape)))
    assert (msg.kind, msg.text, msg.payload) == (Kind.TEXT, "", "")


def test_the_secure_link_echo_is_not_a_turn() -> None:
    url = "https://teller.example/secure/abc.def"
    assert parse(message({"type": "text", "text": url}, tracking=link_marker(url))) == Ignore(
        "secure-link echo"
    )
    assert isinstance(
        parse(message({"type": "url", "media": url}, tracking=link_marker(url))), Ignore
    )
    # the same address typed after some other message is ordinary text
    assert enqueued(parse(message({"type": "text", "text": url}))).text == url


# -- events that are not messages ---------------------------------------------------------------


def test_unsubscribed_and_failed_are_reported() -> None:
    unsub = {"event": "unsubscribed", "timestamp": 1, "user_id": "u1=", "message_token": TOKEN}
    assert parse(json.dumps(unsub).encode()) == Report("u1=", "unsubscribed")
    failed = {
        "event": "failed",
        "timestamp": 1,
        "message_token": TOKEN,
        "user_id": "u1=",
        "desc": "failure description",
    }
    assert parse(json.dumps(failed).encode()) == Report("u1=", "failed", "failure description")


@pytest.mark.parametrize("event", ["webhook", "delivered", "seen", "client_status", "new-one"])
def test_receipts_and_unknown_events_are_ignored(event: str) -> None:
    body = {"event": event, "timestamp": 1, "message_token": TOKEN, "user_id": "u1="}
    assert parse(json.dumps(body).encode()) == Ignore(event)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"timestamp": 1}',
        b'{"event": "message", "message_token": 1, "message": {"type": "text"}}',
        b'{"event": "message", "sender": {"id": "u"}, "message": {"type": "text"}}',
        b'{"event": "message", "message_token": 1.5, "sender": {"id": "u"}, "message": {}}',
        b'{"event": "conversation_started", "message_token": 1}',
        b"\xff\xfe",
    ],
)
def test_malformed_events_are_refused(body: bytes) -> None:
    with pytest.raises(BadEvent):
        parse(body)


def test_a_string_message_token_is_kept_as_it_is() -> None:
    body = json.loads(message({"type": "text", "text": "hi"}))
    body["message_token"] = "5098034272017990000"
    assert enqueued(parse(json.dumps(body).encode())).message_id == "5098034272017990000"


# -- deep links ----------------------------------------------------------------------------------


def test_deep_link() -> None:
    assert deep_link("tellerbank", "INV-42_x") == "viber://pa?chatURI=tellerbank&context=INV-42_x"
    with pytest.raises(ValueError, match="deep-link code"):
        deep_link("tellerbank", "has space")
    with pytest.raises(ValueError, match="VIBER_CHAT_URI"):
        deep_link("", "INV42")
