"""``teller bench get-card``: from the customer's tap on "Get a card" until the card's
picture is handed to the channel, the way a customer lives it.

Setup, not measured: a scratch Teller (its own data directory, the embedded SQLite by
default or the given database) with ``customers`` verified customers, one EUR account each,
each linked to a web chat identity with a conversation at the menu. Then, one customer at a
time (the latency one customer waits for), the tap ``flow:get_card`` goes through
``Conversations.receive`` — the per-conversation lock, state, the flow, ``issue_card`` in
the bank, the card picture drawn and stored, the replies and state saved — and the clock
stops when ``receive`` returns with the picture among its replies.

The last line is ``get_card_p50_ms=<x> get_card_p99_ms=<y> n=<count>``; target p99 < 1000.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from flows.messages import Image, Inbound, Kind
from flows.service import Conversations
from integrations.bank.types import Amount, KycStatus
from teller.bench.results import percentile, say
from teller.conversations import build_conversations, nlu_engine
from teller.settings import Settings
from teller.wiring import build


@dataclass(frozen=True)
class GetCardOptions:
    customers: int = 200
    database_url: str | None = None


async def run_get_card_bench(options: GetCardOptions, base: Settings) -> int:
    folder = Path(tempfile.mkdtemp(prefix="teller-bench-card-"))
    settings = base.model_copy(
        update={
            "data_dir": folder,
            "database_url": options.database_url,
            "nlu_model_dir": base.resolved_nlu_model_dir,
        }
    )
    container = build(settings)
    await container.start()
    engine = nlu_engine(settings)
    try:
        conversations = build_conversations(container, engine)
        users = await _customers(conversations, options.customers)
        say(f"{len(users)} verified customers ready; measuring the tap on Get a card")
        latencies: list[float] = []
        failures = 0
        for user in users:
            tap = Inbound("webchat", user, uuid.uuid4().hex, Kind.PAYLOAD, payload="flow:get_card")
            started = time.perf_counter()
            handled = await conversations.receive(tap, inline=True)
            elapsed = time.perf_counter() - started
            if handled is None or not any(isinstance(r, Image) for r in handled.replies):
                failures += 1
                continue
            latencies.append(elapsed * 1000)
        if failures:
            say(f"{failures} taps did not produce a card picture")
        p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        say(f"get_card_p50_ms={p50:.1f} get_card_p99_ms={p99:.1f} n={len(latencies)}")
        return 0 if not failures and p99 < 1000 else 1
    finally:
        await engine.close()
        conversations.services.renderer.close()
        await container.close()
        shutil.rmtree(folder, ignore_errors=True)


async def _customers(conversations: Conversations, count: int) -> list[str]:
    bank = conversations.services.bank
    users: list[str] = []
    for n in range(count):
        customer = await bank.register_customer(f"Bench Customer{n:05d}", "en")
        await bank.set_kyc_status(customer.id, KycStatus.VERIFIED)
        account = await bank.open_account(customer.id, "EUR")
        await bank.deposit(
            account.id, Amount(10_000, "EUR"), description="Bench", idempotency_key=f"bench:{n}"
        )
        user = f"bench-card-{n:05d}"
        await conversations.services.identities.link("webchat", user, customer.id)
        # The conversation exists and sits at the menu, as when the customer taps.
        start = Inbound("webchat", user, uuid.uuid4().hex, Kind.START, text="/start")
        await conversations.receive(start, inline=True)
        users.append(user)
    return users
