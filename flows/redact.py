"""What the transcript may keep of a customer's text: card numbers masked to their last
four digits, whatever the spacing. Teller never asks for a PIN or CVV in chat, and the
passcode step's answers are not kept at all (the engine masks secret steps)."""

from __future__ import annotations

import re

# 13 to 19 digits, in groups separated by single spaces or dashes: a card number as people
# type it. Any such run is masked, Luhn-valid or not: a mistyped card number is still one.
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def redact(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        return f"•••• {digits[-4:]}"

    return _CARD.sub(mask, text[:4000])
