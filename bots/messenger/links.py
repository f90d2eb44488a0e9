"""m.me links: ``https://m.me/<page>?ref=<code>`` opens the Page's chat with a referral
(CHANNELS.md §5 "Deep links"): a new conversation brings it in the Get Started postback,
an existing one as a ``messaging_referrals`` event. A hint for the referral program, never
proof of anything."""

from __future__ import annotations

from urllib.parse import quote


def deep_link(page_name: str, code: str) -> str:
    page = page_name.strip().lstrip("@")
    if not page:
        raise ValueError("m.me links need the Page's username")
    return f"https://m.me/{quote(page, safe='')}?ref={quote(code, safe='')}"
