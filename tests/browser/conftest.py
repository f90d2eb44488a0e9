"""The web chat in a real browser: Debian's Chromium driven by Playwright, against a real
``teller serve`` on a free loopback port with its own SQLite data directory.

Playwright's own browser downloads are never used (``bin/browsers`` installs Debian's
``chromium``). Without it these tests skip locally and fail under ``CI=true``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from bots.doubles import Answer, Call, PlatformDouble
from tests.conftest import run_in_thread
from tests.flows.conftest import NLU_CACHE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).with_name("screenshots")
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
AGENT_NAME = "browser-tests-agent"
# Telegram is set up against a double of the Bot API, so that a test can send the server
# the update a deep link yields (/start <code>) and see the conversation it starts.
TELEGRAM_TOKEN = "123456789:AAE-browser-tests-token"
TELEGRAM_SECRET = "browser_tests-webhook_s3cret"
TELEGRAM_BOT = "TellerBrowserTestsBot"
# Teller answers within a second on a quiet machine; a loaded CI runner gets slack.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: run bin/browsers (installs Debian's chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path
    demo: dict[str, Any]
    agent_key: str
    telegram: PlatformDouble | None = None  # the Bot API double Teller sends to

    def customer(self, key: str) -> dict[str, Any]:
        return dict(next(c for c in self.demo["customers"] if c["key"] == key))

    def webchat(self, key: str | None = None) -> str:
        if key is None:
            return f"{self.url}/webchat"
        return f"{self.url}/webchat?user={self.customer(key)['webchat_user_id']}"

    def agent(self, user: str, action: str, **body: str) -> dict[str, Any]:
        """What a person at the back office does with a web chat conversation."""
        response = httpx.post(
            f"{self.url}/backoffice/api/conversations/webchat/{user}/{action}",
            headers={"X-API-Key": self.agent_key},
            json=body or None,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def telegram_update(self, update: dict[str, Any]) -> None:
        """Deliver a Telegram update to the server's webhook, as Telegram would."""
        response = httpx.post(
            f"{self.url}/webhooks/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            timeout=30,
        )
        assert response.status_code == 200, response.text


def _bot_api(call: Call) -> Answer:
    """The Bot API's answers: sent messages get an id, everything else is accepted."""
    if not call.path.startswith(f"/bot{TELEGRAM_TOKEN}/"):
        return Answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
    if call.path.rsplit("/", 1)[-1].startswith("send"):
        result = {"message_id": int(time.monotonic() * 1000), "date": 1700000000, "chat": {}}
        return Answer(200, {"ok": True, "result": result})
    return Answer(200, {"ok": True, "result": True})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(data_dir: Path, port: int) -> tuple[dict[str, Any], str]:
    """The demo bank and a support agent's API key, written before the server starts."""
    from core.actors import Actor, ActorKind
    from flows.store.schema import prepare
    from nlu.embedded import EmbeddedEngine
    from teller.conversations import build_conversations
    from teller.demo import seed
    from teller.settings import Settings
    from teller.wiring import build

    settings = Settings(data_dir=data_dir, port=port, database_url=None)
    container = build(settings)
    await container.start()
    engine = await asyncio.to_thread(EmbeddedEngine.open, NLU_CACHE)
    try:
        await prepare(container.db)
        demo = await seed(container, build_conversations(container, engine))
        _, key = await container.api_keys.create(
            AGENT_NAME, ["bank.support"], Actor(ActorKind.STAFF, "browser-tests")
        )
    finally:
        await engine.close()
        await container.close()
    return demo, key


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise AssertionError("teller serve stopped:\n" + log.read_text(errors="replace"))
        if time.monotonic() > deadline:
            raise AssertionError("teller serve did not come up:\n" + log.read_text())
        time.sleep(0.3)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_chromium()
    root = tmp_path_factory.mktemp("browser")
    data_dir = root / "data"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TELLER_DATA_DIR": str(data_dir),
        "TELLER_NLU_MODEL_DIR": str(NLU_CACHE),
        "TELLER_PUBLIC_URL": url,
        "TELLER_LOG_LEVEL": "WARNING",
    }
    env.pop("TELLER_DATABASE_URL", None)
    telegram = PlatformDouble(_bot_api).start()
    env.update(
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        TELEGRAM_BOT_USERNAME=TELEGRAM_BOT,
        TELEGRAM_API_URL=telegram.url,
    )
    demo, key = run_in_thread(lambda: _seed(data_dir, port))
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own CLI with fixed arguments
            [sys.executable, "-m", "teller", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(url, process, log)
        yield Server(url, data_dir, demo, key, telegram)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        telegram.stop()


# Module scope, not session: while Playwright's sync API is open, its event loop counts as
# running in this thread, and later tests that call asyncio.run (the CLI's) would fail.
@pytest.fixture(scope="module")
def playwright(server: Server) -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport=LAPTOP, locale="en-GB")
    made.set_default_timeout(TIMEOUT_MS)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    problems = watch(opened)
    yield opened
    assert problems == [], problems


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    made = browser.new_context(
        viewport=PHONE, locale="en-GB", device_scale_factor=2, is_mobile=True, has_touch=True
    )
    made.set_default_timeout(TIMEOUT_MS)
    opened = made.new_page()
    problems = watch(opened)
    yield opened
    made.close()
    assert problems == [], problems


def watch(page: Page) -> list[str]:
    """Script errors and console errors (a blocked resource, a CSP violation) the page
    reports; a test fails on any."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    return problems


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
