"""What Meta's two messaging products share: the webhook handshake, the signature, the
Graph API's errors and downloads.

WhatsApp Cloud API and Messenger use the same webhook mechanics (CHANNELS.md §4, §5): a GET
``hub.challenge`` handshake when the callback URL is saved in the app dashboard, and POSTs
signed with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, App Secret)>``
(fixtures/SIGNATURES.md, vectors meta/a–c). Both send through the Graph API, whose errors
are ``{"error": {"code", "error_subcode", "message", …}}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from bots.channel import DeliveryError, PrepareError
from bots.problems import problem

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_MEDIA = 10 * 1024 * 1024  # what Teller accepts from a customer, whatever the platform allows

# -- webhooks -------------------------------------------------------------------------------


def verify_signature(raw: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` ("sha256=<hex>") is the App Secret's HMAC of the raw body.

    An unset App Secret verifies nothing: an empty HMAC key anyone could use."""
    if not header or not app_secret:
        return False
    scheme, _, signature = header.partition("=")
    if scheme.strip().lower() != "sha256":
        return False
    expected = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    # Bytes, not str: compare_digest refuses non-ASCII strings, and a header may hold any.
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def handshake(request: Request, verify_token: str) -> Response:
    """Meta's GET verification: echo ``hub.challenge`` when ``hub.mode`` is ``subscribe``
    and ``hub.verify_token`` is ours, else 403 (as Meta's Messenger sample answers)."""
    query = request.query_params
    token = query.get("hub.verify_token", "")
    challenge = query.get("hub.challenge", "")
    valid = (
        bool(verify_token)
        and query.get("hub.mode") == "subscribe"
        and hmac.compare_digest(token.encode(), verify_token.encode())
        and bool(challenge)
    )
    if not valid:
        return problem(403, "WEBHOOK_VERIFICATION_FAILED", "Wrong verify token or mode.")
    return PlainTextResponse(challenge, headers={"X-Content-Type-Options": "nosniff"})


async def signed_json(request: Request, app_secret: str) -> dict[str, Any] | Response:
    """The webhook's JSON object once its signature is proven, or the problem to answer:
    401 for a missing or wrong signature (checked on the raw bytes, before parsing), 400
    for a body that is not a JSON object."""
    raw = await request.body()
    if not verify_signature(raw, request.headers.get(SIGNATURE_HEADER), app_secret):
        return problem(401, "INVALID_SIGNATURE", f"Missing or wrong {SIGNATURE_HEADER}.")
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return problem(400, "MALFORMED_JSON", "The body is not JSON.")
    if not isinstance(payload, dict):
        return problem(400, "MALFORMED_JSON", "The body is not a JSON object.")
    return payload


def items(parent: Any, key: str) -> list[dict[str, Any]]:
    """``parent[key]`` as a list of objects, whatever a malformed payload holds there."""
    if not isinstance(parent, dict):
        return []
    value = parent.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def text_of(parent: Any, key: str) -> str:
    """``parent[key]`` as a string ("" when absent); numbers become their digits."""
    if not isinstance(parent, dict):
        return ""
    value = parent.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


# -- Graph API errors ------------------------------------------------------------------------

# Application-level throttling (Graph codes 4 "application request limit", 17 "user request
# limit", 32 "page request limit", 613 "calls within one hour exceeded", 80007 "WhatsApp
# Business Account rate limit"): the budget is counted over a rolling hour, so retrying
# within seconds only burns more of it.
APP_RATE_LIMIT = frozenset({4, 17, 32, 613, 80007})
APP_RATE_RETRY = 60.0
# The business number's throughput (~80 messages/s by default, CHANNELS.md §4): 130429
# when exceeded, 131057 while Meta upgrades it. A second or two drains the excess.
NUMBER_RATE_LIMIT = frozenset({130429, 131057})
NUMBER_RATE_RETRY = 2.0
# The pair rate limit, one message every 6 s to the same WhatsApp user.
PAIR_RATE_LIMIT = 131056
PAIR_RATE_RETRY = 6.0
# More than 24 hours since the customer last wrote: WhatsApp 131047 ("re-engagement
# message"); Messenger code 10 with subcode 2018278 ("outside of allowed window").
WINDOW_CLOSED = "24-hour window closed"
# The person cannot be reached: Messenger 551 ("this person isn't available right now"),
# 1545041 (seen as code or subcode for the same). The reason says "blocked", which makes
# delivery mark the person unreachable.
UNAVAILABLE = frozenset({551, 1545041})
# Graph's permissions error: to one person (they blocked the Page, gave no consent) or to
# everyone (the token lacks a permission). Permanent either way, but not worded "blocked":
# a misconfigured token must not mark every customer unreachable.
PERMISSION = 200
TOKEN_INVALID = 190
TEMPORARY = frozenset({1, 2})  # "unknown error" and "service temporarily unavailable"


def graph_codes(body: Any) -> tuple[int | None, int | None]:
    """``(code, error_subcode)`` of a Graph error body, None where absent."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, None
    return _int(error.get("code")), _int(error.get("error_subcode"))


def graph_error(status: int, body: Any, retry_after: str | None = None) -> DeliveryError:
    """The :class:`DeliveryError` for a Graph API error answer. The reason names the HTTP
    status and Graph codes only: Graph's message may quote what was sent."""
    code, subcode = graph_codes(body)
    label = f"HTTP {status}"
    if code is not None:
        label = f"Graph error {code}" + (f"/{subcode}" if subcode else "") + f" (HTTP {status})"
    if code == 131047 or (code == 10 and subcode == 2018278):
        return DeliveryError(f"{WINDOW_CLOSED}: {label}", permanent=True)
    if code == PAIR_RATE_LIMIT:
        return DeliveryError(f"rate limited to this person: {label}", retry_after=PAIR_RATE_RETRY)
    if code in NUMBER_RATE_LIMIT:
        return DeliveryError(f"rate limited: {label}", retry_after=NUMBER_RATE_RETRY)
    if code in APP_RATE_LIMIT or status == 429:
        return DeliveryError(
            f"rate limited: {label}", retry_after=_seconds(retry_after) or APP_RATE_RETRY
        )
    if code in UNAVAILABLE or subcode in UNAVAILABLE:
        return DeliveryError(f"recipient unavailable or blocked: {label}", permanent=True)
    if code == PERMISSION:
        return DeliveryError(f"not permitted to message this person: {label}", permanent=True)
    if code == TOKEN_INVALID:
        return DeliveryError(f"access token invalid or expired: {label}", permanent=True)
    if status >= 500 or code in TEMPORARY:
        return DeliveryError(f"platform error: {label}")
    if 400 <= status < 500:
        return DeliveryError(f"rejected: {label}", permanent=True)
    return DeliveryError(f"unexpected answer: {label}")


async def graph_call(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    token: str,
    *,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One Graph API call with the token in the Authorization header (never in the URL,
    which ends up in logs and tracebacks); its JSON answer, or :class:`DeliveryError`."""
    try:
        response = await http.request(
            method, url, json=body, params=params, headers={"Authorization": f"Bearer {token}"}
        )
    except httpx.TimeoutException as exc:
        raise DeliveryError("Graph API timed out") from exc
    except httpx.HTTPError as exc:
        raise DeliveryError(f"Graph API unreachable ({type(exc).__name__})") from exc
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code >= 400 or (isinstance(answer, dict) and "error" in answer):
        raise graph_error(response.status_code, answer, response.headers.get("Retry-After"))
    return answer if isinstance(answer, dict) else {}


# -- downloads ---------------------------------------------------------------------------------


async def download(
    http: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    limit: int = MAX_MEDIA,
) -> tuple[bytes, str]:
    """The file at ``url`` and its content type, at most ``limit`` bytes (read in chunks,
    so a larger file is refused without being held). The URL is never put in an error:
    platform media URLs are signed and grant access to the customer's file."""
    try:
        async with http.stream("GET", url, headers=headers, follow_redirects=True) as response:
            status = response.status_code
            if status >= 400:
                # 408 and 429 pass; any other 4xx (expired link, file deleted) stays so.
                permanent = status < 500 and status not in (408, 429)
                raise PrepareError(f"download failed (HTTP {status})", permanent=permanent)
            declared = _int(response.headers.get("Content-Length"))
            if declared is not None and declared > limit:
                raise PrepareError("file larger than 10 MB", permanent=True)
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data.extend(chunk)
                if len(data) > limit:
                    raise PrepareError("file larger than 10 MB", permanent=True)
            content_type = response.headers.get("Content-Type", "application/octet-stream")
            return bytes(data), content_type.split(";")[0].strip()
    except httpx.HTTPError as exc:
        raise PrepareError(f"download failed ({type(exc).__name__})") from exc


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header's delay in seconds (the HTTP-date form is not used by Graph)."""
    number = _int(value)
    return float(number) if number else None
