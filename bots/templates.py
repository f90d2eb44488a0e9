"""Approved message templates for notifications outside the 24-hour reply windows.

Configured data (``bots/templates.yaml``, or the file in ``TELLER_CHANNEL_TEMPLATES_FILE``):
WhatsApp only delivers a business-initiated message outside the window when it uses a
template the business had approved, so each WhatsApp adapter asks here which one to use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_FILE = Path(__file__).with_name("templates.yaml")
MAX_VARIABLE = 1024  # a template body variable's limit on WhatsApp


@dataclass(frozen=True, slots=True)
class Template:
    """One approved template in one language: a Cloud API name or a Twilio Content SID."""

    name: str = ""
    language: str = "en"
    content_sid: str = ""


class Templates:
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @classmethod
    def load(cls, path: Path | None = None) -> Templates:
        with (path or DEFAULT_FILE).open(encoding="utf-8") as file:
            data = yaml.safe_load(file) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a mapping of channels to templates")
        return cls(data)

    def notification(self, channel: str, language: str) -> Template | None:
        """The template for a notification in ``language`` (English when that language
        has none); None when the channel has no notification template."""
        entry = self._data.get(channel, {}).get("notification")
        if not isinstance(entry, dict):
            return None
        if "content_sids" in entry:
            sids: dict[str, str] = entry["content_sids"]
            sid = sids.get(language) or sids.get("en")
            return Template(language=language if language in sids else "en", content_sid=sid or "")
        languages: dict[str, str] = entry.get("languages", {"en": "en"})
        code = languages.get(language) or languages.get("en", "en")
        return Template(name=str(entry["name"]), language=code)


def template_text(text: str) -> str:
    """A notification's text as a template variable: one line breaks rule aside, cut."""
    return text if len(text) <= MAX_VARIABLE else text[: MAX_VARIABLE - 1] + "…"
