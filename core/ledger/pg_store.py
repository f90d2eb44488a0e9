"""The ledger store straight on asyncpg: PostgreSQL's hot path.

Same contract as ``SqlStore`` (the same suites run on both), with the statements written
out and prepared once per connection by asyncpg, and an entry's writes — balances, entry,
postings, event — folded into one statement. A transfer is then five round trips: claim,
lock, write, and two for the audit chain (BEGIN and COMMIT aside).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from core.audit.chain import AuditRecord, chain_of, link_hash
from core.idempotency import Claim, earlier, validate_key
from core.ledger.errors import AccountNotFound, EntryNotFound, HoldNotFound
from core.ledger.model import AccountState, AccountStatus, BankPurpose, EntryKind, HoldStatus
from core.ledger.store import NewEntry
from core.ledger.views import EntryView, HoldView, PostingView

_CLAIM = """
INSERT INTO idempotency_keys (scope, key, fingerprint, command, resource_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING key"""
_EARLIER = """
SELECT command, fingerprint, resource_id, response FROM idempotency_keys
WHERE scope = $1 AND key = $2"""
_KEEP = "UPDATE idempotency_keys SET response = $3::json WHERE scope = $1 AND key = $2"
_LOCK = """
SELECT id, currency, status, balance, held, overdraft_limit, allow_negative, version
FROM accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"""
_BALANCES = """
UPDATE accounts AS a SET balance = v.balance, held = v.held, version = v.version,
    updated_at = $1
FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[]) AS v(id, balance, held, version)
WHERE a.id = v.id"""
# Parent and children in one statement: the foreign keys are checked at its end, when the
# entry exists. Postings keep the order of the legs (their ids follow it).
_ENTRY = f"""
WITH balances AS ({_BALANCES}),
entry AS (
    INSERT INTO entries (id, kind, description, actor, reverses_entry_id, created_at)
    VALUES ($6, $7, $8, $9, $10, $1)
),
event AS (
    INSERT INTO events (type, aggregate_id, payload, occurred_at)
    VALUES ($11, $12, $13::json, $1)
)
INSERT INTO postings (entry_id, account_id, amount, currency, balance_after, account_seq,
    created_at)
SELECT $6, p.account_id, p.amount, p.currency, p.balance_after, p.account_seq, $1
FROM unnest($14::uuid[], $15::bigint[], $16::text[], $17::bigint[], $18::bigint[])
    WITH ORDINALITY AS p(account_id, amount, currency, balance_after, account_seq, n)
ORDER BY p.n"""
_FIND_ENTRY = """
SELECT id, kind, description, created_at, reverses_entry_id FROM entries WHERE id = $1"""
_FIND_POSTINGS = """
SELECT account_id, amount, currency, balance_after FROM postings WHERE entry_id = $1
ORDER BY id"""
_REVERSAL_OF = "SELECT id FROM entries WHERE reverses_entry_id = $1"
_HOLD_COLUMNS = """id, account_id, counterparty_account_id, amount, currency, status,
    posted_amount, entry_id, description, expires_at, created_at"""
_FIND_HOLD = f"SELECT {_HOLD_COLUMNS} FROM holds WHERE id = $1"
_INSERT_HOLD = f"""
INSERT INTO holds ({_HOLD_COLUMNS}, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"""
_FINISH_HOLD = f"""
UPDATE holds SET status = $2, posted_amount = $3, entry_id = $4, updated_at = $5
WHERE id = $1 RETURNING {_HOLD_COLUMNS}"""
_BANK_ACCOUNT = "SELECT id FROM accounts WHERE purpose = $1 AND currency = $2"
_EVENT = """
INSERT INTO events (type, aggregate_id, payload, occurred_at) VALUES ($1, $2, $3::json, $4)"""
_AUDIT_HEAD = """
UPDATE audit_head SET seq = seq + 1 WHERE id = $1 RETURNING seq, hash"""
_AUDIT_APPEND = """
WITH record AS (
    INSERT INTO audit_log (chain, seq, at, actor, action, target, outcome, details,
        prev_hash, hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9, $10)
)
UPDATE audit_head SET hash = $10 WHERE id = $1"""


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _hold(row: Mapping[str, Any]) -> HoldView:
    return HoldView(
        id=row["id"],
        account_id=row["account_id"],
        counterparty_account_id=row["counterparty_account_id"],
        amount=row["amount"],
        currency=row["currency"],
        status=HoldStatus(row["status"]),
        posted_amount=row["posted_amount"],
        entry_id=row["entry_id"],
        description=row["description"],
        expires_at=row["expires_at"],
        created_at=row["created_at"],
    )


class PgStore:
    """:class:`core.ledger.store.LedgerStore` on an asyncpg connection in a transaction."""

    def __init__(self, pg: Any) -> None:  # asyncpg.Connection: asyncpg ships no types
        self.pg = pg

    async def claim_key(
        self,
        *,
        scope: str,
        key: str,
        command: str,
        fingerprint: str,
        resource_id: UUID,
        at: datetime,
    ) -> Claim:
        validate_key(key)
        if await self.pg.fetchval(_CLAIM, scope, key, fingerprint, command, resource_id, at):
            return Claim(is_new=True, resource_id=resource_id)
        row = await self.pg.fetchrow(_EARLIER, scope, key)
        # SQLAlchemy's pool installs asyncpg's JSON codec: json comes back decoded.
        return earlier(
            row["command"],
            row["fingerprint"],
            row["resource_id"],
            row["response"],
            command=command,
            fingerprint_=fingerprint,
        )

    async def keep_response(self, *, scope: str, key: str, response: dict[str, Any]) -> None:
        await self.pg.execute(_KEEP, scope, key, _json(response))

    async def lock_accounts(self, ids: Iterable[UUID]) -> dict[UUID, AccountState]:
        wanted = sorted(set(ids))
        rows = await self.pg.fetch(_LOCK, wanted)
        states = {
            r["id"]: AccountState(
                r["id"],
                r["currency"],
                AccountStatus(r["status"]),
                r["balance"],
                r["held"],
                r["overdraft_limit"],
                r["allow_negative"],
                r["version"],
            )
            for r in rows
        }
        for account_id in wanted:
            if account_id not in states:
                raise AccountNotFound(account_id=str(account_id))
        return states

    async def write_states(self, states: Sequence[AccountState], at: datetime) -> None:
        await self.pg.execute(_BALANCES, at, *_columns(states))

    async def write_entry(self, entry: NewEntry, at: datetime) -> EntryView:
        legs = entry.legs
        await self.pg.execute(
            _ENTRY,
            at,
            *_columns(entry.states),
            entry.entry_id,
            entry.kind.value,
            entry.description,
            entry.actor,
            entry.reverses,
            entry.event_type,
            str(entry.entry_id),
            _json(entry.event_payload),
            [leg.account_id for leg in legs],
            [leg.amount for leg in legs],
            [leg.currency for leg in legs],
            [leg.balance_after for leg in legs],
            [leg.account_seq for leg in legs],
        )
        return EntryView(
            id=entry.entry_id,
            kind=entry.kind,
            description=entry.description,
            created_at=at,
            postings=tuple(
                PostingView(leg.account_id, leg.amount, leg.currency, leg.balance_after)
                for leg in legs
            ),
            reverses_entry_id=entry.reverses,
        )

    async def find_entry(self, entry_id: UUID) -> EntryView:
        row = await self.pg.fetchrow(_FIND_ENTRY, entry_id)
        if row is None:
            raise EntryNotFound(entry_id=str(entry_id))
        rows = await self.pg.fetch(_FIND_POSTINGS, entry_id)
        return EntryView(
            id=row["id"],
            kind=EntryKind(row["kind"]),
            description=row["description"],
            created_at=row["created_at"],
            postings=tuple(
                PostingView(r["account_id"], r["amount"], r["currency"], r["balance_after"])
                for r in rows
            ),
            reverses_entry_id=row["reverses_entry_id"],
        )

    async def reversal_of(self, entry_id: UUID) -> UUID | None:
        found: UUID | None = await self.pg.fetchval(_REVERSAL_OF, entry_id)
        return found

    async def find_hold(self, hold_id: UUID, *, lock: bool = False) -> HoldView:
        row = await self.pg.fetchrow(_FIND_HOLD + (" FOR UPDATE" if lock else ""), hold_id)
        if row is None:
            raise HoldNotFound(hold_id=str(hold_id))
        return _hold(row)

    async def insert_hold(self, view: HoldView) -> None:
        await self.pg.execute(
            _INSERT_HOLD,
            view.id,
            view.account_id,
            view.counterparty_account_id,
            view.amount,
            view.currency,
            view.status.value,
            view.posted_amount,
            view.entry_id,
            view.description,
            view.expires_at,
            view.created_at,
        )

    async def finish_hold(
        self,
        hold_id: UUID,
        *,
        status: HoldStatus,
        at: datetime,
        posted_amount: int | None = None,
        entry_id: UUID | None = None,
    ) -> HoldView:
        row = await self.pg.fetchrow(
            _FINISH_HOLD, hold_id, status.value, posted_amount, entry_id, at
        )
        return _hold(row)

    async def bank_account(self, purpose: BankPurpose, currency: str) -> UUID | None:
        found: UUID | None = await self.pg.fetchval(_BANK_ACCOUNT, purpose.value, currency)
        return found

    async def record_event(
        self, type_: str, aggregate_id: object, payload: dict[str, Any], at: datetime
    ) -> None:
        await self.pg.execute(_EVENT, type_, str(aggregate_id), _json(payload), at)

    async def append_audit(self, record: AuditRecord) -> int:
        chain = chain_of(record.target)
        seq, prev_hash = await self.pg.fetchrow(_AUDIT_HEAD, chain)
        digest = link_hash(prev_hash, record, seq)
        await self.pg.execute(
            _AUDIT_APPEND,
            chain,
            seq,
            record.at,
            record.actor,
            record.action,
            record.target,
            record.outcome,
            _json(record.details),
            prev_hash,
            digest,
        )
        return int(seq)


def _columns(states: Sequence[AccountState]) -> tuple[list[UUID], list[int], list[int], list[int]]:
    return (
        [s.id for s in states],
        [s.balance for s in states],
        [s.held for s in states],
        [s.version for s in states],
    )
