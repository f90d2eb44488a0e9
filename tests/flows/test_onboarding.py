"""Opening an account in chat: consent, a confirmed phone, registration, a passcode and the
identity check with real photos, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from core.actors import Actor, ActorKind
from core.bank import Bank
from core.crypto import Keyring
from core.kyc.model import Decision
from core.persistence.database import Database
from flows.messages import Inbound, Kind
from flows.store.schema import media
from integrations.bank.kyc import KycApplicationStatus
from integrations.bank.types import KycStatus
from tests.fakes import MutableClock, run_jobs
from tests.flows.conftest import Teller
from tests.flows.harness import Chat
from tests.kyc_support import bank_with_kyc, document_image, selfie, td3

PASSCODE = "470258"
REVIEWER = Actor(ActorKind.STAFF, "reviewer-1")


@pytest.fixture
async def bank(
    database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path
) -> AsyncIterator[Bank]:
    """The demo bank with identity documents accepted (a local store and scanner)."""
    from tests.conftest import SYSTEM

    built = bank_with_kyc(database, keyring, clock, tmp_path / "kyc")
    await built.accounts.ensure_bank_accounts(SYSTEM)
    yield built
    ledger, audit = await built.verify_ledger(), await built.verify_audit()
    assert ledger.ok, ledger.problems
    assert audit.ok, audit.problems


def passport() -> bytes:
    return document_image(td3("Dvorakova", "Jana", "40123456"))


async def customer_of(teller: Teller, user: str) -> UUID:
    found = await teller.conversations.services.identities.customer_of("webchat", user)
    assert found is not None
    return found


async def register(teller: Teller, chat: Chat, phone: str = "+420 777 123 456") -> None:
    """From the menu of a new visitor to the identity check's first question."""
    await chat.tap("Open an account")
    await chat.tap("I agree")
    await chat.say(phone)
    assert "code" in chat.text()
    await chat.say(teller.codes.last_code())
    assert "full name" in chat.text()
    await chat.say("Jana Dvořáková")
    await chat.say("17 May 1990")
    await chat.tap("Skip")
    assert "passcode" in chat.text()
    await chat.say(PASSCODE)
    await chat.say(PASSCODE)
    assert "Which document" in chat.text()


async def document_data(chat: Chat) -> None:
    await chat.tap("Passport")
    await chat.say("40123456")
    await chat.tap("Czech Republic")
    await chat.tap("The same country")
    await chat.say("9 January 2031")
    assert "photo" in chat.text()


async def test_a_newcomer_opens_an_account_and_sends_documents(teller: Teller) -> None:
    chat = teller.chat("newcomer-0001")
    await chat.begin("en")
    await register(teller, chat)
    assert teller.codes.sent[0][0] == "+420777123456"
    await document_data(chat)
    await chat.upload(passport(), "image/png", "passport.png")
    assert "selfie" in chat.text()
    await chat.upload(selfie(), "image/jpeg", "me.jpg")
    assert "let you know" in chat.text()

    customer_id = await customer_of(teller, "newcomer-0001")
    bank = teller.conversations.services.bank
    customer = await bank.get_customer(customer_id)
    assert customer.full_name == "Jana Dvořáková"
    assert customer.phone is not None
    assert customer.phone.replace(" ", "") == "+420777123456"
    assert customer.kyc_status is KycStatus.PENDING
    [application] = await bank.list_kyc_applications(customer_id)
    assert application.status is KycApplicationStatus.SUBMITTED
    assert application.has_personal_data
    assert {d.kind.value for d in application.documents} == {"passport", "selfie"}
    assert [a.currency for a in await bank.list_accounts(customer_id)] == ["EUR"]
    assert await teller.conversations.services.credentials.get(customer_id) is not None
    # The identity photos were handed to the bank and are kept nowhere in chat.
    async with teller.bank.db.read() as conn:
        kept = (await conn.execute(select(media.c.content_type))).scalars().all()
    assert not [t for t in kept if t in ("image/png", "image/jpeg")]

    # Coming back: the status and what happens next, not a second application.
    await chat.send(payload="cmd:menu")
    await chat.send(payload="flow:onboarding")
    assert "checking your identity" in chat.text()
    transcript = await teller.conversations.transcript("webchat", "newcomer-0001")
    assert PASSCODE not in str([r.body for r in transcript])


async def test_a_wrong_code_a_bad_date_and_a_bad_photo_are_asked_again(teller: Teller) -> None:
    chat = teller.chat("newcomer-0002")
    await chat.begin("en")
    await chat.tap("Open an account")
    await chat.tap("I agree")
    await chat.say("12")
    assert "country code" in chat.text()
    await chat.say("+420 777 123 457")
    right = teller.codes.last_code()
    wrong = "000000" if right != "000000" else "111111"
    await chat.say(wrong)
    assert "isn't right" in chat.text()
    await chat.say(right)
    await chat.say("Jana Dvořáková")
    await chat.say("someday")
    assert "date of birth" in chat.text()
    await chat.say("17 May 1990")
    await chat.say("jana.example.com")
    assert "e-mail address" in chat.text()
    await chat.say("jana@example.com")
    await chat.say(PASSCODE)
    await chat.say(PASSCODE)
    await chat.tap("Passport")
    await chat.say("40123456")
    await chat.say("Narnia")
    assert "don't know that country" in chat.text()
    await chat.say("CZ")
    await chat.tap("The same country")
    await chat.say("9 January 2025")  # expired before the clock's today
    assert "expired" in chat.text()
    await chat.tap("ID card")
    await chat.say("ab123456")
    await chat.tap("Czech Republic")
    await chat.tap("The same country")
    await chat.say("9 January 2031")
    await chat.say("here it is")  # text where a photo is expected
    assert "photo or a PDF" in chat.text()
    tiny = document_image(size=(100, 80))
    await chat.upload(tiny, "image/png", "tiny.png")
    assert "too small" in chat.text()
    await chat.upload(passport(), "image/png", "id.png")
    await chat.upload(b"%PDF-1.4 not really", "application/pdf", "selfie.pdf")
    assert "photo of your face" in chat.text()
    await chat.upload(selfie(), "image/jpeg", "me.jpg")
    assert "let you know" in chat.text()
    customer_id = await customer_of(teller, "newcomer-0002")
    bank = teller.conversations.services.bank
    assert (await bank.get_customer(customer_id)).email == "jana@example.com"
    [application] = await bank.list_kyc_applications(customer_id)
    assert {d.kind.value for d in application.documents} == {"id_card", "selfie"}


async def test_a_question_in_the_middle_is_answered_and_onboarding_resumes(
    teller: Teller,
) -> None:
    chat = teller.chat("newcomer-0003")
    await chat.begin("en")
    await register(teller, chat)
    await document_data(chat)
    await chat.say("what's my balance?")
    assert "€0.00" in chat.text() or "0.00" in chat.text()
    assert "continue opening your account" in chat.text()
    await chat.tap("Yes")
    assert "photo" in chat.text()
    await chat.upload(passport(), "image/png", "passport.png")
    await chat.upload(selfie(), "image/jpeg", "me.jpg")
    assert "let you know" in chat.text()


async def test_a_phone_in_use_gets_an_answer_and_another_way(teller: Teller) -> None:
    chat = teller.chat("newcomer-0004")
    await chat.begin("en")
    await chat.tap("Open an account")
    await chat.tap("I agree")
    await chat.say(teller.customer("anna")["phone"])
    await chat.say(teller.codes.last_code())
    await chat.say("Jana Dvořáková")
    await chat.say("17 May 1990")
    await chat.tap("Skip")
    assert "already belongs to a Teller account" in chat.text()
    assert (
        await teller.conversations.services.identities.customer_of("webchat", "newcomer-0004")
        is None
    )
    await chat.tap("Use another phone number")
    await chat.say("+420 777 123 458")
    await chat.say(teller.codes.last_code())
    assert "passcode" in chat.text()
    customer_id = await customer_of(teller, "newcomer-0004")
    customer = await teller.conversations.services.bank.get_customer(customer_id)
    assert customer.full_name == "Jana Dvořáková"


async def test_a_minor_cannot_open_an_account(teller: Teller) -> None:
    chat = teller.chat("newcomer-0005")
    await chat.begin("en")
    await chat.tap("Open an account")
    await chat.tap("I agree")
    await chat.say("+420 777 123 459")
    await chat.say(teller.codes.last_code())
    await chat.say("Jana Dvořáková")
    await chat.say("1 January 2015")
    await chat.tap("Skip")
    assert "18 and over" in chat.text()
    assert (
        await teller.conversations.services.identities.customer_of("webchat", "newcomer-0005")
        is None
    )


async def test_someone_elses_shared_contact_is_refused(teller: Teller) -> None:
    chat = teller.chat("newcomer-0006")
    await chat.begin("en")
    await chat.tap("Open an account")
    await chat.tap("I agree")
    shared = Inbound(
        "webchat",
        "newcomer-0006",
        "contact-1",
        Kind.CONTACT,
        contact_phone="+420777123460",
        contact_is_sender=False,
    )
    handled = await teller.conversations.receive(shared, inline=True)
    assert handled is not None
    assert teller.codes.sent == []
    own = Inbound(
        "webchat",
        "newcomer-0006",
        "contact-2",
        Kind.CONTACT,
        contact_phone="+420777123460",
        contact_is_sender=True,
    )
    await teller.conversations.receive(own, inline=True)
    assert teller.codes.sent[-1][0] == "+420777123460"


async def test_a_registered_unverified_customer_goes_on_to_the_identity_check(
    teller: Teller,
) -> None:
    chat = teller.as_customer("petr")
    await chat.begin("cs")
    await chat.send(payload="cmd:language")
    await chat.tap("English")
    await chat.send(payload="flow:onboarding")
    assert "Which document" in chat.text() or "date of birth" in chat.text()
    if "date of birth" in chat.text():
        await chat.say("3 March 1985")
    await document_data(chat)
    await chat.upload(passport(), "image/png", "passport.png")
    await chat.upload(selfie(), "image/jpeg", "me.jpg")
    assert "let you know" in chat.text()
    petr = UUID(teller.customer("petr")["customer_id"])
    [application] = await teller.conversations.services.bank.list_kyc_applications(petr)
    assert application.status is KycApplicationStatus.SUBMITTED


async def test_a_verified_customer_is_told_and_offered_a_card(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.send(payload="flow:onboarding")
    assert "verified" in chat.text()
    assert "Get a card" in chat.buttons()


@pytest.mark.parametrize("language", ["en", "cs", "ru", "uk"])
async def test_the_kyc_decision_messages_exist_in_every_language(
    teller: Teller, language: str
) -> None:
    catalog = teller.conversations.services.catalog
    for key in ("notify.kyc_verified", "notify.kyc_rejected", "notify.kyc_manual_review"):
        assert catalog.template(language, key)


async def test_a_czech_newcomer_is_guided_in_czech_and_can_go_back(teller: Teller) -> None:
    chat = teller.chat("newcomer-0007")
    await chat.begin("cs")
    await chat.tap("Založit účet")
    await chat.tap("Souhlasím")
    assert "číslo mobilu" in chat.text()
    await chat.say("777 123 461")  # a Czech number without the country code
    assert teller.codes.sent[-1][0] == "+420777123461"
    assert "kód" in chat.text()
    await chat.say(teller.codes.last_code())
    await chat.say("Jana Dvořáková")
    await chat.say("zpět")
    assert "celé jméno" in chat.text()
    await chat.say("Jana Nováková")
    await chat.say("17. 5. 1990")
    await chat.tap("Přeskočit")
    assert "přístupový kód" in chat.text()
    customer_id = await customer_of(teller, "newcomer-0007")
    bank = teller.conversations.services.bank
    assert (await bank.get_customer(customer_id)).full_name == "Jana Nováková"
    assert [a.currency for a in await bank.list_accounts(customer_id)] == ["CZK"]


async def send_documents(chat: Chat, document: bytes) -> None:
    await document_data(chat)
    await chat.upload(document, "image/png", "passport.png")
    await chat.upload(selfie(), "image/jpeg", "me.jpg")
    assert "let you know" in chat.text()


async def test_a_newcomer_verified_by_the_bank_gets_a_card_at_once(teller: Teller) -> None:
    chat = teller.chat("newcomer-0008")
    await chat.begin("en")
    await register(teller, chat)
    await send_documents(chat, passport())
    await run_jobs(teller.bank)  # the bank's checks decide in the background
    customer_id = await customer_of(teller, "newcomer-0008")
    bank = teller.conversations.services.bank
    assert (await bank.get_customer(customer_id)).kyc_status is KycStatus.VERIFIED
    await chat.send(payload="flow:get_card")
    assert "image" in chat.kinds()
    [card] = await bank.list_cards(customer_id)
    assert card.last4 in chat.text()


async def test_a_rejected_customer_is_offered_another_attempt(teller: Teller) -> None:
    chat = teller.chat("newcomer-0009")
    await chat.begin("en")
    await register(teller, chat)
    someone_else = document_image(td3("Novak", "Petr", "77777777", sex="M"))
    await send_documents(chat, someone_else)
    await run_jobs(teller.bank)
    customer_id = await customer_of(teller, "newcomer-0009")
    bank = teller.conversations.services.bank
    [first] = await bank.list_kyc_applications(customer_id)
    assert first.status is KycApplicationStatus.MANUAL_REVIEW
    await chat.send(payload="flow:onboarding")
    assert "checking your identity" in chat.text()
    reason = "another person's passport"
    await teller.bank.kyc.decide(first.id, Decision.REJECTED, reason, REVIEWER)
    await chat.send(payload="flow:onboarding")
    assert "2 attempts left" in chat.text()
    assert "date of birth" in chat.text()  # a new conversation: asked once more
    await chat.say("17 May 1990")
    await send_documents(chat, passport())
    applications = await bank.list_kyc_applications(customer_id)
    assert [a.status for a in applications] == [
        KycApplicationStatus.REJECTED,
        KycApplicationStatus.SUBMITTED,
    ]
