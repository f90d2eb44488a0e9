"""The core REST API as its own ASGI application, mounted by Teller at ``/api/v1``."""

from __future__ import annotations

from fastapi import FastAPI

from core.api import problems
from core.api.auth import Authenticator
from core.api.body_limit import BodyLimitMiddleware
from core.api.routes import customers, ledger, moneyio
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
  role: `bank.read`, `bank.customers`, `bank.payments`, `bank.cash` or `bank.admin`.
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
    api.include_router(moneyio.router)
    api.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    return api
