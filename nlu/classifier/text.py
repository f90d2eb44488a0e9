"""What a message is cut and folded to before any feature sees it."""

from __future__ import annotations

import re
import unicodedata

# Customers write a sentence or two; anything longer is pasted garbage. Cutting keeps the
# cost of one message bounded (char n-grams grow with length, the encoder with tokens).
MAX_CHARS = 400


_NUMBER = re.compile(r"\d(?:[\d \u00a0.,-]*\d)?")


def normalize(text: str) -> str:
    """NFKC (full-width letters, ligatures), whitespace collapsed, cut to ``MAX_CHARS``.

    Lone surrogates (which JSON can smuggle in, and which the Rust tokenizer refuses) are
    replaced; anything that is not a string counts as empty.
    """
    if not isinstance(text, str):
        return ""
    text = text[: MAX_CHARS * 2].encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFKC", text)
    # A number says "some amount" or "some card", not which: "send 50 euro to card 4111
    # 1111 1111 1111" must read like "send 20 euro to card 5500 …". Every run of digits
    # (with the spaces, dots, commas and dashes people group them with) becomes one "0".
    text = _NUMBER.sub("0", text)
    return " ".join(text.split())[:MAX_CHARS]


def has_signal(text: str) -> bool:
    """False for messages with no letter or digit at all: empty, emoji, punctuation."""
    return any(ch.isalnum() for ch in text)
