"""Reading and writing the referral tables: rows in, model values out.

Every function runs inside the caller's transaction (``conn``); ``lock=True`` takes the
row lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serializes writers anyway).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.persistence.types import AnyRow
from core.referrals.errors import CodeNotFound, ProgramNotFound, ReferralNotFound
from core.referrals.model import (
    Caps,
    CashbackRate,
    CashbackScope,
    Channel,
    CodeView,
    Program,
    ProgramKind,
    ProgramTerms,
    QualifyingEvent,
    ReferralStatus,
    ReferralView,
    Rejection,
    RewardStatus,
    RewardView,
    Role,
    SkipReason,
)
from core.referrals.tables import (
    partner_cashback_rates,
    referral_codes,
    referral_programs,
    referral_rewards,
    referrals,
)

_CAPS = {
    "referrer_rewards": "cap_referrer_rewards",
    "referrer_amount": "cap_referrer_amount",
    "referrer_rewards_per_day": "cap_referrer_rewards_per_day",
    "program_referrals": "cap_program_referrals",
    "program_amount": "cap_program_amount",
}


def program_values(terms: ProgramTerms) -> dict[str, Any]:
    """The ``referral_programs`` columns for ``terms`` (cashback rates live apart)."""
    caps = {column: getattr(terms.caps, name) for name, column in _CAPS.items()}
    return {
        "name": terms.name,
        "kind": terms.kind.value,
        "partner_name": terms.partner_name,
        "qualifying_event": terms.qualifying_event.value,
        "min_topup": terms.min_topup,
        "min_topup_currency": terms.min_topup_currency,
        "reward_currency": terms.reward_currency,
        "referrer_reward": terms.referrer_reward,
        "referee_reward": terms.referee_reward,
        "code_prefix": terms.code_prefix,
        "code_length": terms.code_length,
        **caps,
        "starts_at": terms.starts_at,
        "ends_at": terms.ends_at,
        "paused": terms.paused,
        "descriptions": dict(terms.descriptions),
        "cashback_scope": terms.cashback_scope.value,
    }


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def program_of(row: AnyRow, rates: list[CashbackRate]) -> Program:
    caps = Caps(**{name: _int(getattr(row, column)) for name, column in _CAPS.items()})
    terms = ProgramTerms(
        name=row.name,
        kind=ProgramKind(row.kind),
        qualifying_event=QualifyingEvent(row.qualifying_event),
        reward_currency=row.reward_currency,
        referrer_reward=int(row.referrer_reward),
        referee_reward=int(row.referee_reward),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        descriptions=dict(row.descriptions),
        min_topup=_int(row.min_topup),
        min_topup_currency=row.min_topup_currency,
        code_prefix=row.code_prefix,
        code_length=int(row.code_length),
        caps=caps,
        paused=bool(row.paused),
        partner_name=row.partner_name,
        cashback=tuple(rates),
        cashback_scope=CashbackScope(row.cashback_scope),
    )
    return Program(row.id, terms, row.created_at, row.updated_at)


async def _rates(conn: AsyncConnection, program_ids: list[UUID]) -> dict[UUID, list[CashbackRate]]:
    found: dict[UUID, list[CashbackRate]] = {pid: [] for pid in program_ids}
    if not program_ids:
        return found
    rows = await conn.execute(
        select(partner_cashback_rates)
        .where(partner_cashback_rates.c.program_id.in_(program_ids))
        .order_by(partner_cashback_rates.c.category)
    )
    for row in rows:
        found[row.program_id].append(CashbackRate(row.category, int(row.rate_bp)))
    return found


async def find_program(conn: AsyncConnection, program_id: UUID, *, lock: bool = False) -> Program:
    query = select(referral_programs).where(referral_programs.c.id == program_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).one_or_none()
    if row is None:
        raise ProgramNotFound(program_id=str(program_id))
    return program_of(row, (await _rates(conn, [row.id]))[row.id])


async def list_programs(conn: AsyncConnection, kind: ProgramKind | None = None) -> list[Program]:
    query = select(referral_programs).order_by(
        referral_programs.c.starts_at, referral_programs.c.name
    )
    if kind is not None:
        query = query.where(referral_programs.c.kind == kind.value)
    rows = (await conn.execute(query)).all()
    rates = await _rates(conn, [row.id for row in rows])
    return [program_of(row, rates[row.id]) for row in rows]


async def write_rates(
    conn: AsyncConnection, program_id: UUID, rates: tuple[CashbackRate, ...]
) -> None:
    """Replace the program's cashback rates with ``rates``."""
    await conn.execute(
        delete(partner_cashback_rates).where(partner_cashback_rates.c.program_id == program_id)
    )
    if rates:
        await conn.execute(
            insert(partner_cashback_rates),
            [
                {"program_id": program_id, "category": r.category, "rate_bp": r.rate_bp}
                for r in rates
            ],
        )


async def find_code(conn: AsyncConnection, code: str) -> CodeView:
    row = (
        await conn.execute(select(referral_codes).where(referral_codes.c.code == code))
    ).one_or_none()
    if row is None:
        raise CodeNotFound()
    program = await find_program(conn, row.program_id)
    return CodeView(row.code, program, row.owner_id, row.created_at)


async def personal_code(
    conn: AsyncConnection, program: Program, owner_id: UUID
) -> CodeView | None:
    row = (
        await conn.execute(
            select(referral_codes).where(
                referral_codes.c.program_id == program.id, referral_codes.c.owner_id == owner_id
            )
        )
    ).one_or_none()
    return None if row is None else CodeView(row.code, program, row.owner_id, row.created_at)


async def referral_row(
    conn: AsyncConnection, customer_id: UUID, *, lock: bool = False
) -> AnyRow | None:
    query = select(referrals).where(referrals.c.customer_id == customer_id)
    return (await conn.execute(query.with_for_update() if lock else query)).one_or_none()


def reward_of(row: AnyRow) -> RewardView:
    return RewardView(
        role=Role(row.role),
        customer_id=row.customer_id,
        amount=int(row.amount),
        currency=row.currency,
        status=RewardStatus(row.status),
        reason=None if row.reason is None else SkipReason(row.reason),
        entry_id=row.entry_id,
        created_at=row.created_at,
        paid_at=row.paid_at,
    )


async def find_referral(conn: AsyncConnection, customer_id: UUID) -> ReferralView:
    row = await referral_row(conn, customer_id)
    if row is None:
        raise ReferralNotFound(customer_id=str(customer_id))
    rewards = await conn.execute(
        select(referral_rewards)
        .where(referral_rewards.c.referral_id == row.id)
        .order_by(referral_rewards.c.role)
    )
    return ReferralView(
        id=row.id,
        customer_id=row.customer_id,
        program_id=row.program_id,
        code=row.code,
        referrer_id=row.referrer_id,
        channel=None if row.channel is None else Channel(row.channel),
        status=ReferralStatus(row.status),
        rejection=None if row.rejection is None else Rejection(row.rejection),
        attached_at=row.attached_at,
        verified_at=row.verified_at,
        event_at=row.event_at,
        decided_at=row.decided_at,
        rewards=tuple(reward_of(r) for r in rewards),
    )


async def pending_rewards(
    conn: AsyncConnection, *, referral_id: UUID | None = None, limit: int = 500
) -> list[AnyRow]:
    query = (
        select(referral_rewards)
        .where(referral_rewards.c.status == RewardStatus.PENDING.value)
        .order_by(referral_rewards.c.created_at, referral_rewards.c.id)
        .limit(limit)
    )
    if referral_id is not None:
        query = query.where(referral_rewards.c.referral_id == referral_id)
    return list((await conn.execute(query)).all())


async def set_reward_account(conn: AsyncConnection, reward_id: UUID, account_id: UUID) -> UUID:
    """Fix the account a reward is paid to (the first choice wins); returns the account.

    Fixed once, so that every retry posts the very same legs under the reward's key.
    """
    await conn.execute(
        update(referral_rewards)
        .where(referral_rewards.c.id == reward_id, referral_rewards.c.account_id.is_(None))
        .values(account_id=account_id)
    )
    chosen = (
        await conn.execute(
            select(referral_rewards.c.account_id).where(referral_rewards.c.id == reward_id)
        )
    ).scalar_one()
    assert isinstance(chosen, UUID)
    return chosen
