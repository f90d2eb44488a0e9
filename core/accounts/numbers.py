"""Account numbers: IBANs (ISO 13616) with mod-97 check digits.

Teller issues Czech-format IBANs by default (CZkk BBBB PPPPPP NNNNNNNNNN: bank code,
prefix, number), whose account number also satisfies the Czech national mod-11 weights,
so a number Teller issues is valid for every checker a customer's other bank may run.
"""

from __future__ import annotations

import secrets
import string

_CZ_NUMBER_WEIGHTS = (6, 3, 7, 9, 10, 5, 8, 4, 2, 1)
_LETTERS = {c: str(i) for i, c in enumerate(string.ascii_uppercase, start=10)}


def _as_digits(text: str) -> str:
    return "".join(_LETTERS.get(c, c) for c in text)


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits for ``country`` + ``bban`` (ISO 13616 / ISO 7064 mod 97-10)."""
    remainder = int(_as_digits(bban + country.upper() + "00")) % 97
    return f"{98 - remainder:02d}"


def is_valid_iban(iban: str) -> bool:
    """True for a well-formed IBAN whose check digits are right (spaces allowed)."""
    compact = iban.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum() or not compact[:2].isalpha():
        return False
    if not compact[2:4].isdigit():
        return False
    return int(_as_digits(compact[4:] + compact[:4])) % 97 == 1


def format_iban(iban: str) -> str:
    """Groups of four, as printed on statements: ``CZ65 0800 0000 1920 0014 5399``."""
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def czech_number_valid(number: str) -> bool:
    """The Czech national mod-11 check on a 10-digit account number."""
    digits = number.zfill(10)
    return sum(int(d) * w for d, w in zip(digits, _CZ_NUMBER_WEIGHTS, strict=True)) % 11 == 0


def new_account_number() -> str:
    """A random 10-digit number passing the Czech mod-11 check (random: not guessable)."""
    while True:
        body = f"{secrets.randbelow(10**9):09d}"
        partial = sum(int(d) * w for d, w in zip(body, _CZ_NUMBER_WEIGHTS[:9], strict=True))
        check = (-partial) % 11  # the last weight is 1
        if check < 10 and body[0] != "0":
            return body + str(check)


def new_iban(country: str, bank_code: str) -> str:
    """A fresh IBAN for ``country`` and ``bank_code`` (4 digits), prefix 000000."""
    if len(bank_code) != 4 or not bank_code.isdigit():
        raise ValueError("the bank code is four digits")
    bban = bank_code + "000000" + new_account_number()
    return country.upper() + iban_check_digits(country, bban) + bban
