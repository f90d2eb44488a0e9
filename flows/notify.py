"""Notifications: messages the bank's events send to customers, through the outbox.

A notification goes to every conversation the customer has (each channel identity), in
that conversation's language, with amounts formatted for it. Each carries a de-duplication
key (the bank event's id) written in the same transaction as its outbox rows, so an event
delivered twice notifies once. A customer who turned notifications off still hears about
what they asked for or what protects them (a top-up's result, a declined card payment, a
KYC decision, a review's outcome); only news such as money received or a referral reward
is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from flows.catalog import Catalog
from flows.expressions import FILTERS
from flows.messages import Button, Buttons, Text, reply_to_dict
from flows.ports import ConversationStore, IdentityStore
from flows.store.sql import SqlOutbox

OPTIONAL = frozenset({"notify.money_received", "notify.referral_reward"})


class Notifier:
    def __init__(
        self,
        outbox: SqlOutbox,
        identities: IdentityStore,
        store: ConversationStore,
        catalog: Catalog,
        now: Callable[[], datetime],
    ) -> None:
        self._outbox = outbox
        self._identities = identities
        self._store = store
        self._catalog = catalog
        self._now = now

    async def notify(
        self,
        customer_id: UUID,
        key: str,
        *,
        values: Mapping[str, Any] | None = None,
        money: Mapping[str, tuple[int, str]] | None = None,
        localized: Mapping[str, str] | None = None,
        buttons: tuple[tuple[str, str], ...] = (),
        dedupe: str | None = None,
    ) -> int:
        """Send ``key`` to each of the customer's conversations; how many it went to.

        ``money`` values are formatted per language; ``localized`` values are message keys
        whose text (in each conversation's language) fills the placeholder."""
        sent = 0
        for channel, user in await self._identities.identities_of(customer_id):
            state = await self._store.load(channel, user) or {}
            if key in OPTIONAL and state.get("notifications") is False:
                continue
            language = str(state.get("language", "en"))
            filled: dict[str, Any] = dict(values or {})
            for name, (minor, currency) in (money or {}).items():
                filled[name] = FILTERS["money"]({"minor": minor, "currency": currency}, language)
            for name, message in (localized or {}).items():
                filled[name] = self._catalog.text(language, message)
            text = self._catalog.text(language, key, **filled)
            reply = (
                Buttons(
                    text,
                    tuple(Button(self._catalog.text(language, t), p) for t, p in buttons),
                )
                if buttons
                else Text(text)
            )
            once = None if dedupe is None else f"{dedupe}:{channel}:{user}"
            if await self._outbox.add(channel, user, [reply_to_dict(reply)], dedupe=once):
                sent += 1
        return sent
