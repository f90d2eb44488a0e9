"""What both operations check of a request before anything is recorded: the account it
is about, the description, and what an idempotency key was first used for."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core import idempotency
from core.accounts.service import AccountService, AccountView
from core.actors import Actor, ActorKind
from core.cardmoney.errors import AccountNotEligible, FeeChanged
from core.errors import ValidationFailed
from core.ledger.model import AccountKind, AccountState, ensure_positive
from core.money import Currency
from core.persistence.database import Database
from core.persistence.tables import idempotency_keys

# The service actor under which top-ups and payouts move money: its idempotency keys are
# derived from the operation (``topup:<id>:credit``), so every worker asks the same question.
CARDMONEY = Actor(ActorKind.SYSTEM, "cardmoney")
MAX_AMOUNT = 10**15  # far above any card payment, far below the 64-bit columns


def check_amount(amount: int, currency: str) -> str:
    """A positive amount of a known currency; returns the currency's code."""
    code = Currency.of(currency).code
    ensure_positive(amount)
    if amount > MAX_AMOUNT:
        raise ValidationFailed("the amount is too large", field="amount")
    return code


def check_description(text: str) -> str:
    value = text.strip() if isinstance(text, str) else ""
    if not value or len(value) > 140 or not value.isprintable():
        raise ValidationFailed(
            "a description is 1 to 140 printable characters", field="description"
        )
    return value


def check_expected_fee(expected: int | None, fee: int) -> None:
    """The fee the customer was shown, if the caller says, must still be the fee."""
    if expected is not None and expected != fee:
        raise FeeChanged(expected=expected, fee=fee)


async def eligible_account(
    accounts: AccountService, account_id: UUID, currency: str
) -> AccountView:
    """The customer's open account in ``currency``: refused before any card is charged."""
    account = await accounts.get(account_id)
    if account.customer_id is None or account.kind is not AccountKind.CUSTOMER:
        raise AccountNotEligible(account_id=str(account_id))
    state = AccountState(
        account.id, account.currency, account.status, 0, 0, 0, allow_negative=True, version=0
    )
    state.ensure_usable()
    state.ensure_currency(currency)
    return account


async def earlier_use(
    db: Database, scope: str, key: str, command: str, fingerprint: str
) -> UUID | None:
    """The resource an idempotency key was first used for with this request; None if it
    is unused; ``IDEMPOTENCY_CONFLICT`` if it was used for another request."""
    idempotency.validate_key(key)
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
                )
            )
        ).one_or_none()
    if row is None:
        return None
    claim = idempotency.earlier(
        row.command,
        row.fingerprint,
        row.resource_id,
        None,
        command=command,
        fingerprint_=fingerprint,
    )
    return claim.resource_id


def fingerprint(command: str, fields: dict[str, Any]) -> str:
    return idempotency.fingerprint(command, fields)


async def free_key(conn: AsyncConnection, scope: str, key: str, resource_id: UUID) -> None:
    """Give the caller's key back, as a refused ledger command does: the same key may be
    used again (after a top-up, say); the refused operation stays on record."""
    await conn.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.scope == scope,
            idempotency_keys.c.key == key,
            idempotency_keys.c.resource_id == resource_id,
        )
    )
