"""Cards: issuing, controls, the one-time reveal, lookups, cashback, and the endpoint card
processors call (role ``bank.processor``)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from core.api.auth import Principal, require
from core.api.cards_schemas import (
    AuthorizationCreate,
    AuthorizationOut,
    BankDetailsOut,
    CardBlock,
    CardChannels,
    CardCreate,
    CardDetailsOut,
    CardLimits,
    CardLookup,
    CardOut,
    CardRecipientOut,
    CashbackRateOut,
    CashbackRateSet,
    CashbackSummaryOut,
    ClearingCreate,
    PinChange,
    PinSet,
    RevealRedeem,
    RevealTokenOut,
)
from core.api.deps import Admin, BankDep, CustomerAgent, OptionalIdempotencyKey, Payments, Reader
from core.cards.model import month_of
from core.cards.processing import AuthorizationRequest

router = APIRouter(tags=["cards"])
processing = APIRouter(prefix="/card-processing", tags=["card processing"])
Processor = Annotated[Principal, Depends(require("bank.processor"))]


# -- cards ----------------------------------------------------------------------------------


@router.post("/customers/{customer_id}/cards", status_code=201, response_model=CardOut)
async def issue_card(
    customer_id: UUID,
    body: CardCreate,
    bank: BankDep,
    who: CustomerAgent,
    key: OptionalIdempotencyKey = None,
) -> CardOut:
    """Issue a virtual debit card (the customer's identity must be verified)."""
    card = await bank.cards.issue(
        customer_id, body.account_id, body.tier, who.actor, idempotency_key=key
    )
    return CardOut.of(card)


@router.get("/customers/{customer_id}/cards", response_model=list[CardOut])
async def list_cards(customer_id: UUID, bank: BankDep, _: Reader) -> list[CardOut]:
    return [CardOut.of(card) for card in await bank.cards.for_customer(customer_id)]


@router.get("/cards/{card_id}", response_model=CardOut)
async def get_card(card_id: UUID, bank: BankDep, _: Reader) -> CardOut:
    return CardOut.of(await bank.cards.get(card_id))


@router.post("/cards/{card_id}/lock", response_model=CardOut)
async def lock_card(card_id: UUID, bank: BankDep, who: CustomerAgent) -> CardOut:
    return CardOut.of(await bank.cards.lock(card_id, who.actor))


@router.post("/cards/{card_id}/unlock", response_model=CardOut)
async def unlock_card(card_id: UUID, bank: BankDep, who: CustomerAgent) -> CardOut:
    return CardOut.of(await bank.cards.unlock(card_id, who.actor))


@router.post("/cards/{card_id}/block", response_model=CardOut)
async def block_card(card_id: UUID, body: CardBlock, bank: BankDep, who: CustomerAgent) -> CardOut:
    """Block the card as ``lost`` or ``stolen``: final; reissue it for a new one."""
    return CardOut.of(await bank.cards.block(card_id, body.reason, who.actor))


@router.post("/cards/{card_id}/reissue", status_code=201, response_model=CardOut)
async def reissue_card(
    card_id: UUID, bank: BankDep, who: CustomerAgent, key: OptionalIdempotencyKey = None
) -> CardOut:
    return CardOut.of(await bank.cards.reissue(card_id, who.actor, idempotency_key=key))


@router.put("/cards/{card_id}/limits", response_model=CardOut)
async def set_limits(
    card_id: UUID, body: CardLimits, bank: BankDep, who: CustomerAgent
) -> CardOut:
    card = await bank.cards.set_limits(
        card_id, body.per_transaction_limit_minor, body.daily_limit_minor, who.actor
    )
    return CardOut.of(card)


@router.put("/cards/{card_id}/channels", response_model=CardOut)
async def set_channels(
    card_id: UUID, body: CardChannels, bank: BankDep, who: CustomerAgent
) -> CardOut:
    card = await bank.cards.set_channels(
        card_id, online=body.online_enabled, atm=body.atm_enabled, actor=who.actor
    )
    return CardOut.of(card)


@router.put("/cards/{card_id}/pin", response_model=CardOut)
async def set_pin(card_id: UUID, body: PinSet, bank: BankDep, who: CustomerAgent) -> CardOut:
    return CardOut.of(await bank.cards.set_pin(card_id, body.pin, who.actor))


@router.post("/cards/{card_id}/pin/change", response_model=CardOut)
async def change_pin(card_id: UUID, body: PinChange, bank: BankDep, who: CustomerAgent) -> CardOut:
    card = await bank.cards.change_pin(card_id, body.current_pin, body.new_pin, who.actor)
    return CardOut.of(card)


@router.post("/cards/{card_id}/pin/reset", response_model=CardOut)
async def reset_pin(card_id: UUID, bank: BankDep, who: Admin) -> CardOut:
    """Staff: remove a (blocked) PIN so the customer can set a new one."""
    return CardOut.of(await bank.cards.reset_pin(card_id, who.actor))


@router.post("/cards/{card_id}/reveal-tokens", status_code=201, response_model=RevealTokenOut)
async def create_reveal(card_id: UUID, bank: BankDep, who: CustomerAgent) -> RevealTokenOut:
    """A single-use token, valid for minutes, that shows the number and CVV once."""
    return RevealTokenOut.of(await bank.cards.create_reveal(card_id, who.actor))


@router.post("/cards/reveal", response_model=CardDetailsOut)
async def reveal(
    body: RevealRedeem, bank: BankDep, who: CustomerAgent, response: Response
) -> CardDetailsOut:
    """The card's number, expiry, CVV and holder, once per token."""
    response.headers["Cache-Control"] = "no-store"
    return CardDetailsOut.of(await bank.cards.reveal(body.token, who.actor))


@router.post("/cards/lookup", response_model=CardRecipientOut)
async def lookup(body: CardLookup, bank: BankDep, _: Payments) -> CardRecipientOut:
    """Whose Teller card a number is: for a transfer by card number (a masked name)."""
    return CardRecipientOut.of(await bank.cards.resolve_number(body.card_number))


@router.get("/cards/{card_id}/authorizations", response_model=list[AuthorizationOut])
async def card_authorizations(
    card_id: UUID,
    bank: BankDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AuthorizationOut]:
    found = await bank.cards.processing.for_card(card_id, limit=limit)
    return [AuthorizationOut.of(a) for a in found]


@router.get("/cards/{card_id}/cashback", response_model=CashbackSummaryOut)
async def cashback(
    card_id: UUID,
    bank: BankDep,
    _: Reader,
    month: Annotated[str | None, Query(max_length=7, examples=["2026-03"])] = None,
) -> CashbackSummaryOut:
    """The card's cashback for ``month`` (``YYYY-MM``, UTC; default: this month)."""
    chosen = month or month_of(bank.clock.now())
    return CashbackSummaryOut.of(await bank.cards.cashback.summary(card_id, chosen))


@router.get("/accounts/{account_id}/bank-details", response_model=BankDetailsOut)
async def bank_details(account_id: UUID, bank: BankDep, _: Reader) -> BankDetailsOut:
    """Holder, IBAN and BIC, for transfers into the account from other banks."""
    return BankDetailsOut.of(await bank.cards.bank_details(account_id))


# -- cashback rates -------------------------------------------------------------------------


@router.get("/cashback/rates", response_model=list[CashbackRateOut])
async def cashback_rates(bank: BankDep, _: Reader) -> list[CashbackRateOut]:
    return [CashbackRateOut.of(r) for r in await bank.cards.cashback.rates()]


@router.put("/cashback/rates/{kind}/{key}", response_model=CashbackRateOut)
async def set_cashback_rate(
    kind: str, key: str, body: CashbackRateSet, bank: BankDep, who: Admin
) -> CashbackRateOut:
    """Set the rate for a merchant category (``mcc``) or a ``partner`` (merchant id)."""
    rate = await bank.cards.cashback.set_rate(
        kind, key, body.rate_bps, body.description, who.actor
    )
    return CashbackRateOut.of(rate)


@router.delete("/cashback/rates/{kind}/{key}", status_code=204)
async def remove_cashback_rate(kind: str, key: str, bank: BankDep, who: Admin) -> Response:
    await bank.cards.cashback.remove_rate(kind, key, who.actor)
    return Response(status_code=204)


# -- card processing ------------------------------------------------------------------------


@processing.post("/authorizations", response_model=AuthorizationOut)
async def authorize(body: AuthorizationCreate, bank: BankDep, who: Processor) -> AuthorizationOut:
    """Approve or decline; idempotent by ``authorization_id`` (no Idempotency-Key
    header: the processor's own id is the key, as in the card networks)."""
    request = AuthorizationRequest(
        reference=body.authorization_id,
        card_number=body.card_number,
        expiry_month=body.expiry_month,
        expiry_year=body.expiry_year,
        amount=body.amount_minor,
        currency=body.currency,
        channel=body.channel,
        mcc=body.mcc,
        merchant_name=body.merchant_name,
        merchant_id=body.merchant_id,
        cvv=body.cvv,
        pin=body.pin,
    )
    return AuthorizationOut.of(await bank.cards.processing.authorize(request, who.actor))


@processing.get("/authorizations/{authorization_id}", response_model=AuthorizationOut)
async def get_authorization(
    authorization_id: str, bank: BankDep, who: Processor
) -> AuthorizationOut:
    return AuthorizationOut.of(await bank.cards.processing.get(authorization_id, who.actor))


@processing.post("/authorizations/{authorization_id}/clearing", response_model=AuthorizationOut)
async def clear(
    authorization_id: str, body: ClearingCreate, bank: BankDep, who: Processor
) -> AuthorizationOut:
    """Post an approved authorization, for at most its amount."""
    cleared = await bank.cards.processing.clear(
        authorization_id, body.amount_minor, body.currency, who.actor
    )
    return AuthorizationOut.of(cleared)


@processing.post("/authorizations/{authorization_id}/reversal", response_model=AuthorizationOut)
async def reverse(authorization_id: str, bank: BankDep, who: Processor) -> AuthorizationOut:
    """Void an approved authorization's hold."""
    return AuthorizationOut.of(await bank.cards.processing.reverse(authorization_id, who.actor))
