"""What a customer sent, fetched from Viber's CDN just before the turn.

The ``media`` URL in a message is a direct, time-limited (signed ``Expires``) HTTPS link
that needs no auth header (CHANNELS.md §2). Teller takes at most 10 MB and works out the
type from the answer, or from the file name when the CDN says only octet-stream.
"""

from __future__ import annotations

import mimetypes

import httpx

from bots.channel import PrepareError
from flows.messages import Attachment

MAX_BYTES = 10 * 1024 * 1024


async def download(http: httpx.AsyncClient, url: str, filename: str, fallback: str) -> Attachment:
    try:
        async with http.stream("GET", url, follow_redirects=True) as response:
            code = response.status_code
            if 400 <= code < 500:
                # An expired or withdrawn link: fetching it again cannot help (but a 429 can).
                raise PrepareError(f"viber media: HTTP {code}", permanent=code != 429)
            if code != 200:
                raise PrepareError(f"viber media: HTTP {code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise PrepareError("viber media: over 10 MB", permanent=True)
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data.extend(chunk)
                if len(data) > MAX_BYTES:
                    raise PrepareError("viber media: over 10 MB", permanent=True)
            content_type = _content_type(response.headers.get("Content-Type"), filename, fallback)
    except httpx.TimeoutException as exc:
        raise PrepareError("viber media: timed out") from exc
    except httpx.HTTPError as exc:
        # Not the exception's text: it would quote the signed URL.
        raise PrepareError(f"viber media: {type(exc).__name__}") from exc
    return Attachment(bytes(data), content_type, filename)


def _content_type(header: str | None, filename: str, fallback: str) -> str:
    declared = (header or "").split(";", 1)[0].strip().lower()
    if declared and declared not in ("application/octet-stream", "binary/octet-stream"):
        return declared
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or fallback
