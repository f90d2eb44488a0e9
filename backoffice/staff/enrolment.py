"""Password rules for new local accounts, and the TOTP enrolment shown once as a QR code.

The QR code is drawn here with segno rather than by ``render``: the back office may not
import ``render`` (layers), and a QR code of an ``otpauth://`` URI is part of enrolling a
staff member, not a customer document (decision 0088).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import segno

from backoffice.accounts import MIN_PASSWORD

MAX_PASSWORD = 200


@dataclass(frozen=True, slots=True)
class Enrolment:
    qr: str  # a data: URI of an SVG image, for <img src>
    secret: str  # the base32 secret in groups of four, for typing in by hand


def password_problems(username: str, password: str, confirmation: str) -> list[str]:
    """Text keys (``staff.password_*``) for each rule the password breaks."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD:
        problems.append("staff.password_short")
    if len(password) > MAX_PASSWORD:
        problems.append("staff.password_long")
    if len(set(password)) < 5:
        problems.append("staff.password_repetitive")
    name = username.strip().lower()
    if name and name in password.lower():
        problems.append("staff.password_has_username")
    if password != confirmation:
        problems.append("staff.password_mismatch")
    return problems


def enrolment(totp_uri: str) -> Enrolment:
    secret = parse_qs(urlsplit(totp_uri).query).get("secret", [""])[0]
    qr = segno.make(totp_uri, error="m").svg_data_uri(scale=5, border=2, omit_charset=True)
    return Enrolment(str(qr), " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)))
