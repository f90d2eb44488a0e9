"""``X-Twilio-Signature``: reading a form body and checking Twilio signed it.

Twilio signs the URL it called followed by every POST parameter (name + value, names
sorted, several values of one name sorted) with HMAC-SHA1 keyed by the account's Auth
Token, base64. The string is built by twilio-python's own ``RequestValidator`` — Twilio
asks integrators not to re-implement it, since it adds parameters without notice — and the
result is compared here in constant time. Twilio's signing is inconsistent about the
port in the URL, so the URL is tried with and without it, as the SDK's ``validate`` does.
"""

from __future__ import annotations

import hmac
from typing import cast
from urllib.parse import parse_qs, urlparse

from twilio.request_validator import (  # type: ignore[import-untyped]
    RequestValidator,
    add_port,
    remove_port,
)

SIGNATURE_HEADER = "X-Twilio-Signature"


class Form(dict[str, list[str]]):
    """A form's parameters, every value of each (what the validator signs)."""

    def getall(self, name: str) -> list[str]:  # the validator's multi-value interface
        return self[name]

    def first(self, name: str, default: str = "") -> str:
        values = self.get(name)
        return values[0] if values else default


def parse_form(body: bytes) -> Form:
    """Every parameter of an ``application/x-www-form-urlencoded`` body, blank ones too
    (Twilio signs ``Body=`` like any other). Raises UnicodeDecodeError on bytes that are
    not UTF-8 (never Twilio's)."""
    text = body.decode("utf-8")
    return Form(parse_qs(text, keep_blank_values=True, strict_parsing=False))


def compute_signature(auth_token: str, url: str, params: Form) -> str:
    return cast(str, RequestValidator(auth_token).compute_signature(url, params))


def verify(auth_token: str, url: str, params: Form, signature: str | None) -> bool:
    """Whether ``signature`` is Twilio's for a request to ``url`` carrying ``params``."""
    if not signature or not auth_token:
        return False
    parsed = urlparse(url)
    given = signature.encode()
    ok = False
    for candidate in {cast(str, remove_port(parsed)), cast(str, add_port(parsed))}:
        expected = compute_signature(auth_token, candidate, params).encode()
        ok |= hmac.compare_digest(expected, given)  # no early exit: both are computed
    return ok
