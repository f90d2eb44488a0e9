"""Texts marketers publish over the catalog's files, per language and key.

An override is checked with the rules ``teller flows check`` applies to the files (the key
exists, the placeholders are the English text's, the braces parse) plus the length a
channel can carry, before it is stored; published ones live in ``flow_text_overrides``
and the running catalog takes them at once (:meth:`flows.catalog.Catalog.override`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import string
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from flows.catalog import DEFAULT_LANGUAGE, LANGUAGES, Catalog, placeholders
from flows.definition import Flow
from flows.ports import Transactions
from flows.store.schema import text_overrides

log = logging.getLogger(__name__)

# Telegram's limit for one message; longer texts would be split into parts mid-sentence.
MAX_TEXT = 4096
# WhatsApp's reply buttons carry 20 characters, the least of the channels' button titles.
MAX_BUTTON_TITLE = 20


class Problem(StrEnum):
    """Why an override is refused (each has a text in the back office)."""

    UNKNOWN_LANGUAGE = "unknown_language"
    UNKNOWN_KEY = "unknown_key"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    BAD_BRACES = "bad_braces"
    PLACEHOLDERS = "placeholders"


@dataclass(frozen=True, slots=True)
class Refusal:
    problem: Problem
    limit: int = 0  # for TOO_LONG
    expected: tuple[str, ...] = ()  # for PLACEHOLDERS: the English text's names
    found: tuple[str, ...] = ()


def button_keys(flows: dict[str, Flow]) -> frozenset[str]:
    """The keys flows show as button titles."""
    return frozenset(
        b.title for flow in flows.values() for s in flow.steps.values() for b in s.buttons
    )


def check_override(
    catalog: Catalog, buttons: frozenset[str], language: str, key: str, text: str
) -> list[Refusal]:
    """What is wrong with ``text`` as the ``language`` text of ``key`` (nothing: publish)."""
    if language not in LANGUAGES:
        return [Refusal(Problem.UNKNOWN_LANGUAGE)]
    english = catalog.original(DEFAULT_LANGUAGE, key)
    if english is None:
        return [Refusal(Problem.UNKNOWN_KEY)]
    out: list[Refusal] = []
    if not text.strip():
        out.append(Refusal(Problem.EMPTY))
    limit = MAX_BUTTON_TITLE if key in buttons else MAX_TEXT
    if len(text) > limit:
        out.append(Refusal(Problem.TOO_LONG, limit=limit))
    try:
        list(string.Formatter().parse(text))
    except ValueError:
        out.append(Refusal(Problem.BAD_BRACES))
        return out
    want, have = placeholders(english), placeholders(text)
    if want != have:
        out.append(
            Refusal(Problem.PLACEHOLDERS, expected=tuple(sorted(want)), found=tuple(sorted(have)))
        )
    return out


@dataclass(frozen=True, slots=True)
class Override:
    language: str
    key: str
    text: str
    published_by: str
    published_at: datetime


async def load_overrides(db: Transactions) -> list[Override]:
    async with db.read() as conn:
        rows = await conn.execute(select(text_overrides).order_by(text_overrides.c.key))
        return [Override(r.language, r.key, r.text, r.published_by, r.published_at) for r in rows]


async def apply_overrides(db: Transactions, catalog: Catalog) -> None:
    """Put the published overrides over ``catalog`` (at start-up)."""
    found: dict[str, dict[str, str]] = {}
    for o in await load_overrides(db):
        found.setdefault(o.language, {})[o.key] = o.text
    catalog.set_overrides(found)


async def keep_overrides_fresh(
    db: Transactions, catalog: Catalog, stop: asyncio.Event, every: float = 10.0
) -> None:
    """Re-read the published overrides every ``every`` seconds until ``stop``: a text
    published through another process (a replica, the back office) reaches this one's
    chats within that time. The table holds a few rows, so a read is cheap."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if stop.is_set():
            return
        try:
            await apply_overrides(db, catalog)
        except Exception:  # the database is briefly away: keep what we have, try again
            log.warning("could not refresh the published texts", exc_info=True)


async def publish(
    conn: AsyncConnection, language: str, key: str, text: str, by: str, at: datetime
) -> None:
    """Store an override (checked already) inside the caller's transaction."""
    await withdraw(conn, language, key)
    await conn.execute(
        insert(text_overrides).values(
            language=language, key=key, text=text, published_by=by, published_at=at
        )
    )


async def withdraw(conn: AsyncConnection, language: str, key: str) -> bool:
    """Remove an override (the file's text is used again); whether there was one."""
    result = await conn.execute(
        delete(text_overrides).where(
            text_overrides.c.language == language, text_overrides.c.key == key
        )
    )
    return bool(result.rowcount)
