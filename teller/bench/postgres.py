"""The benchmark's PostgreSQL side: the scratch database and pgbench, the reference."""

from __future__ import annotations

import asyncio
import math
import os
import re
import shutil

import asyncpg
from sqlalchemy.engine import URL, make_url

from teller.bench.options import (
    PG_MAX_IDENTIFIER,
    SCRATCH_SUFFIX,
    BenchError,
    LedgerBenchOptions,
    key_from_options,
)
from teller.bench.results import say

# -- options and the scratch database ---------------------------------------------------


def measured_seconds(options: LedgerBenchOptions) -> int:
    """pgbench's ``-T`` takes whole seconds; Teller runs for exactly as long."""
    return max(1, round(options.seconds))


def check_options(options: LedgerBenchOptions) -> URL:
    """Validate the options; returns the given database's URL. Raises exit-code-2 errors."""
    try:
        url = make_url(options.database_url)
    except Exception as exc:
        raise BenchError(f"not a database URL: {exc}", exit_code=2) from exc
    if url.get_backend_name() != "postgresql":
        raise BenchError(
            "teller bench ledger needs PostgreSQL (it compares against pgbench on the same "
            f"server); got a {url.get_backend_name()!r} URL",
            exit_code=2,
        )
    problems = []
    if options.seconds <= 0:
        problems.append("seconds must be positive")
    if options.clients < 1:
        problems.append("clients must be at least 1")
    if options.accounts < 2:
        problems.append("accounts must be at least 2 (a transfer needs two)")
    if options.via not in ("service", "api"):
        problems.append("via is 'service' or 'api'")
    if options.processes < 1:
        problems.append("processes must be at least 1")
    if options.api_processes < 1:
        problems.append("api_processes must be at least 1")
    if options.via == "api" and options.api_url and not key_from_options(options):
        problems.append("via=api with api_url needs an API key (api_key or TELLER_API_KEY)")
    if problems:
        raise BenchError("; ".join(problems), exit_code=2)
    return url


def scratch_url(url: URL) -> URL:
    """The scratch database's URL: ``<dbname>_bench`` on the same server, same credentials."""
    name = f"{url.database or url.username or 'postgres'}{SCRATCH_SUFFIX}"
    if len(name.encode()) > PG_MAX_IDENTIFIER:
        raise BenchError(
            f"scratch database name {name!r} is longer than PostgreSQL allows", exit_code=2
        )
    return url.set(database=name)


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _admin(url: URL, *statements: str) -> None:
    """Run statements outside a transaction on the given (not the scratch) database."""
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def recreate_database(admin_url: URL, name: str) -> None:
    ident = _quote_ident(name)
    # FORCE (PostgreSQL 13+) ends sessions a crashed earlier run may have left behind.
    await _admin(
        admin_url, f"DROP DATABASE IF EXISTS {ident} WITH (FORCE)", f"CREATE DATABASE {ident}"
    )


async def drop_database(admin_url: URL, name: str) -> None:
    await _admin(admin_url, f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")


async def checkpoint(url: URL) -> None:
    """Flush dirty pages now so that a checkpoint does not land inside a measurement."""
    try:
        await _admin(url, "CHECKPOINT")
    except asyncpg.PostgresError as exc:  # needs superuser or pg_checkpoint; only noise
        say(f"no CHECKPOINT before measuring ({exc.__class__.__name__}); expect more noise")


# -- pgbench --------------------------------------------------------------------------------

# PostgreSQL 14+ says "without initial connection time"; older pgbench the second form.
_TPS = re.compile(
    r"^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)",
    re.MULTILINE,
)


def _pg_env(url: URL) -> dict[str, str]:
    """libpq settings for pgbench, from the URL (unset parts keep the environment's)."""
    env = dict(os.environ)
    host = url.host or url.query.get("host")
    for name, value in (
        ("PGHOST", host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value:
            env[name] = str(value)
    return env


def _pgbench_executable() -> str:
    executable = shutil.which("pgbench") or "/usr/bin/pgbench"
    if not os.path.exists(executable):
        raise BenchError("pgbench is not installed (apt-get install postgresql-client)", 2)
    return executable


async def _pgbench(url: URL, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        _pgbench_executable(),
        *args,
        env=_pg_env(url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    text = output.decode(errors="replace")
    if proc.returncode != 0:
        raise BenchError(f"pgbench {' '.join(args)} failed ({proc.returncode}):\n{text[-2000:]}")
    return text


def parse_pgbench_tps(output: str) -> float:
    match = _TPS.search(output)
    if match is None:
        raise BenchError(f"no tps figure in pgbench's output:\n{output[-2000:]}")
    return float(match.group(1))


async def run_pgbench(url: URL, *, clients: int, seconds: int, warmup: float, scale: int) -> float:
    """Initialize pgbench's tables in the scratch database and return its measured tps."""
    await _pgbench(url, "-i", "-q", "-s", str(scale))
    common = ["-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)), "-n"]
    if warmup > 0:  # fills caches and the server's plan state, as Teller's warm-up does
        await _pgbench(url, *common, "-T", str(math.ceil(warmup)))
    await checkpoint(url)
    return parse_pgbench_tps(await _pgbench(url, *common, "-T", str(seconds)))
