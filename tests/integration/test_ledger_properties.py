"""Random sequences of real ledger commands keep every invariant (SQLite, fresh per example)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.actors import SYSTEM
from core.bank import Bank
from core.crypto import Keyring
from core.errors import CoreError
from core.ledger.commands import (
    Deposit,
    PlaceHold,
    PostHold,
    Reverse,
    Transfer,
    VoidHold,
    Withdraw,
)
from core.persistence.database import Database
from tests.conftest import INDEX_KEY, KEY_SPEC, run_in_thread
from tests.fakes import MutableClock
from tests.integration.helpers import funded_account

Step = tuple[str, int, int, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "deposit",
                "withdraw",
                "transfer",
                "hold",
                "post",
                "void",
                "reverse",
                "replay",
                "tick",
                "expire",
            ]
        ),
        st.integers(0, 3),
        st.integers(0, 3),
        st.integers(-10, 3_000),
        st.integers(0, 99),
    ),
    min_size=5,
    max_size=40,
)


async def _run(sequence: list[Step]) -> tuple[bool, list[str], bool]:
    clock = MutableClock()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'p.db'}")
        bank = Bank.build(db, Keyring.parse_spec(KEY_SPEC, INDEX_KEY), ["EUR"], clock=clock)
        try:
            await bank.prepare()
            ids = [(await funded_account(bank, 1_000, overdraft=100 * i)).id for i in range(4)]
            entries, holds, commands = [], [], []
            for n, (kind, i, j, amount, pick) in enumerate(sequence):
                key = f"k{n}"
                try:
                    if kind == "deposit":
                        cmd = Deposit(key, ids[i], amount, "EUR")
                        entries.append((await bank.ledger.deposit(cmd, SYSTEM)).id)
                    elif kind == "withdraw":
                        cmd = Withdraw(key, ids[i], amount, "EUR")
                        entries.append((await bank.ledger.withdraw(cmd, SYSTEM)).id)
                    elif kind == "transfer":
                        cmd = Transfer(key, ids[i], ids[j], amount, "EUR")
                        entries.append((await bank.ledger.transfer(cmd, SYSTEM)).id)
                    elif kind == "hold":
                        cmd = PlaceHold(key, ids[i], ids[j], amount, "EUR", ttl_seconds=600)
                        holds.append((await bank.ledger.place_hold(cmd, SYSTEM)).id)
                    elif kind == "post" and holds:
                        cmd = PostHold(key, holds[pick % len(holds)], max(1, amount // 2))
                        await bank.ledger.post_hold(cmd, SYSTEM)
                    elif kind == "void" and holds:
                        await bank.ledger.void_hold(
                            VoidHold(key, holds[pick % len(holds)]), SYSTEM
                        )
                    elif kind == "reverse" and entries:
                        cmd = Reverse(key, entries[pick % len(entries)], "test")
                        await bank.ledger.reverse(cmd, SYSTEM)
                    elif kind == "replay" and commands:
                        await replay(bank, commands[pick % len(commands)])
                    elif kind == "tick":
                        clock.advance(seconds=amount * 2)
                    elif kind == "expire":
                        await bank.ledger.expire_holds(SYSTEM)
                    if kind in ("deposit", "withdraw", "transfer"):
                        commands.append(cmd)
                except CoreError:
                    continue
            ledger = await bank.verify_ledger()
            audit = await bank.verify_audit()
            return ledger.ok, ledger.problems, audit.ok
        finally:
            await db.dispose()


async def replay(bank: Bank, cmd: Deposit | Withdraw | Transfer) -> None:
    """Sending a command again with its key must not move money again."""
    before = await bank.verify_ledger()
    if isinstance(cmd, Deposit):
        await bank.ledger.deposit(cmd, SYSTEM)
    elif isinstance(cmd, Withdraw):
        await bank.ledger.withdraw(cmd, SYSTEM)
    else:
        await bank.ledger.transfer(cmd, SYSTEM)
    after = await bank.verify_ledger()
    assert after.postings == before.postings


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_random_command_sequences_keep_every_invariant(sequence: list[Step]) -> None:
    ledger_ok, problems, audit_ok = run_in_thread(lambda: _run(sequence))
    assert ledger_ok, problems
    assert audit_ok
