"""The ledger store straight on asyncpg: PostgreSQL's hot path.

Same contract as ``SqlStore`` (the same suites run on both), with the statements written
out and prepared once per connection by asyncpg, and folded so that a transfer costs two
round trips between BEGIN and COMMIT:

1. the idempotency key's claim and the account locks (:data:`_CLAIM_AND_LOCK`);
2. the entry's writes — balances, entry, postings, event — and the command's audit record
   (:data:`_ENTRY_AND_AUDIT`). ``write_entry`` keeps its statement pending and the next
   call sends it: ``append_audit`` merged with its own, any other call (or the end of the
   transaction, see ``core.ledger.store.open_store``) on its own before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from core.audit.chain import AuditRecord, canonical_parts, chain_of
from core.idempotency import Claim, earlier, validate_key
from core.ledger.errors import AccountNotFound, EntryNotFound, HoldNotFound
from core.ledger.model import AccountState, AccountStatus, EntryKind, HoldStatus
from core.ledger.store import NewEntry
from core.ledger.views import EntryView, HoldView, PostingView

_CLAIM = """
INSERT INTO idempotency_keys (scope, key, fingerprint, command, resource_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING key"""
_ACCOUNT_COLUMNS = "id, currency, status, balance, held, overdraft_limit, allow_negative, version"
# The claim and the account locks in one statement. The claim is taken first (the lateral
# subquery depends on its outcome), so a duplicate waits on the key, holding no account,
# exactly as when the two are separate statements; a key already used locks nothing.
_CLAIM_AND_LOCK = f"""
WITH claim AS (
    INSERT INTO idempotency_keys (scope, key, fingerprint, command, resource_id, created_at)
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true AS new
),
claimed AS (SELECT coalesce((SELECT new FROM claim), false) AS new)
SELECT claimed.new, a.* FROM claimed LEFT JOIN LATERAL (
    SELECT {_ACCOUNT_COLUMNS} FROM accounts
    WHERE id = ANY($7::uuid[]) AND claimed.new ORDER BY id FOR NO KEY UPDATE
) AS a ON true"""
_EARLIER = """
SELECT command, fingerprint, resource_id, response FROM idempotency_keys
WHERE scope = $1 AND key = $2"""
_KEEP = "UPDATE idempotency_keys SET response = $3::json WHERE scope = $1 AND key = $2"
_LOCK = f"""
SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ANY($1::uuid[]) ORDER BY id
FOR NO KEY UPDATE"""
_BALANCES = """
UPDATE accounts AS a SET balance = v.balance, held = v.held, version = v.version,
    updated_at = $1
FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[]) AS v(id, balance, held, version)
WHERE a.id = v.id"""
# Parent and children in one statement: the foreign keys are checked at its end, when the
# entry exists. Postings keep the order of the legs (their ids follow it).
_ENTRY_WRITES = f"""
balances AS ({_BALANCES}),
entry AS (
    INSERT INTO entries (id, kind, description, actor, reverses_entry_id, created_at)
    VALUES ($6, $7, $8, $9, $10, $1)
),
event AS (
    INSERT INTO events (type, aggregate_id, payload, occurred_at)
    VALUES ($11, $12, $13::json, $1)
),
posting AS (
    INSERT INTO postings (entry_id, account_id, amount, currency, balance_after,
        account_seq, created_at)
    SELECT $6, p.account_id, p.amount, p.currency, p.balance_after, p.account_seq, $1
    FROM unnest($14::uuid[], $15::bigint[], $16::text[], $17::bigint[], $18::bigint[])
        WITH ORDINALITY AS p(account_id, amount, currency, balance_after, account_seq, n)
    ORDER BY p.n
)"""
_ENTRY_PARAMS = 18
_ENTRY = f"WITH {_ENTRY_WRITES} SELECT 1"


def _audit_append(first: int) -> str:
    """Advance a chain's head and append a record to it, parameters from ``$first``.

    The hash is completed here, where the sequence number becomes known, from the parts
    of :func:`core.audit.chain.canonical_parts`: the same bytes Python hashes, so
    ``teller audit verify`` checks these records like any other. The SET expressions all
    read the head as it was, so ``prev_hash`` takes the hash being replaced.
    """
    p = [f"${first + i}" for i in range(9)]
    return f"""
head AS (
    UPDATE audit_head SET seq = seq + 1, prev_hash = hash,
        hash = encode(sha256(convert_to(
            hash || E'\\n' || {p[1]}::text || (seq + 1)::text || {p[2]}::text, 'UTF8')), 'hex')
    WHERE id = {p[0]} RETURNING seq, prev_hash, hash
)
INSERT INTO audit_log (chain, seq, at, actor, action, target, outcome, details,
    prev_hash, hash)
SELECT {p[0]}, seq, {p[3]}, {p[4]}, {p[5]}, {p[6]}, {p[7]}, {p[8]}::json, prev_hash, hash
FROM head RETURNING seq"""


_AUDIT = "WITH " + _audit_append(1)
# An entry and the audit record of the command that wrote it: one round trip. The chain's
# head is taken here, after the accounts (locked by an earlier statement): every
# transaction takes accounts before a head, so the two kinds of lock cannot deadlock.
_ENTRY_AND_AUDIT = f"WITH {_ENTRY_WRITES},{_audit_append(_ENTRY_PARAMS + 1)}"
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
_EVENT = """
INSERT INTO events (type, aggregate_id, payload, occurred_at) VALUES ($1, $2, $3::json, $4)"""


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
        # Accounts this transaction has locked, as it last wrote them: nobody else can
        # change a locked row, so asking again needs no round trip.
        self._locked: dict[UUID, AccountState] = {}
        self._pending: tuple[Any, ...] | None = None  # an entry's statement's arguments

    async def flush(self) -> None:
        """Send a pending entry's writes (before any other statement, and before commit)."""
        if self._pending is not None:
            args, self._pending = self._pending, None
            await self.pg.execute(_ENTRY, *args)

    async def claim_key(
        self,
        *,
        scope: str,
        key: str,
        command: str,
        fingerprint: str,
        resource_id: UUID,
        at: datetime,
        lock: Sequence[UUID] = (),
    ) -> Claim:
        validate_key(key)
        await self.flush()
        args = (scope, key, fingerprint, command, resource_id, at)
        if lock:
            rows = await self.pg.fetch(_CLAIM_AND_LOCK, *args, sorted(set(lock)))
            is_new = rows[0]["new"]
            if is_new:
                self._remember(rows)
        else:
            is_new = await self.pg.fetchval(_CLAIM, *args) is not None
        if is_new:
            return Claim(is_new=True, resource_id=resource_id)
        row = await self.pg.fetchrow(_EARLIER, scope, key)
        # Both pools install asyncpg's JSON codec: json comes back decoded.
        return earlier(
            row["command"],
            row["fingerprint"],
            row["resource_id"],
            row["response"],
            command=command,
            fingerprint_=fingerprint,
        )

    async def keep_response(self, *, scope: str, key: str, response: dict[str, Any]) -> None:
        await self.flush()
        await self.pg.execute(_KEEP, scope, key, _json(response))

    async def lock_accounts(self, ids: Iterable[UUID]) -> dict[UUID, AccountState]:
        wanted = sorted(set(ids))
        if all(account_id in self._locked for account_id in wanted):
            return {account_id: self._locked[account_id] for account_id in wanted}
        await self.flush()
        self._remember(await self.pg.fetch(_LOCK, wanted))
        for account_id in wanted:
            if account_id not in self._locked:
                raise AccountNotFound(account_id=str(account_id))
        return {account_id: self._locked[account_id] for account_id in wanted}

    def _remember(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for r in rows:
            if r["id"] is not None:  # the claim's outer join yields a row without account
                self._locked[r["id"]] = AccountState(
                    r["id"],
                    r["currency"],
                    AccountStatus(r["status"]),
                    r["balance"],
                    r["held"],
                    r["overdraft_limit"],
                    r["allow_negative"],
                    r["version"],
                )

    async def write_states(self, states: Sequence[AccountState], at: datetime) -> None:
        await self.flush()
        await self.pg.execute(_BALANCES, at, *_columns(states))
        self._locked.update((s.id, s) for s in states)

    async def write_entry(self, entry: NewEntry, at: datetime) -> EntryView:
        await self.flush()
        legs = entry.legs
        self._pending = (
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
        self._locked.update((s.id, s) for s in entry.states)
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
        await self.flush()
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
        await self.flush()
        found: UUID | None = await self.pg.fetchval(_REVERSAL_OF, entry_id)
        return found

    async def find_hold(self, hold_id: UUID, *, lock: bool = False) -> HoldView:
        await self.flush()
        row = await self.pg.fetchrow(_FIND_HOLD + (" FOR NO KEY UPDATE" if lock else ""), hold_id)
        if row is None:
            raise HoldNotFound(hold_id=str(hold_id))
        return _hold(row)

    async def insert_hold(self, view: HoldView) -> None:
        await self.flush()
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
        await self.flush()
        row = await self.pg.fetchrow(
            _FINISH_HOLD, hold_id, status.value, posted_amount, entry_id, at
        )
        return _hold(row)

    async def record_event(
        self, type_: str, aggregate_id: object, payload: dict[str, Any], at: datetime
    ) -> None:
        await self.flush()
        await self.pg.execute(_EVENT, type_, str(aggregate_id), _json(payload), at)

    async def append_audit(self, record: AuditRecord) -> int:
        prefix, suffix = canonical_parts(record)
        audit = (
            chain_of(record.target),
            prefix,
            suffix,
            record.at,
            record.actor,
            record.action,
            record.target,
            record.outcome,
            _json(record.details),
        )
        if self._pending is not None:
            entry, self._pending = self._pending, None
            seq = await self.pg.fetchval(_ENTRY_AND_AUDIT, *entry, *audit)
        else:
            seq = await self.pg.fetchval(_AUDIT, *audit)
        return int(seq)


def _columns(states: Sequence[AccountState]) -> tuple[list[UUID], list[int], list[int], list[int]]:
    return (
        [s.id for s in states],
        [s.balance for s in states],
        [s.held for s in states],
        [s.version for s in states],
    )
