"""Paying bills through the web chat: the biller's fields checked one by one, the fee, the
payment and its receipt, saved payees paid again, a slow biller, money moved once."""

from __future__ import annotations

from datetime import timedelta

from core.ledger.model import BankPurpose
from integrations.billers.simulator import Behaviour, Scripted, SimulatorBillerGateway
from tests.fakes import run_jobs
from tests.flows import money_support
from tests.flows.conftest import Teller
from tests.flows.harness import Chat

# The bank with the simulated acquirer, biller gateway and rates (money_support).
acquirer, bank, gateway = money_support.acquirer, money_support.bank, money_support.gateway

ANNA = "246810"  # anna's passcode, teller/demo.py


async def fee_income(teller: Teller, currency: str) -> int:
    account = await teller.bank.ledger.bank_account(BankPurpose.FEE_INCOME, currency)
    return (await teller.bank.ledger.balance(account)).ledger


async def to_power_amount(chat: Chat) -> None:
    await chat.begin("en")
    await chat.tap("Pay bills")
    assert "What would you like to pay for?" in chat.text()
    await chat.tap("Electricity, gas, water")
    await chat.tap("Praha Power (CZ)")
    assert "Please type the customer number, for example: 3982597918" in chat.text()
    await chat.say("3982 5979 18")
    assert "How much would you like to pay? (in CZK)" in chat.text()


async def test_a_bill_is_paid_once_with_its_fee_and_receipt_then_saved_and_paid_again(
    teller: Teller, gateway: SimulatorBillerGateway
) -> None:
    czk = await teller.balance("anna", "CZK")
    income = await fee_income(teller, "CZK")
    chat = teller.as_customer("anna")
    await to_power_amount(chat)
    await chat.say("1200")
    summary = chat.text()
    assert "Pay CZK1,200.00 to Praha Power" in summary
    assert "Fee: CZK5.00" in summary
    assert "Total: CZK1,205.00" in summary
    assert "3982597918" not in summary  # details are shown masked
    confirm = chat.payload("Confirm")
    await chat.tap("Confirm")
    await chat.send(text=ANNA, message_id="bill-passcode-1")
    assert "image" in chat.kinds()  # the receipt
    assert "Paid CZK1,200.00 to Praha Power." in chat.text()
    assert "Save this payee" in chat.text()
    # A double tap on Confirm and the passcode message delivered twice: paid once.
    await chat.send(payload=confirm)
    assert "earlier message" in chat.text()
    again = await teller.http.post(
        "/webchat/api/messages",
        json={"user_id": chat.user_id, "text": ANNA, "message_id": "bill-passcode-1"},
    )
    assert again.json()["replies"] == []
    assert await teller.balance("anna", "CZK") == czk - 1_205_00
    assert await fee_income(teller, "CZK") == income + 5_00
    assert len(gateway.calls.pay) == 1

    await chat.tap("Save")
    await chat.say("Home power")
    assert 'Saved as "Home power".' in chat.text()

    # Next month: the saved payee, an amount, a confirmation.
    await chat.send(payload="cmd:menu")
    await chat.tap("Pay bills")
    assert "Pay one of your saved payees" in chat.text()
    await chat.tap("Home power · Praha Power")
    await chat.say("800")
    summary = chat.text()
    assert "Pay CZK800.00 to Praha Power (Home power" in summary
    assert "Fee: CZK5.00" in summary
    assert "Total: CZK805.00" in summary
    await chat.tap("Confirm")
    assert "Paid CZK800.00 to Praha Power." in chat.text()
    assert "Save this payee" not in chat.text()
    assert await teller.balance("anna", "CZK") == czk - 1_205_00 - 805_00
    assert await fee_income(teller, "CZK") == income + 10_00


async def test_wrong_details_are_explained_in_the_customers_language(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    await chat.tap("Pay bills")
    await chat.tap("Electricity, gas, water")
    await chat.tap("Praha Power (CZ)")
    await chat.say("3982597919")
    assert "check digit doesn't match" in chat.text()
    assert "Please type the customer number" in chat.text()
    await chat.say("12")
    assert "That customer number has the wrong format" in chat.text()
    await chat.say("my number is on the bill")
    assert "The customer number is digits only. For example: 3982597918" in chat.text()

    czech = teller.as_customer("olga")
    await czech.begin("cs")
    await czech.send(payload="flow:pay_bills")
    await czech.tap("Mobilní telefon")
    await czech.tap("Vltava Tel (CZ)")
    await czech.say("12345")
    assert "To není platné telefonní číslo" in czech.text()


async def test_an_amount_outside_the_billers_bounds_is_asked_again(teller: Teller) -> None:
    czk = await teller.balance("anna", "CZK")
    chat = teller.as_customer("anna")
    await to_power_amount(chat)
    await chat.say("50")
    assert "The smallest amount is CZK100.00." in chat.text()
    await chat.say("20 EUR")
    assert "takes payments in CZK only" in chat.text()
    await chat.say("150")
    assert "Pay CZK150.00 to Praha Power" in chat.text()
    assert await teller.balance("anna", "CZK") == czk


async def test_fixed_amounts_are_offered_as_buttons(teller: Teller) -> None:
    czk = await teller.balance("olga", "CZK")
    chat = teller.as_customer("olga")
    await chat.begin("en")
    await chat.tap("Pay bills")
    await chat.tap("Mobile phone")
    await chat.tap("Vltava Tel (CZ)")
    await chat.say("777 123 456")
    assert chat.buttons()[:4] == ["CZK200.00", "CZK300.00", "CZK500.00", "CZK1,000.00"]
    await chat.tap("CZK300.00")
    assert "Pay CZK300.00 to Vltava Tel" in chat.text()
    assert "Fee: CZK0.00" in chat.text()
    await chat.tap("Confirm")
    await chat.say("975310")
    assert "Paid CZK300.00 to Vltava Tel." in chat.text()
    assert await teller.balance("olga", "CZK") == czk - 300_00


async def test_a_slow_biller_leaves_the_payment_pending_and_money_moves_once(
    teller: Teller, gateway: SimulatorBillerGateway
) -> None:
    gateway.script(Scripted(Behaviour.PENDING, decided_after=timedelta(minutes=2)))
    czk = await teller.balance("anna", "CZK")
    chat = teller.as_customer("anna")
    await to_power_amount(chat)
    await chat.say("1000")
    confirm = chat.payload("Confirm")
    await chat.tap("Confirm")
    await chat.say(ANNA)
    assert "hasn't confirmed it yet" in chat.text()
    assert "no need to pay again" in chat.text()
    assert "image" not in chat.kinds()
    await chat.tap("Check payment")
    assert "hasn't confirmed it yet" in chat.text()
    await chat.send(payload=confirm)
    assert "earlier message" in chat.text()
    assert await teller.balance("anna", "CZK") == czk - 1_005_00
    # The bank asks the biller again later and settles it: still paid once.
    teller.clock.advance(seconds=60)
    await run_jobs(teller.bank)
    teller.clock.advance(seconds=120)
    await run_jobs(teller.bank)
    assert await teller.balance("anna", "CZK") == czk - 1_005_00
    assert len(gateway.calls.pay) == 1
    # The result reaches the chat by itself, once (the relay of the bank's events).
    await teller.run_jobs()
    await teller.run_jobs()
    pending = [r.get("text") for r in await teller.pending(chat.user_id)]
    assert pending == ["Your payment of CZK1,000.00 to Praha Power is confirmed."]
    await chat.tap("Check payment")
    assert "image" in chat.kinds()  # the receipt, now that the biller confirmed it
    assert "Paid CZK1,000.00 to Praha Power." in chat.text()


async def test_a_rejected_payment_gives_the_money_back(
    teller: Teller, gateway: SimulatorBillerGateway
) -> None:
    gateway.script(Scripted(Behaviour.REJECT))
    czk = await teller.balance("anna", "CZK")
    chat = teller.as_customer("anna")
    await to_power_amount(chat)
    await chat.say("1000")
    await chat.tap("Confirm")
    await chat.say(ANNA)
    assert "Praha Power turned the payment down" in chat.text()
    assert "They don't know these details." in chat.text()
    assert await teller.balance("anna", "CZK") == czk
    await teller.run_jobs()  # answered in the conversation: no notification repeats it
    assert await teller.pending(chat.user_id) == []


async def test_a_balance_question_while_details_are_asked_then_yes_continues(
    teller: Teller,
) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    await chat.tap("Pay bills")
    await chat.tap("Electricity, gas, water")
    await chat.tap("Praha Power (CZ)")
    await chat.say("what's my balance?")
    assert "Your balances" in chat.text()
    assert "continue with your payment to Praha Power" in chat.text()
    await chat.tap("Yes")
    assert "Please type the customer number" in chat.text()
    await chat.say("3982597918")
    assert "How much would you like to pay? (in CZK)" in chat.text()


async def test_a_balance_question_in_the_middle_then_yes_continues(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await to_power_amount(chat)
    await chat.say("what's my balance?")
    assert "Your balances" in chat.text()
    assert "continue with your payment to Praha Power" in chat.text()
    await chat.tap("Yes")
    assert "How much would you like to pay? (in CZK)" in chat.text()
    await chat.say("300")
    assert "Pay CZK300.00 to Praha Power" in chat.text()
