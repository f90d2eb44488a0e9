"""Referral and promo codes: how they are made and how typed ones are read.

A personal code is the program's prefix and random characters of the RFC 4648 base32
alphabet (A–Z, 2–7): it leaves out 0, 1, 8 and 9, the digits people confuse with O, I, B
and g. Codes are stored upper-case without separators, which also makes them valid
Telegram and Viber deep-link parameters as they are; what people type is read leniently
(case, spaces, dashes).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
MAX_CODE = 32
MIN_CODE = 4
PREFIX = re.compile(r"[A-Z0-9]{0,12}")
_CODE = re.compile(rf"[A-Z0-9]{{{MIN_CODE},{MAX_CODE}}}")
_SEPARATORS = re.compile(r"[\s\-_]")


def new_code(prefix: str, length: int) -> str:
    """A fresh personal code: ``prefix`` then ``length`` random base32 characters."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))


def read_code(raw: str) -> str | None:
    """The canonical form of a typed code, or None when it cannot be a code at all."""
    if len(raw) > 4 * MAX_CODE:  # not worth reading
        return None
    code = _SEPARATORS.sub("", raw).upper()
    return code if _CODE.fullmatch(code) else None
