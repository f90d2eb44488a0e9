"""Check digits and phone numbers: the rules billers use to catch mistyped numbers.

Each biller names the rule its contract or customer numbers follow (``check_with`` in the
catalogue). All take the number's digits as text, check digit included, and say whether it
is consistent; none of them raises. Phone numbers are read with Google's libphonenumber
(the ``phonenumbers`` package) for the biller's country.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_MOD11_WEIGHTS = (2, 3, 4, 5, 6, 7)  # cycled from the digit next to the check digit


def luhn(digits: str) -> bool:
    """Mod 10 (Luhn, ISO/IEC 7812-1): card numbers, many TV smart cards and contracts."""
    if not _digits(digits, 2):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mod10_weighted(digits: str) -> bool:
    """Mod 10 with weights 3 and 1 from the right (as in GS1 / EAN numbers)."""
    if not _digits(digits, 2):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def mod11(digits: str) -> bool:
    """Mod 11 with weights 2–7 cycled from the right; a remainder of 1 has no check digit,
    so such numbers are never issued (and never valid)."""
    if not _digits(digits, 2):
        return False
    expected = mod11_check_digit(digits[:-1])
    return expected is not None and expected == int(digits[-1])


def mod11_check_digit(body: str) -> int | None:
    """The mod-11 check digit for ``body``, or None where the number cannot exist."""
    weights = _cycle(_MOD11_WEIGHTS, len(body))
    total = sum(int(c) * w for c, w in zip(reversed(body), weights, strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def mod97(digits: str) -> bool:
    """ISO 7064 MOD 97-10 (as in IBANs and RF creditor references): the number mod 97 is 1."""
    return _digits(digits, 3) and int(digits) % 97 == 1


CHECKS: dict[str, Callable[[str], bool]] = {
    "luhn": luhn,
    "mod10_weighted": mod10_weighted,
    "mod11": mod11,
    "mod97": mod97,
}
"""The check rules a biller's schema may name in ``check_with``."""


def parse_phone(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    """``raw`` as a valid phone number of ``region`` (national or international form)."""
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return number


def phone_problem(raw: str, region: str, types: Iterable[str]) -> str | None:
    """Why ``raw`` is not a phone number this biller serves (a stable code), or None."""
    number = parse_phone(raw, region)
    if number is None:
        return "PHONE_INVALID"
    if phonenumbers.region_code_for_number(number) != region:
        return "PHONE_WRONG_COUNTRY"
    wanted = {_PHONE_TYPES[t] for t in types}
    kind = phonenumbers.number_type(number)
    # A number the plan cannot tell apart (fixed line or mobile) is served by both.
    if wanted and kind not in wanted and kind != PhoneNumberType.FIXED_LINE_OR_MOBILE:
        return "PHONE_NOT_MOBILE" if "mobile" in types else "PHONE_WRONG_TYPE"
    return None


def e164(raw: str, region: str) -> str:
    """A phone number already checked by :func:`phone_problem`, in E.164 form."""
    number = parse_phone(raw, region)
    if number is None:  # a programming error: callers check first
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country_code(e164_number: str) -> int:
    """The international calling code of an E.164 number (``+420…`` → 420)."""
    code = phonenumbers.parse(e164_number, None).country_code
    if code is None:  # parse() always sets it for a number in E.164 form
        raise ValueError("not an E.164 number")
    return int(code)


_PHONE_TYPES = {
    "mobile": PhoneNumberType.MOBILE,
    "fixed_line": PhoneNumberType.FIXED_LINE,
}
PHONE_TYPES = frozenset(_PHONE_TYPES)


def _digits(value: str, at_least: int) -> bool:
    return len(value) >= at_least and value.isascii() and value.isdigit()


def _cycle(weights: tuple[int, ...], n: int) -> list[int]:
    return [weights[i % len(weights)] for i in range(n)]
