"""Editing flow texts in the back office: checked like ``teller flows check``, published
at once to the chat, refused with the reason (changing nothing), withdrawn, audited."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from backoffice.roles import Role
from core.bank import Bank
from flows.service import Conversations
from flows.text_overrides import load_overrides
from tests.backoffice.conftest import StaffFactory
from tests.backoffice.marketing_support import audited

KEY = "start.welcome_new"
TEXTS = "/backoffice/marketing/texts"


def catalog_of(app: FastAPI) -> Conversations:
    found: Conversations = app.state.conversations
    return found


async def first_reply(anonymous: httpx.AsyncClient, user: str) -> str:
    answer = await anonymous.post(
        "/webchat/api/messages", json={"user_id": user, "text": "/start"}
    )
    assert answer.status_code == 200, answer.text
    replies = answer.json()["replies"]
    answer = await anonymous.post(
        "/webchat/api/messages",
        json={"user_id": user, "payload": replies[-1]["buttons"][0]["payload"]},
    )
    return " ".join(r.get("text", "") for r in answer.json()["replies"])


async def test_a_marketer_finds_a_text_and_sees_every_language(
    staff_client: StaffFactory,
) -> None:
    marketer = await staff_client(Role.MARKETER)
    found = await marketer.get(TEXTS, params={"q": "welcome to teller"})
    assert found.status_code == 200
    assert f'href="{TEXTS}/{KEY}"' in found.text
    page = await marketer.get(f"{TEXTS}/{KEY}")
    assert page.status_code == 200
    assert "Welcome to Teller" in page.text
    assert "Vítejte" in page.text or "Teller" in page.text
    for code in ("en", "uk", "ru", "cs"):
        assert f'id="lang-{code}"' in page.text
    assert (await marketer.get(f"{TEXTS}/no.such_key")).status_code == 404


async def test_a_published_text_is_used_at_once_and_can_be_withdrawn(
    staff_client: StaffFactory, app: FastAPI, bank: Bank, anonymous: httpx.AsyncClient
) -> None:
    marketer = await staff_client(Role.MARKETER)
    published = await marketer.post(
        f"{TEXTS}/{KEY}", {"language": "en", "text": "Hello from the autumn campaign!"}
    )
    assert published.status_code == 303
    catalog = catalog_of(app).services.catalog
    assert catalog.text("en", KEY) == "Hello from the autumn campaign!"
    assert "Hello from the autumn campaign!" in await first_reply(anonymous, "visitor-1")
    stored = await load_overrides(bank.db)
    assert [(o.language, o.key, o.published_by) for o in stored] == [
        ("en", KEY, marketer.username)
    ]
    page = await marketer.get(f"{TEXTS}/{KEY}")
    assert f"Published by {marketer.username}" in page.text
    assert (await audited(bank, "backoffice.publish_text"))[0][1:3] == (f"text:en:{KEY}", "ok")

    withdrawn = await marketer.post(f"{TEXTS}/{KEY}/withdraw", {"language": "en"})
    assert withdrawn.status_code == 303
    assert catalog.text("en", KEY) == catalog.original("en", KEY)
    assert await load_overrides(bank.db) == []
    assert len(await audited(bank, "backoffice.withdraw_text")) == 1


async def test_an_invalid_text_is_refused_with_the_reason_and_changes_nothing(
    staff_client: StaffFactory, app: FastAPI, bank: Bank
) -> None:
    marketer = await staff_client(Role.MARKETER)
    await marketer.post("/backoffice/language", {"language": "uk", "back": "/backoffice"})
    catalog = catalog_of(app).services.catalog
    before = catalog.text("cs", "notify.money_received", amount="5 Kč")
    lost = await marketer.post(
        f"{TEXTS}/notify.money_received", {"language": "cs", "text": "Přišly vám peníze {iban}"}
    )
    assert lost.status_code == 422
    assert "Заповнювачі мають бути як в англійському тексті: {amount}" in lost.text
    assert "Přišly vám peníze {iban}" in lost.text  # what was typed stays in the form
    long_button = await marketer.post(
        f"{TEXTS}/menu.open_account", {"language": "en", "text": "Open a brand new account"}
    )
    assert long_button.status_code == 422
    assert "Текст довший за 20 символів." in long_button.text
    broken = await marketer.post(f"{TEXTS}/{KEY}", {"language": "en", "text": "Hi {"})
    assert "Фігурну дужку не закрито: заповнювачі пишуться {отак}." in broken.text
    assert (
        await marketer.post(f"{TEXTS}/no.such_key", {"language": "en", "text": "x"})
    ).status_code == 404
    bad_language = await marketer.post(f"{TEXTS}/{KEY}", {"language": "de", "text": "Hallo"})
    assert bad_language.status_code == 404
    assert catalog.text("cs", "notify.money_received", amount="5 Kč") == before
    assert await load_overrides(bank.db) == []
    outcomes = [r[2] for r in await audited(bank, "backoffice.publish_text")]
    assert outcomes == ["refused"] * 4


async def test_a_text_post_without_the_csrf_token_changes_nothing(
    staff_client: StaffFactory, app: FastAPI, bank: Bank
) -> None:
    marketer = await staff_client(Role.MARKETER)
    await marketer.post(f"{TEXTS}/{KEY}", {"language": "en", "text": "Published"})
    for url, data in (
        (f"{TEXTS}/{KEY}", {"language": "en", "text": "Forged"}),
        (f"{TEXTS}/{KEY}/withdraw", {"language": "en"}),
    ):
        assert (await marketer.http.post(url, data=data)).status_code == 403
    assert catalog_of(app).services.catalog.text("en", KEY) == "Published"
    assert [o.text for o in await load_overrides(bank.db)] == ["Published"]
