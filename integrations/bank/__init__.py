"""The bank as flows see it: the ``BankAPI`` Protocol, its types and errors.

Flows import from here only (``from integrations.bank import BankAPI, Amount, …``); the
composition root picks the implementation: ``LocalBank`` (in-process, over the core) or
``HttpBank`` (over the core's REST API). Neither module is imported here, so importing
the Protocol never pulls in the core.
"""

from __future__ import annotations

from integrations.bank.api import BankAPI
from integrations.bank.errors import (
    AccessDenied,
    AccountUnavailable,
    BankError,
    BankUnavailable,
    Conflict,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    from_code,
)
from integrations.bank.moneyio import (
    CardPayout,
    CardPayoutStatus,
    CardQuote,
    MoneyIoAPI,
    TopUp,
    TopUpStatus,
)
from integrations.bank.types import (
    Account,
    AccountStatus,
    Amount,
    Balance,
    Customer,
    Entry,
    EntryKind,
    Hold,
    HoldStatus,
    KycStatus,
    Posting,
    Statement,
    StatementLine,
)

__all__ = [
    "AccessDenied",
    "Account",
    "AccountStatus",
    "AccountUnavailable",
    "Amount",
    "Balance",
    "BankAPI",
    "BankError",
    "BankUnavailable",
    "CardPayout",
    "CardPayoutStatus",
    "CardQuote",
    "Conflict",
    "Customer",
    "Entry",
    "EntryKind",
    "Hold",
    "HoldStatus",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidRequest",
    "KycStatus",
    "MoneyIoAPI",
    "NotFound",
    "Posting",
    "Statement",
    "StatementLine",
    "TopUp",
    "TopUpStatus",
    "from_code",
]
