"""Referral and partner programs: marketers' terms and statistics, customers' codes.

Programs are written with ``bank.admin`` (the back-office gives marketers their own
screens over the core); attaching codes and recording identity documents need
``bank.customers``; reading needs ``bank.read``. Nothing here moves money: rewards are
paid by the referral subscriber through the ledger.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from core.api.deps import Admin, BankDep, CustomerAgent, Reader
from core.api.referrals_schemas import (
    CodeIssue,
    CodeOut,
    IdentityDocumentCreate,
    PartnerCashbackOut,
    ProgramCreate,
    ProgramOut,
    ProgramUpdate,
    PromoCodeCreate,
    ReferralCreate,
    ReferralOut,
    ReferrerSummaryOut,
    StatsOut,
)
from core.referrals.model import ProgramKind, ProgramStatus

router = APIRouter(tags=["referrals"])
Category = Annotated[str | None, Query(pattern=r"^\d{4}$")]


@router.post("/referral-programs", status_code=201, response_model=ProgramOut)
async def create_program(body: ProgramCreate, bank: BankDep, who: Admin) -> ProgramOut:
    program = await bank.referrals.programs.create(body.terms(), who.actor)
    return ProgramOut.of(program, bank.clock.now())


@router.get("/referral-programs", response_model=list[ProgramOut])
async def list_programs(
    bank: BankDep,
    _: Reader,
    kind: Literal["referral", "partner"] | None = None,
    status: Literal["scheduled", "active", "paused", "ended"] | None = None,
) -> list[ProgramOut]:
    programs = await bank.referrals.programs.list_programs(
        kind=None if kind is None else ProgramKind(kind),
        status=None if status is None else ProgramStatus(status),
    )
    now = bank.clock.now()
    return [ProgramOut.of(p, now) for p in programs]


@router.get("/referral-programs/{program_id}", response_model=ProgramOut)
async def get_program(program_id: UUID, bank: BankDep, _: Reader) -> ProgramOut:
    return ProgramOut.of(await bank.referrals.programs.get(program_id), bank.clock.now())


@router.patch("/referral-programs/{program_id}", response_model=ProgramOut)
async def edit_program(
    program_id: UUID, body: ProgramUpdate, bank: BankDep, who: Admin
) -> ProgramOut:
    current = await bank.referrals.programs.get(program_id)
    terms = body.applied_to(current.terms)
    program = await bank.referrals.programs.edit(program_id, terms, who.actor)
    return ProgramOut.of(program, bank.clock.now())


@router.post("/referral-programs/{program_id}/pause", response_model=ProgramOut)
async def pause_program(program_id: UUID, bank: BankDep, who: Admin) -> ProgramOut:
    program = await bank.referrals.programs.pause(program_id, who.actor)
    return ProgramOut.of(program, bank.clock.now())


@router.post("/referral-programs/{program_id}/resume", response_model=ProgramOut)
async def resume_program(program_id: UUID, bank: BankDep, who: Admin) -> ProgramOut:
    program = await bank.referrals.programs.resume(program_id, who.actor)
    return ProgramOut.of(program, bank.clock.now())


@router.post(
    "/referral-programs/{program_id}/promo-codes", status_code=201, response_model=CodeOut
)
async def add_promo_code(
    program_id: UUID, body: PromoCodeCreate, bank: BankDep, who: Admin
) -> CodeOut:
    code = await bank.referrals.programs.add_promo_code(program_id, who.actor, body.code)
    return CodeOut.of(code, bank.clock.now())


@router.get("/referral-programs/{program_id}/stats", response_model=StatsOut)
async def program_stats(program_id: UUID, bank: BankDep, _: Reader) -> StatsOut:
    return StatsOut.of(await bank.referrals.stats(program_id))


@router.post("/referral-programs/{program_id}/codes", response_model=CodeOut)
async def issue_code(
    program_id: UUID, body: CodeIssue, bank: BankDep, who: CustomerAgent
) -> CodeOut:
    """The customer's personal code (made on the first request, the same one after)."""
    code = await bank.referrals.attribution.issue_code(program_id, body.customer_id, who.actor)
    return CodeOut.of(code, bank.clock.now())


@router.get(
    "/referral-programs/{program_id}/referrers/{customer_id}", response_model=ReferrerSummaryOut
)
async def referrer_summary(
    program_id: UUID, customer_id: UUID, bank: BankDep, _: Reader
) -> ReferrerSummaryOut:
    await bank.customers.get(customer_id)  # CUSTOMER_NOT_FOUND rather than zeros
    summary = await bank.referrals.attribution.summary(program_id, customer_id)
    return ReferrerSummaryOut.of(summary)


@router.get("/referral-codes/{code}", response_model=CodeOut)
async def lookup_code(code: str, bank: BankDep, _: Reader) -> CodeOut:
    return CodeOut.of(await bank.referrals.attribution.lookup(code), bank.clock.now())


@router.post("/customers/{customer_id}/referral", status_code=201, response_model=ReferralOut)
async def attach_code(
    customer_id: UUID, body: ReferralCreate, bank: BankDep, who: CustomerAgent
) -> ReferralOut:
    referral = await bank.referrals.attribution.attach(
        customer_id, body.code, who.actor, channel=body.channel_value()
    )
    return ReferralOut.of(referral)


@router.get("/customers/{customer_id}/referral", response_model=ReferralOut)
async def get_referral(customer_id: UUID, bank: BankDep, _: Reader) -> ReferralOut:
    return ReferralOut.of(await bank.referrals.attribution.referral(customer_id))


@router.post("/customers/{customer_id}/identity-documents", status_code=204)
async def record_document(
    customer_id: UUID, body: IdentityDocumentCreate, bank: BankDep, who: CustomerAgent
) -> Response:
    """Keep the keyed hash of a document the KYC process saw (never the number)."""
    await bank.referrals.attribution.record_document(
        customer_id, body.document_country, body.document_number, who.actor
    )
    return Response(status_code=204)


@router.get("/customers/{customer_id}/cashback-rates", response_model=list[PartnerCashbackOut])
async def cashback_rates(
    customer_id: UUID, bank: BankDep, _: Reader, category: Category = None
) -> list[PartnerCashbackOut]:
    """Partner cashback rates for the customer's card purchases now, best first."""
    await bank.customers.get(customer_id)
    rates = await bank.referrals.cashback_rates(customer_id, category=category)
    return [PartnerCashbackOut.of(r) for r in rates]
