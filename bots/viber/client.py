"""A thin async client for Viber's REST Bot API (``POST {api_url}/pa/<method>``).

Viber answers HTTP 200 for most failures and puts the outcome in ``status`` (0 = ok) and
``status_message``. Everything is mapped to :class:`ViberApiError`, a
:class:`~bots.channel.DeliveryError` whose reason never holds the token or message text.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from bots.channel import DeliveryError
from bots.viber.config import ViberConfig

log = logging.getLogger(__name__)

AUTH_HEADER = "X-Viber-Auth-Token"
MAX_REQUEST_BYTES = 30 * 1024  # "the maximum total JSON size of the request is 30kb" (FAQ)
RATE_LIMITED_RETRY = 1.0  # status 12 carries no retry time; a second is Viber-friendly

# Viber's status codes. 1–4 are on creators.viber.com's error page; the rest follow the
# REST API reference's table (the numbering is marked unverified in CHANNELS.md §2).
STATUS_NAMES = {
    1: "invalidUrl",
    2: "invalidAuthToken",
    3: "badData",
    4: "missingData",
    5: "receiverNotRegistered",
    6: "receiverNotSubscribed",
    7: "publicAccountBlocked",
    8: "publicAccountNotFound",
    9: "publicAccountSuspended",
    10: "webhookNotSet",
    11: "receiverNoSuitableDevice",
    12: "tooManyRequests",
    13: "apiVersionNotSupported",
    14: "incompatibleWithVersion",
}
TOO_MANY_REQUESTS = 12
INVALID_AUTH_TOKEN = 2


class ViberApiError(DeliveryError):
    """A call that failed; ``status`` is Viber's status code when it answered with one."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason, permanent=permanent, retry_after=retry_after)
        self.status = status


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (compact UTF-8), so the 30 KB limit is measured on them."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def fits(payload: dict[str, Any]) -> bool:
    return len(encode(payload)) <= MAX_REQUEST_BYTES


class ViberClient:
    def __init__(self, http: httpx.AsyncClient, config: ViberConfig) -> None:
        self._http = http
        self._config = config

    async def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /pa/<method>``; the answer's JSON when ``status`` is 0."""
        body = encode(payload)
        if len(body) > MAX_REQUEST_BYTES:
            raise ViberApiError(f"viber {method}: request over 30 KB", permanent=True)
        url = f"{self._config.api_url.rstrip('/')}/pa/{method}"
        headers = {AUTH_HEADER: self._config.auth_token, "Content-Type": "application/json"}
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise ViberApiError(f"viber {method}: timed out") from exc
        except httpx.HTTPError as exc:
            # The exception's text may quote the request; its class says enough.
            raise ViberApiError(f"viber {method}: {type(exc).__name__}") from exc
        return _outcome(method, response)


def _outcome(method: str, response: httpx.Response) -> dict[str, Any]:
    code = response.status_code
    if code == 429:
        raise ViberApiError(
            f"viber {method}: HTTP 429", retry_after=_retry_after(response) or RATE_LIMITED_RETRY
        )
    if code >= 500:
        raise ViberApiError(f"viber {method}: HTTP {code}")
    if code != 200:
        raise ViberApiError(f"viber {method}: HTTP {code}", permanent=True)
    try:
        data = response.json()
    except ValueError as exc:
        raise ViberApiError(f"viber {method}: the answer is not JSON") from exc
    if not isinstance(data, dict):
        raise ViberApiError(f"viber {method}: the answer is not a JSON object")
    status = data.get("status")
    if status == 0:
        return data
    if not isinstance(status, int) or isinstance(status, bool):
        raise ViberApiError(f"viber {method}: no status in the answer")
    name = STATUS_NAMES.get(status, "error")
    message = data.get("status_message")
    detail = f" ({message[:120]})" if isinstance(message, str) and message else ""
    reason = f"viber {method}: status {status} {name}{detail}"
    log.info("viber %s refused: status %s %s", method, status, name)
    if status == TOO_MANY_REQUESTS:
        raise ViberApiError(reason, status=status, retry_after=RATE_LIMITED_RETRY)
    # 5 receiverNotRegistered, 6 receiverNotSubscribed (the person left), a blocked or
    # suspended account, bad data: retrying the same request cannot help.
    raise ViberApiError(reason, status=status, permanent=True)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 < seconds <= 3600 else None
