"""A friend's journey across the bank's parts, through the real background machinery: the
durable job queue runs KYC's decision, the outbox carries ``kyc.decided`` to the referral
programme, and both friends are paid — once, however often the runner goes round."""

from __future__ import annotations

from pathlib import Path

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.customers.service import NewCustomer
from core.jobqueue.queue import SqlJobQueue
from core.jobqueue.runner import JobRunner
from core.persistence.database import Database
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock
from tests.integration.test_referrals_support import balance, outbox, program, referrer
from tests.kyc_support import Applicant, kyc_ports, selfie

AGENT = Actor(ActorKind.API_CLIENT, "flows")
JANA = Applicant()


async def test_a_friend_verified_by_the_kyc_job_pays_both_referral_rewards_once(
    database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path
) -> None:
    bank = Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        queue=SqlJobQueue(database, clock),
        kyc=kyc_ports(tmp_path / "documents"),
    )
    await bank.accounts.ensure_bank_accounts(SYSTEM)
    runner = JobRunner(bank.db, clock, bank.jobs())
    spring = await program(bank)
    inviter, code = await referrer(bank, spring)

    friend = await bank.customers.create(NewCustomer(JANA.full_name, "cs"), SYSTEM)
    await bank.referrals.attribution.attach(friend.id, code, SYSTEM)
    draft = await bank.kyc.start(friend.id, AGENT)
    await bank.kyc.set_personal_data(draft.id, JANA.personal_data(), AGENT)
    await bank.kyc.add_document(draft.id, "passport", JANA.passport(), AGENT)
    await bank.kyc.add_document(draft.id, "selfie", selfie(), AGENT)
    await bank.kyc.submit(draft.id, AGENT)

    await runner.run_until_idle()
    clock.advance(minutes=5)
    await runner.run_until_idle()

    assert (await bank.customers.get(friend.id)).kyc_status is KycStatus.VERIFIED
    assert await balance(bank, friend.id) == 500
    assert await balance(bank, inviter.id) == 1_000
    assert len(await outbox(bank, "referral.rewarded")) == 2
    assert await runner.dead_jobs() == []
