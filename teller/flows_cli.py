"""``teller flows …`` (check, diagram) and ``teller demo seed``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from teller.settings import Settings


@click.group()
def flows() -> None:
    """Conversation flows: check them, draw them."""


@flows.command("check")
def flows_check() -> None:
    """Every flow, action, message key and translation; exits 1 on any problem."""
    from flows.check import check

    problems = check()
    for problem in problems:
        click.echo(problem)
    if problems:
        raise SystemExit(1)
    click.echo("flows: ok")


@flows.command("diagram")
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def flows_diagram(name: str, out: Path | None) -> None:
    """Write flow NAME as a Mermaid diagram (to --out, or standard output)."""
    from flows.definition import load_all
    from flows.diagram import mermaid

    found = load_all()
    if name not in found:
        raise click.ClickException(f"no flow named {name!r}; flows: {', '.join(sorted(found))}")
    text = mermaid(found[name])
    if out is None:
        click.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")


@click.group()
def demo() -> None:
    """The demo bank."""


@demo.command("seed")
def demo_seed() -> None:
    """Create the demo bank (idempotent) and print its identities as JSON."""
    from flows.sealing import Sealer
    from flows.store.sql import SqlCredentialStore, SqlIdentityStore
    from integrations.bank.local import LocalBank
    from teller.conversations import CHAT_ACTOR, flows_key, now
    from teller.demo import seed_with
    from teller.wiring import build

    async def run(settings: Settings) -> dict[str, object]:
        container = build(settings)
        await container.start()
        try:
            db = container.db
            return await seed_with(
                container,
                LocalBank(container.bank, CHAT_ACTOR),
                SqlIdentityStore(db, now),
                SqlCredentialStore(db, now, Sealer(flows_key(settings))),
            )
        finally:
            await container.close()

    from teller.logs import configure_logging

    settings = Settings()
    configure_logging(json=settings.json_logs, level=settings.log_level)  # logs to stderr
    click.echo(json.dumps(asyncio.run(run(settings)), indent=2, ensure_ascii=False))
