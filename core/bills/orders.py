"""A bill order checked before anything is recorded: the biller's schema, the account,
the fee and the bank's policy; and the fingerprint its idempotency key is held to."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from core import idempotency
from core.accounts.service import AccountService
from core.bills.catalogue import Biller, Catalogue
from core.bills.errors import AccountNotPayable, BillFieldsInvalid
from core.bills.model import masked_fields
from core.bills.policy import BillCharge, BillPolicy
from core.bills.schema import AMOUNT
from core.crypto import Keyring
from core.ledger.model import AccountKind
from core.money import Currency, CurrencyMismatch


@dataclass(frozen=True, slots=True)
class BillOrder:
    """What a customer asks to pay: field values as typed, the amount in minor units."""

    account_id: UUID
    biller_id: str
    fields: Mapping[str, object]
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class Quote:
    """What the customer confirms: the biller, masked details, amount, fee and total."""

    biller: Biller
    fields: Mapping[str, str]  # masked
    amount: int
    fee: int
    currency: str

    @property
    def total(self) -> int:
        return self.amount + self.fee


@dataclass(frozen=True, slots=True)
class CheckedOrder:
    """An order found valid: the biller, the normalized fields, the quote."""

    biller: Biller
    customer_id: UUID | None  # known once the account is checked
    fields: dict[str, str]  # normalized
    quote: Quote


async def check_order(
    order: BillOrder,
    catalogue: Catalogue,
    accounts: AccountService,
    policy: BillPolicy,
    *,
    full: bool = True,
) -> CheckedOrder:
    """Validate ``order``; with ``full`` also its account, fee and the bank's policy."""
    biller = catalogue.get(order.biller_id)
    currency = Currency.of(order.currency).code
    if currency != biller.currency:
        raise CurrencyMismatch(biller_currency=biller.currency, currency=currency)
    if AMOUNT in order.fields:
        raise BillFieldsInvalid(errors=f"{AMOUNT}:FIELD_UNKNOWN")
    validation = biller.validate({**order.fields, AMOUNT: order.amount})
    if not validation.ok:
        raise BillFieldsInvalid(biller_id=biller.id, errors=validation.codes())
    fields = {k: str(v) for k, v in validation.values.items() if k != AMOUNT}
    quote = Quote(biller, masked_fields(biller, fields), order.amount, 0, currency)
    if not full:
        return CheckedOrder(biller, None, fields, quote)
    account = await accounts.get(order.account_id)
    if account.kind is not AccountKind.CUSTOMER or account.customer_id is None:
        raise AccountNotPayable(account_id=str(account.id))
    if account.currency != currency:
        raise CurrencyMismatch(account_currency=account.currency, currency=currency)
    charge = BillCharge(
        account.customer_id, account.id, biller.id, biller.category.value,
        biller.country, order.amount, currency, biller.fee,
    )  # fmt: skip
    fee = await policy.fee(charge)
    if type(fee) is not int or fee < 0:
        raise TypeError("a bill policy's fee is whole minor units, zero or more")
    await policy.check(charge, fee)
    quote = Quote(biller, quote.fields, order.amount, fee, currency)
    return CheckedOrder(biller, account.customer_id, fields, quote)


def fingerprint(keys: Keyring, order: BillOrder, checked: CheckedOrder, payee: UUID | None) -> str:
    # Field values are personal data: the stored fingerprint is a keyed hash of them.
    request = [
        str(order.account_id), checked.biller.id, sorted(checked.fields.items()),
        order.amount, checked.quote.currency, None if payee is None else str(payee),
    ]  # fmt: skip
    digest = keys.blind_index(json.dumps(request), context="idempotency")
    return idempotency.fingerprint("pay_bill", {"f": digest})
