"""Money in from and out to cards of other banks: top-ups, the acquirer's callback, card
payouts and their staff review."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request

from core.api.deps import Admin, BankDep, IdempotencyKey, Payments, Reader
from core.api.moneyio_schemas import (
    CallbackOut,
    PayoutCreate,
    PayoutOut,
    PayoutReview,
    QuoteIn,
    QuoteOut,
    TopUpCreate,
    TopUpOut,
)
from core.cardmoney.payouts import PayoutRequest
from core.cardmoney.topups import TopUpRequest

router = APIRouter(tags=["top-ups and card payouts"])


@router.post("/topups/quote", response_model=QuoteOut)
async def quote_topup(body: QuoteIn, bank: BankDep, _: Payments) -> QuoteOut:
    """What a top-up costs before the customer confirms: the card is charged the total."""
    quote = await bank.cardmoney.topups.quote(body.account_id, body.minor(), body.currency)
    return QuoteOut.of(quote)


@router.post("/topups", status_code=201, response_model=TopUpOut)
async def start_topup(
    body: TopUpCreate, who: Payments, key: IdempotencyKey, bank: BankDep
) -> TopUpOut:
    """Open the acquirer's hosted payment page; send the customer to ``payment_url``."""
    request = TopUpRequest(
        body.account_id, body.minor(), body.currency, body.return_url, body.expected_fee_minor
    )
    return TopUpOut.of(await bank.cardmoney.topups.start(request, key, who.actor))


@router.get("/topups/{topup_id}", response_model=TopUpOut)
async def get_topup(topup_id: UUID, bank: BankDep, _: Reader) -> TopUpOut:
    return TopUpOut.of(await bank.cardmoney.topups.get(topup_id))


@router.post("/acquirer/callbacks", response_model=CallbackOut)
async def acquirer_callback(request: Request, bank: BankDep) -> CallbackOut:
    """The acquirer's signed notice of a payment's outcome.

    Authenticated by its signature over the raw body (no API key): a missing, wrong or
    stale one is refused with 401 and changes nothing. A duplicate is answered 200 and
    credits nothing more.
    """
    body = await request.body()
    headers = {name.lower(): value for name, value in request.headers.items()}
    view = await bank.cardmoney.topups.receive_callback(body, headers)
    return CallbackOut(received=True, status=view.status.value)


@router.post("/card-payouts/quote", response_model=QuoteOut)
async def quote_payout(body: QuoteIn, bank: BankDep, _: Payments) -> QuoteOut:
    """What a transfer to a card costs: the total leaves the account."""
    quote = await bank.cardmoney.payouts.quote(body.account_id, body.minor(), body.currency)
    return QuoteOut.of(quote)


@router.post("/card-payouts", status_code=201, response_model=PayoutOut)
async def send_to_card(
    body: PayoutCreate, who: Payments, key: IdempotencyKey, bank: BankDep
) -> PayoutOut:
    """Send money to a card of another bank: ``pending`` at once, then ``completed`` or
    ``failed`` (the money given back)."""
    request = PayoutRequest(
        body.account_id,
        body.card_number,
        body.minor(),
        body.currency,
        body.description,
        body.expected_fee_minor,
    )
    return PayoutOut.of(await bank.cardmoney.payouts.send(request, key, who.actor))


@router.get("/card-payouts/{payout_id}", response_model=PayoutOut)
async def get_payout(payout_id: UUID, bank: BankDep, _: Reader) -> PayoutOut:
    return PayoutOut.of(await bank.cardmoney.payouts.get(payout_id))


@router.post("/card-payouts/{payout_id}/review", response_model=PayoutOut)
async def review_payout(
    payout_id: UUID, body: PayoutReview, who: Admin, bank: BankDep
) -> PayoutOut:
    """Staff decide on a payout held for review: it goes to the network, or the customer
    gets the money back."""
    approve = body.decision == "approve"
    view = await bank.cardmoney.payouts.decide_review(payout_id, approve, body.reason, who.actor)
    return PayoutOut.of(view)
