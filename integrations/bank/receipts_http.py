"""``HttpReceipts``: the receipts part of ``HttpBank``, over ``/receipts/…``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from integrations.bank import wire
from integrations.bank.receipts import ReceiptFacts, ReceiptKind


class _Caller(Protocol):
    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str | int] | None = None,
        key: str | None = None,
    ) -> object: ...


@dataclass(frozen=True, slots=True)
class _Sealed:
    code: str


class HttpReceipts:
    """``ReceiptsAPI`` over HTTP (a mixin of ``HttpBank``)."""

    async def seal_receipt(self: _Caller, facts: ReceiptFacts) -> str:
        """See :meth:`ReceiptsAPI.seal_receipt`."""
        body = {
            "reference": facts.reference,
            "kind": ReceiptKind(facts.kind).value,
            "amount_minor": facts.amount_minor,
            "currency": facts.currency,
            "at": facts.at.isoformat(),
        }
        answer = await self._call("POST", "/receipts/seal", json=body)
        return str(wire.parse(_Sealed, answer).code)

    async def verify_receipt(self: _Caller, code: str) -> ReceiptFacts:
        """See :meth:`ReceiptsAPI.verify_receipt`."""
        answer = await self._call("GET", "/receipts/verify", params={"code": code})
        return wire.parse(ReceiptFacts, answer)
