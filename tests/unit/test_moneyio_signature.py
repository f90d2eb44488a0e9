"""Signature vectors for the acquirer's callbacks: HMAC-SHA256 over ``t.`` + raw body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.ports import CallbackRejected, PaymentNotice, PaymentOutcome
from integrations.acquirer import notices
from integrations.acquirer.signature import HEADER, header_of, sign, verify

SECRET = b"whsec_test_secret"
BODY = b'{"id":"evt_1","type":"payment.succeeded"}'
T = 1767225600  # 2026-01-01T00:00:00Z
NOW = datetime.fromtimestamp(T, UTC)
# Computed independently: printf '1767225600.<body>' | openssl dgst -sha256 -hmac <secret>
EXPECTED = "f8aebb99fb7fe32831c4ac9471686ddf2995a7c7bdf20a6f955654e048df7112"


def _reason(body: bytes, header: str | None, **kw: object) -> str:
    with pytest.raises(CallbackRejected) as caught:
        verify(body, header, [SECRET], kw.get("now", NOW))  # type: ignore[arg-type]
    return caught.value.reason


def test_signing_matches_an_independent_hmac_sha256_of_timestamp_dot_body() -> None:
    assert sign(BODY, SECRET, T) == f"t={T},v1={EXPECTED}"


def test_a_valid_signature_is_accepted() -> None:
    verify(BODY, f"t={T},v1={EXPECTED}", [SECRET], NOW)


def test_a_tampered_body_is_a_mismatch() -> None:
    assert _reason(BODY.replace(b"succeeded", b"failed"), sign(BODY, SECRET, T)) == "mismatch"


def test_a_wrong_secret_is_a_mismatch() -> None:
    assert _reason(BODY, sign(BODY, b"someone else's secret", T)) == "mismatch"


def test_a_changed_timestamp_is_a_mismatch() -> None:
    assert _reason(BODY, f"t={T + 1},v1={EXPECTED}") == "mismatch"


def test_a_missing_header_is_refused() -> None:
    assert _reason(BODY, None) == "missing"
    assert _reason(BODY, "") == "missing"


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"v1={EXPECTED}",  # no timestamp
        f"t={T}",  # no signature
        f"t=abc,v1={EXPECTED}",
        f"t={T},v1=xyz",
        f"t={T},t={T},v1={EXPECTED}",
        f"t={T},v1={EXPECTED.upper()}",
        "t=" + "9" * 2000,
    ],
)
def test_a_malformed_header_is_refused(header: str) -> None:
    assert _reason(BODY, header) == "malformed"


def test_a_genuine_but_old_callback_is_stale() -> None:
    later = NOW + timedelta(minutes=5, seconds=1)
    assert _reason(BODY, sign(BODY, SECRET, T), now=later) == "stale"


def test_a_callback_from_the_future_beyond_the_tolerance_is_stale() -> None:
    earlier = NOW - timedelta(minutes=6)
    assert _reason(BODY, sign(BODY, SECRET, T), now=earlier) == "stale"


def test_within_the_tolerance_is_accepted() -> None:
    verify(BODY, sign(BODY, SECRET, T), [SECRET], NOW + timedelta(minutes=4, seconds=59))


def test_any_of_several_signatures_and_secrets_may_match_during_a_rotation() -> None:
    old, new = b"old-secret", SECRET
    header = f"t={T},v1={'0' * 64},v1={EXPECTED},v0=ignored"
    verify(BODY, header, [old, new], NOW)


def test_the_header_is_found_whatever_its_case() -> None:
    assert header_of({HEADER.upper(): "x"}) == "x"
    assert header_of({"other": "y"}) is None


NOTICE = PaymentNotice(
    reference="8b0c6c36-0f7e-4a5c-9a53-1b6f3f0f5a11",
    acquirer_reference="cs_123",
    outcome=PaymentOutcome.SUCCEEDED,
    amount=2500,
    currency="EUR",
    card_last4="4242",
    card_brand="visa",
)


def test_a_notice_survives_its_round_trip_through_a_callback_body() -> None:
    assert notices.decode(notices.encode("evt_1", T, NOTICE)) == NOTICE


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"type":"payment.succeeded"}',
        b'{"type":"refund.created","data":{}}',
        b'{"type":"payment.succeeded","data":{"reference":"r","session":"s","amount":"5",'
        b'"currency":"EUR"}}',
        b'{"type":"payment.succeeded","data":{"reference":"r","session":"s","amount":-5,'
        b'"currency":"EUR"}}',
        b'{"type":"payment.failed","data":{"reference":"","session":"s","amount":5,'
        b'"currency":"EUR"}}',
        b"\xff\xfe",
    ],
)
def test_a_body_that_is_not_a_payment_notice_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the port's contract is ValueError
        notices.decode(body)
