"""The web chat page: one HTML file with its script, served by Teller (no build step).

The page carries its own Content-Security-Policy: only its own inline script and style
(by their SHA-256) and Teller's own origin for requests, pictures and the WebSocket. No
third-party asset can load, and an injected script would not run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

PAGE = Path(__file__).with_name("webchat.html")
PLACEHOLDER = "__CSP__"


@cache
def page() -> str:
    html = PAGE.read_text(encoding="utf-8")
    return html.replace(PLACEHOLDER, content_security_policy(html), 1)


def content_security_policy(html: str) -> str:
    scripts = " ".join(_hashes(html, "script"))
    styles = " ".join(_hashes(html, "style"))
    # 'self' in connect-src covers ws:// and wss:// to the same host (CSP Level 3).
    return (
        "default-src 'none'; "
        f"script-src {scripts}; "
        f"style-src {styles}; "
        "img-src 'self' data: blob:; "
        "connect-src 'self'; "
        "base-uri 'none'; "
        "form-action 'self'"
    )


def _hashes(html: str, tag: str) -> list[str]:
    bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.DOTALL)
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in bodies
    ]
