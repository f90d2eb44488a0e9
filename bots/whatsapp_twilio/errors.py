"""Twilio's answers as :class:`~bots.channel.DeliveryError`.

Twilio answers a refused request with an HTTP status and a JSON body ``{"code": …,
"message": …, "more_info": …, "status": …}``. The code decides (twilio.com/docs/api/errors):
63016 outside the 24-hour window, 63018 the sender's rate or messaging limit, 21211 and
21614 not a (WhatsApp) number. Reasons carry the status and code only: Twilio's message
can quote the phone number, and message text never belongs in a reason.
"""

from __future__ import annotations

import httpx

from bots.channel import DeliveryError

OUTSIDE_WINDOW = 63016
RATE_LIMITED = 63018
INVALID_NUMBER = frozenset({21211, 21614})
DEFAULT_RETRY = 1.0


def error_code(response: httpx.Response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None


def retry_after(response: httpx.Response) -> float:
    try:
        return max(float(response.headers.get("Retry-After", DEFAULT_RETRY)), 0.0)
    except ValueError:  # an HTTP date: not worth parsing for a second or two
        return DEFAULT_RETRY


def delivery_error(response: httpx.Response, what: str = "message") -> DeliveryError:
    """What a refused ``what`` (message, content) means for retrying."""
    status = response.status_code
    code = error_code(response)
    label = f"twilio {what}: HTTP {status}" + (f", error {code}" if code else "")
    if status == 429:
        return DeliveryError(f"{label} (rate limited)", retry_after=retry_after(response))
    if code == OUTSIDE_WINDOW:
        return DeliveryError("24-hour window closed", permanent=True)
    if code == RATE_LIMITED:
        return DeliveryError(f"{label} (sender rate limit)", retry_after=DEFAULT_RETRY)
    if code in INVALID_NUMBER:
        return DeliveryError(f"{label} (not a WhatsApp number)", permanent=True)
    if status == 401:
        return DeliveryError(f"{label} (credentials rejected)", permanent=True)
    if status >= 500:
        return DeliveryError(label)
    return DeliveryError(label, permanent=True)


def transport_error(exc: httpx.HTTPError, what: str = "message") -> DeliveryError:
    """A timeout or a broken connection: retried. The exception's text is not used (it
    can name the URL)."""
    kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "transport error"
    return DeliveryError(f"twilio {what}: {kind} ({type(exc).__name__})")
