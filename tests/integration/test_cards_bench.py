"""``teller bench cards`` end to end on a small run: its summary line, checks and cleanup."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from teller.bench.cards import CardBenchOptions, run_card_bench
from teller.cli import main
from tests.services import POSTGRES_URL

SUMMARY = re.compile(r"^card_issue_p50_ms=(\d+\.\d\d) card_issue_p99_ms=(\d+\.\d\d)$")

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _url(database: str) -> str:
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


async def _connect(database: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(_url(database), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must run the postgres tests)")
        pytest.skip(reason)


@pytest.fixture
async def base_database() -> AsyncIterator[str]:
    """A database of our own, so the scratch ``<it>_bench_cards`` is ours alone."""
    name = f"bench_cards_it_{uuid.uuid4().hex[:10]}"
    admin = await _connect("test")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield name
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}_bench_cards" WITH (FORCE)')
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def test_a_small_run_issues_every_card_and_prints_its_percentiles(
    base_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await run_card_bench(CardBenchOptions(_url(base_database), cards=40, clients=3))
    out = capsys.readouterr().out
    assert code == 0, out
    match = SUMMARY.match(out.strip().splitlines()[-1])
    assert match is not None, out
    assert 0 < float(match.group(1)) <= float(match.group(2))
    assert "issued 40 cards" in out
    assert "checks=ok" in out
    admin = await _connect("test")
    try:
        leftover = await admin.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname = $1", f"{base_database}_bench_cards"
        )
    finally:
        await admin.close()
    assert leftover == 0, "the scratch database is dropped at the end"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--database-url", "sqlite:///x.db"], "needs PostgreSQL"),
        (["--database-url", "postgresql://u@127.0.0.1/x", "--cards", "0"], "cards must be"),
    ],
)
def test_bad_options_exit_with_two(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["bench", "cards", *args])
    assert result.exit_code == 2
    assert message in result.output
