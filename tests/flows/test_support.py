"""BANKING77 questions through the web chat: a short answer in the customer's language,
with a button into the flow that helps (support_routes.yml), "talk to a person" and "menu"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flows import yamlio
from flows.catalog import Catalog
from flows.definition import DEFINITIONS
from tests.flows.conftest import Teller
from tests.flows.harness import Chat

BANKING77: list[str] = json.loads(
    (Path(__file__).parents[2] / "nlu" / "data" / "banking77_categories.json").read_text()
)
ROUTES: dict[str, str] = yamlio.load_file(DEFINITIONS / "support_routes.yml")


def _catalog(teller: Teller) -> Catalog:
    catalog: Catalog = teller.conversations.services.catalog
    return catalog


def _t(teller: Teller, language: str, key: str, **values: Any) -> str:
    return _catalog(teller).text(language, key, **values)


def _answered(teller: Teller, chat: Chat, language: str, intent: str, flow_title: str) -> None:
    """The last replies hold the answer to ``intent`` with its three buttons."""
    assert _t(teller, language, f"support.{intent}") in chat.texts()
    assert chat.buttons() == [
        _t(teller, language, flow_title),
        _t(teller, language, "common.talk_to_person"),
        _t(teller, language, "common.menu"),
    ]


async def test_a_stolen_card_in_english_is_answered_and_the_button_starts_blocking(
    teller: Teller,
) -> None:
    chat = teller.as_customer("olga")
    await chat.begin("en")
    await chat.say("my card was stolen, what do I do?")
    _answered(teller, chat, "en", "lost_or_stolen_card", "intents.card_block")
    assert "Block the card right away" in chat.text()

    await chat.tap("Block a lost or stolen card")
    last4 = teller.customer("olga")["card_last4"]
    assert _t(teller, "en", "cards.ask_block_reason", last4=last4) in chat.texts()


async def test_a_stolen_card_in_russian_is_answered_in_russian(teller: Teller) -> None:
    chat = teller.as_customer("olga")
    await chat.begin("ru")
    await chat.say("у меня украли карту, что делать?")
    _answered(teller, chat, "ru", "lost_or_stolen_card", "intents.card_block")
    assert "Сразу заблокируйте карту" in chat.text()

    await chat.tap("Заблокировать потерянную или украденную карту")
    last4 = teller.customer("olga")["card_last4"]
    assert _t(teller, "ru", "cards.ask_block_reason", last4=last4) in chat.texts()


async def test_how_long_a_transfer_takes_in_ukrainian_leads_into_sending_money(
    teller: Teller,
) -> None:
    chat = teller.as_customer("ivan")
    await chat.begin("uk")
    await chat.say("скільки часу йде переказ?")
    _answered(teller, chat, "uk", "transfer_timing", "intents.transfer")
    assert "миттєво" in chat.text()

    await chat.tap("Надіслати гроші")
    assert "З якого рахунку?" in chat.texts()  # Ivan has a EUR and a USD account


async def test_how_long_a_transfer_takes_in_czech_leads_into_sending_money(
    teller: Teller,
) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("cs")
    await chat.say("jak dlouho trvá převod?")
    _answered(teller, chat, "cs", "transfer_timing", "intents.transfer")
    assert "okamžitě" in chat.text()

    await chat.tap("Poslat peníze")
    assert "Z kterého účtu?" in chat.texts()


async def test_how_long_a_transfer_takes_in_english_leads_to_the_statement(
    teller: Teller,
) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.say("how long does a transfer take?")
    _answered(teller, chat, "en", "pending_transfer", "intents.statement")
    assert "Transfers to Teller customers are instant." in chat.text()

    await chat.tap("Get a statement")
    assert "For which period?" in chat.texts()  # James has one account


async def test_a_question_teller_cannot_route_offers_a_person_and_the_menu(
    teller: Teller,
) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.say("can I add my card to apple pay?")
    assert _t(teller, "en", "support.apple_pay_or_google_pay") in chat.texts()
    assert chat.buttons() == ["Talk to a person", "Menu"]


async def test_a_question_in_the_middle_of_a_transfer_is_answered_then_the_transfer_resumes(
    teller: Teller,
) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Send money")
    assert _t(teller, "en", "transfer.ask_recipient") in chat.texts()

    await chat.say("can I add my card to apple pay?")
    assert _t(teller, "en", "support.apple_pay_or_google_pay") in chat.texts()
    assert "Shall we continue with your transfer?" in chat.texts()

    await chat.say("yes")
    assert _t(teller, "en", "transfer.ask_recipient") in chat.texts()


async def test_every_banking77_intent_gets_its_answer_and_button(teller: Teller) -> None:
    """Each of the 77 answers in Czech, its buttons, and each flow a button leads to starts."""
    chat = teller.as_customer("anna")
    await chat.begin("cs")
    flows = teller.conversations.services.flows
    tapped: dict[str, list[str]] = {}
    for intent in BANKING77:
        await chat.send(payload=f"intent:{intent}")
        assert chat.texts() == [_t(teller, "cs", f"support.{intent}")], intent
        person_and_menu = [_t(teller, "cs", "common.talk_to_person"), "Menu"]
        target = ROUTES.get(intent)
        if target is None or target not in flows:
            assert chat.buttons() == person_and_menu, intent
            continue
        first = flows[target].intents[0] if flows[target].intents else target
        assert chat.buttons() == [_t(teller, "cs", f"intents.{first}"), *person_and_menu]
        if target not in tapped:
            await chat.tap(chat.buttons()[0])
            tapped[target] = chat.texts()
            await chat.send(payload="cmd:cancel")
    assert set(tapped) == set(ROUTES.values()) & set(flows)
    refused = {_t(teller, "cs", "common.stale_button"), _t(teller, "cs", "common.internal_error")}
    for target, texts in tapped.items():
        assert texts, f"{target} said nothing"
        assert not refused & set(texts), f"{target}: {texts}"
