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
from integrations.bank.fx import (
    CurrencyExchange,
    ExchangeQuote,
    ExchangeRate,
    ExchangeStatus,
    FxAPI,
    QuoteSide,
    QuoteStatus,
)
from integrations.bank.kyc import (
    KycAPI,
    KycApplication,
    KycApplicationStatus,
    KycDecision,
    KycDocument,
    KycDocumentKind,
    KycPersonalData,
)
from integrations.bank.referrals import (
    CashbackOffer,
    Referral,
    ReferralChannel,
    ReferralCode,
    ReferralProgram,
    ReferralReward,
    ReferrerSummary,
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
    "CashbackOffer",
    "Conflict",
    "CurrencyExchange",
    "Customer",
    "Entry",
    "EntryKind",
    "ExchangeQuote",
    "ExchangeRate",
    "ExchangeStatus",
    "FxAPI",
    "Hold",
    "HoldStatus",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidRequest",
    "KycAPI",
    "KycApplication",
    "KycApplicationStatus",
    "KycDecision",
    "KycDocument",
    "KycDocumentKind",
    "KycPersonalData",
    "KycStatus",
    "NotFound",
    "Posting",
    "QuoteSide",
    "QuoteStatus",
    "Referral",
    "ReferralChannel",
    "ReferralCode",
    "ReferralProgram",
    "ReferralReward",
    "ReferrerSummary",
    "Statement",
    "StatementLine",
    "from_code",
]
