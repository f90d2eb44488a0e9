"""A card network simulator: the outside system that calls the bank's card endpoint.

Card networks and acquirers send the issuing bank an authorization per purchase, then
clear the approved ones in a batch, and send a reversal when they gave up waiting for an
answer (ISO 8583 0100 / clearing / 0400). This simulator does the same against Teller's
``/card-processing`` API with the role ``bank.processor``, including what real networks
do that the bank must survive: a delay before each message, retransmission of an
authorization whose answer was lost (same id), and a reversal after a timeout even when
the bank had approved. It is the development stand-in for a processor and drives the
end-to-end tests; it never logs card data (only authorization ids).
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import httpx

log = logging.getLogger(__name__)


class NetworkError(Exception):
    """The bank refused a message (a problem response) or could not be reached."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class CardPurchase:
    """A purchase at a merchant, as the terminal or web shop read the card."""

    card_number: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    amount_minor: int
    currency: str
    merchant_name: str
    mcc: str = "5411"
    channel: str = "pos"
    merchant_id: str | None = None
    cvv: str | None = field(default=None, repr=False)
    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class NetworkAnswer:
    """What the network learnt about one authorization."""

    authorization_id: str
    approved: bool
    response_code: str
    decline_reason: str | None
    status: str
    amount_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How unreliable the simulated network is; the default is a perfect one."""

    delay: tuple[float, float] = (0.0, 0.0)  # seconds before each message, uniform
    retransmit_rate: float = 0.0  # an authorization is sent twice at once
    lost_answer_rate: float = 0.0  # the answer is lost: the network reverses it


class CardNetworkSimulator:
    """Sends authorizations, clearings and reversals to the bank as a processor would."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        behaviour: Behaviour | None = None,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        api_prefix: str = "/api/v1",
    ) -> None:
        self._behaviour = behaviour or Behaviour()
        self._rng = rng or random.Random()  # noqa: S311 - simulated faults, not secrets
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + api_prefix + "/card-processing",
            headers={"X-API-Key": api_key},
            transport=transport,
            timeout=10.0,
        )
        self.open: dict[str, NetworkAnswer] = {}  # approved, to be cleared
        self.reversed: list[str] = []

    def __repr__(self) -> str:  # never the API key
        return f"CardNetworkSimulator({self._client.base_url!s})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def authorize(self, purchase: CardPurchase) -> NetworkAnswer | None:
        """Ask the bank; None when the answer was "lost" and the network reversed it."""
        authorization_id = f"sim-{uuid.uuid4().hex[:20]}"
        body = {
            "authorization_id": authorization_id,
            "card_number": purchase.card_number,
            "expiry_month": purchase.expiry_month,
            "expiry_year": purchase.expiry_year,
            "amount_minor": purchase.amount_minor,
            "currency": purchase.currency,
            "channel": purchase.channel,
            "mcc": purchase.mcc,
            "merchant_name": purchase.merchant_name,
            "merchant_id": purchase.merchant_id,
            "cvv": purchase.cvv,
            "pin": purchase.pin,
        }
        sends = 2 if self._chance(self._behaviour.retransmit_rate) else 1
        answers = await asyncio.gather(
            *(self._send("POST", "/authorizations", body) for _ in range(sends))
        )
        if any(a != answers[0] for a in answers):
            raise NetworkError(f"retransmitted {authorization_id} got different answers")
        answer = _answer(answers[0])
        if self._chance(self._behaviour.lost_answer_rate):
            log.info("answer to %s lost: reversing it", authorization_id)
            await self.reverse(authorization_id)
            return None
        if answer.approved:
            self.open[authorization_id] = answer
        return answer

    async def reverse(self, authorization_id: str) -> NetworkAnswer:
        answer = _answer(await self._send("POST", f"/authorizations/{authorization_id}/reversal"))
        self.open.pop(authorization_id, None)
        self.reversed.append(authorization_id)
        return answer

    async def settle(
        self, final_amount: Callable[[NetworkAnswer], int] | None = None
    ) -> list[NetworkAnswer]:
        """Clear every approved authorization (the day's batch), each for
        ``final_amount(answer)`` (default: what was authorized)."""
        cleared = []
        for authorization_id, answer in list(self.open.items()):
            amount = answer.amount_minor if final_amount is None else final_amount(answer)
            body = {"amount_minor": amount, "currency": answer.currency}
            path = f"/authorizations/{authorization_id}/clearing"
            cleared.append(_answer(await self._send("POST", path, body)))
            del self.open[authorization_id]
        return cleared

    async def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        low, high = self._behaviour.delay
        if high > 0:
            await asyncio.sleep(self._rng.uniform(low, high))
        try:
            response = await self._client.request(method, path, json=body)
        except httpx.TransportError as exc:
            raise NetworkError(f"the bank did not answer ({type(exc).__name__})") from exc
        if response.is_success:
            return response.json()
        code = None
        if response.headers.get("content-type", "").startswith("application/problem+json"):
            code = response.json().get("code")
        raise NetworkError(f"the bank answered {response.status_code}", response.status_code, code)

    def _chance(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate


def _answer(body: Any) -> NetworkAnswer:
    return NetworkAnswer(
        authorization_id=str(body["authorization_id"]),
        approved=bool(body["approved"]),
        response_code=str(body["response_code"]),
        decline_reason=body.get("decline_reason"),
        status=str(body["status"]),
        amount_minor=int(body["amount_minor"]),
        currency=str(body["currency"]),
    )
