"""Card numbers of other banks as pure values: validation, brand, what may be kept.

A card number (PAN) typed by a customer is checked here (13 to 19 digits, ISO/IEC 7812,
with a valid Luhn check digit) and then only ever handled as a :class:`CardNumber`,
whose ``repr`` and ``str`` never show it. What Teller keeps of it is the last four digits,
the brand, and — for payouts — a keyed blind index and, until the network has the
payout, the number encrypted (docs/decisions/0047).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.cardmoney.errors import InvalidCardNumber

MIN_DIGITS, MAX_DIGITS = 13, 19
_SEPARATORS = " -"


def luhn_ok(digits: str) -> bool:
    """Whether ``digits`` (ASCII digits only) end in a valid Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def brand_of(digits: str) -> str:
    """The card scheme from the number's leading digits (IIN ranges), or ``unknown``."""
    two, four = int(digits[:2]), int(digits[:4])
    if 2200 <= four <= 2204:
        return "mir"
    if digits[0] == "4":
        return "visa"
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    if two in (34, 37):
        return "amex"
    if four == 6011 or two == 65 or 644 <= int(digits[:3]) <= 649:
        return "discover"
    if 3528 <= four <= 3589:
        return "jcb"
    if two == 62:
        return "unionpay"
    return "unknown"


@dataclass(frozen=True, slots=True)
class CardNumber:
    """A checked card number. Its digits never appear in ``repr``, ``str`` or errors."""

    digits: str = field(repr=False)

    @classmethod
    def parse(cls, text: str) -> CardNumber:
        """The card number in ``text`` (digits, optionally grouped by spaces or dashes).

        Raises ``INVALID_CARD_NUMBER`` with a ``reason`` (``format``, ``length`` or
        ``check_digit``) and never with the text itself.
        """
        if not isinstance(text, str) or len(text) > 40:
            raise InvalidCardNumber(reason="format")
        compact = "".join(ch for ch in text.strip() if ch not in _SEPARATORS)
        if not compact.isascii() or not compact.isdigit():
            raise InvalidCardNumber(reason="format")
        if not MIN_DIGITS <= len(compact) <= MAX_DIGITS:
            raise InvalidCardNumber(reason="length")
        if not luhn_ok(compact):
            raise InvalidCardNumber(reason="check_digit")
        return cls(compact)

    @property
    def last4(self) -> str:
        return self.digits[-4:]

    @property
    def brand(self) -> str:
        return brand_of(self.digits)

    def __str__(self) -> str:
        return f"•• {self.last4}"
