"""``teller bench webhooks``: how fast Teller takes messengers' webhooks, and how long a
customer waits for the answer.

Three phases in one run, each against its own ``uvicorn`` process on the same server stack
(uvloop, httptools, one worker), driven from this process by a raw HTTP load generator:

1. **bare** — a bare ASGI endpoint that reads the body and answers 200: the reference;
2. **webhook** — Teller's Telegram webhook with its background workers off, so only the
   ingestion is measured: the secret token verified, the update parsed, its id recorded
   and the message queued (committed) before the 200;
3. **end to end** — Teller with its workers on and a local Telegram test double
   (``bots.doubles``) as the Bot API: taps on "Balance" from many verified customers at a
   fixed rate (100 a second by default), each timed from when it was due until the last
   part of its answer reaches the double.

Phases 1 and 2 are closed loops (each connection sends its next request when the last one
is answered) with the same concurrency, so their ratio compares like with like. The last
line is ``webhook_rps=<n> bare_rps=<m> ratio=<n/m> webhook_p99_ms=<x>
e2e_msgs_per_s=<y> e2e_p99_ms=<z>``; targets: ratio >= 0.5, webhook p99 < 20 ms, end-to-end
p99 < 150 ms at 100 messages/s.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bots.doubles import Answer, Call, PlatformDouble
from core.jobqueue.runner import JobRunner
from flows.messages import Inbound, Kind
from integrations.bank.types import Amount, KycStatus
from nlu.engine import NoEngine
from teller.bench.api_phase import ServerOutput, listening_sockets
from teller.bench.http_load import (
    Connection,
    LoadResult,
    RequestMaker,
    closed_loop,
    open_loop,
    post,
)
from teller.bench.results import percentile, say
from teller.conversations import build_conversations
from teller.settings import Settings
from teller.wiring import build

TOKEN = "4242:bench-token"  # noqa: S105 (the bench double's, not a secret)
SECRET = "bench_webhook_secret"  # noqa: S105
BALANCE = "flow:balance"
READY_TIMEOUT = 120.0


@dataclass(frozen=True)
class WebhookBenchOptions:
    seconds: float = 10.0
    connections: int = 32
    rate: float = 100.0  # end-to-end messages a second
    customers: int = 200
    # A PostgreSQL server to run Teller on instead of SQLite: each phase gets a database
    # of its own there, created for the run and dropped after it.
    database_url: str | None = None


# -- the servers ------------------------------------------------------------------------------


@asynccontextmanager
async def served(app: list[str], env: dict[str, str], cwd: Path) -> AsyncIterator[int]:
    """``uvicorn <app>`` on a socket bound here; yields its port once it answers."""
    (sock,) = listening_sockets(1)
    port = int(sock.getsockname()[1])
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        *app,
        "--fd",
        str(sock.fileno()),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        env=env,
        cwd=cwd,
        pass_fds=(sock.fileno(),),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    output = ServerOutput(process.stdout)
    try:
        await _ready(port, process, output)
        yield port
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
        await output.close()
        sock.close()


async def _ready(port: int, process: asyncio.subprocess.Process, output: ServerOutput) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as probe:
        while process.returncode is None and time.monotonic() < deadline:
            try:
                answer = await probe.get(f"http://127.0.0.1:{port}/readyz")
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    await output.close()
    raise RuntimeError(f"the server did not start; its output:\n{output.text()}")


def teller_env(
    data_dir: Path, api_url: str, *, jobs: bool, database_url: str | None = None
) -> dict[str, str]:
    """Teller on the embedded default (SQLite in ``data_dir``), or on ``database_url``,
    with Telegram configured; none of the developer's own ``TELLER_*`` or channel settings
    leak in."""
    channels = ("TELEGRAM_", "VIBER_", "TWILIO_", "WHATSAPP_", "MESSENGER_", "TELLER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(channels)}
    env.update(
        {
            "TELLER_DATA_DIR": str(data_dir),
            "TELLER_RUN_JOBS": "true" if jobs else "false",
            "TELLER_NLU_ENGINE": "off",  # taps carry payloads: no model to load
            "TELLER_LOG_LEVEL": "WARNING",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_URL": api_url,
            # The double is not Telegram: it takes any rate, so the bench measures Teller
            # rather than the 30 messages a second a bot without paid broadcasts may send.
            "TELEGRAM_MESSAGES_PER_SECOND": "1000",
        }
    )
    if database_url is not None:
        env["TELLER_DATABASE_URL"] = database_url
    return env


@asynccontextmanager
async def bench_database(server_url: str | None, phase: str) -> AsyncIterator[str | None]:
    """A PostgreSQL database of the bench's own on ``server_url``'s server for one phase
    (None: SQLite); dropped afterwards. Only databases this function created are dropped."""
    if server_url is None:
        yield None
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"teller_bench_{phase}_{uuid.uuid4().hex[:8]}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


# -- what is sent -------------------------------------------------------------------------------


def text_update(n: int) -> bytes:
    user = 10_000 + n % 1000
    update = {
        "update_id": 1_000_000 + n,
        "message": {
            "message_id": n + 1,
            "date": 1_764_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Bench"},
            "from": {"id": user, "is_bot": False, "first_name": "Bench", "language_code": "en"},
            "text": "What is my balance?",
        },
    }
    return _webhook(update)


def balance_tap(update_id: int, user: int) -> bytes:
    update = {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq-{update_id}",
            "from": {"id": user, "is_bot": False, "first_name": "Bench", "language_code": "en"},
            "chat_instance": "bench",
            "data": BALANCE,
            "message": {
                "message_id": 1,
                "date": 1_764_000_000,
                "chat": {"id": user, "type": "private", "first_name": "Bench"},
                "text": "Menu",
            },
        },
    }
    return _webhook(update)


def _webhook(update: dict[str, object]) -> bytes:
    return post(
        "/webhooks/telegram",
        json.dumps(update).encode(),
        {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )


def bare_request(n: int) -> bytes:
    return text_update(n)  # the same bytes; the bare endpoint ignores them


# -- the Telegram double ----------------------------------------------------------------------


class Deliveries:
    """When each chat's messages reached the double (time.monotonic)."""

    SENDS = ("/sendMessage", "/sendPhoto", "/sendDocument")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_chat: dict[int, list[float]] = defaultdict(list)

    def record(self, call: Call) -> None:
        if not call.path.endswith(self.SENDS):
            return
        try:
            chat = int(self._chat_of(call))
        except (ValueError, KeyError, TypeError):
            return
        with self._lock:
            self.by_chat[chat].append(call.at)

    @staticmethod
    def _chat_of(call: Call) -> str:
        if call.headers.get("content-type", "").startswith("application/json"):
            return str(call.json()["chat_id"])
        body = call.body
        marker = b'name="chat_id"\r\n\r\n'
        start = body.index(marker) + len(marker)
        return body[start : body.index(b"\r\n", start)].decode()

    def after(self, chat: int, since: float) -> list[float]:
        with self._lock:
            return [t for t in self.by_chat.get(chat, []) if t >= since]


def telegram_answers(call: Call) -> Answer:
    method = call.path.rsplit("/", 1)[-1]
    if method.startswith("send"):
        message = {"message_id": 1, "date": 1_764_000_000, "chat": {"id": 1, "type": "private"}}
        return Answer(200, {"ok": True, "result": message})
    return Answer(200, {"ok": True, "result": True})


# -- the phases -------------------------------------------------------------------------------


async def _throughput(port: int, options: WebhookBenchOptions, make: RequestMaker) -> LoadResult:
    return await closed_loop(
        "127.0.0.1",
        port,
        make,
        connections=options.connections,
        seconds=options.seconds,
    )


async def _seed(data_dir: Path, customers: int, database_url: str | None = None) -> list[int]:
    """Verified customers with money, each linked to a Telegram user at the menu."""
    settings = Settings(_env_file=None, data_dir=data_dir, database_url=database_url)
    container = build(settings)
    await container.start()
    conversations = build_conversations(container, NoEngine())
    bank = conversations.services.bank
    users = []
    try:
        for n in range(customers):
            customer = await bank.register_customer(f"Bench Customer{n:05d}", "en")
            await bank.set_kyc_status(customer.id, KycStatus.VERIFIED)
            account = await bank.open_account(customer.id, "EUR")
            await bank.deposit(
                account.id, Amount(10_000, "EUR"), description="Bench", idempotency_key=f"b:{n}"
            )
            user = 500_000 + n
            await conversations.services.identities.link("telegram", str(user), customer.id)
            start = Inbound("telegram", str(user), uuid.uuid4().hex, Kind.START, text="/start")
            await conversations.receive(start, inline=True)
            users.append(user)
        # The bank's events from the seeding (accounts, deposits) are handled now, not by
        # the measured server while it answers the taps.
        await JobRunner(container.db, container.bank.clock, container.jobs()).run_until_idle(
            rounds=10_000
        )
    finally:
        conversations.services.renderer.close()
        await container.close()
    return users


async def _answer_parts(deliveries: Deliveries, user: int, since: float) -> int:
    """How many messages answered one tap: counted once the first arrived and no more came
    for a second (a busy machine may take a while for the first)."""
    for _ in range(300):  # 30 s at most
        if deliveries.after(user, since):
            break
        await asyncio.sleep(0.1)
    parts = len(deliveries.after(user, since))
    for _ in range(30):
        await asyncio.sleep(1.0)
        now = len(deliveries.after(user, since))
        if now == parts:
            break
        parts = now
    return parts


async def _end_to_end(
    port: int, users: list[int], deliveries: Deliveries, options: WebhookBenchOptions
) -> tuple[LoadResult, list[float], int]:
    """Balance taps at ``rate``; returns the webhook answers, the end-to-end latencies
    (ms) and how many taps got no complete answer."""
    # One tap first: how many messages make the answer.
    probe = users[0]
    since = time.monotonic()
    conn = await Connection.open("127.0.0.1", port)
    try:
        await conn.exchange(balance_tap(1, probe))
    finally:
        conn.close()
    parts = await _answer_parts(deliveries, probe, since)
    if parts == 0:
        raise RuntimeError("the balance tap got no answer at the Telegram double")
    say(f"end to end: a balance answer is {parts} message(s); {options.rate:g} taps a second")

    due_at: dict[int, tuple[int, float]] = {}

    def sent(n: int, due: float) -> None:
        due_at[n] = (users[n % len(users)], due)

    webhook = await open_loop(
        "127.0.0.1",
        port,
        lambda n: balance_tap(10 + n, users[n % len(users)]),
        rate=options.rate,
        seconds=options.seconds,
        connections=options.connections,
        sent=sent,
    )
    await asyncio.sleep(3.0)  # the last answers
    latencies: list[float] = []
    missing = 0
    by_user: dict[int, list[float]] = defaultdict(list)
    for _, (user, due) in sorted(due_at.items()):
        by_user[user].append(due)
    for user, dues in by_user.items():
        for index, due in enumerate(dues):
            until = dues[index + 1] if index + 1 < len(dues) else float("inf")
            arrived = [t for t in deliveries.after(user, due) if t < until]
            if len(arrived) < parts:
                missing += 1
                continue
            latencies.append((arrived[parts - 1] - due) * 1000)
    return webhook, latencies, missing


async def run_webhook_bench(options: WebhookBenchOptions) -> int:
    folder = Path(tempfile.mkdtemp(prefix="teller-bench-webhooks-"))
    deliveries = Deliveries()
    double = PlatformDouble(telegram_answers)
    double.on_call(deliveries.record)
    double.start()
    try:
        say(f"bare ASGI endpoint: {options.connections} connections, {options.seconds:g} s")
        bare_env = {k: v for k, v in os.environ.items() if not k.startswith("TELLER_")}
        async with served(["teller.bench.bare:app"], bare_env, folder) as port:
            bare = await _throughput(port, options, bare_request)
        say(f"bare: {bare.rps:.0f} requests/s, p99 {percentile(bare.latencies, 0.99):.2f} ms")

        ingest_dir = folder / "ingest"
        ingest_dir.mkdir()
        say("teller webhook (ingestion only: workers off)")
        async with bench_database(options.database_url, "ingest") as url:
            env = teller_env(ingest_dir, double.url, jobs=False, database_url=url)
            async with served(["teller.app:create_app", "--factory"], env, folder) as port:
                webhook = await _throughput(port, options, text_update)
        webhook_p99 = percentile(webhook.latencies, 0.99)
        say(
            f"webhook: {webhook.rps:.0f} requests/s, p99 {webhook_p99:.2f} ms, "
            f"statuses {webhook.statuses}"
        )

        e2e_dir = folder / "e2e"
        e2e_dir.mkdir()
        say(f"end to end: seeding {options.customers} customers")
        async with bench_database(options.database_url, "e2e") as url:
            users = await _seed(e2e_dir, options.customers, url)
            env = teller_env(e2e_dir, double.url, jobs=True, database_url=url)
            async with served(["teller.app:create_app", "--factory"], env, folder) as port:
                taps, latencies, missing = await _end_to_end(port, users, deliveries, options)
        e2e_rate = len(latencies) / options.seconds
        e2e_p99 = percentile(latencies, 0.99)
        say(
            f"end to end: {len(latencies)} answered, {missing} not answered, webhook p99 "
            f"{percentile(taps.latencies, 0.99):.2f} ms, e2e p50 "
            f"{percentile(latencies, 0.5):.1f} ms"
        )
    finally:
        double.stop()
        shutil.rmtree(folder, ignore_errors=True)
    ratio = webhook.rps / bare.rps if bare.rps else 0.0
    print(
        f"webhook_rps={webhook.rps:.0f} bare_rps={bare.rps:.0f} ratio={ratio:.2f} "
        f"webhook_p99_ms={webhook_p99:.2f} e2e_msgs_per_s={e2e_rate:.1f} "
        f"e2e_p99_ms={e2e_p99:.1f}",
        flush=True,
    )
    failed = webhook.failed or bare.failed or missing or taps.failed
    return 1 if failed else 0
