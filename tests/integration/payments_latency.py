"""How long a transfer to another customer takes, next to a plain ledger transfer.

Run: ``uv run python -m tests.integration.payments_latency [--transfers N] [--clients C]``
(against the test PostgreSQL; a scratch database is created and dropped). Prints
``payment_p50_ms=… payment_p99_ms=… ledger_p50_ms=… ledger_p99_ms=… payments_per_s=…``.
Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from uuid import uuid4

import asyncpg
from sqlalchemy.engine import make_url

from core.actors import SYSTEM
from core.bank import Bank
from core.crypto import Keyring
from core.ledger.commands import Transfer
from core.persistence.database import Database
from core.persistence.migrate import upgrade
from tests.conftest import INDEX_KEY, KEY_SPEC
from tests.integration.payments_helpers import CLIENT, customer_account, request, to_account
from tests.services import POSTGRES_URL


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def measure(transfers: int, clients: int) -> str:
    name = f"teller_latency_{uuid.uuid4().hex[:8]}"
    admin_dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    db = Database(make_url(POSTGRES_URL).set(database=name).render_as_string(False), pool_size=20)
    try:
        await upgrade(db)
        bank = Bank.build(db, Keyring.parse_spec(KEY_SPEC, INDEX_KEY), ("EUR",))
        await bank.accounts.ensure_bank_accounts(SYSTEM)
        payers = [await customer_account(bank, funded=10**9) for _ in range(clients)]
        payees = [await customer_account(bank) for _ in range(clients)]
        for payer, payee in zip(payers, payees, strict=True):  # known recipients: no holds
            await bank.payments.transfers.send(
                request(payer, to_account(payee), 1), CLIENT, uuid4().hex
            )

        async def client(i: int, per: int, payment: bool, out: list[float]) -> None:
            for _ in range(per):
                start = time.perf_counter()
                if payment:
                    req = request(payers[i], to_account(payees[i]), 100)
                    await bank.payments.transfers.send(req, CLIENT, uuid4().hex)
                else:
                    cmd = Transfer(uuid4().hex, payers[i].id, payees[i].id, 100, "EUR")
                    await bank.ledger.transfer(cmd, SYSTEM)
                out.append(time.perf_counter() - start)

        results: dict[bool, list[float]] = {True: [], False: []}
        elapsed: dict[bool, float] = {}
        for payment in (False, True):
            start = time.perf_counter()
            await asyncio.gather(
                *(
                    client(i, transfers // clients, payment, results[payment])
                    for i in range(clients)
                )
            )
            elapsed[payment] = time.perf_counter() - start
        assert (await bank.verify_ledger()).ok
        pay, led = results[True], results[False]
        return (
            f"payment_p50_ms={_pct(pay, 0.5):.1f} payment_p99_ms={_pct(pay, 0.99):.1f} "
            f"ledger_p50_ms={_pct(led, 0.5):.1f} ledger_p99_ms={_pct(led, 0.99):.1f} "
            f"payments_per_s={len(pay) / elapsed[True]:.0f} "
            f"ledger_per_s={len(led) / elapsed[False]:.0f} "
            f"mean_payment_ms={statistics.mean(pay) * 1000:.1f}"
        )
    finally:
        await db.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transfers", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    print(asyncio.run(measure(args.transfers, args.clients)))


if __name__ == "__main__":
    main()
