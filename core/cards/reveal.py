"""The only ways a card's data leaves the vault: the one-time reveal, and the masked
recipient and bank details other areas and customers may see."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import insert, select, update

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.cards import repository as repo
from core.cards.base import CardCommands
from core.cards.errors import (
    CardBlocked,
    CardNotFound,
    RevealTokenExpired,
    RevealTokenNotFound,
    RevealTokenUsed,
)
from core.cards.model import CardStatus, masked_name, normalize_card_number
from core.cards.tables import card_reveals
from core.cards.vault import new_reveal_token, reveal_token_hash
from core.cards.views import BankDetails, CardDetails, CardRecipient, RevealToken
from core.errors import CoreError
from core.ledger.errors import AccountNotFound
from core.ledger.model import AccountKind

_MAX_TOKEN = 128


class RevealMixin(CardCommands):
    """Reveal tokens, the reveal, lookups by number, bank details."""

    async def create_reveal(self, card_id: UUID, actor: Actor) -> RevealToken:
        """A single-use token that shows the card's number and CVV once, for a few
        minutes; only its hash is stored. Refused for a blocked card."""
        ctx = self._ctx
        now = ctx.clock.now()
        target = f"card:{card_id}"
        token, token_hash = new_reveal_token()
        expires_at = now + ctx.config.reveal_ttl
        try:
            async with ctx.db.transaction() as conn:
                row = await repo.find_card(conn, card_id)
                if row.status == CardStatus.BLOCKED.value:
                    raise CardBlocked(card_id=str(card_id))
                await conn.execute(
                    insert(card_reveals).values(
                        token_hash=token_hash,
                        card_id=card_id,
                        expires_at=expires_at,
                        used_at=None,
                        created_at=now,
                    )
                )
                details = {"expires_at": expires_at.isoformat()}
                await record(conn, now, actor, "create_card_reveal", target, details)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "create_card_reveal", target, exc)
            raise
        return RevealToken(token, card_id, expires_at)

    async def reveal(self, token: str, actor: Actor) -> CardDetails:
        """The card's number, expiry, CVV and holder, once per token.

        ``REVEAL_TOKEN_NOT_FOUND`` for a token never issued, ``REVEAL_TOKEN_USED`` the
        second time, ``REVEAL_TOKEN_EXPIRED`` after its minutes, ``CARD_BLOCKED`` if the
        card was blocked meanwhile.
        """
        ctx = self._ctx
        now = ctx.clock.now()
        target = "card:unknown"
        try:
            if not isinstance(token, str) or not 0 < len(token) <= _MAX_TOKEN:
                raise RevealTokenNotFound()
            token_hash = reveal_token_hash(token)
            async with ctx.db.transaction() as conn:
                found = (
                    await conn.execute(
                        select(card_reveals)
                        .where(card_reveals.c.token_hash == token_hash)
                        .with_for_update()
                    )
                ).one_or_none()
                if found is None:
                    raise RevealTokenNotFound()
                target = f"card:{found.card_id}"
                if found.used_at is not None:
                    raise RevealTokenUsed(card_id=str(found.card_id))
                if now >= found.expires_at:
                    raise RevealTokenExpired(card_id=str(found.card_id))
                row = await repo.find_card(conn, found.card_id)
                if row.status == CardStatus.BLOCKED.value:
                    raise CardBlocked(card_id=str(row.id))
                await conn.execute(
                    update(card_reveals)
                    .where(card_reveals.c.token_hash == token_hash)
                    .values(used_at=now)
                )
                await record(conn, now, actor, "reveal_card", target)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "reveal_card", target, exc)
            raise
        number = ctx.vault.open(row.number_enc)
        expiry = repo.expiry_of(row)
        holder = (await ctx.customers.get(row.customer_id)).full_name
        return CardDetails(row.id, number, expiry, ctx.vault.cvv(number, expiry), holder)

    async def resolve_number(self, number: str) -> CardRecipient:
        """Whose Teller card ``number`` is, for a transfer to it: card, account, customer,
        the holder's masked name and the last four digits.

        ``INVALID_CARD_NUMBER`` for a number that fails the Luhn check; ``CARD_NOT_FOUND``
        for a number that is not a card of this bank, or one blocked or expired (which
        take no money). The number is found through its keyed hash, never by decrypting.
        """
        ctx = self._ctx
        index = ctx.vault.index(normalize_card_number(number))
        async with ctx.db.read() as conn:
            row = await repo.find_by_index(conn, index)
        if (
            row is None
            or row.status == CardStatus.BLOCKED.value
            or repo.expiry_of(row).passed(ctx.clock.now())
        ):
            raise CardNotFound()
        customer = await ctx.customers.get(row.customer_id)
        return CardRecipient(
            card_id=row.id,
            account_id=row.account_id,
            customer_id=row.customer_id,
            holder_name=masked_name(customer.full_name),
            last4=row.last4,
            currency=row.currency,
        )

    async def bank_details(self, account_id: UUID) -> BankDetails:
        """What another bank needs to pay into a customer's account: holder, IBAN, BIC."""
        ctx = self._ctx
        account = await ctx.accounts.get(account_id)
        if account.kind is not AccountKind.CUSTOMER or account.customer_id is None:
            raise AccountNotFound(account_id=str(account_id))
        customer = await ctx.customers.get(account.customer_id)
        return BankDetails(
            account_id=account.id,
            holder_name=customer.full_name,
            iban=account.number,
            bic=ctx.config.bic,
            bank_name=ctx.config.bank_name,
            currency=account.currency,
        )
