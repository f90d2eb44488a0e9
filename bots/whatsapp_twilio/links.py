"""wa.me invitation links and reading the invite code back from the first message.

WhatsApp has no start parameter: a wa.me link only pre-fills the customer's first
message, which arrives as ordinary text the customer may have edited. So the code is
looked for anywhere in the text, after the words "invite code", and is a hint for the
referral program (never proof of anything).
"""

from __future__ import annotations

import re
from urllib.parse import quote

GREETING = "Hi Teller! My invite code: {code}"
_CODE = re.compile(
    r"invite[\s_-]*code\s*(?:is\s*)?[:：#=-]?\s*([A-Za-z0-9][A-Za-z0-9_-]{3,63})",
    re.IGNORECASE,
)


def deep_link(number: str, code: str) -> str:
    """``https://wa.me/<digits>?text=…``: opens a chat with the bank's WhatsApp number and
    the greeting with ``code`` typed in, ready to send."""
    digits = re.sub(r"\D", "", number)
    if not digits:
        raise ValueError("a WhatsApp number is digits with the country code")
    return f"https://wa.me/{digits}?text={quote(GREETING.format(code=code), safe='')}"


def code_from_text(text: str) -> str | None:
    """The invite code in a message made from :func:`deep_link`'s greeting, whatever the
    customer typed around it; None when there is none."""
    found = _CODE.search(text)
    if found is None:
        return None
    return found.group(1).rstrip("_-")
