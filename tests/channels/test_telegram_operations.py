"""``teller doctor`` checks, webhook setup, long polling and deep links, against the double."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from bots.channel import AdapterDeps, Check, Received
from bots.doubles import Answer, Call, PlatformDouble
from bots.telegram import TelegramAdapter, TelegramConfig, deep_link, polling
from flows.messages import Kind
from tests.channels.support import NoMedia, RecordingIntake

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "123456:TEST-token"
SECRET = "bank_bot-webhook_s3cret"
HOOK = "https://bank.example/webhooks/telegram"


def bot_api(**results: Any) -> Callable[[Call], Answer]:
    """Answers each method with ``results[method]``: a result, or an Answer as it is."""

    def responder(call: Call) -> Answer:
        method = call.path.rsplit("/", 1)[-1]
        result = results.get(method, True)
        if isinstance(result, Answer):
            return result
        return Answer(200, {"ok": True, "result": result})

    return responder


ME = {"id": 1, "is_bot": True, "first_name": "Teller", "username": "TellerBankBot"}


def webhook_info(**fields: Any) -> dict[str, Any]:
    return {
        "url": HOOK,
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "allowed_updates": ["message", "callback_query"],
        **fields,
    }


@pytest.fixture
def double() -> Iterator[PlatformDouble]:
    with PlatformDouble(bot_api(getMe=ME, getWebhookInfo=webhook_info())) as d:
        yield d


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def make(http: httpx.AsyncClient, double: PlatformDouble, **config: Any) -> TelegramAdapter:
    settings: dict[str, Any] = {"webhook_secret": SECRET, "bot_username": "TellerBankBot"}
    settings.update(config)
    return TelegramAdapter(
        TelegramConfig(TOKEN, api_url=double.url, **settings), AdapterDeps(http, NoMedia())
    )


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


# -- doctor ----------------------------------------------------------------------------------


async def test_a_healthy_bot_passes_every_check(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    checks = await make(http, double).check()
    assert all(c.ok for c in checks), checks
    assert by_name(checks)["telegram token"].detail == "the token belongs to @TellerBankBot"
    assert by_name(checks)["telegram webhook"].detail == f"registered at {HOOK}"
    assert [c.path for c in double.calls] == [f"/bot{TOKEN}/getMe", f"/bot{TOKEN}/getWebhookInfo"]


async def test_a_refused_token_says_where_to_get_one(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    refused = Answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    double.responder = bot_api(getMe=refused)
    [check] = await make(http, double).check()
    assert (check.name, check.ok) == ("telegram token", False)
    assert "@BotFather" in check.fix
    assert TOKEN not in check.detail + check.fix


async def test_an_unreachable_api_is_reported(http: httpx.AsyncClient) -> None:
    with PlatformDouble() as gone:
        url = gone.url
    config = TelegramConfig(TOKEN, SECRET, api_url=url)
    [check] = await TelegramAdapter(config, AdapterDeps(http, NoMedia())).check()
    assert (check.name, check.ok) == ("telegram api", False)
    assert "TELEGRAM_API_URL" in check.fix


async def test_no_webhook_and_no_secret_are_both_reported(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    double.responder = bot_api(getMe=ME, getWebhookInfo=webhook_info(url=""))
    checks = by_name(await make(http, double, webhook_secret=None).check())
    assert not checks["telegram webhook secret"].ok
    assert "TELEGRAM_WEBHOOK_SECRET" in checks["telegram webhook secret"].fix
    assert not checks["telegram webhook"].ok
    assert "teller channels setup" in checks["telegram webhook"].fix
    assert "TELEGRAM_MODE=polling" in checks["telegram webhook"].fix


async def test_a_recent_delivery_error_is_shown_with_the_pending_count(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    info = webhook_info(
        pending_update_count=12,
        last_error_date=int(time.time()) - 60,
        last_error_message="Wrong response from the webhook: 401 Unauthorized",
    )
    double.responder = bot_api(getMe=ME, getWebhookInfo=info)
    check = by_name(await make(http, double).check())["telegram delivery"]
    assert not check.ok
    assert check.detail == (
        "Telegram's last delivery failed: Wrong response from the webhook: 401 Unauthorized "
        "(12 updates waiting)"
    )
    assert "TELEGRAM_WEBHOOK_SECRET" in check.fix


async def test_an_old_delivery_error_has_healed(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    info = webhook_info(last_error_date=int(time.time()) - 86400, last_error_message="timeout")
    double.responder = bot_api(getMe=ME, getWebhookInfo=info)
    assert by_name(await make(http, double).check())["telegram delivery"].ok


async def test_a_webhook_elsewhere_or_without_button_taps_is_reported(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    info = webhook_info(url="https://old.example/hook", allowed_updates=["message"])
    double.responder = bot_api(getMe=ME, getWebhookInfo=info)
    checks = by_name(await make(http, double).check())
    assert not checks["telegram webhook"].ok
    assert not checks["telegram updates"].ok


async def test_a_wrong_or_missing_bot_username_is_reported(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    wrong = by_name(await make(http, double, bot_username="OtherBot").check())
    assert not wrong["telegram bot username"].ok
    assert wrong["telegram bot username"].fix == "Set TELEGRAM_BOT_USERNAME=TellerBankBot."
    unset = by_name(await make(http, double, bot_username=None).check())
    assert not unset["telegram bot username"].ok


async def test_polling_mode_expects_no_webhook(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    checks = by_name(await make(http, double, mode="polling", webhook_secret=None).check())
    assert not checks["telegram webhook"].ok
    assert "telegram webhook secret" not in checks
    double.responder = bot_api(getMe=ME, getWebhookInfo=webhook_info(url=""))
    checks = by_name(await make(http, double, mode="polling", webhook_secret=None).check())
    assert all(c.ok for c in checks.values())


# -- setup -----------------------------------------------------------------------------------


async def test_setup_registers_the_webhook_with_its_secret(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    result = await make(http, double).setup(HOOK)
    [call] = double.calls
    assert call.path == f"/bot{TOKEN}/setWebhook"
    assert call.json() == {
        "url": HOOK,
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
        "drop_pending_updates": False,
    }
    assert result == f"Telegram: webhook set to {HOOK} (updates: message, callback_query)."
    assert SECRET not in result


@pytest.mark.parametrize("secret", [None, "has spaces", "x" * 257])
async def test_setup_without_a_usable_secret_registers_nothing(
    http: httpx.AsyncClient, double: PlatformDouble, secret: str | None
) -> None:
    result = await make(http, double, webhook_secret=secret).setup(HOOK)
    assert "TELEGRAM_WEBHOOK_SECRET" in result
    assert double.calls == []


async def test_setup_reports_what_telegram_refused(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    refused = Answer(
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: bad webhook: HTTPS url"},
    )
    double.responder = bot_api(setWebhook=refused)
    result = await make(http, double).setup("http://bank.example/webhooks/telegram")
    assert result == "Telegram: webhook not set: Bad Request: bad webhook: HTTPS url."


# -- long polling ----------------------------------------------------------------------------


def batch_once(updates: list[dict[str, Any]]) -> Callable[[Call], Answer]:
    """getUpdates answers ``updates`` once, then empty lists; other methods succeed."""
    served: list[bool] = []

    def responder(call: Call) -> Answer:
        if call.path.endswith("/getUpdates"):
            result = [] if served else updates
            served.append(True)
            return Answer(200, {"ok": True, "result": result})
        return Answer(200, {"ok": True, "result": True})

    return responder


def batch() -> list[dict[str, Any]]:
    text = json.loads((FIXTURES / "telegram_message_text_sdk.json").read_bytes())
    edit = json.loads((FIXTURES / "telegram_edited_message.json").read_bytes())
    tap = {
        "update_id": 892252936,
        "callback_query": json.loads(
            (FIXTURES / "telegram_callback_query_object_sdk.json").read_bytes()
        ),
    }
    edit["update_id"] = 892252935
    return [text, edit, tap]


async def until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):  # a hang guard, not a speed target
        while not predicate():  # noqa: ASYNC110 - the double answers in another thread
            await asyncio.sleep(0.01)


async def test_polling_feeds_the_intake_and_confirms_the_offset(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    double.responder = batch_once(batch())
    intake = RecordingIntake(events_expected=False)
    stop = asyncio.Event()
    task = asyncio.create_task(make(http, double).poll_forever(intake, stop))
    await until(lambda: len(double.calls_to("/getUpdates")) >= 2)
    stop.set()
    async with asyncio.timeout(10):
        await task

    assert [(r.inbound.kind, r.inbound.message_id) for r in intake.received] == [
        (Kind.TEXT, "892252934"),
        (Kind.PAYLOAD, "892252936"),
    ]
    first = double.calls[0]
    assert (first.path, first.json()) == (
        f"/bot{TOKEN}/deleteWebhook",
        {"drop_pending_updates": False},
    )
    polls = [c.json() for c in double.calls_to("/getUpdates")]
    assert polls[0] == {"timeout": 25, "allowed_updates": ["message", "callback_query"]}
    assert all(p["offset"] == 892252937 for p in polls[1:])


async def test_polling_backs_off_after_a_failure_and_carries_on(
    http: httpx.AsyncClient, double: PlatformDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(polling, "FIRST_BACKOFF", 0.01)
    good = batch_once(batch()[:1])
    failures: list[Call] = []

    def flaky(call: Call) -> Answer:
        if call.path.endswith("/getUpdates") and not failures:
            failures.append(call)
            return Answer(502, b"Bad Gateway", content_type="text/plain")
        return good(call)

    double.responder = flaky
    intake = RecordingIntake(events_expected=False)
    stop = asyncio.Event()
    task = asyncio.create_task(make(http, double).poll_forever(intake, stop))
    await until(lambda: len(intake.received) == 1)
    stop.set()
    async with asyncio.timeout(10):
        await task
    assert intake.received[0].inbound.message_id == "892252934"


async def test_an_update_the_intake_could_not_record_is_polled_again(
    http: httpx.AsyncClient, double: PlatformDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(polling, "FIRST_BACKOFF", 0.01)
    updates = batch()[:1]

    def same_batch(call: Call) -> Answer:
        offset = call.json().get("offset") if call.path.endswith("/getUpdates") else None
        return Answer(200, {"ok": True, "result": [] if offset else updates})

    class FailingOnce(RecordingIntake):
        failed = False

        async def accept(self, received: Sequence[Received]) -> int:
            if not self.failed:
                self.failed = True
                raise RuntimeError("database is locked")
            return await super().accept(received)

    double.responder = same_batch
    intake = FailingOnce()
    stop = asyncio.Event()
    task = asyncio.create_task(make(http, double).poll_forever(intake, stop))
    await until(lambda: len(intake.received) == 1)
    stop.set()
    async with asyncio.timeout(10):
        await task
    polls = [c.json() for c in double.calls_to("/getUpdates")]
    assert "offset" not in polls[1]  # the failed batch was not confirmed


async def test_stopping_interrupts_a_long_poll() -> None:
    async def hold(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/getUpdates"):
            await asyncio.Event().wait()  # Telegram holding the request: nothing new
        return httpx.Response(200, json={"ok": True, "result": True})

    async with httpx.AsyncClient(transport=httpx.MockTransport(hold)) as client:
        adapter = TelegramAdapter(TelegramConfig(TOKEN, SECRET), AdapterDeps(client, NoMedia()))
        stop = asyncio.Event()
        task = asyncio.create_task(
            adapter.poll_forever(RecordingIntake(events_expected=False), stop)
        )
        await asyncio.sleep(0.05)
        stop.set()
        async with asyncio.timeout(10):
            await task


# -- deep links ------------------------------------------------------------------------------


def test_a_deep_link_starts_the_bot_with_the_code() -> None:
    assert deep_link("TellerBankBot", "inv_7Kq-2") == "https://t.me/TellerBankBot?start=inv_7Kq-2"
    assert deep_link("@TellerBankBot", "a" * 64) == f"https://t.me/TellerBankBot?start={'a' * 64}"


@pytest.mark.parametrize("code", ["", "a" * 65, "has space", "ünï", "a&b=c", "a/b"])
def test_a_code_telegram_would_not_carry_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="start code"):
        deep_link("TellerBankBot", code)


def test_a_bad_bot_username_is_refused() -> None:
    with pytest.raises(ValueError, match="username"):
        deep_link("teller bot", "abc")


async def test_the_adapter_links_with_its_configured_username(
    http: httpx.AsyncClient, double: PlatformDouble
) -> None:
    assert make(http, double).deep_link("abc") == "https://t.me/TellerBankBot?start=abc"
    with pytest.raises(ValueError, match="TELEGRAM_BOT_USERNAME"):
        make(http, double, bot_username=None).deep_link("abc")
