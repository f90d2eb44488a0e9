"""Downloading what the customer sent, then deleting it at Twilio.

``MediaUrl0`` is the Media resource of the inbound message
(``…/Accounts/AC…/Messages/MM…/Media/ME…``): it answers with a redirect to the file and
needs the account's HTTP Basic credentials (httpx drops them when the redirect leaves the
host). Twilio keeps media until the resource is deleted, and a bank should not leave
customers' documents there, so after the download Teller deletes it. The credentials are
only ever sent to Twilio's API host (or the configured API URL): a URL anywhere else is
refused rather than followed.
"""

from __future__ import annotations

import logging
import mimetypes
from urllib.parse import urlsplit

import httpx

from bots.channel import PrepareError
from flows.messages import Attachment

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
TWILIO_HOST = "api.twilio.com"


def media_allowed(url: str, api_url: str) -> bool:
    """Whether ``url`` is Twilio's (https on api.twilio.com) or under the configured API
    URL (a platform double in tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname == TWILIO_HOST:
        return True
    api = urlsplit(api_url)
    return (parts.scheme, parts.netloc) == (api.scheme, api.netloc)


def filename_for(content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    return "upload" + (".jpg" if extension in (".jpe", ".jpeg") else extension)


async def download(
    http: httpx.AsyncClient, url: str, content_type: str, auth: tuple[str, str]
) -> Attachment:
    """The file at ``url``, at most 10 MB. Raises :class:`PrepareError` (permanent when
    retrying cannot help: gone, refused, too big)."""
    try:
        async with http.stream("GET", url, auth=auth, follow_redirects=True) as response:
            status = response.status_code
            if status == 429 or status >= 500:
                raise PrepareError(f"twilio media: HTTP {status}")
            if status != 200:
                raise PrepareError(f"twilio media: HTTP {status}", permanent=True)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise PrepareError("twilio media: larger than 10 MB", permanent=True)
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > MAX_BYTES:
                    raise PrepareError("twilio media: larger than 10 MB", permanent=True)
            served = response.headers.get("Content-Type", "").split(";")[0].strip()
    except httpx.HTTPError as exc:
        raise PrepareError(f"twilio media: {type(exc).__name__}") from None
    kind = content_type or served or "application/octet-stream"
    return Attachment(bytes(data), kind, filename_for(kind))


async def delete(http: httpx.AsyncClient, url: str, auth: tuple[str, str]) -> bool:
    """Delete the Media resource; a failure is logged (without the URL) and ignored."""
    resource = url if url.endswith(".json") else url + ".json"
    try:
        response = await http.delete(resource, auth=auth)
    except httpx.HTTPError as exc:
        log.warning("twilio media not deleted: %s", type(exc).__name__)
        return False
    if response.status_code not in (200, 204, 404):  # 404: already gone
        log.warning("twilio media not deleted: HTTP %s", response.status_code)
        return False
    return True
