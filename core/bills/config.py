"""How bill payments pace their talk with the biller gateway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class BillsConfig:
    """Timings of bill payments (see docs/decisions/0038).

    ``gateway_timeout`` bounds the wait for the biller inside the customer's request; it
    stays below ``HttpBank``'s own timeout so the answer is "unknown", not a lost request.
    ``reconcile_after`` is the first look at a payment without an answer, doubling up to
    ``reconcile_cap``; it must be far longer than the timeout, because a biller that has
    not heard of a payment by then is taken never to receive it (and the money goes back).
    ``resume_after`` is how long a recorded payment may stay undebited before a retry of
    the request, or the sweep, carries it on (its request died halfway).
    """

    gateway_timeout: timedelta = timedelta(seconds=4)
    reconcile_after: timedelta = timedelta(seconds=60)
    reconcile_cap: timedelta = timedelta(hours=1)
    resume_after: timedelta = timedelta(seconds=60)
    sweep_every: timedelta = timedelta(seconds=30)
    sweep_batch: int = 200

    def __post_init__(self) -> None:
        if self.reconcile_after < self.gateway_timeout * 5:
            raise ValueError("reconcile_after must be at least five gateway timeouts")
