"""Exchanging currencies through the web chat: the quote with its validity, the exchange
at it once, a new account opened on confirmation, an expired quote, a paused service."""

from __future__ import annotations

from core.actors import SYSTEM
from core.ledger.model import BankPurpose
from core.payments.model import SwitchScope
from tests.flows import money_support
from tests.flows.conftest import Teller
from tests.flows.harness import Chat

# The bank with the simulated acquirer, biller gateway and rates (money_support).
acquirer, bank, gateway = money_support.acquirer, money_support.bank, money_support.gateway

ANNA = "246810"  # passcodes of the demo customers, teller/demo.py
JAMES = "864202"


async def tap_starting(chat: Chat, prefix: str) -> None:
    titles = [t for t in chat.buttons() if t.startswith(prefix)]
    assert len(titles) == 1, chat.buttons()
    await chat.tap(titles[0])


async def anna_to_summary(chat: Chat, amount: str = "100") -> None:
    await chat.begin("en")
    await chat.tap("Exchange")
    assert "Which account would you like to exchange from?" in chat.text()
    await tap_starting(chat, "EUR")
    assert "Exchange EUR into which account?" in chat.text()
    await tap_starting(chat, "CZK")
    assert "How much would you like to exchange? (in EUR)" in chat.text()
    await chat.say(amount)


async def fx_position(teller: Teller, currency: str) -> int:
    account = await teller.bank.ledger.bank_account(BankPurpose.FX_POSITION, currency)
    return (await teller.bank.ledger.balance(account)).ledger


async def test_a_customer_exchanges_at_the_quoted_rate_once(teller: Teller) -> None:
    eur, czk = await teller.balance("anna", "EUR"), await teller.balance("anna", "CZK")
    chat = teller.as_customer("anna")
    await anna_to_summary(chat, "100")
    summary = chat.text()
    assert "Exchange €100.00 for CZK2,417.55?" in summary
    assert "1 EUR = 24.175515 CZK" in summary
    assert "held for 30 seconds, until" in summary
    confirm = chat.payload("Confirm")
    await chat.tap("Confirm")
    await chat.send(text=ANNA, message_id="fx-passcode-1")
    assert "image" in chat.kinds()  # the receipt
    assert "Done: €100.00 exchanged for" in chat.text()
    # Confirm tapped again and the passcode message delivered twice: nothing more moves.
    await chat.send(payload=confirm)
    assert "earlier message" in chat.text()
    again = await teller.http.post(
        "/webchat/api/messages",
        json={"user_id": chat.user_id, "text": ANNA, "message_id": "fx-passcode-1"},
    )
    assert again.json()["replies"] == []
    assert await teller.balance("anna", "EUR") == eur - 100_00
    assert await teller.balance("anna", "CZK") == czk + 2_417_55
    # The spread stays with the bank's FX position (decision 0029); no fee is charged.
    assert await fx_position(teller, "EUR") == 100_00
    assert await fx_position(teller, "CZK") == -2_417_55


async def test_an_expired_quote_is_explained_and_a_fresh_one_offered(teller: Teller) -> None:
    eur, czk = await teller.balance("anna", "EUR"), await teller.balance("anna", "CZK")
    chat = teller.as_customer("anna")
    await anna_to_summary(chat, "10")
    teller.clock.advance(seconds=31)
    await chat.tap("Confirm")
    await chat.say(ANNA)
    assert "That price has expired" in chat.text()
    assert await teller.balance("anna", "EUR") == eur
    await chat.tap("New quote")
    assert "held for 30 seconds" in chat.text()
    await chat.tap("Confirm")
    assert "Done: €10.00 exchanged for" in chat.text()
    assert await teller.balance("anna", "EUR") == eur - 10_00
    assert await teller.balance("anna", "CZK") == czk + 241_75


async def test_a_new_account_in_the_target_currency_is_opened_on_confirmation(
    teller: Teller,
) -> None:
    eur = await teller.balance("james", "EUR")
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Exchange")
    assert "New USD account" in chat.buttons()
    await chat.tap("New USD account")
    await chat.say("50")
    assert "Exchange €50.00 for" in chat.text()
    accounts = teller.conversations.services.bank
    from uuid import UUID

    james = UUID(teller.customer("james")["customer_id"])
    assert [a.currency for a in await accounts.list_accounts(james)] == ["EUR"]
    await chat.tap("Confirm")
    await chat.say(JAMES)
    assert "Done: €50.00 exchanged for" in chat.text()
    assert sorted(a.currency for a in await accounts.list_accounts(james)) == ["EUR", "USD"]
    assert await teller.balance("james", "EUR") == eur - 50_00
    assert await teller.balance("james", "USD") > 0


async def test_a_cancelled_summary_opens_no_account(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Exchange")
    await chat.tap("New USD account")
    await chat.say("50")
    await chat.tap("Cancel")
    assert "Cancelled" in chat.text()
    try:
        await teller.balance("james", "USD")
    except LookupError:
        pass
    else:
        raise AssertionError("an account was opened for a cancelled exchange")


async def test_an_amount_in_neither_currency_or_not_an_amount_is_asked_again(
    teller: Teller,
) -> None:
    eur = await teller.balance("anna", "EUR")
    chat = teller.as_customer("anna")
    await anna_to_summary(chat, "lots")
    assert "Please type an amount in EUR" in chat.text()
    await chat.say("100 USD")
    assert "Please type the amount in EUR (what you sell) or CZK (what you get)" in chat.text()
    await chat.say("2000 CZK")  # what she wants to get
    assert "for CZK" in chat.text()
    assert "2,000.00" in chat.text()
    assert await teller.balance("anna", "EUR") == eur


async def test_a_balance_question_in_the_middle_then_yes_continues(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    await chat.tap("Exchange")
    await tap_starting(chat, "EUR")
    await tap_starting(chat, "CZK")
    await chat.say("what's my balance?")
    assert "Your balances" in chat.text()
    assert "continue with your exchange" in chat.text()
    await chat.tap("Yes")
    assert "How much would you like to exchange? (in EUR)" in chat.text()
    await chat.say("20")
    assert "Exchange €20.00 for" in chat.text()


async def test_exchange_switched_off_says_why_and_moves_nothing(teller: Teller) -> None:
    eur = await teller.balance("anna", "EUR")
    chat = teller.as_customer("anna")
    await anna_to_summary(chat, "100")
    await teller.bank.payments.switches.disable(
        SwitchScope.EXCHANGE, "CZK", "the CZK market is closed for the holiday", SYSTEM
    )
    await chat.tap("Confirm")
    await chat.say(ANNA)
    text = chat.text()
    assert "Currency exchange is paused right now: the CZK market is closed" in text
    assert await teller.balance("anna", "EUR") == eur
    # Asked again while it is off: told before typing an amount.
    await chat.send(payload="cmd:menu")
    await chat.tap("Exchange")
    await tap_starting(chat, "EUR")
    await tap_starting(chat, "CZK")
    assert "Currency exchange is paused right now" in chat.text()
    assert "How much" not in chat.text()


async def test_a_large_exchange_asks_a_second_factor_and_more_than_the_balance_moves_nothing(
    teller: Teller,
) -> None:
    eur, czk = await teller.balance("anna", "EUR"), await teller.balance("anna", "CZK")
    assert eur < 1_500_00
    chat = teller.as_customer("anna")
    await anna_to_summary(chat, "1500")
    await chat.tap("Confirm")
    await chat.say(ANNA)
    assert "larger payment" in chat.text()  # above the step-up amount: a code to her phone
    await chat.say(teller.codes.last_code())
    assert "There isn't enough money on the account for that" in chat.text()
    assert "How much would you like to exchange? (in EUR)" in chat.text()
    assert await teller.balance("anna", "EUR") == eur
    await chat.say("100")
    await chat.tap("Confirm")
    assert "Done: €100.00 exchanged for" in chat.text()
    assert await teller.balance("anna", "EUR") == eur - 100_00
    assert await teller.balance("anna", "CZK") == czk + 2_417_55


async def test_the_summary_speaks_the_customers_language(teller: Teller) -> None:
    chat = teller.as_customer("ivan")
    await chat.begin("uk")
    await chat.send(payload="flow:exchange")
    assert "З якого рахунку ви хочете обміняти?" in chat.text()
    await tap_starting(chat, "USD")
    await tap_starting(chat, "EUR")
    await chat.say("100")
    assert "Обміняти" in chat.text()
    assert "Ця ціна діє 30 секунд" in chat.text()


async def test_with_no_rates_to_quote_the_customer_is_told_before_choosing(
    teller: Teller,
) -> None:
    teller.clock.advance(days=10)  # the recorded rates are far too old to quote on now
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Exchange")
    assert "There's no currency I can exchange EUR into right now" in chat.text()
