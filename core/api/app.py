"""The core REST API as its own ASGI application, mounted by Teller at ``/api/v1``."""

from __future__ import annotations

from fastapi import FastAPI

from core.api import problems
from core.api.auth import Authenticator
from core.api.body_limit import BodyLimitMiddleware
from core.api.kyc_schemas import UPLOAD_ROUTE
from core.api.routes import (
    bills,
    cards,
    customers,
    fx,
    kyc,
    ledger,
    moneyio,
    payments,
    payments_admin,
    receipts,
    referrals,
)
from core.bank import Bank

DESCRIPTION = """\
Teller's core banking API: customers, accounts, balances, statements and every movement
of money through the double-entry ledger.

* Amounts are integers in minor units (`amount_minor`) with an ISO 4217 currency; requests
  may give a decimal string (`amount`) instead.
* Every money-moving request needs an `Idempotency-Key` header: the same key with the same
  body returns the first result; with a different body it is refused (`IDEMPOTENCY_CONFLICT`).
* Errors are `application/problem+json` with a stable `code`.
* Authenticate with `X-API-Key` or an OpenID Connect bearer token; each operation needs a
  role: `bank.read`, `bank.customers`, `bank.payments`, `bank.cash` or `bank.admin`;
  card processors calling `/card-processing/…` hold `bank.processor`.
"""


def create_api(
    bank: Bank, authenticator: Authenticator, *, max_body_bytes: int = 65536
) -> FastAPI:
    """The API application over ``bank``; the caller owns the bank's lifecycle."""
    api = FastAPI(title="Teller core API", version="1", description=DESCRIPTION)
    api.state.bank = bank
    api.state.authenticator = authenticator
    problems.install(api)
    api.include_router(customers.router)
    api.include_router(ledger.router)
    api.include_router(fx.router)
    api.include_router(referrals.router)
    api.include_router(kyc.router)
    api.include_router(payments.router)
    api.include_router(payments_admin.router)
    api.include_router(bills.router)
    api.include_router(cards.router)
    api.include_router(cards.processing)
    api.include_router(moneyio.router)
    api.include_router(receipts.router)
    # KYC documents (base64, up to 10 MB files) are the one body larger than the rest.
    api.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes, larger=[UPLOAD_ROUTE])
    return api
