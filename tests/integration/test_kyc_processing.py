"""The KYC job: idempotent, retried with back-off, found again by the sweep; concurrency."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import func, select

from core.actors import SYSTEM, Actor, ActorKind
from core.audit.log import recent
from core.bank import Bank
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.customers.service import NewCustomer
from core.jobs import MemoryQueue
from core.kyc.documents import KycPorts
from core.kyc.model import ApplicationStatus
from core.kyc.tables import kyc_applications
from core.persistence.database import Database
from core.persistence.tables import events
from integrations.documents.local import LocalDocumentStore
from integrations.virusscan.development import DevelopmentScanner
from tests.fakes import MutableClock, run_jobs
from tests.kyc_support import Applicant, bank_with_kyc, selfie

AGENT = Actor(ActorKind.API_CLIENT, "chat")
JANA = Applicant()


@pytest.fixture
async def bank(database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path) -> Bank:
    built = bank_with_kyc(database, keyring, clock, tmp_path / "documents")
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def ready_draft(bank: Bank) -> UUID:
    customer = await bank.customers.create(NewCustomer(JANA.full_name), SYSTEM)
    draft = await bank.kyc.start(customer.id, AGENT)
    await bank.kyc.set_personal_data(draft.id, JANA.personal_data(), AGENT)
    await bank.kyc.add_document(draft.id, "passport", JANA.passport(), AGENT)
    await bank.kyc.add_document(draft.id, "selfie", selfie(), AGENT)
    return draft.id


async def count_events(bank: Bank) -> int:
    async with bank.db.read() as conn:
        query = select(func.count()).select_from(events).where(events.c.type == "kyc.decided")
        return int((await conn.execute(query)).scalar_one())


async def count_audit(bank: Bank, action: str) -> int:
    async with bank.db.read() as conn:
        return sum(1 for _, r in await recent(conn, limit=500) if r.action == action)


def queue(bank: Bank) -> MemoryQueue:
    assert isinstance(bank.queue, MemoryQueue)
    return bank.queue


async def sweep(bank: Bank, clock: MutableClock) -> None:
    (periodic,) = [p for p in bank.jobs().periodic if p.name == "kyc.sweep"]
    await periodic.handler(clock.now())


async def test_submitting_defers_one_job_keyed_by_the_application(bank: Bank) -> None:
    application_id = await ready_draft(bank)
    await bank.kyc.submit(application_id, AGENT)
    await bank.kyc.submit(application_id, AGENT)
    (job,) = queue(bank).queued
    assert (job.task, job.key) == ("kyc.process_application", f"kyc:{application_id}")
    assert job.payload == {"application_id": str(application_id)}


async def test_running_the_job_again_changes_nothing(bank: Bank) -> None:
    application_id = await ready_draft(bank)
    await bank.kyc.submit(application_id, AGENT)
    assert await run_jobs(bank) == 1
    for _ in range(2):
        await bank.kyc.process(application_id)
    await asyncio.gather(bank.kyc.process(application_id), bank.kyc.process(application_id))
    assert (await bank.kyc.get(application_id)).status is ApplicationStatus.VERIFIED
    assert await count_events(bank) == 1
    assert await count_audit(bank, "kyc_decide") == 1
    assert await count_audit(bank, "kyc_announce_decision") == 1


async def test_concurrent_runs_decide_and_announce_once(bank: Bank) -> None:
    application_id = await ready_draft(bank)
    await bank.kyc.submit(application_id, AGENT)
    await asyncio.gather(*(bank.kyc.process(application_id) for _ in range(4)))
    assert await count_events(bank) == 1
    assert await count_audit(bank, "kyc_decide") == 1


async def test_a_lost_job_is_deferred_again_by_the_sweep_after_a_grace(
    bank: Bank, clock: MutableClock
) -> None:
    application_id = await ready_draft(bank)
    await bank.kyc.submit(application_id, AGENT)
    queue(bank).queued.clear()  # the process died before the job ran
    await sweep(bank, clock)
    assert queue(bank).queued == []  # too recent: the job of the submission may still run
    clock.advance(minutes=3)
    await sweep(bank, clock)
    assert await run_jobs(bank) == 1
    assert (await bank.kyc.get(application_id)).status is ApplicationStatus.VERIFIED
    await sweep(bank, clock)
    assert queue(bank).queued == []  # nothing left to do


async def test_a_failure_after_the_decision_is_retried_until_announced(
    bank: Bank, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    application_id = await ready_draft(bank)
    application = await bank.kyc.submit(application_id, AGENT)
    real = bank.customers.set_kyc_status
    failures = 0

    async def flaky(customer_id: UUID, status: KycStatus, actor: Actor) -> object:
        nonlocal failures
        if failures < 1:
            failures += 1
            raise ConnectionResetError("the database went away")
        return await real(customer_id, status, actor)

    monkeypatch.setattr(bank.customers, "set_kyc_status", flaky)
    await run_jobs(bank)
    stuck = await bank.kyc.get(application_id)
    assert stuck.status is ApplicationStatus.VERIFIED  # decided...
    assert await count_events(bank) == 0  # ...but not announced
    customer = await bank.customers.get(application.customer_id)
    assert customer.kyc_status is KycStatus.PENDING
    (retry,) = queue(bank).queued
    assert (retry.failures, retry.last_error) == (1, "ConnectionResetError")
    clock.advance(seconds=10)  # the task's first back-off
    await run_jobs(bank)
    assert (await bank.customers.get(application.customer_id)).kyc_status is KycStatus.VERIFIED
    assert await count_events(bank) == 1


async def test_a_decided_but_unannounced_application_is_found_by_the_sweep(
    bank: Bank, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    application_id = await ready_draft(bank)
    await bank.kyc.submit(application_id, AGENT)

    async def down(*_: object) -> object:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(bank.customers, "set_kyc_status", down)
    await run_jobs(bank)
    queue(bank).queued.clear()  # the retries were lost too
    monkeypatch.undo()
    clock.advance(minutes=3)
    await sweep(bank, clock)
    await run_jobs(bank)
    async with bank.db.read() as conn:
        row = (await conn.execute(select(kyc_applications))).one()
    assert row.announced == row.decision == "verified"
    assert await count_events(bank) == 1


async def test_an_mrz_reader_failure_is_retried_and_the_decision_waits(
    database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path
) -> None:
    class BrokenReader:
        async def read(self, content: bytes, media_type: str) -> str | None:
            raise OSError("tesseract crashed")

    root = tmp_path / "documents"
    ports = KycPorts(LocalDocumentStore(root), DevelopmentScanner(), BrokenReader())
    bank = bank_with_kyc(database, keyring, clock, root, ports)
    application_id = await ready_draft(bank)
    await bank.kyc.submit(application_id, AGENT)
    await run_jobs(bank)
    assert (await bank.kyc.get(application_id)).status is ApplicationStatus.SUBMITTED
    assert queue(bank).queued[0].failures == 1


async def test_concurrent_submits_and_starts_make_one_attempt(bank: Bank) -> None:
    application_id = await ready_draft(bank)
    results = await asyncio.gather(*(bank.kyc.submit(application_id, AGENT) for _ in range(4)))
    assert {r.attempt for r in results} == {1}
    assert await count_audit(bank, "kyc_submit") == 1
    customer = await bank.customers.create(NewCustomer("Olena Kovalenko"), SYSTEM)
    drafts = await asyncio.gather(*(bank.kyc.start(customer.id, AGENT) for _ in range(4)))
    assert len({d.id for d in drafts}) == 1
