"""The audit chain's canonical form: one definition, whichever side completes the hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from core.audit.chain import AuditRecord, canonical, canonical_parts, chain_of, link_hash

_text = st.text(max_size=20)
_details = st.dictionaries(
    st.sampled_from(["seq", "target", "amount", "zzz", "Čáska", "a"]) | _text,
    st.none() | st.booleans() | st.integers() | _text,
    max_size=6,
)


def _sorted_dump(record: AuditRecord, seq: int) -> bytes:
    body: dict[str, Any] = {
        "seq": seq,
        "at": record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": record.actor,
        "action": record.action,
        "target": record.target,
        "outcome": record.outcome,
        "details": record.details,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@given(
    actor=_text,
    action=_text,
    target=_text,
    outcome=_text,
    details=_details,
    seq=st.integers(min_value=1, max_value=2**62),
)
def test_the_canonical_form_is_the_sorted_compact_json_of_the_record(
    actor: str, action: str, target: str, outcome: str, details: dict[str, Any], seq: int
) -> None:
    record = AuditRecord(
        datetime(2026, 3, 1, 12, 0, 1, 5, UTC), actor, action, target, outcome, details
    )
    assert canonical(record, seq) == _sorted_dump(record, seq)


def test_the_parts_surround_the_sequence_number() -> None:
    record = AuditRecord(
        datetime(2026, 3, 1, tzinfo=UTC), "system", "transfer", "account:x", "ok", {}
    )
    prefix, suffix = canonical_parts(record)
    assert (prefix + "42" + suffix).encode() == canonical(record, 42)


def test_a_link_covers_the_previous_hash_and_the_record() -> None:
    record = AuditRecord(
        datetime(2026, 3, 1, tzinfo=UTC), "system", "transfer", "t", "ok", {"a": 1}
    )
    expected = hashlib.sha256(b"0" * 64 + b"\n" + canonical(record, 1)).hexdigest()
    assert link_hash("0" * 64, record, 1) == expected


def test_a_target_always_joins_the_same_chain() -> None:
    assert chain_of("account:1") == chain_of("account:1")
    assert 0 <= chain_of("account:1") < 64
