"""Sealed receipts: the code a receipt's QR code carries, and checking it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from core.api.deps import BankDep, Payments
from core.api.receipts_schemas import ReceiptFactsOut, ReceiptSealIn, SealedOut
from core.receipts import MAX_CODE

router = APIRouter(tags=["receipts"])


@router.post("/receipts/seal", response_model=SealedOut)
async def seal_receipt(body: ReceiptSealIn, bank: BankDep, _: Payments) -> SealedOut:
    """Seal what a receipt shows, for its QR code. Sealing changes nothing in the bank,
    so the same facts always give the same code."""
    return SealedOut(code=bank.receipts.seal(body.facts()))


@router.get("/receipts/verify", response_model=ReceiptFactsOut)
async def verify_receipt(
    bank: BankDep, code: Annotated[str, Query(min_length=1, max_length=MAX_CODE)]
) -> ReceiptFactsOut:
    """Whether a receipt is genuine, and what it vouches for.

    Public (no API key): whoever scans a receipt's QR code may check it. A code the bank
    did not seal, or one altered after, is refused with ``RECEIPT_NOT_GENUINE``.
    """
    return ReceiptFactsOut.of(bank.receipts.open(code))
