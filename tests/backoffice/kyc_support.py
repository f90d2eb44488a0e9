"""Applicants for the KYC review tests: a customer with a web chat, an application that the
automatic checks sent to staff (no MRZ reader: every application goes to review), and the
background work (the bank's jobs, then the relay from its events to chats)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from fastapi import FastAPI

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.crypto import Keyring
from core.customers.service import NewCustomer
from core.jobqueue.runner import JobRunner
from core.kyc.documents import KycPorts
from core.kyc.model import ApplicationStatus
from core.persistence.database import Database
from flows.service import Conversations
from integrations.documents.local import LocalDocumentStore
from integrations.virusscan.development import DevelopmentScanner
from teller.wiring import notification_jobs
from tests.fakes import MutableClock
from tests.fakes import run_jobs as run_bank_jobs
from tests.kyc_support import Applicant, bank_with_kyc, document_image, selfie

CHAT = Actor(ActorKind.API_CLIENT, "chat")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


async def kyc_bank(database: Database, keyring: Keyring, clock: MutableClock, root: Path) -> Bank:
    ports = KycPorts(LocalDocumentStore(root / "documents"), DevelopmentScanner(), None)
    built = bank_with_kyc(database, keyring, clock, root, ports)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


@dataclass(frozen=True)
class InReview:
    customer_id: UUID
    application_id: UUID
    webchat_user: str


async def run_background(bank: Bank, clock: MutableClock) -> None:
    """The bank's due jobs, then every event subscriber (chat notifications included)."""
    await run_bank_jobs(bank)
    jobs = bank.jobs() + notification_jobs(bank.db, bank, clock)
    await JobRunner(bank.db, clock, jobs).run_until_idle()


async def applicant_in_review(
    app: FastAPI, bank: Bank, clock: MutableClock, n: int = 1, name: str = "Jana Dvořáková"
) -> InReview:
    """A customer linked to a web chat, whose application waits for a reviewer."""
    applicant = Applicant(full_name=name, number=f"4012345{n}")
    customer = await bank.customers.create(NewCustomer(name), SYSTEM)
    user = f"kyc-review-{n}"
    conversations: Conversations = app.state.conversations
    await conversations.services.identities.link("webchat", user, customer.id)
    draft = await bank.kyc.start(customer.id, CHAT)
    await bank.kyc.set_personal_data(draft.id, applicant.personal_data(), CHAT)
    await bank.kyc.add_document(draft.id, "passport", document_image(applicant.mrz()), CHAT)
    await bank.kyc.add_document(draft.id, "selfie", selfie(), CHAT)
    await bank.kyc.submit(draft.id, CHAT)
    await run_background(bank, clock)
    assert (await bank.kyc.get(draft.id)).status is ApplicationStatus.MANUAL_REVIEW
    return InReview(customer.id, draft.id, user)


def document_tokens(html: str) -> list[str]:
    return re.findall(r'/backoffice/kyc/documents/([A-Za-z0-9_\-]+)"', html)
