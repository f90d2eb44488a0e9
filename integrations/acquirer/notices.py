"""The simulator's callback body: an event in Stripe's shape, and its parsing.

::

    {"id": "evt_…", "type": "payment.succeeded", "created": 1767225600,
     "data": {"session": "cs_…", "reference": "<Teller's top-up id>",
              "amount": 2500, "currency": "EUR",
              "card": {"last4": "4242", "brand": "visa"}, "failure_reason": null}}

``type`` is ``payment.succeeded`` or ``payment.failed``. The card is only ever its last
four digits and brand: the acquirer never sends a card number to the merchant.
"""

from __future__ import annotations

import json
from typing import Any

from core.ports import PaymentNotice, PaymentOutcome

_TYPES = {
    "payment.succeeded": PaymentOutcome.SUCCEEDED,
    "payment.failed": PaymentOutcome.FAILED,
}
_OUTCOME_TYPES = {outcome: name for name, outcome in _TYPES.items()}


def encode(event_id: str, created: int, notice: PaymentNotice) -> bytes:
    """The callback body for ``notice``."""
    card = None
    if notice.card_last4 is not None:
        card = {"last4": notice.card_last4, "brand": notice.card_brand}
    body = {
        "id": event_id,
        "type": _OUTCOME_TYPES[notice.outcome],
        "created": created,
        "data": {
            "session": notice.acquirer_reference,
            "reference": notice.reference,
            "amount": notice.amount,
            "currency": notice.currency,
            "card": card,
            "failure_reason": notice.reason,
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _text(value: Any, limit: int = 100) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or not value.isprintable():
        raise ValueError("not a short text")
    return value


def decode(body: bytes) -> PaymentNotice:
    """The notice in a callback body; ``ValueError`` for anything else."""
    event = json.loads(body)
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise ValueError("not an event")
    outcome = _TYPES.get(event.get("type"))  # type: ignore[arg-type]
    if outcome is None:
        raise ValueError("not a payment event")
    data: dict[str, Any] = event["data"]
    amount = data.get("amount")
    if type(amount) is not int or amount <= 0:
        raise ValueError("amount")
    card = data.get("card")
    last4 = brand = None
    if isinstance(card, dict):
        last4 = _text(card.get("last4"), 4) if card.get("last4") is not None else None
        brand = _text(card.get("brand"), 20) if card.get("brand") is not None else None
    reason = data.get("failure_reason")
    return PaymentNotice(
        reference=_text(data.get("reference")),
        acquirer_reference=_text(data.get("session")),
        outcome=outcome,
        amount=amount,
        currency=_text(data.get("currency"), 3).upper(),
        card_last4=last4,
        card_brand=brand,
        reason=None if reason is None else _text(reason, 40),
    )
