"""``HttpBank``: ``BankAPI`` over the core's REST API (``/api/v1``), for a scaled Teller
or any deployment where flows and the core run apart.

Errors arrive as ``application/problem+json`` with the core's stable ``code`` and become
the same ``BankError`` classes ``LocalBank`` raises. Transient failures are retried with
back-off (see :mod:`integrations.bank.retry`), always with the caller's idempotency key,
so a retried transfer never moves money twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

import httpx

from integrations.bank import checks, wire
from integrations.bank.api import BankAPI
from integrations.bank.bills_http import HttpBills
from integrations.bank.cards.http import HttpCards
from integrations.bank.errors import UNAVAILABLE, BankError, BankUnavailable, from_code
from integrations.bank.fx.http import HttpFx
from integrations.bank.kyc import HttpKyc
from integrations.bank.moneyio_http import HttpMoneyIo
from integrations.bank.payments_http import HttpPayments
from integrations.bank.receipts_http import HttpReceipts
from integrations.bank.referrals import HttpReferrals
from integrations.bank.retry import (
    RetryPolicy,
    replayable,
    retry_after_seconds,
    transient_error,
    transient_status,
)
from integrations.bank.types import (
    Account,
    Amount,
    Balance,
    Customer,
    Entry,
    Hold,
    KycStatus,
    Statement,
)

log = logging.getLogger(__name__)
_PROBLEM_TYPES = ("application/problem+json", "application/json")


class HttpBank(
    HttpBills, HttpCards, HttpFx, HttpKyc, HttpMoneyIo, HttpPayments, HttpReceipts, HttpReferrals
):
    """``BankAPI`` over HTTP, authenticated with an API key (``X-API-Key``).

    ``base_url`` is Teller's root (the API lives under ``api_prefix``). ``retries`` counts
    attempts after the first. Close it with :meth:`aclose` or use ``async with``.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.2,
        max_wait: float = 10.0,
        api_prefix: str = "/api/v1",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Prepare the client; nothing connects until the first call."""
        self._policy = RetryPolicy(retries, backoff, max_wait)
        self._base_url = base_url.rstrip("/") + api_prefix
        self._client = httpx.AsyncClient(
            base_url=self._base_url,
            headers={"X-API-Key": api_key, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,  # a redirect would resend the API key somewhere else
        )

    def __repr__(self) -> str:  # never the API key
        return f"HttpBank({self._base_url!r})"

    async def aclose(self) -> None:
        """Close the connection pool."""
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

    # -- customers --------------------------------------------------------------------

    async def register_customer(
        self,
        full_name: str,
        language: str,
        phone: str | None = None,
        email: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Customer:
        """See :meth:`BankAPI.register_customer`."""
        body = {"full_name": full_name, "language": language, "phone": phone, "email": email}
        answer = await self._call("POST", "/customers", json=body, key=idempotency_key)
        return wire.parse(Customer, answer)

    async def get_customer(self, customer_id: UUID) -> Customer:
        """See :meth:`BankAPI.get_customer`."""
        return wire.parse(Customer, await self._call("GET", f"/customers/{customer_id}"))

    async def change_contact(
        self, customer_id: UUID, *, phone: str | None = None, email: str | None = None
    ) -> Customer:
        """See :meth:`BankAPI.change_contact`."""
        path = f"/customers/{customer_id}/contact"
        answer = await self._call("PUT", path, json={"phone": phone, "email": email})
        return wire.parse(Customer, answer)

    async def set_kyc_status(self, customer_id: UUID, status: KycStatus) -> Customer:
        """See :meth:`BankAPI.set_kyc_status`."""
        body = {"status": KycStatus(status).value}
        path = f"/customers/{customer_id}/kyc"
        return wire.parse(Customer, await self._call("PUT", path, json=body))

    # -- accounts ---------------------------------------------------------------------

    async def open_account(
        self,
        customer_id: UUID,
        currency: str,
        *,
        name: str | None = None,
        idempotency_key: str | None = None,
    ) -> Account:
        """See :meth:`BankAPI.open_account`."""
        body = {"currency": checks.check_currency(currency), "name": name}
        path = f"/customers/{customer_id}/accounts"
        answer = await self._call("POST", path, json=body, key=idempotency_key)
        return wire.parse(Account, answer)

    async def list_accounts(self, customer_id: UUID) -> list[Account]:
        """See :meth:`BankAPI.list_accounts`."""
        body = await self._call("GET", f"/customers/{customer_id}/accounts")
        return wire.parse_list(Account, body)

    async def get_account(self, account_id: UUID) -> Account:
        """See :meth:`BankAPI.get_account`."""
        return wire.parse(Account, await self._call("GET", f"/accounts/{account_id}"))

    async def get_balance(self, account_id: UUID) -> Balance:
        """See :meth:`BankAPI.get_balance`."""
        return wire.parse(Balance, await self._call("GET", f"/accounts/{account_id}/balance"))

    async def get_statement(
        self,
        account_id: UUID,
        since: datetime,
        until: datetime,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Statement:
        """See :meth:`BankAPI.get_statement`."""
        checks.check_period(since, until)
        after_seq = checks.parse_cursor(cursor)
        params: dict[str, str | int] = {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "limit": limit,
        }
        if after_seq is not None:
            params["after_seq"] = after_seq
        path = f"/accounts/{account_id}/statement"
        return wire.parse_statement(await self._call("GET", path, params=params))

    # -- money ------------------------------------------------------------------------

    async def transfer(
        self,
        source_account_id: UUID,
        destination_account_id: UUID,
        amount: Amount,
        *,
        description: str,
        idempotency_key: str,
    ) -> Entry:
        """See :meth:`BankAPI.transfer`."""
        key = checks.check_key(idempotency_key)  # first, as LocalBank does
        body = {
            "source_account_id": str(source_account_id),
            "destination_account_id": str(destination_account_id),
            **_amount(amount),
            "description": description,
        }
        return await self._move("/transfers", body, key)

    async def deposit(
        self, account_id: UUID, amount: Amount, *, description: str, idempotency_key: str
    ) -> Entry:
        """See :meth:`BankAPI.deposit`."""
        key = checks.check_key(idempotency_key)
        body = {"account_id": str(account_id), **_amount(amount), "description": description}
        return await self._move("/deposits", body, key)

    async def withdraw(
        self, account_id: UUID, amount: Amount, *, description: str, idempotency_key: str
    ) -> Entry:
        """See :meth:`BankAPI.withdraw`."""
        key = checks.check_key(idempotency_key)
        body = {"account_id": str(account_id), **_amount(amount), "description": description}
        return await self._move("/withdrawals", body, key)

    async def get_entry(self, entry_id: UUID) -> Entry:
        """See :meth:`BankAPI.get_entry`."""
        return wire.parse(Entry, await self._call("GET", f"/entries/{entry_id}"))

    # -- holds ------------------------------------------------------------------------

    async def place_hold(
        self,
        account_id: UUID,
        counterparty_account_id: UUID,
        amount: Amount,
        *,
        description: str,
        idempotency_key: str,
        ttl_seconds: int | None = None,
    ) -> Hold:
        """See :meth:`BankAPI.place_hold`."""
        key = checks.check_key(idempotency_key)
        body: dict[str, object] = {
            "account_id": str(account_id),
            "counterparty_account_id": str(counterparty_account_id),
            **_amount(amount),
            "description": description,
        }
        if ttl_seconds is not None:  # absent means the bank's default
            body["ttl_seconds"] = ttl_seconds
        return wire.parse(Hold, await self._call("POST", "/holds", json=body, key=key))

    async def get_hold(self, hold_id: UUID) -> Hold:
        """See :meth:`BankAPI.get_hold`."""
        return wire.parse(Hold, await self._call("GET", f"/holds/{hold_id}"))

    async def post_hold(
        self, hold_id: UUID, *, idempotency_key: str, amount: Amount | None = None
    ) -> Hold:
        """See :meth:`BankAPI.post_hold`."""
        key = checks.check_key(idempotency_key)
        if amount is not None:
            checks.check_amount(amount)
            # The API takes bare minor units for a capture: check the currency here.
            checks.check_hold_currency(await self.get_hold(hold_id), amount)
        body = {"amount_minor": None if amount is None else amount.minor}
        path = f"/holds/{hold_id}/post"
        return wire.parse(Hold, await self._call("POST", path, json=body, key=key))

    async def void_hold(self, hold_id: UUID, *, idempotency_key: str) -> Hold:
        """See :meth:`BankAPI.void_hold`."""
        key = checks.check_key(idempotency_key)
        return wire.parse(Hold, await self._call("POST", f"/holds/{hold_id}/void", key=key))

    # -- machinery --------------------------------------------------------------------

    async def _move(self, path: str, body: dict[str, object], key: str) -> Entry:
        return wire.parse(Entry, await self._call("POST", path, json=body, key=key))

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str | int] | None = None,
        key: str | None = None,
    ) -> object:
        """Send one request, retrying transient failures; the decoded JSON body or raise.

        Every attempt sends the same ``Idempotency-Key``: the point of the key is that a
        retry after a lost answer returns the first result instead of moving money again.
        """
        headers = {} if key is None else {"Idempotency-Key": key}
        can_replay = replayable(method, key)
        attempt = 0
        while True:
            try:
                response = await self._client.request(
                    method, path, json=json, params=params, headers=headers
                )
            except httpx.TransportError as exc:
                if not (transient_error(exc, can_replay) and self._policy.allows(attempt)):
                    raise _unreachable(exc, attempt + 1) from exc
                reason, retry_after = type(exc).__name__, None
            else:
                if response.is_success:
                    return _decode(response)
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                transient = transient_status(response.status_code, can_replay)
                if not (transient and self._policy.allows(attempt, retry_after)):
                    raise _refusal(response, attempt + 1, transient, retry_after)
                reason = str(response.status_code)
            await self._pause(method, path, reason, attempt, retry_after)
            attempt += 1

    async def _pause(
        self, method: str, path: str, reason: str, attempt: int, retry_after: float | None
    ) -> None:
        delay = self._policy.delay(attempt, retry_after)
        # Method and path only: bodies, keys and headers stay out of logs.
        log.warning(
            "bank %s %s failed (%s); retry %d of %d in %.2fs",
            method,
            path,
            reason,
            attempt + 1,
            self._policy.retries,
            delay,
        )
        await asyncio.sleep(delay)


def _amount(amount: Amount) -> dict[str, object]:
    checks.check_amount(amount)
    return {"amount_minor": amount.minor, "currency": amount.currency}


def _decode(response: httpx.Response) -> object:
    try:
        body: object = response.json()
    except ValueError as exc:
        raise BankUnavailable(
            wire.UNEXPECTED_RESPONSE, "the bank sent a body that is not JSON"
        ) from exc
    return body


def _unreachable(exc: httpx.TransportError, attempts: int) -> BankUnavailable:
    return BankUnavailable(
        UNAVAILABLE,
        f"the bank did not answer ({type(exc).__name__})",
        {"attempts": attempts},
    )


def _refusal(
    response: httpx.Response, attempts: int, transient: bool, retry_after: float | None
) -> BankError:
    """The error for a final non-success response."""
    status = response.status_code
    problem = _problem(response)
    if transient or problem is None:
        data: dict[str, object] = {"status": status, "attempts": attempts}
        if problem is not None:
            data["problem_code"] = problem[0]
        return BankUnavailable(
            UNAVAILABLE, f"the bank answered {status}", data, retry_after=retry_after
        )
    code, title, data = problem
    return from_code(code, title, data, status=status)


def _problem(response: httpx.Response) -> tuple[str, str, dict[str, object]] | None:
    """``(code, title, data)`` of an ``application/problem+json`` body, else None."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _PROBLEM_TYPES:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return None
    data = body.get("data")
    details: dict[str, object] = dict(data) if isinstance(data, dict) else {}
    if isinstance(body.get("errors"), list):  # schema validation: fields and messages only
        details["errors"] = body["errors"]
    title = body.get("title")
    return body["code"], title if isinstance(title, str) else body["code"], details


def _conforms(bank: HttpBank) -> BankAPI:
    return bank  # mypy proves HttpBank satisfies the Protocol
