"""A content-hash cache of finished pictures: the same document drawn twice is drawn once.

The key is a SHA-256 of what is drawn (the document's fields, the options and the
renderer's version), so a changed balance or a new design never returns a stale picture.
Bounded by bytes, least recently used out first. A revealed card number is never cached.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from render.output import Rendered

# Bump when any picture's drawing changes, so that caches never mix old and new designs.
RENDER_VERSION = "1"


def content_key(kind: str, document: object, **options: object) -> str:
    """The cache key of ``document`` drawn as ``kind`` with ``options``.

    Documents are frozen dataclasses of strings, numbers, dates and ``Money``: their
    ``repr`` names every field and value, deterministically."""
    text = f"{RENDER_VERSION}|{kind}|{document!r}|{sorted(options.items())!r}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class RenderCache:
    """Finished pictures by content key, at most ``max_bytes`` of them."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._max = max_bytes
        self._entries: OrderedDict[str, tuple[Rendered, ...]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # renderers run in a pool of threads
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> tuple[Rendered, ...] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: str, value: Sequence[Rendered]) -> None:
        stored = tuple(value)
        size = sum(item.size for item in stored)
        if size > self._max:  # one huge document would evict everything for nothing
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= sum(item.size for item in previous)
            self._entries[key] = stored
            self._bytes += size
            while self._bytes > self._max:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= sum(item.size for item in evicted)

    @property
    def size(self) -> int:
        return self._bytes
