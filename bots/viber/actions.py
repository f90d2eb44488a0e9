"""What Teller puts in keyboard buttons and ``tracking_data`` so it can read taps back.

Viber has no callback event: a ``reply`` button arrives as an ordinary text message whose
text is the button's ``ActionBody``. Teller's buttons therefore carry a prefix no person
types, and the adapter turns such a text back into the button's payload.

``tracking_data`` (≤ 4000 chars) is echoed by Viber with the user's next message; Teller
uses it to know what the last message asked for: the share-phone button (a contact that
comes back is the sender's own) or a secure link (an open-url tap sends the URL back as a
message, which must not become a turn).
"""

from __future__ import annotations

import hashlib

from bots.viber.links import valid_code

PAYLOAD_PREFIX = "btn:"  # "btn:<payload>": a tapped reply button
START_PREFIX = "start:"  # "start:<code>" (or "start:"): the welcome message's Start button
SHARE_PHONE = "share-phone"  # tracking_data of the message with the share-phone button
LINK_PREFIX = "link:"  # "link:<digest of the URL>": tracking_data of a secure link


def payload_body(payload: str) -> str:
    return PAYLOAD_PREFIX + payload


def start_body(code: str | None) -> str:
    return START_PREFIX + (code or "")


def read_payload(text: str) -> str | None:
    """The payload of a tapped button, or None for typed text."""
    if text.startswith(PAYLOAD_PREFIX) and len(text) > len(PAYLOAD_PREFIX):
        return text[len(PAYLOAD_PREFIX) :]
    return None


def read_start(text: str) -> tuple[bool, str | None]:
    """(is a Start tap, its deep-link code). A malformed code is dropped, not trusted."""
    if not text.startswith(START_PREFIX):
        return False, None
    rest = text[len(START_PREFIX) :]
    if rest == "":
        return True, None
    code = valid_code(rest)
    return (code is not None), code


def link_marker(url: str) -> str:
    # A digest, not the URL: tracking_data travels through Viber and comes back in every
    # reply, and the link is a single-use bearer address.
    return LINK_PREFIX + hashlib.sha256(url.encode()).hexdigest()[:32]


def is_link_echo(tracking_data: object, text: str) -> bool:
    """The message is Viber sending back the URL of the secure-link button just tapped."""
    return (
        isinstance(tracking_data, str)
        and tracking_data.startswith(LINK_PREFIX)
        and text.strip() != ""
        and tracking_data == link_marker(text.strip())
    )
