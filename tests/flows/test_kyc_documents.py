"""More documents in chat (decision 0081): a reviewer's request reaches the customer, who
answers with files — from the notification's button or by coming back to "Open an
account" — and the application returns to review; on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.kyc.model import ApplicationStatus, Decision, DocumentKind
from flows.store.schema import media
from integrations.bank.kyc import KycApplicationStatus
from tests.flows.conftest import Teller
from tests.flows.test_onboarding import (  # noqa: F401  (bank: the fixture with KYC ports)
    REVIEWER,
    bank,
    customer_of,
    passport,
    register,
    send_documents,
)
from tests.kyc_support import document_image, selfie

ASK = "Please send a selfie in daylight, without glasses."


async def in_review(teller: Teller, user: str) -> Any:
    chat = teller.chat(user)
    await chat.begin("en")
    await register(teller, chat)
    await send_documents(chat, document_image())  # no zone to read: staff decide
    await teller.run_jobs()
    customer_id = await customer_of(teller, user)
    [application] = await teller.conversations.services.bank.list_kyc_applications(customer_id)
    assert application.status is KycApplicationStatus.MANUAL_REVIEW
    return chat, application


async def test_the_request_arrives_and_the_customer_answers_with_a_selfie(
    teller: Teller,
) -> None:
    chat, application = await in_review(teller, "more-docs-1")
    await teller.bank.kyc.request_documents(application.id, ASK, REVIEWER)
    await teller.run_jobs()
    told = (await teller.pending("more-docs-1"))[-1]
    assert ASK in told["text"]
    assert told["buttons"][0]["payload"] == "flow:kyc_documents"

    teller.clock.advance(minutes=5)
    await chat.send(payload=told["buttons"][0]["payload"])
    assert "Which document" in chat.text()
    await chat.tap("Selfie")
    await chat.say("here")  # words where a file is expected: asked again
    assert "send it as a photo" in chat.text()
    await chat.upload(selfie(), "image/jpeg", "me.jpg")
    await chat.tap("That's all")
    assert "back with our team" in chat.text()
    view = await teller.bank.kyc.get(application.id)
    assert view.status is ApplicationStatus.MANUAL_REVIEW
    assert view.attempt == 1
    await teller.bank.kyc.decide(application.id, Decision.VERIFIED, "fine now", REVIEWER)


async def test_coming_back_to_open_an_account_leads_to_the_documents(teller: Teller) -> None:
    chat, application = await in_review(teller, "more-docs-2")
    await chat.send(payload="flow:onboarding")
    assert "checking your identity" in chat.text()  # nothing asked yet
    await teller.bank.kyc.request_documents(application.id, ASK, REVIEWER)
    teller.clock.advance(minutes=5)
    await chat.send(payload="cmd:menu")
    await chat.send(payload="flow:onboarding")
    assert "Which document" in chat.text()
    await chat.tap("Passport or ID card")
    await chat.upload(passport(), "image/png", "passport.png")
    await chat.tap("That's all")
    view = await teller.bank.kyc.get(application.id)
    assert view.status is ApplicationStatus.MANUAL_REVIEW
    await chat.send(payload="flow:kyc_documents")  # nothing is waiting any more
    assert "nothing waiting" in chat.text()


async def _media_rows(teller: Teller) -> int:
    async with teller.bank.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(media))).scalar_one())


async def test_a_selfie_sent_unasked_goes_to_the_application_waiting_for_it(
    teller: Teller,
) -> None:
    # The customer read the request and sent the photo straight away, without the button.
    chat, application = await in_review(teller, "more-docs-3")
    await teller.bank.kyc.request_documents(application.id, ASK, REVIEWER)
    await teller.run_jobs()
    before = (await teller.bank.kyc.get(application.id)).document(DocumentKind.SELFIE)
    assert before is not None
    teller.clock.advance(minutes=5)

    await chat.upload(selfie(), "image/jpeg", "me.jpg")
    assert "documents our team asked for" in chat.text()
    await chat.tap("Selfie")
    assert "send another" in chat.text()
    await chat.tap("That's all")
    assert "back with our team" in chat.text()
    view = await teller.bank.kyc.get(application.id)
    assert view.status is ApplicationStatus.MANUAL_REVIEW
    after = view.document(DocumentKind.SELFIE)
    assert after is not None
    assert after.uploaded_at > before.uploaded_at  # the new photo, not the old one
    assert await _media_rows(teller) == 0  # handed over, kept nowhere in chat


async def test_a_file_that_nothing_waits_for_is_declined_and_let_go(teller: Teller) -> None:
    chat, _application = await in_review(teller, "more-docs-4")  # nothing asked yet
    await chat.upload(selfie(), "image/jpeg", "me.jpg")
    assert "wasn't expecting a file" in chat.text()
    assert "Menu" in [b["title"] for r in chat.replies for b in r.get("buttons", [])]
    assert await _media_rows(teller) == 0
