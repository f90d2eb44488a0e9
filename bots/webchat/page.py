"""The web chat page: one HTML file with its script, served by Teller (no build step)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

PAGE = Path(__file__).with_name("webchat.html")


@cache
def page() -> str:
    return PAGE.read_text(encoding="utf-8")
