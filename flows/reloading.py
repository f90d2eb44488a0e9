"""Reloading flows and texts without a restart: on file change in development (checked
at most once a second, when a message arrives) and on SIGHUP in production. A broken
edit is refused whole: the running definitions stay until ``teller flows check`` passes
for the new ones."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flows.catalog import TEXTS, Catalog
from flows.check import check
from flows.definition import DEFINITIONS, load_all
from flows.engine import Engine

log = logging.getLogger(__name__)


class Reloader:
    def __init__(
        self,
        engine: Engine,
        definitions: Path = DEFINITIONS,
        texts: Path = TEXTS,
        *,
        every: float = 1.0,
    ) -> None:
        self._engine = engine
        self._definitions = definitions
        self._texts = texts
        self._every = every
        self._checked = 0.0
        self._stamp = self._current_stamp()

    def _current_stamp(self) -> tuple[float, int]:
        files = [*self._definitions.glob("*.y*ml"), *self._texts.glob("*/*.yaml")]
        return (max((f.stat().st_mtime for f in files), default=0.0), len(files))

    def maybe_reload(self) -> bool:
        """Reload when a file changed since the last look (development)."""
        now = time.monotonic()
        if now - self._checked < self._every:
            return False
        self._checked = now
        stamp = self._current_stamp()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        return self.reload()

    def reload(self) -> bool:
        """Load the definitions and texts again; False (and the old ones kept) when the
        new ones have problems."""
        problems = check(self._definitions, self._texts)
        if problems:
            log.error("flows not reloaded: %d problems, first: %s", len(problems), problems[0])
            return False
        self._engine.reload(load_all(self._definitions), Catalog.load(self._texts))
        log.info("flows reloaded")
        return True
