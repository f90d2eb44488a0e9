"""Storage keys as the core makes them, checked before they become paths or object names."""

from __future__ import annotations

import re

_KEY = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+){0,7}")


def check_key(key: str) -> str:
    """``key`` if it is 1–8 segments of ``[A-Za-z0-9_-]`` joined by ``/``, else ValueError.

    No ``.`` and no leading ``/``: a key can never climb out of the store's directory.
    """
    if len(key) > 200 or not _KEY.fullmatch(key):
        raise ValueError("a storage key is segments of letters, digits, _ and - joined by /")
    return key
