"""The ``teller`` command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
import uvloop

from teller import flows_cli, nlu_cli
from teller.console import chat
from teller.logs import configure_logging
from teller.settings import ConfigurationError, Settings

T = TypeVar("T")


def _settings() -> Settings:
    settings = Settings()
    configure_logging(json=settings.json_logs, level=settings.log_level)
    return settings


def _run(make: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    settings = _settings()
    try:
        return uvloop.run(make(settings))
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def main() -> None:
    """Teller: an open-source bank in the messengers people already use."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on (TELLER_HOST).")
@click.option("--port", type=int, default=None, help="Port (TELLER_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Serve Teller: webhooks, APIs and jobs in one process (SQLite by default)."""
    import uvicorn

    from teller.app import create_app

    settings = _settings()
    try:
        app = create_app(settings)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    # log_config=None: uvicorn's lines go through Teller's redacting log pipeline.
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        proxy_headers=True,
    )


@main.command()
def worker() -> None:
    """Run the background jobs (hold expiry, the job queue) and the messengers' workers
    (queued messages → conversations, the outbox → messengers) without serving HTTP."""
    from teller.worker import run_worker

    _run(run_worker)


@main.command()
def doctor() -> None:
    """Check the database, Redis, the public URL and every configured messenger (token,
    webhook, failed deliveries); print the fix for what is wrong. Exit 1 on a failure."""
    from teller.doctor import doctor_checks, render

    checks = _run(doctor_checks)
    click.echo(render(checks))
    sys.exit(0 if all(c.ok for c in checks) else 1)


@main.group()
def channels() -> None:
    """Messenger channels."""


@channels.command("setup")
def channels_setup() -> None:
    """Register the webhooks of the configured messengers at TELLER_PUBLIC_URL (where the
    platform allows it; otherwise print what to set in the platform's console)."""
    from teller.doctor import setup_channels

    for line in _run(setup_channels):
        click.echo(line)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from core.persistence.database import Database
    from core.persistence.migrate import upgrade

    async def run(settings: Settings) -> None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(settings.resolved_database_url)
        try:
            await upgrade(database, revision)
        finally:
            await database.dispose()

    _run(run)
    click.echo(f"database upgraded to {revision}")


@main.group()
def ledger() -> None:
    """The double-entry ledger."""


@ledger.command("verify")
def ledger_verify() -> None:
    """Recompute every balance from postings and check every invariant."""
    from teller.wiring import build

    async def run(settings: Settings) -> bool:
        container = build(settings)
        try:
            report = await container.bank.verify_ledger()
        finally:
            await container.close()
        click.echo(
            f"accounts={report.accounts} entries={report.entries} postings={report.postings}"
        )
        for problem in report.problems:
            click.echo(f"VIOLATION {problem}", err=True)
        click.echo("invariants=ok" if report.ok else "invariants=FAILED")
        return report.ok

    sys.exit(0 if _run(run) else 1)


@main.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check every record's hash, every link and the chain head."""
    from teller.wiring import build

    async def run(settings: Settings) -> bool:
        container = build(settings)
        try:
            report = await container.bank.verify_audit()
        finally:
            await container.close()
        click.echo(f"records={report.records}")
        for problem in report.problems:
            click.echo(f"BROKEN {problem}", err=True)
        click.echo("chain=ok" if report.ok else "chain=BROKEN")
        return report.ok

    sys.exit(0 if _run(run) else 1)


@main.group()
def apikey() -> None:
    """API keys for services calling the core API."""


@apikey.command("create")
@click.argument("name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="bank.read, bank.customers, bank.payments, bank.cash, bank.admin or bank.processor",
)
def apikey_create(name: str, roles: tuple[str, ...]) -> None:
    """Create an API client; prints its key once as JSON."""
    from core.actors import Actor, ActorKind
    from teller.wiring import build

    async def run(settings: Settings) -> dict[str, object]:
        container = build(settings)
        try:
            await container.bank.prepare()
            client, key = await container.api_keys.create(
                name, list(roles), Actor(ActorKind.STAFF, "cli")
            )
        finally:
            await container.close()
        return {"name": client.name, "roles": sorted(client.roles), "api_key": key}

    click.echo(json.dumps(_run(run)))


@apikey.command("revoke")
@click.argument("name")
def apikey_revoke(name: str) -> None:
    """Revoke an API client's key."""
    from core.actors import Actor, ActorKind
    from teller.wiring import build

    async def run(settings: Settings) -> bool:
        container = build(settings)
        try:
            return await container.api_keys.revoke(name, Actor(ActorKind.STAFF, "cli"))
        finally:
            await container.close()

    if not _run(run):
        raise click.ClickException(f"no active API client named {name}")
    click.echo(f"revoked {name}")


@main.group()
def staff() -> None:
    """Back-office staff accounts (local sign-in: password and TOTP)."""


@staff.command("create")
@click.argument("username")
@click.option("--name", required=True, help="The staff member's full name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="agent, kyc_reviewer, marketer, risk_officer, admin or auditor",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of prompting",
)
def staff_create(username: str, name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a local staff account; prints the TOTP enrolment URI once, as JSON."""
    from backoffice.accounts import AccountError
    from backoffice.roles import parse_roles
    from core.actors import Actor, ActorKind
    from core.audit import log as audit_log
    from teller.backoffice import backoffice_of
    from teller.conversations import now
    from teller.wiring import build

    try:
        chosen = parse_roles(list(roles))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--role") from exc
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = str(click.prompt("Password", hide_input=True, confirmation_prompt=True))

    async def run(settings: Settings) -> dict[str, object]:
        container = build(settings)
        try:
            await container.start()
            bo = backoffice_of(settings, container, now)
            created = await bo.accounts.create(username, name, chosen, password)
            async with container.db.transaction() as conn:
                await audit_log.record(
                    conn,
                    now(),
                    Actor(ActorKind.STAFF, "cli"),
                    "backoffice.staff_created",
                    f"staff:{created.account.id}",
                    {"username": created.account.username, "roles": ",".join(sorted(chosen))},
                )
        finally:
            await container.close()
        return {
            "id": created.account.id,
            "username": created.account.username,
            "roles": sorted(chosen),
            "totp_uri": created.totp_uri,
        }

    try:
        click.echo(json.dumps(_run(run)))
    except AccountError as exc:
        raise click.ClickException(f"{exc.code}: {exc}") from exc


@main.group()
def keys() -> None:
    """Encryption keys for personal data."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt personal data under the active key (put the new key first in the spec)."""
    from core.actors import Actor, ActorKind
    from teller.wiring import build

    async def run(settings: Settings) -> dict[str, int]:
        container = build(settings)
        actor = Actor(ActorKind.STAFF, "cli")
        bank = container.bank
        try:
            return {
                "customers": await bank.customers.rotate_encryption(actor),
                "KYC records": await bank.kyc.rotate_encryption(actor),
                "card numbers": await bank.cards.rotate_encryption(actor),
                "payment records": await bank.payments.rotate_encryption(actor),
                "bill records": await bank.bills.rotate_encryption(actor),
                "payout card numbers": await bank.cardmoney.rotate_encryption(actor),
            }
        finally:
            await container.close()

    for what, count in _run(run).items():
        click.echo(f"re-encrypted {count} {what}")


main.add_command(nlu_cli.nlu)
main.add_command(flows_cli.flows)
main.add_command(flows_cli.demo)
main.add_command(chat)


@main.group()
def render() -> None:
    """Pictures and documents Teller sends."""


@render.command("samples")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def render_samples(folder: Path) -> None:
    """Write every picture, in every language, into FOLDER (for design and translation
    review)."""
    from teller.render_samples import write_samples

    written = write_samples(folder)
    click.echo(f"wrote {len(written)} files to {folder}")


@main.group()
def bench() -> None:
    """Benchmarks that print their figures."""


@bench.command("ledger")
@click.option("--seconds", type=float, default=10.0, show_default=True)
@click.option("--clients", type=int, default=8, show_default=True)
@click.option("--accounts", type=int, default=1000, show_default=True)
@click.option("--database-url", default=None, help="PostgreSQL (default TELLER_DATABASE_URL)")
@click.option("--via", type=click.Choice(["service", "api"]), default="service", show_default=True)
@click.option(
    "--processes",
    type=int,
    default=2,
    show_default=True,
    help="client processes (service) or API server processes (api)",
)
def bench_ledger(
    seconds: float,
    clients: int,
    accounts: int,
    database_url: str | None,
    via: str,
    processes: int,
) -> None:
    """Transfers per second against pgbench's tpcb-like reference on the same server."""
    from teller.bench.ledger import LedgerBenchOptions, run_ledger_bench

    settings = _settings()
    url = database_url or settings.database_url
    if not url:
        raise click.ClickException("give --database-url or TELLER_DATABASE_URL (PostgreSQL)")
    options = LedgerBenchOptions(
        database_url=url,
        seconds=seconds,
        clients=clients,
        accounts=accounts,
        via=via,
        processes=processes,
        api_processes=processes,
    )
    sys.exit(uvloop.run(run_ledger_bench(options)))


@bench.command("cards")
@click.option("--cards", type=int, default=1000, show_default=True, help="cards to issue")
@click.option("--clients", type=int, default=4, show_default=True, help="concurrent issuers")
@click.option("--database-url", default=None, help="PostgreSQL (default TELLER_DATABASE_URL)")
@click.option("--keep", is_flag=True, help="keep the scratch database <db>_bench_cards")
def bench_cards(cards: int, clients: int, database_url: str | None, keep: bool) -> None:
    """Issue virtual cards; the last line is card_issue_p50_ms=<x> card_issue_p99_ms=<y>."""
    from teller.bench.cards import CardBenchOptions, run_card_bench

    settings = _settings()
    url = database_url or settings.database_url
    if not url:
        raise click.ClickException("give --database-url or TELLER_DATABASE_URL (PostgreSQL)")
    options = CardBenchOptions(database_url=url, cards=cards, clients=clients, keep=keep)
    sys.exit(uvloop.run(run_card_bench(options)))


@bench.command("get-card")
@click.option("--customers", type=int, default=200, show_default=True, help="cards to issue")
@click.option("--database-url", default=None, help="a database (default: a scratch SQLite)")
def bench_get_card(customers: int, database_url: str | None) -> None:
    """From the tap on Get a card to the card picture handed to the channel; the last line
    is get_card_p50_ms=<x> get_card_p99_ms=<y> n=<count>."""
    from teller.bench.get_card import GetCardOptions, run_get_card_bench

    if customers < 1:
        raise click.BadParameter("at least one customer", param_hint="--customers")
    settings = _settings()
    options = GetCardOptions(customers=customers, database_url=database_url)
    sys.exit(uvloop.run(run_get_card_bench(options, settings)))


@bench.command("webhooks")
@click.option("--seconds", type=float, default=10.0, show_default=True, help="per phase")
@click.option("--connections", type=int, default=32, show_default=True)
@click.option("--rate", type=float, default=100.0, show_default=True, help="e2e messages/s")
@click.option("--customers", type=int, default=200, show_default=True, help="e2e chats")
@click.option(
    "--database-url",
    default=None,
    help="a PostgreSQL server to run on instead of SQLite (postgresql://user@host:port/db); "
    "the bench creates a database of its own there per phase and drops it after",
)
def bench_webhooks(
    seconds: float, connections: int, rate: float, customers: int, database_url: str | None
) -> None:
    """A bare ASGI endpoint, Teller's Telegram webhook ingestion and end to end (webhook in
    → answer at a local Telegram double); the last line is webhook_rps=<n> bare_rps=<m>
    ratio=<n/m> webhook_p99_ms=<x> e2e_msgs_per_s=<y> e2e_p99_ms=<z>."""
    from teller.bench.webhooks import WebhookBenchOptions, run_webhook_bench

    if seconds <= 0 or connections < 1 or rate <= 0 or customers < 1:
        raise click.BadParameter("seconds, connections, rate and customers are positive")
    _settings()  # logging as configured
    options = WebhookBenchOptions(seconds, connections, rate, customers, database_url)
    sys.exit(uvloop.run(run_webhook_bench(options)))


@bench.command("render")
@click.option("--samples", type=int, default=200, show_default=True, help="pictures per kind")
def bench_render(samples: int) -> None:
    """Draw cards, statement pages and PDFs; the last line is card_ms_p50=<a>
    card_ms_p99=<b> statement_page_ms_p50=<c> statement_page_ms_p99=<d> pdf_100tx_ms=<e>."""
    from teller.bench.render import RenderBenchOptions, run_render_bench

    if samples < 1:
        raise click.BadParameter("at least one sample", param_hint="--samples")
    sys.exit(run_render_bench(RenderBenchOptions(samples=samples)))
