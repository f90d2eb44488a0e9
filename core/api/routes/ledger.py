"""Money: deposits, withdrawals, transfers, entries and reversals, holds, statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from core.api.auth import Principal
from core.api.deps import Admin, BankDep, Cash, IdempotencyKey, Payments, Reader
from core.api.problems import ApiProblem
from core.api.schemas import (
    DepositCreate,
    EntryOut,
    HoldCreate,
    HoldOut,
    HoldPost,
    ReversalCreate,
    StatementOut,
    TransferCreate,
    WithdrawalCreate,
)
from core.bank import Bank
from core.errors import ValidationFailed
from core.ledger.commands import (
    Deposit,
    PlaceHold,
    PostHold,
    Reverse,
    Transfer,
    VoidHold,
    Withdraw,
)
from core.ledger.errors import AccountNotFound
from core.ledger.model import AccountKind

router = APIRouter(tags=["ledger"])
MAX_SEQ = 2**63 - 1  # postings.account_seq is a 64-bit integer


async def _may_debit(bank: Bank, who: Principal, account_id: UUID) -> None:
    """Only ``bank.admin`` may take money out of the bank's own accounts.

    The bank's accounts may go negative without limit, so a transfer or hold from, say,
    settlement creates money: without this check ``bank.payments`` could do what only
    ``bank.cash`` (deposits) may, and ``bank.cash`` could pay out the bank's income.
    """
    if "bank.admin" in who.roles:
        return
    try:
        account = await bank.accounts.get(account_id)
    except AccountNotFound:
        return  # the command itself refuses it, and audits the attempt
    if account.kind is AccountKind.BANK:
        raise ApiProblem(
            403, "FORBIDDEN", "Only bank.admin may move money out of the bank's own accounts."
        )


@router.post("/deposits", status_code=201, response_model=EntryOut)
async def deposit(body: DepositCreate, who: Cash, key: IdempotencyKey, bank: BankDep) -> EntryOut:
    cmd = Deposit(key, body.account_id, body.minor(), body.currency.upper(), body.description)
    return EntryOut.of(await bank.ledger.deposit(cmd, who.actor))


@router.post("/withdrawals", status_code=201, response_model=EntryOut)
async def withdraw(
    body: WithdrawalCreate, who: Cash, key: IdempotencyKey, bank: BankDep
) -> EntryOut:
    await _may_debit(bank, who, body.account_id)
    cmd = Withdraw(key, body.account_id, body.minor(), body.currency.upper(), body.description)
    return EntryOut.of(await bank.ledger.withdraw(cmd, who.actor))


@router.post("/transfers", status_code=201, response_model=EntryOut)
async def transfer(
    body: TransferCreate, who: Payments, key: IdempotencyKey, bank: BankDep
) -> EntryOut:
    await _may_debit(bank, who, body.source_account_id)
    cmd = Transfer(
        key,
        body.source_account_id,
        body.destination_account_id,
        body.minor(),
        body.currency.upper(),
        body.description,
    )
    return EntryOut.of(await bank.ledger.transfer(cmd, who.actor))


@router.get("/entries/{entry_id}", response_model=EntryOut)
async def get_entry(entry_id: UUID, bank: BankDep, _: Reader) -> EntryOut:
    return EntryOut.of(await bank.ledger.entry(entry_id))


@router.post("/entries/{entry_id}/reversal", status_code=201, response_model=EntryOut)
async def reverse(
    entry_id: UUID, body: ReversalCreate, who: Admin, key: IdempotencyKey, bank: BankDep
) -> EntryOut:
    return EntryOut.of(await bank.ledger.reverse(Reverse(key, entry_id, body.reason), who.actor))


@router.post("/holds", status_code=201, response_model=HoldOut)
async def place_hold(
    body: HoldCreate, who: Payments, key: IdempotencyKey, bank: BankDep
) -> HoldOut:
    await _may_debit(bank, who, body.account_id)
    cmd = PlaceHold(
        key,
        body.account_id,
        body.counterparty_account_id,
        body.minor(),
        body.currency.upper(),
        body.description,
        body.ttl_seconds,
    )
    return HoldOut.of(await bank.ledger.place_hold(cmd, who.actor))


@router.get("/holds/{hold_id}", response_model=HoldOut)
async def get_hold(hold_id: UUID, bank: BankDep, _: Reader) -> HoldOut:
    return HoldOut.of(await bank.ledger.hold(hold_id))


@router.post("/holds/{hold_id}/post", response_model=HoldOut)
async def post_hold(
    hold_id: UUID, body: HoldPost, who: Payments, key: IdempotencyKey, bank: BankDep
) -> HoldOut:
    cmd = PostHold(key, hold_id, body.amount_minor)
    return HoldOut.of(await bank.ledger.post_hold(cmd, who.actor))


@router.post("/holds/{hold_id}/void", response_model=HoldOut)
async def void_hold(hold_id: UUID, who: Payments, key: IdempotencyKey, bank: BankDep) -> HoldOut:
    return HoldOut.of(await bank.ledger.void_hold(VoidHold(key, hold_id), who.actor))


@router.get("/accounts/{account_id}/statement", response_model=StatementOut)
async def statement(
    account_id: UUID,
    bank: BankDep,
    _: Reader,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    after_seq: Annotated[int | None, Query(ge=0, le=MAX_SEQ)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> StatementOut:
    """The statement for ``[since, until)`` (default: the last 30 days), page by page."""
    start, end = _period(since, until, bank.clock.now())
    page = await bank.ledger.statement(
        account_id, since=start, until=end, after_seq=after_seq, limit=limit
    )
    return StatementOut.of(page)


def _period(
    since: datetime | None, until: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The period in UTC; naive bounds are UTC. Refuses bounds near the calendar's ends,
    where converting to UTC or going 30 days back leaves the years 1 to 9999."""
    try:
        end = _utc(until) if until else now
        start = _utc(since) if since else end - timedelta(days=30)
    except OverflowError as exc:
        raise ValidationFailed("the period is outside the calendar", field="since") from exc
    return start, end


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
