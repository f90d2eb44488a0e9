"""The inbox: agents see who waits for a person, claim, assign, reply through the outbox,
keep internal notes, see the customer and the response times, and release back to the
bot. Every action is audited; other roles, forged forms and other agents' conversations
are refused."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from fastapi import FastAPI

from backoffice.context import Backoffice
from backoffice.roles import Role
from core.bank import Bank
from tests.backoffice.conftest import StaffFactory
from tests.backoffice.inbox_support import (
    audited,
    chats,
    customer_with_money,
    escalate,
    link,
    outbox_texts,
    say,
)
from tests.fakes import MutableClock


def url(user: str, action: str = "") -> str:
    return f"/backoffice/inbox/c/webchat/{user}" + (f"/{action}" if action else "")


async def handoff(app: FastAPI, user: str) -> dict[str, str]:
    state = await chats(app).store.load("webchat", user)
    assert state is not None
    return dict(state["handoff"])


async def test_the_queue_lists_who_waits_and_for_how_long(
    app: FastAPI, staff_client: StaffFactory, clock: MutableClock
) -> None:
    user = await escalate(app)
    clock.advance(minutes=5, seconds=10)
    agent = await staff_client(Role.AGENT)

    page = await agent.get("/backoffice/inbox")
    assert page.status_code == 200
    assert user in page.text
    assert "5 min" in page.text
    assert "Asked for a person" in page.text
    assert 'hx-trigger="every 3s"' in page.text  # refreshed live

    fragment = await agent.get("/backoffice/inbox/queue?view=waiting")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert user in fragment.text
    assert user not in (await agent.get("/backoffice/inbox?view=mine")).text
    assert user not in (await agent.get("/backoffice/inbox?view=claimed")).text


async def test_an_agent_claims_and_the_customer_hears_a_person_joined(
    app: FastAPI, backoffice: Backoffice, staff_client: StaffFactory
) -> None:
    user = await escalate(app)
    agent = await staff_client(Role.AGENT)

    claimed = await agent.post(url(user, "claim"))
    assert claimed.status_code == 303
    assert await handoff(app, user) == {
        "state": "agent",
        "agent": agent.username,
        "since": (await handoff(app, user))["since"],
    }
    assert any("joined" in t for t in await outbox_texts(backoffice, user))
    assert user in (await agent.get("/backoffice/inbox?view=mine")).text
    assert user in (await agent.get("/backoffice/inbox?view=claimed")).text
    assert user not in (await agent.get("/backoffice/inbox?view=waiting")).text
    page = await agent.get(url(user))
    assert "You hold this conversation" in page.text
    assert url(user, "assign") not in page.text  # nobody else to hand it to
    assert await audited(backoffice, "inbox.claim") == [
        {
            "actor": f"staff:{agent.username}",
            "target": f"conversation:webchat:{user}",
            "outcome": "ok",
            "details": {},
        }
    ]


async def test_a_reply_goes_to_the_customer_through_the_outbox(
    app: FastAPI, backoffice: Backoffice, staff_client: StaffFactory
) -> None:
    user = await escalate(app)
    agent = await staff_client(Role.AGENT)
    await agent.post(url(user, "claim"))
    await say(app, user, text="my transfer did not arrive")

    sent = await agent.post(url(user, "reply"), {"message": "  Let me check that for you.  "})
    assert sent.status_code == 303
    assert "Let me check that for you." in await outbox_texts(backoffice, user)

    # The live fragment (polled by the page) shows both sides, the agent by name.
    live = await agent.get(url(user, "live"))
    assert live.status_code == 200
    assert "my transfer did not arrive" in live.text
    assert re.search(rf"{agent.username}</span>\s*<span class=\"text\">Let me check", live.text)

    # From htmx the answer is the refreshed fragment, not a redirect.
    again = await agent.post(
        url(user, "reply"), {"message": "Found it."}, headers={"HX-Request": "true"}
    )
    assert again.status_code == 200
    assert 'id="live"' in again.text
    assert "Found it." in again.text
    assert [r["details"] for r in await audited(backoffice, "inbox.reply")] == [
        {"length": 26},
        {"length": 9},
    ]


async def test_another_agent_cannot_touch_a_conversation_someone_holds(
    app: FastAPI, backoffice: Backoffice, staff_client: StaffFactory
) -> None:
    user = await escalate(app)
    holder = await staff_client(Role.AGENT)
    other = await staff_client(Role.AGENT)
    await holder.post(url(user, "claim"))
    before = await outbox_texts(backoffice, user)

    replied = await other.post(url(user, "reply"), {"message": "I am not the one"})
    assert replied.status_code == 403
    assert "Another agent holds this conversation." in replied.text
    assert (await other.post(url(user, "release"))).status_code == 403
    assert (await other.post(url(user, "assign"), {"agent": other.username})).status_code == 403
    assert (await other.post(url(user, "claim"))).status_code == 409

    assert await outbox_texts(backoffice, user) == before
    assert (await handoff(app, user))["agent"] == holder.username
    assert [r["outcome"] for r in await audited(backoffice, "inbox.reply")] == [
        "rejected:NOT_YOURS"
    ]
    assert [r["outcome"] for r in await audited(backoffice, "inbox.claim")] == [
        "ok",
        "rejected:ALREADY_CLAIMED",
    ]
    # They can still read it (the "all claimed" view), without the reply form.
    page = await other.get(url(user))
    assert page.status_code == 200
    assert f"Held by {holder.username}" in page.text
    assert 'id="reply"' not in page.text


async def test_an_agent_assigns_a_conversation_to_a_colleague(
    app: FastAPI, backoffice: Backoffice, staff_client: StaffFactory
) -> None:
    user = await escalate(app)
    lead = await staff_client(Role.AGENT, name="Lead Agent")
    colleague = await staff_client(Role.AGENT, name="Colleague Agent")
    marketer = await staff_client(Role.MARKETER)

    page = await lead.get(url(user))
    assert f'<option value="{colleague.username}">Colleague Agent' in page.text
    assert marketer.username not in page.text  # only agents are offered

    refused = await lead.post(url(user, "assign"), {"agent": marketer.username})
    assert refused.status_code == 422
    assert (await handoff(app, user))["state"] == "waiting"

    assigned = await lead.post(url(user, "assign"), {"agent": colleague.username})
    assert assigned.status_code == 303
    assert (await handoff(app, user))["agent"] == colleague.username
    assert any("joined" in t for t in await outbox_texts(backoffice, user))
    assert user in (await colleague.get("/backoffice/inbox?view=mine")).text

    assert (await lead.post(url(user, "reply"), {"message": "hi"})).status_code == 403
    assert (await colleague.post(url(user, "reply"), {"message": "hi"})).status_code == 303
    assert [(r["outcome"], r["details"]) for r in await audited(backoffice, "inbox.assign")] == [
        ("rejected:UNKNOWN_AGENT", {}),
        ("ok", {"to": colleague.username}),
    ]
    live = await colleague.get(url(user, "live"))
    assert f"{lead.username} assigned the conversation to {colleague.username}." in live.text


async def test_release_gives_the_conversation_back_to_the_bot(
    app: FastAPI, backoffice: Backoffice, staff_client: StaffFactory
) -> None:
    user = await escalate(app)
    agent = await staff_client(Role.AGENT)
    await agent.post(url(user, "claim"))

    released = await agent.post(url(user, "release"))
    assert released.status_code == 303
    assert released.headers["location"] == "/backoffice/inbox"
    assert (await handoff(app, user))["state"] == "bot"
    assert user not in (await agent.get("/backoffice/inbox?view=claimed")).text
    # Its history stays readable; nothing can be done with it but notes.
    page = await agent.get(url(user))
    assert page.status_code == 200
    assert "With the bot" in page.text
    assert (await agent.post(url(user, "claim"))).status_code == 409
    assert [r["outcome"] for r in await audited(backoffice, "inbox.release")] == ["ok"]


async def test_notes_are_kept_for_colleagues_and_never_sent(
    app: FastAPI, backoffice: Backoffice, staff_client: StaffFactory
) -> None:
    user = await escalate(app)
    agent = await staff_client(Role.AGENT)
    colleague = await staff_client(Role.AGENT)
    before = await outbox_texts(backoffice, user)

    noted = await agent.post(url(user, "notes"), {"note": "Asked twice about the fee."})
    assert noted.status_code == 303
    page = await colleague.get(url(user))
    assert "Asked twice about the fee." in page.text
    assert agent.username in page.text
    assert await outbox_texts(backoffice, user) == before
    assert "Asked twice" not in (await agent.get(url(user, "live"))).text

    assert (await agent.post(url(user, "notes"), {"note": "   "})).status_code == 422
    assert [r["outcome"] for r in await audited(backoffice, "inbox.note")] == [
        "ok",
        "rejected:EMPTY_TEXT",
    ]


@pytest.mark.parametrize(
    ("locale", "shown", "not_shown"),
    [
        ("uk", "Привітання", "Pozdrav"),
        ("cs", "Pozdrav", "Привітання"),
        ("en", "Greeting", "Pozdrav"),
    ],
)
async def test_canned_responses_are_offered_in_the_customers_language(
    app: FastAPI, staff_client: StaffFactory, locale: str, shown: str, not_shown: str
) -> None:
    user = await escalate(app, locale=locale)
    agent = await staff_client(Role.AGENT)
    await agent.post(url(user, "claim"))
    page = await agent.get(url(user))
    assert f">{shown}</option>" in page.text
    assert not_shown not in page.text
    assert "Inbox" in page.text  # the page itself stays in the agent's language


async def test_first_response_and_resolution_times(
    app: FastAPI, staff_client: StaffFactory, clock: MutableClock
) -> None:
    agent = await staff_client(Role.AGENT)
    quick = await escalate(app)
    slow = await escalate(app)
    clock.advance(seconds=90)
    await agent.post(url(quick, "claim"))
    clock.advance(seconds=30)
    await agent.post(url(quick, "reply"), {"message": "Hello!"})  # first response: 2 min
    page = await agent.get(url(quick))
    assert "First response: <strong>2 min</strong>" in page.text
    assert "Resolution: <strong>—</strong>" in page.text

    clock.advance(minutes=5)
    await agent.post(url(quick, "release"))  # resolved in 7 min
    await agent.post(url(slow, "claim"))
    clock.advance(minutes=2)
    await agent.post(url(slow, "reply"), {"message": "Sorry for the wait."})  # 9 min
    clock.advance(minutes=3)
    await agent.post(url(slow, "release"))  # 12 min

    assert "Resolution: <strong>7 min</strong>" in (await agent.get(url(quick))).text
    inbox = await agent.get("/backoffice/inbox")
    today = inbox.text[inbox.text.index('class="inbox-today"') :]
    # Both asked at the same moment: first responses 2 and 9 min, resolutions 7 and 12.
    assert 'first response</dt><dd>5 min <span class="muted">(2 conversations)' in today
    assert 'resolution</dt><dd>9 min <span class="muted">(2 conversations)' in today


async def test_the_customer_panel_shows_masked_numbers_and_balances(
    app: FastAPI, bank: Bank, staff_client: StaffFactory
) -> None:
    customer_id, number = await customer_with_money(bank)
    user = "olena-webchat"
    await link(app, user, customer_id)
    await escalate(app, user, locale="uk", first="flow:statement")
    agent = await staff_client(Role.AGENT)

    listed = await agent.get("/backoffice/inbox")
    assert re.search(
        rf'href="{url(user)}">Olena Kovalenko</a> <span class="muted">{user}', listed.text
    )
    page = await agent.get(url(user))
    assert "Olena Kovalenko" in page.text
    assert "Verified" in page.text
    assert f"•• {number[-4:]}" in page.text
    assert number not in page.text
    assert number[-8:] not in page.text
    assert "€123.45" in page.text
    assert "Salary" in page.text
    cards = await bank.cards.for_customer(UUID(customer_id))
    assert f"•••• {cards[0].last4}" in page.text
    assert "CVV" not in page.text
    assert re.search(r"Before asking for a person</dt><dd>statement</dd>", page.text)


async def test_a_visitor_who_is_not_a_customer_has_no_panel(
    app: FastAPI, staff_client: StaffFactory
) -> None:
    user = await escalate(app)
    agent = await staff_client(Role.AGENT)
    assert "not a Teller customer yet" in (await agent.get(url(user))).text


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.AGENT])
async def test_other_roles_are_refused(
    app: FastAPI, staff_client: StaffFactory, role: Role
) -> None:
    user = await escalate(app)
    someone = await staff_client(role)
    for path in ("/backoffice/inbox", "/backoffice/inbox/queue", url(user), url(user, "live")):
        assert (await someone.get(path)).status_code == 403, path
    for action in ("claim", "release", "assign", "reply", "notes"):
        answer = await someone.post(url(user, action), {"message": "x", "note": "x"})
        assert answer.status_code == 403, action
    assert (await handoff(app, user))["state"] == "waiting"


async def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
    app: FastAPI, backoffice: Backoffice, staff_client: StaffFactory
) -> None:
    user = await escalate(app)
    agent = await staff_client(Role.AGENT)
    before = await outbox_texts(backoffice, user)
    for action, form in (
        ("claim", {}),
        ("reply", {"message": "hello"}),
        ("notes", {"note": "forged"}),
        ("assign", {"agent": agent.username}),
    ):
        answer = await agent.http.post(url(user, action), data=form)
        assert answer.status_code == 403, action
        assert "CSRF_FAILED" in answer.text
    forged = await agent.http.post(url(user, "claim"), data={"csrf_token": "not-the-token"})
    assert forged.status_code == 403
    assert (await handoff(app, user))["state"] == "waiting"
    assert await outbox_texts(backoffice, user) == before
    assert "forged" not in (await agent.get(url(user))).text


async def test_unknown_and_never_escalated_conversations_are_not_found(
    app: FastAPI, staff_client: StaffFactory
) -> None:
    agent = await staff_client(Role.AGENT)
    assert (await agent.get(url("nobody"))).status_code == 404
    assert (await agent.post(url("nobody", "claim"))).status_code == 404
    assert (await agent.post(url("nobody", "notes"), {"note": "x"})).status_code == 404
    # A conversation only the bot ever had is not the inbox's to show.
    await say(app, "bot-only", text="hello")
    assert (await agent.get(url("bot-only"))).status_code == 404
    assert (await agent.get(url("bot-only", "live"))).status_code == 404
    assert (await agent.post(url("bot-only", "claim"))).status_code == 404


async def test_signed_out_visitors_are_sent_to_sign_in(app: FastAPI) -> None:
    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://teller.test",
        headers={"Accept": "text/html"},
    ) as browser:
        answer = await browser.get("/backoffice/inbox")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/backoffice/login")
