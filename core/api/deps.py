"""Dependencies shared by the routes, declared once as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from core.api.auth import Principal, require
from core.api.problems import ApiProblem
from core.bank import Bank


def _bank(request: Request) -> Bank:
    bank: Bank = request.app.state.bank
    return bank


def _idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    if not key:
        raise ApiProblem(
            400,
            "IDEMPOTENCY_KEY_REQUIRED",
            "Money-moving requests need an Idempotency-Key header.",
        )
    return key


BankDep = Annotated[Bank, Depends(_bank)]
IdempotencyKey = Annotated[str, Depends(_idempotency_key)]
# Registration and account opening accept a key too, so a retried request creates nothing
# twice; without one they still work, as clients of the first version expect.
OptionalIdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
Reader = Annotated[Principal, Depends(require("bank.read"))]
CustomerAgent = Annotated[Principal, Depends(require("bank.customers"))]
Payments = Annotated[Principal, Depends(require("bank.payments"))]
Cash = Annotated[Principal, Depends(require("bank.cash"))]
Admin = Annotated[Principal, Depends(require("bank.admin"))]
