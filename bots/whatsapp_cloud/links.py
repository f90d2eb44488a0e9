"""Invitations on WhatsApp: a wa.me link that pre-fills the first message, and the code
read back from it.

WhatsApp has no start parameter (CHANNELS.md §4 "Deep links"): the link only types a
greeting into the customer's composer, and the customer may edit it before sending. The
code found in that first message is a hint for the referral program, never proof.
"""

from __future__ import annotations

import re
from urllib.parse import quote

GREETING = "Hi Teller! My invite code: {code}"
# "invite code" then an optional ":" and the code; lenient about case and spacing because
# the customer may retype it. Codes are letters and digits (core's referral codes are
# base32); "-" and "_" are allowed inside, as people type them.
_INVITE = re.compile(
    r"invite\s*code\s*(?:is\s+)?[:=#-]?\s*([A-Za-z0-9][A-Za-z0-9_-]{2,63})", re.IGNORECASE
)


def deep_link(number: str, code: str) -> str:
    """``https://wa.me/<digits>?text=<greeting with code>`` for the business number."""
    digits = "".join(c for c in number if c.isdigit())
    if not digits:
        raise ValueError("the WhatsApp number needs its digits, country code first")
    return f"https://wa.me/{digits}?text={quote(GREETING.format(code=code), safe='')}"


def code_from_text(text: str) -> str | None:
    """The invite code in a customer's message, or None."""
    found = _INVITE.search(text)
    return found.group(1).strip("-_") if found else None
