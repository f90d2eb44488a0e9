"""``teller bench ledger`` end to end: pgbench, Teller's transfers and the invariants."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from core.crypto import Keyring
from teller.bench.ledger import (
    BenchError,
    LedgerBenchOptions,
    api_server_command,
    api_server_env,
    api_servers,
    run_ledger_bench,
)

SERVER_URL = os.environ.get("TELLER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
SUMMARY = re.compile(
    r"^ledger_tps=(\d+\.\d) pgbench_tps=(\d+\.\d) ratio=(\d+\.\d\d) "
    r"p50_ms=(\d+\.\d\d) p99_ms=(\d+\.\d\d) invariants=(ok|FAILED)$"
)


async def _connect(database: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(f"{SERVER_URL}/{database}", timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL at {SERVER_URL} is unreachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must run the postgres tests)")
        pytest.skip(reason)


@pytest.fixture
async def base_database() -> AsyncIterator[str]:
    """A database of our own: the bench's scratch database is ``<it>_bench``, so this test
    never races a developer's ``teller bench ledger`` against the shared ``test`` database."""
    name = f"bench_it_{uuid.uuid4().hex[:10]}"
    admin = await _connect("test")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield name
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}_bench" WITH (FORCE)')
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _assert_summary(code: int, out: str, err: str = "") -> None:
    """Exit code 0 and a last line in the summary's format, with the invariants kept; on a
    failure the message shows the bench's stderr too, where it says why it stopped."""
    last = out.strip().splitlines()[-1]
    assert code == 0, f"{out}\nstderr:\n{err}"
    match = SUMMARY.match(last)
    assert match is not None, last
    ledger_tps, pgbench_tps, ratio = (float(match.group(i)) for i in (1, 2, 3))
    assert ledger_tps > 0
    assert pgbench_tps > 0
    assert ratio == pytest.approx(ledger_tps / pgbench_tps, abs=0.01)
    assert float(match.group(4)) <= float(match.group(5))  # p50 <= p99
    assert match.group(6) == "ok"
    assert "invariants=ok" in out


async def _assert_scratch_dropped(base_database: str) -> None:
    admin = await _connect("test")
    try:
        leftover = await admin.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname = $1", f"{base_database}_bench"
        )
    finally:
        await admin.close()
    assert leftover == 0, "the scratch database is dropped at the end"


@pytest.mark.postgres
@pytest.mark.slow
async def test_short_run_prints_the_summary_and_keeps_the_invariants(
    base_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    options = LedgerBenchOptions(
        database_url=f"{SERVER_URL}/{base_database}", seconds=2, clients=4, accounts=1000
    )

    code = await run_ledger_bench(options)

    captured = capsys.readouterr()
    _assert_summary(code, captured.out, captured.err)
    await _assert_scratch_dropped(base_database)


@pytest.mark.postgres
@pytest.mark.slow
async def test_short_run_via_the_api_it_starts_and_stops(
    base_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    options = LedgerBenchOptions(
        database_url=f"{SERVER_URL}/{base_database}",
        seconds=2,
        clients=4,
        accounts=1000,
        via="api",
    )

    code = await run_ledger_bench(options)

    captured = capsys.readouterr()
    out = captured.out
    _assert_summary(code, out, captured.err)
    assert "uvicorn process(es) ready" in out
    await _assert_scratch_dropped(base_database)


@pytest.mark.slow
async def test_an_api_server_that_cannot_start_fails_with_its_output() -> None:
    # Nothing listens on port 1: the app's startup (migrations) fails and uvicorn exits.
    unreachable = make_url("postgresql://postgres@127.0.0.1:1/nowhere")

    with pytest.raises(BenchError, match="exited with code") as failure:
        async with api_servers(unreachable, Keyring.generate_spec(), [1]):
            pytest.fail("the server cannot be ready")

    assert "Application startup failed" in str(failure.value)  # uvicorn's, from its output


def test_the_api_server_gets_the_scratch_database_and_the_runs_keys_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELLER_REDIS_URL", "redis://somewhere:6379/0")
    monkeypatch.setenv("TELLER_ENV", "production")

    env = api_server_env(
        make_url("postgresql://u:secret@db:5432/x_bench"), "data-dir", ("k:K", "I"), 8
    )

    assert "TELLER_REDIS_URL" not in env
    assert "TELLER_ENV" not in env
    assert env["TELLER_DATABASE_URL"] == "postgresql://u:secret@db:5432/x_bench"
    assert (env["TELLER_ENCRYPTION_KEYS"], env["TELLER_INDEX_KEY"]) == ("k:K", "I")
    assert env["TELLER_DATABASE_POOL_SIZE"] == "8"
    assert env["TELLER_RUN_JOBS"] == "false"
    assert env["TELLER_DATA_DIR"] == "data-dir"
    assert env["TELLER_CURRENCIES"] == "EUR"  # the bench's: startup creates no bank accounts
    command = api_server_command(7)
    assert "teller.app:create_app" in command
    assert command[command.index("--fd") + 1] == "7"  # the bench binds the port itself


async def test_refuses_a_database_that_is_not_postgresql(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await run_ledger_bench(LedgerBenchOptions(database_url="sqlite:///teller.db"))

    assert code == 2
    assert "needs PostgreSQL" in capsys.readouterr().err
