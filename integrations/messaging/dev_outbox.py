"""The development default for one-time codes: nothing leaves the machine.

Codes are appended to ``dev-outbox.jsonl`` in the data directory and shown at
``/dev/outbox``, which exists only in development mode. Production refuses this adapter
(``teller/settings.py``).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class DevOutbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def send_code(self, to: str, text: str) -> None:
        line = json.dumps({"to": to, "text": text, "at": datetime.now(UTC).isoformat()})
        async with self._lock:
            await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest messages, newest first."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()[-limit:]
        return [json.loads(line) for line in reversed(lines) if line.strip()]
