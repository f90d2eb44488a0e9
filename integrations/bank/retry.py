"""When and how long ``HttpBank`` waits before trying a request again.

Only failures that say nothing about the request itself are retried, and only when a
repeat cannot do a thing twice: GETs and PUTs always; POSTs only when they carry an
idempotency key (the core then returns the first result, see ``core/idempotency.py``), or
when the server certainly did not act on them (no connection; 429; 503).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

# Gateway failures and timeouts may come after the server acted on the request.
_ALWAYS_RETRIED = frozenset({429, 503})
_RETRIED_WHEN_REPLAYABLE = frozenset({502, 504})
_REPLAYABLE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})


def replayable(method: str, idempotency_key: str | None) -> bool:
    """Whether sending the request twice has the effect of sending it once."""
    return method in _REPLAYABLE_METHODS or idempotency_key is not None


def transient_status(status: int, replayable: bool) -> bool:
    """A response status worth another attempt."""
    return status in _ALWAYS_RETRIED or (replayable and status in _RETRIED_WHEN_REPLAYABLE)


def transient_error(exc: httpx.TransportError, replayable: bool) -> bool:
    """A transport failure worth another attempt."""
    # Never connected: the server cannot have seen the request.
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return True
    # Sent, then lost (read timeout, dropped connection): safe only to replay.
    return replayable and isinstance(exc, httpx.TimeoutException | httpx.NetworkError)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (RFC 9110 §10.2.3: seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``retries`` attempts after the first, exponential back-off with jitter.

    ``max_wait`` caps a server's ``Retry-After``: asked to wait longer, the client gives
    up at once (with the delay in ``BankUnavailable.retry_after``) rather than keep a
    customer's conversation waiting.
    """

    retries: int = 3
    backoff: float = 0.2
    max_wait: float = 10.0

    def __post_init__(self) -> None:
        if self.retries < 0 or self.backoff < 0 or self.max_wait < 0:
            raise ValueError("retries, backoff and max_wait are zero or more")

    def allows(self, attempt: int, retry_after: float | None = None) -> bool:
        """Whether attempt number ``attempt`` (0 is the first) may be followed by another."""
        return attempt < self.retries and (retry_after is None or retry_after <= self.max_wait)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after attempt ``attempt``: at least what the server asked."""
        ceiling = min(self.backoff * 2.0**attempt, self.max_wait)
        # "Equal jitter": half fixed, half random, so clients that failed together do not
        # come back together (AWS Architecture Blog, "Exponential Backoff and Jitter").
        jittered = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - not a secret
        return max(jittered, retry_after or 0.0)
