"""The European Payments Council's QR code for SEPA credit transfers (EPC069-12).

Banking apps across the euro area scan it to fill in a payment: service tag ``BCD``,
version ``002`` (the BIC may be left out inside the EEA, we always give it), character
set ``1`` (UTF-8), identification ``SCT``, then BIC, beneficiary name (<= 70), IBAN,
amount (``EUR`` and 0.01 to 999999999.99, optional), purpose (empty), a structured
reference (empty) or an unstructured one (<= 140). The whole payload is at most 331 bytes
and the code uses error correction level M.
"""

from __future__ import annotations

import re

from render.errors import InvalidDocument
from render.formatting import Money

MAX_BYTES = 331
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def compact_iban(iban: str) -> str:
    """``iban`` without spaces, upper case, when its mod-97 check holds (ISO 13616)."""
    value = "".join(iban.split()).upper()
    if not _IBAN.fullmatch(value):
        raise InvalidDocument("not an IBAN", field="iban")
    digits = "".join(str(int(c, 36)) for c in value[4:] + value[:4])
    if int(digits) % 97 != 1:
        raise InvalidDocument("the IBAN's check digits are wrong", field="iban")
    return value


def grouped_iban(iban: str) -> str:
    """The IBAN as people read it, in groups of four."""
    value = compact_iban(iban)
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def epc_payload(
    *, name: str, iban: str, bic: str, amount: Money | None = None, message: str = ""
) -> str:
    """The text an EPC QR code carries for a credit transfer to ``iban``."""
    bic = bic.strip().upper()
    if not _BIC.fullmatch(bic):
        raise InvalidDocument("not a BIC", field="bic")
    beneficiary = " ".join(name.split())[:70]
    if not beneficiary:
        raise InvalidDocument("a beneficiary's name is needed", field="holder")
    lines = ["BCD", "002", "1", "SCT", bic, beneficiary, compact_iban(iban), _amount(amount)]
    lines += ["", "", " ".join(message.split())[:140]]
    payload = "\n".join(lines).rstrip("\n")
    if len(payload.encode("utf-8")) > MAX_BYTES:
        raise InvalidDocument("too long for an EPC QR code", limit=MAX_BYTES)
    return payload


def _amount(amount: Money | None) -> str:
    if amount is None:
        return ""
    if amount.currency != "EUR" or amount.exponent != 2:
        raise InvalidDocument("an EPC QR code asks for euros only", field="amount")
    if not 1 <= amount.minor <= 99_999_999_999:
        raise InvalidDocument("an EPC amount is 0.01 to 999999999.99 EUR", field="amount")
    return f"EUR{amount.minor // 100}.{amount.minor % 100:02d}"
