"""Topping up by card through the web chat: the summary with its fee, the link to the
simulated acquirer's hosted page, paying there, the account credited once."""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

import httpx

from core.actors import Actor, ActorKind
from core.ledger.model import BankPurpose
from core.payments.fees import FeeRule
from core.payments.model import Operation
from integrations.acquirer.simulator import AcquirerSimulator
from tests.fakes import run_jobs
from tests.flows import money_support
from tests.flows.conftest import Teller
from tests.flows.harness import Chat

# The bank with the simulated acquirer, biller gateway and rates (money_support).
acquirer, bank, gateway = money_support.acquirer, money_support.bank, money_support.gateway

STAFF = Actor(ActorKind.STAFF, "fees-officer")
PASSCODE = "864202"  # james's, teller/demo.py


async def fee_income(teller: Teller, currency: str) -> int:
    account = await teller.bank.ledger.bank_account(BankPurpose.FEE_INCOME, currency)
    return (await teller.bank.ledger.balance(account)).ledger


async def charge_for_topups(teller: Teller) -> None:
    await teller.bank.payments.fees.set_rule(FeeRule(Operation.TOPUP_CARD, "EUR", fixed=50), STAFF)


async def to_summary(chat: Chat, amount: str = "25") -> None:
    await chat.begin("en")
    await chat.tap("Top up")
    assert "How much would you like to add? (in EUR)" in chat.text()
    await chat.say(amount)


def payment_page(chat: Chat) -> str:
    links = [r for r in chat.replies if r["type"] == "link"]
    assert len(links) == 1, chat.replies
    url = str(links[0]["url"])
    assert url.startswith("http://teller.test/dev/acquirer/")
    return urlsplit(url).path


async def pay_on_page(teller: Teller, path: str, card: str) -> httpx.Response:
    page = await teller.http.get(path)
    assert page.status_code == 200
    assert "Pay by card" in page.text
    form = {"card_number": card, "expiry": "12/30", "cvc": "123"}
    return await teller.http.post(path, data=form)


async def test_a_customer_tops_up_by_card_on_the_hosted_page_and_is_credited_once(
    teller: Teller, acquirer: AcquirerSimulator
) -> None:
    acquirer.deliver_through(httpx.ASGITransport(app=teller.app))
    await charge_for_topups(teller)
    before = await teller.balance("james", "EUR")
    income = await fee_income(teller, "EUR")
    chat = teller.as_customer("james")
    await to_summary(chat, "25")
    summary = chat.text()
    assert "€25.00" in summary
    assert "Fee: €0.50" in summary
    assert "charged: €25.50" in summary
    confirm = chat.payload("Confirm")
    await chat.tap("Confirm")
    assert "passcode" in chat.text()
    await chat.send(text=PASSCODE, message_id="topup-passcode-1")
    path = payment_page(chat)
    assert "Never type your card number in this chat" in chat.text()
    # A double tap on Confirm, and the passcode message delivered again: no second page.
    await chat.send(payload=confirm)
    assert "earlier message" in chat.text()
    assert chat.kinds().count("link") == 0
    again = await teller.http.post(
        "/webchat/api/messages",
        json={"user_id": chat.user_id, "text": PASSCODE, "message_id": "topup-passcode-1"},
    )
    assert again.json() == {"replies": [], "duplicate": True}
    assert len(acquirer.sessions) == 1
    # Nothing arrives before the card is paid.
    assert await teller.balance("james", "EUR") == before

    back = await pay_on_page(teller, path, "4242 4242 4242 4242")
    assert back.status_code == 303
    assert back.headers["location"].startswith("http://teller.test/webchat")
    assert "status=succeeded" in back.headers["location"]
    await run_jobs(teller.bank)
    assert await teller.balance("james", "EUR") == before + 2_500
    assert await fee_income(teller, "EUR") == income + 50

    await chat.tap("Check payment")
    assert "Your top-up of €25.00 has arrived on your account." in chat.text()
    await expect_notification(teller, chat, "Your top-up of €25.00 has arrived")
    # Paying the same page again changes nothing.
    await pay_on_page_again(teller, path)
    await run_jobs(teller.bank)
    assert await teller.balance("james", "EUR") == before + 2_500
    assert await fee_income(teller, "EUR") == income + 50


async def expect_notification(teller: Teller, chat: Chat, text: str) -> None:
    """The relay's message about the top-up (when the notification relay is wired)."""
    run_all = getattr(teller, "run_jobs", None)
    pending = getattr(teller, "pending", None)
    if run_all is None or pending is None:
        return
    await run_all()
    assert any(text in str(reply.get("text")) for reply in await pending(chat.user_id))


async def pay_on_page_again(teller: Teller, path: str) -> None:
    form = {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
    response = await teller.http.post(path, data=form)
    assert response.status_code in (200, 303, 404, 409, 410)


async def test_a_declined_card_credits_nothing_and_the_customer_is_told(
    teller: Teller, acquirer: AcquirerSimulator
) -> None:
    acquirer.deliver_through(httpx.ASGITransport(app=teller.app))
    before = await teller.balance("james", "EUR")
    chat = teller.as_customer("james")
    await to_summary(chat, "40")
    await chat.tap("Confirm")
    await chat.say(PASSCODE)
    path = payment_page(chat)
    await pay_on_page(teller, path, "4000 0000 0000 0002")
    await run_jobs(teller.bank)
    assert await teller.balance("james", "EUR") == before
    await chat.tap("Check payment")
    assert "didn't go through" in chat.text()
    await expect_notification(teller, chat, "Your top-up of €40.00 didn't go through")


async def test_a_payment_not_made_yet_is_reported_as_waiting(
    teller: Teller, acquirer: AcquirerSimulator
) -> None:
    chat = teller.as_customer("james")
    await to_summary(chat, "10")
    await chat.tap("Confirm")
    await chat.say(PASSCODE)
    payment_page(chat)
    await chat.tap("Check payment")
    assert "hasn't been paid yet" in chat.text()
    assert "Check payment" in chat.buttons()


async def test_an_amount_that_is_not_one_is_asked_again(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await to_summary(chat, "lots")
    assert "Please type an amount in EUR" in chat.text()
    await chat.say("0")
    assert "Please type an amount in EUR" in chat.text() or "Having trouble" in chat.text()
    await chat.say("12.345")
    await chat.say("12.50")
    assert "Top up your EUR account" in chat.text()
    assert "€12.50" in chat.text()


async def test_a_balance_question_in_the_middle_then_yes_continues_the_top_up(
    teller: Teller,
) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Top up")
    await chat.say("what's my balance?")
    assert "Your balances" in chat.text()
    assert "continue with your top-up" in chat.text()
    await chat.tap("Yes")
    assert "How much would you like to add? (in EUR)" in chat.text()
    await chat.say("30")
    assert "Top up your EUR account" in chat.text()
    assert "€30.00" in chat.text()


async def test_another_customers_top_up_is_not_shown(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.send(payload=f"flow:topup_status:{UUID(int=7)}")
    assert "couldn't find that top-up" in chat.text()


async def test_a_customer_with_two_accounts_chooses_one_in_their_language(
    teller: Teller,
) -> None:
    chat = teller.as_customer("ivan")
    await chat.begin("uk")
    await chat.send(payload="flow:top_up")
    assert "Який рахунок поповнити?" in chat.text()
    usd = [t for t in chat.buttons() if t.startswith("USD")]
    await chat.tap(usd[0])
    assert "Скільки ви хочете зарахувати? (у USD)" in chat.text()
    await chat.say("20")
    assert "Поповнити ваш рахунок у USD" in chat.text()
    assert "Комісія:" in chat.text()
