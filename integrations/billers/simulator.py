"""A biller gateway that behaves like a billers' aggregator: the development default.

It answers after a delay; accepts most payments with a reference of its own; rejects some
with a reason; keeps some undecided for a while (``PENDING``); and lets some time out — the
payment arrived and will be decided, but the answer never comes back — or get lost on the
way (it never arrives, so ``status`` says ``NOT_FOUND``). Like a real aggregator it
de-duplicates by Teller's reference: a second submission of one payment gets the first's
answer, never a second payment.

How often each happens comes from :class:`SimulatorSettings` (with a seed, runs repeat
exactly); tests script the answers one by one instead (:class:`Scripted`). Regardless of
chance, a field whose digits end in ``000`` names no subscriber: the payment is rejected
with ``SUBSCRIBER_NOT_FOUND``, so a demo can show a rejection on purpose.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from core.ports import BillAnswer, BillOutcome, BillSubmission

log = logging.getLogger(__name__)


class Behaviour(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    PENDING = "pending"  # answered PENDING; decided ``decided_after`` later
    TIMEOUT = "timeout"  # arrives and is decided later, but the answer is lost
    LOST = "lost"  # never arrives: the call times out, status says NOT_FOUND
    DOWN = "down"  # the connection is refused at once; nothing arrives


@dataclass(frozen=True, slots=True)
class Scripted:
    """One scripted submission: how the simulator behaves and, for PENDING and TIMEOUT,
    what it decides ``decided_after`` later (``then``: ACCEPT or REJECT)."""

    behaviour: Behaviour
    reason: str = "SUBSCRIBER_NOT_FOUND"
    then: Behaviour = Behaviour.ACCEPT
    decided_after: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class SimulatorSettings:
    """Chances (0–1) of each unhappy answer, delays in seconds, and the seed."""

    reject_rate: float = 0.05
    pending_rate: float = 0.0
    timeout_rate: float = 0.03
    lost_rate: float = 0.0
    min_delay: float = 0.2
    max_delay: float = 1.5
    hang: float = 30.0  # how long a timeout keeps the caller before the call fails
    decided_after: timedelta = timedelta(seconds=30)
    seed: int | None = None

    def __post_init__(self) -> None:
        rates = (self.reject_rate, self.pending_rate, self.timeout_rate, self.lost_rate)
        if any(not 0 <= r <= 1 for r in rates) or sum(rates) > 1:
            raise ValueError("rates are between 0 and 1 and add up to at most 1")
        if not 0 <= self.min_delay <= self.max_delay or self.hang < 0:
            raise ValueError("delays are zero or more, min_delay at most max_delay")


@dataclass
class _Payment:
    final: BillOutcome
    reason: str | None
    decided_at: datetime


@dataclass
class _Calls:
    pay: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)


class SimulatorBillerGateway:
    """:class:`core.ports.BillerGateway` simulated in memory (one process's worth)."""

    def __init__(
        self,
        settings: SimulatorSettings,
        now: Callable[[], datetime],
        script: Iterable[Scripted] = (),
    ) -> None:
        """``now`` is the bank's clock (tests move it); ``script`` answers first."""
        self._settings = settings
        self._now = now
        self._random = random.Random(settings.seed)  # noqa: S311  # a simulation, not a secret
        self._script: deque[Scripted] = deque(script)
        self._payments: dict[str, _Payment] = {}
        self.calls = _Calls()  # references asked about, for tests and the demo's log
        self.down = False  # while True every call fails as if the network were down

    def __repr__(self) -> str:
        return f"SimulatorBillerGateway(payments={len(self._payments)})"

    def script(self, *answers: Scripted) -> None:
        """Queue scripted answers for the next submissions."""
        self._script.extend(answers)

    async def pay(self, submission: BillSubmission) -> BillAnswer:
        """See :meth:`core.ports.BillerGateway.pay`."""
        self.calls.pay.append(submission.reference)
        await self._pause()
        if self.down:
            raise ConnectionRefusedError("the biller gateway is down (simulated)")
        known = self._payments.get(submission.reference)
        if known is not None:  # a repeated submission: the first one's answer
            return self._answer(submission.reference, known)
        step = self._next(submission)
        if step.behaviour is Behaviour.DOWN:
            raise ConnectionRefusedError("the biller gateway refused the connection (simulated)")
        if step.behaviour is Behaviour.LOST:
            await asyncio.sleep(self._settings.hang)
            raise TimeoutError("no answer from the biller gateway (simulated)")
        now = self._now()
        if step.behaviour in (Behaviour.ACCEPT, Behaviour.REJECT):
            payment = _Payment(_final(step.behaviour), step.reason, now)
        else:
            payment = _Payment(_final(step.then), step.reason, now + step.decided_after)
        self._payments[submission.reference] = payment
        if step.behaviour is Behaviour.TIMEOUT:
            await asyncio.sleep(self._settings.hang)
            raise TimeoutError("no answer from the biller gateway (simulated)")
        return self._answer(submission.reference, payment)

    async def status(self, reference: str) -> BillAnswer:
        """See :meth:`core.ports.BillerGateway.status`."""
        self.calls.status.append(reference)
        await self._pause()
        if self.down:
            raise ConnectionRefusedError("the biller gateway is down (simulated)")
        payment = self._payments.get(reference)
        if payment is None:
            return BillAnswer(BillOutcome.NOT_FOUND)
        return self._answer(reference, payment)

    # -- helpers ----------------------------------------------------------------------

    def _next(self, submission: BillSubmission) -> Scripted:
        if any(value.isdigit() and value.endswith("000") for value in submission.fields.values()):
            return Scripted(Behaviour.REJECT, reason="SUBSCRIBER_NOT_FOUND")
        if self._script:
            return self._script.popleft()
        s, roll = self._settings, self._random.random()
        for rate, behaviour in (
            (s.reject_rate, Behaviour.REJECT),
            (s.pending_rate, Behaviour.PENDING),
            (s.timeout_rate, Behaviour.TIMEOUT),
            (s.lost_rate, Behaviour.LOST),
        ):
            if roll < rate:
                then = self._random.choice((Behaviour.ACCEPT, Behaviour.ACCEPT, Behaviour.REJECT))
                return Scripted(
                    behaviour,
                    reason="BILLER_DECLINED",
                    then=then,
                    decided_after=s.decided_after,
                )
            roll -= rate
        return Scripted(Behaviour.ACCEPT)

    def _answer(self, reference: str, payment: _Payment) -> BillAnswer:
        if self._now() < payment.decided_at:
            return BillAnswer(BillOutcome.PENDING)
        if payment.final is BillOutcome.ACCEPTED:
            return BillAnswer(
                BillOutcome.ACCEPTED, provider_reference=provider_reference(reference)
            )
        return BillAnswer(BillOutcome.REJECTED, reason=payment.reason)

    async def _pause(self) -> None:
        low, high = self._settings.min_delay, self._settings.max_delay
        if high > 0:
            await asyncio.sleep(self._random.uniform(low, high))


def provider_reference(reference: str) -> str:
    """The simulator's own reference for an accepted payment (stable per payment)."""
    return "SIM-" + hashlib.sha256(reference.encode()).hexdigest()[:12].upper()


def _final(behaviour: Behaviour) -> BillOutcome:
    return BillOutcome.ACCEPTED if behaviour is Behaviour.ACCEPT else BillOutcome.REJECTED
