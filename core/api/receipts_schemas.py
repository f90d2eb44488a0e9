"""Request and response bodies of the receipts routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from core.receipts import ReceiptFacts


class ReceiptSealIn(BaseModel):
    reference: str = Field(min_length=1, max_length=80)
    kind: str = Field(pattern="^(payment|transfer|topup|exchange)$")
    amount_minor: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    at: AwareDatetime

    def facts(self) -> ReceiptFacts:
        return ReceiptFacts(
            self.reference, self.kind, self.amount_minor, self.currency.upper(), self.at
        ).check()


class SealedOut(BaseModel):
    code: str


class ReceiptFactsOut(BaseModel):
    genuine: bool
    reference: str
    kind: str
    amount_minor: int
    currency: str
    at: datetime

    @classmethod
    def of(cls, facts: ReceiptFacts) -> ReceiptFactsOut:
        return cls(
            genuine=True,
            reference=facts.reference,
            kind=facts.kind,
            amount_minor=facts.amount,
            currency=facts.currency,
            at=facts.at,
        )
