"""``LocalReceipts``: the receipts part of ``LocalBank``, in-process over the core."""

from __future__ import annotations

from contextlib import AbstractContextManager

from core.bank import Bank
from core.receipts import ReceiptFacts as CoreFacts
from integrations.bank.receipts import ReceiptFacts, ReceiptKind


def _translated() -> AbstractContextManager[None]:
    # Imported when called: integrations.bank.local imports this module for its base.
    from integrations.bank.local import _translated as translated

    return translated()


class LocalReceipts:
    """``ReceiptsAPI`` over the core (a mixin of ``LocalBank``)."""

    _bank: Bank

    async def seal_receipt(self, facts: ReceiptFacts) -> str:
        """See :meth:`ReceiptsAPI.seal_receipt`."""
        with _translated():
            kind = ReceiptKind(facts.kind).value
            core = CoreFacts(facts.reference, kind, facts.amount_minor, facts.currency, facts.at)
            return self._bank.receipts.seal(core)

    async def verify_receipt(self, code: str) -> ReceiptFacts:
        """See :meth:`ReceiptsAPI.verify_receipt`."""
        with _translated():
            found = self._bank.receipts.open(code)
            return ReceiptFacts(
                found.reference, ReceiptKind(found.kind), found.amount, found.currency, found.at
            )
