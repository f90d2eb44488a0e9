"""Making any message safe to classify: printable, normalized, bounded."""

from __future__ import annotations

import unicodedata

# Longer messages are cut before classification: the intent is in the first sentences,
# and a 10,000-character message must cost no more than a short one.
MAX_CLASSIFIED = 500


def clean(text: str) -> str:
    """``text`` in NFC with control and format characters dropped and whitespace
    collapsed, at most ``MAX_CLASSIFIED`` characters."""
    if not isinstance(text, str):
        return ""
    head = text[: MAX_CLASSIFIED * 4]
    normal = unicodedata.normalize("NFC", head)
    kept = "".join(c if c.isprintable() else " " for c in normal)
    return " ".join(kept.split())[:MAX_CLASSIFIED]


def has_words(text: str) -> bool:
    """Whether a message holds anything a classifier can use (letters)."""
    return any(c.isalpha() for c in text)
