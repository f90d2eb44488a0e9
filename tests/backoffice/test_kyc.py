"""KYC review in the back office, in-process on both databases: the queue, an application,
single-use document links, the three decisions and what each does to the customer."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI

from backoffice.roles import Role
from core.audit.log import recent
from core.bank import Bank
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.kyc.model import ApplicationStatus
from core.persistence.database import Database
from flows.service import Conversations
from tests.backoffice.conftest import StaffFactory
from tests.backoffice.kyc_support import (
    PNG_MAGIC,
    applicant_in_review,
    document_tokens,
    kyc_bank,
    run_background,
)
from tests.fakes import MutableClock

OTHER_ROLES = [r for r in Role if r is not Role.KYC_REVIEWER]


@pytest.fixture
async def bank(database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path) -> Bank:
    return await kyc_bank(database, keyring, clock, tmp_path)


async def outbox(app: FastAPI, user: str) -> list[dict[str, Any]]:
    conversations: Conversations = app.state.conversations
    return [reply for _, _, reply in await conversations.outbox.pending("webchat", user)]


async def audit_records(bank: Bank) -> list[Any]:
    async with bank.db.read() as conn:
        return [r for _, r in await recent(conn, limit=1000)]


async def test_the_queue_lists_applications_oldest_first_with_waiting_time(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    first = await applicant_in_review(app, bank, clock, 1, "Jana Dvořáková")
    clock.advance(minutes=50)
    await applicant_in_review(app, bank, clock, 2, "Petr Novák")
    clock.advance(minutes=25)
    reviewer = await staff_client(Role.KYC_REVIEWER)
    page = await reviewer.get("/backoffice/kyc")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert html.index("Jana Dvořáková") < html.index("Petr Novák")
    assert "1 h 15 min" in html
    assert "25 min" in html
    assert f"/backoffice/kyc/applications/{first.application_id}" in html
    assert "Machine-readable zone not read" in html
    actions = [r.action for r in await audit_records(bank)]
    assert "backoffice.kyc_view_queue" in actions


async def test_the_open_queue_refreshes_itself_as_applications_arrive(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    reviewer = await staff_client(Role.KYC_REVIEWER)
    page = await reviewer.get("/backoffice/kyc")
    assert 'hx-get="/backoffice/kyc/queue"' in page.text
    assert 'hx-trigger="every 10s"' in page.text
    assert "Jana Dvořáková" not in page.text

    applicant = await applicant_in_review(app, bank, clock, 1, "Jana Dvořáková")
    clock.advance(minutes=5)
    fragment = await reviewer.get("/backoffice/kyc/queue")
    assert fragment.status_code == 200
    assert fragment.headers["cache-control"] == "no-store"
    assert fragment.text.lstrip().startswith("<section")  # the table alone …
    assert "<html" not in fragment.text  # … not a page inside the page
    assert 'id="kyc-queue"' in fragment.text
    assert 'hx-trigger="every 10s"' in fragment.text  # it goes on refreshing
    assert "Jana Dvořáková" in fragment.text
    assert f"/backoffice/kyc/applications/{applicant.application_id}" in fragment.text
    assert "5 min" in fragment.text
    views = [r.action for r in await audit_records(bank)].count("backoffice.kyc_view_queue")
    assert views == 1  # the page's view, not its refreshes


async def test_the_application_page_shows_data_checks_and_document_links(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    applicant = await applicant_in_review(app, bank, clock)
    reviewer = await staff_client(Role.KYC_REVIEWER)
    page = await reviewer.get(f"/backoffice/kyc/applications/{applicant.application_id}")
    assert page.status_code == 200
    html = page.text
    for shown in ("Dvořáková", "40123451", "1990-05-17", "CZE", "MRZ_NOT_READ", "Passport"):
        assert shown in html
    assert len(document_tokens(html)) == 2  # the passport and the selfie
    assert "approve" in html
    assert "more-documents" in html
    viewed = [r for r in await audit_records(bank) if r.action == "kyc_view_personal_data"]
    assert [r.actor for r in viewed] == [f"staff:{reviewer.username}"]


async def test_an_unknown_application_is_not_found(
    app: FastAPI, bank: Bank, staff_client: StaffFactory
) -> None:
    reviewer = await staff_client(Role.KYC_REVIEWER)
    assert (await reviewer.get(f"/backoffice/kyc/applications/{uuid4()}")).status_code == 404
    answer = await reviewer.post(f"/backoffice/kyc/applications/{uuid4()}/approve")
    assert answer.status_code == 404


async def test_a_document_link_serves_the_image_once(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    applicant = await applicant_in_review(app, bank, clock)
    reviewer = await staff_client(Role.KYC_REVIEWER)
    page = await reviewer.get(f"/backoffice/kyc/applications/{applicant.application_id}")
    token = document_tokens(page.text)[0]  # the passport comes first
    image = await reviewer.get(f"/backoffice/kyc/documents/{token}")
    assert image.status_code == 200
    assert image.content.startswith(PNG_MAGIC)
    assert image.headers["content-type"] == "image/png"
    assert "no-store" in image.headers["cache-control"]
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.headers["content-disposition"].startswith("inline")
    again = await reviewer.get(f"/backoffice/kyc/documents/{token}")
    assert again.status_code == 410
    assert PNG_MAGIC not in again.content
    viewed = [r for r in await audit_records(bank) if r.action == "kyc_view_document"]
    assert len(viewed) == 1
    assert viewed[0].actor == f"staff:{reviewer.username}"


async def test_an_expired_link_serves_nothing(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    applicant = await applicant_in_review(app, bank, clock)
    reviewer = await staff_client(Role.KYC_REVIEWER)
    page = await reviewer.get(f"/backoffice/kyc/applications/{applicant.application_id}")
    token = document_tokens(page.text)[0]
    clock.advance(minutes=2, seconds=1)
    expired = await reviewer.get(f"/backoffice/kyc/documents/{token}")
    assert expired.status_code == 410
    assert PNG_MAGIC not in expired.content
    assert not [r for r in await audit_records(bank) if r.action == "kyc_view_document"]


async def test_another_reviewers_link_serves_nothing_and_stays_theirs(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    applicant = await applicant_in_review(app, bank, clock)
    owner = await staff_client(Role.KYC_REVIEWER)
    other = await staff_client(Role.KYC_REVIEWER)
    page = await owner.get(f"/backoffice/kyc/applications/{applicant.application_id}")
    token = document_tokens(page.text)[0]
    stolen = await other.get(f"/backoffice/kyc/documents/{token}")
    assert stolen.status_code == 404
    assert PNG_MAGIC not in stolen.content
    assert (await other.get("/backoffice/kyc/documents/" + "x" * 43)).status_code == 404
    refused = [r for r in await audit_records(bank) if r.action == "backoffice.kyc_document_link"]
    assert refused
    assert all(r.outcome == "refused" for r in refused)
    assert (await owner.get(f"/backoffice/kyc/documents/{token}")).status_code == 200


async def test_approving_verifies_the_customer_and_tells_them_in_chat(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    applicant = await applicant_in_review(app, bank, clock)
    reviewer = await staff_client(Role.KYC_REVIEWER)
    url = f"/backoffice/kyc/applications/{applicant.application_id}"
    answer = await reviewer.post(f"{url}/approve", {"note": "photo and data match"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/backoffice/kyc?done=approved"
    assert (await bank.customers.get(applicant.customer_id)).kyc_status is KycStatus.VERIFIED
    assert await bank.kyc.review_queue() == []
    await run_background(bank, clock)
    told = (await outbox(app, applicant.webchat_user))[-1]
    assert "identity is verified" in told["text"]
    assert told["buttons"][0]["payload"] == "flow:get_card"
    [review] = [r for r in await audit_records(bank) if r.action == "kyc_review"]
    assert review.actor == f"staff:{reviewer.username}"
    # Deciding again is refused with a clear message and changes nothing.
    again = await reviewer.post(f"{url}/reject", {"code": "OTHER", "reason": "changed my mind"})
    assert again.status_code == 409
    assert "not waiting for a decision" in again.text
    assert (await bank.customers.get(applicant.customer_id)).kyc_status is KycStatus.VERIFIED


async def test_rejecting_needs_a_reason_and_keeps_the_text_out_of_the_audit_log(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    applicant = await applicant_in_review(app, bank, clock)
    reviewer = await staff_client(Role.KYC_REVIEWER)
    url = f"/backoffice/kyc/applications/{applicant.application_id}/reject"
    missing = await reviewer.post(url, {"code": "", "reason": "blurred"})
    assert missing.status_code == 422
    assert "Choose a reason" in missing.text
    unknown = await reviewer.post(url, {"code": "MADE_UP", "reason": "blurred"})
    assert unknown.status_code == 422
    silent = await reviewer.post(url, {"code": "SELFIE_MISMATCH", "reason": "  "})
    assert silent.status_code == 422
    assert (await bank.kyc.get(applicant.application_id)).status is ApplicationStatus.MANUAL_REVIEW
    secret_words = "the selfie shows a printed photograph"
    answer = await reviewer.post(url, {"code": "SELFIE_MISMATCH", "reason": secret_words})
    assert answer.status_code == 303
    assert (await bank.customers.get(applicant.customer_id)).kyc_status is KycStatus.REJECTED
    await run_background(bank, clock)
    told = (await outbox(app, applicant.webchat_user))[-1]
    assert "couldn't verify your identity" in told["text"]
    assert secret_words not in told["text"]
    records = await audit_records(bank)
    [review] = [r for r in records if r.action == "kyc_review"]
    assert review.details["code"] == "SELFIE_MISMATCH"
    assert all(secret_words not in str(r.details) for r in records)


async def test_asking_for_more_documents_round_trip_through_the_chat(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    from tests.flows.harness import Chat
    from tests.kyc_support import Applicant

    applicant = await applicant_in_review(app, bank, clock)
    reviewer = await staff_client(Role.KYC_REVIEWER)
    url = f"/backoffice/kyc/applications/{applicant.application_id}"
    empty = await reviewer.post(f"{url}/more-documents", {"message": " "})
    assert empty.status_code == 422
    ask = "Please send the passport photo again: the lower lines are cut off."
    answer = await reviewer.post(f"{url}/more-documents", {"message": ask})
    assert answer.status_code == 303
    view = await bank.kyc.get(applicant.application_id)
    assert view.status is ApplicationStatus.MORE_DOCUMENTS
    assert (await bank.customers.get(applicant.customer_id)).kyc_status is KycStatus.PENDING
    assert "Jana" not in (await reviewer.get("/backoffice/kyc")).text  # out of the queue
    await run_background(bank, clock)
    told = (await outbox(app, applicant.webchat_user))[-1]
    assert ask in told["text"]
    assert told["buttons"] == [{"title": "Send documents", "payload": "flow:kyc_documents"}]

    # The customer answers in the chat with a file, and the application is back in review.
    clock.advance(minutes=10)
    chat = Chat(reviewer.http, applicant.webchat_user)
    await chat.begin("en")
    await chat.send(payload=told["buttons"][0]["payload"])  # the notification's button
    assert "Which document" in chat.text()
    await chat.tap("Passport or ID card")
    sharper = Applicant(number="40123451").passport()
    await chat.upload(sharper, "image/png", "passport.png")
    assert "another document" in chat.text()
    await chat.tap("That's all")
    assert "back with our team" in chat.text()
    view = await bank.kyc.get(applicant.application_id)
    assert view.status is ApplicationStatus.MANUAL_REVIEW
    assert view.attempt == 1
    queue = await reviewer.get("/backoffice/kyc")
    assert str(applicant.application_id) in queue.text
    assert "0 min" in queue.text  # waiting counts again from the resubmission
    done = await reviewer.post(f"{url}/approve")
    assert done.status_code == 303
    assert (await bank.customers.get(applicant.customer_id)).kyc_status is KycStatus.VERIFIED


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    applicant = await applicant_in_review(app, bank, clock)
    reviewer = await staff_client(Role.KYC_REVIEWER)
    base = f"/backoffice/kyc/applications/{applicant.application_id}"
    for action, form in (
        ("approve", {"note": ""}),
        ("reject", {"code": "OTHER", "reason": "no"}),
        ("more-documents", {"message": "send more"}),
    ):
        answer = await reviewer.http.post(f"{base}/{action}", data=form)
        assert answer.status_code == 403, action
        forged = await reviewer.http.post(f"{base}/{action}", data={**form, "csrf_token": "x"})
        assert forged.status_code == 403, action
    assert (await bank.kyc.get(applicant.application_id)).status is ApplicationStatus.MANUAL_REVIEW
    assert not [r for r in await audit_records(bank) if r.action == "kyc_review"]


@pytest.mark.parametrize("role", OTHER_ROLES, ids=lambda r: r.value)
async def test_other_roles_are_refused_everywhere(
    role: Role, app: FastAPI, bank: Bank, clock: MutableClock, staff_client: StaffFactory
) -> None:
    applicant = await applicant_in_review(app, bank, clock)
    reviewer = await staff_client(Role.KYC_REVIEWER)
    page = await reviewer.get(f"/backoffice/kyc/applications/{applicant.application_id}")
    token = document_tokens(page.text)[0]
    other = await staff_client(role)
    base = f"/backoffice/kyc/applications/{applicant.application_id}"
    for url in (
        "/backoffice/kyc",
        "/backoffice/kyc/queue",
        base,
        f"/backoffice/kyc/documents/{token}",
    ):
        answer = await other.get(url)
        assert answer.status_code == 403, url
        assert PNG_MAGIC not in answer.content
    for action in ("approve", "reject", "more-documents"):
        answer = await other.post(f"{base}/{action}", {"code": "OTHER", "reason": "x"})
        assert answer.status_code == 403, action
    assert (await bank.kyc.get(applicant.application_id)).status is ApplicationStatus.MANUAL_REVIEW
    assert (await reviewer.get(f"/backoffice/kyc/documents/{token}")).status_code == 200


async def test_signed_out_visitors_are_sent_to_sign_in(app: FastAPI, anonymous: Any) -> None:
    answer = await anonymous.get("/backoffice/kyc")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/backoffice/login")
