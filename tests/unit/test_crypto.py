"""Encryption of personal data at rest: core.crypto.Keyring."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.crypto import NONCE_SIZE, DecryptionError, Keyring

OLD_KEY = bytes(range(32))
NEW_KEY = bytes(range(100, 132))
INDEX_KEY = bytes(range(200, 232))
OTHER_INDEX_KEY = bytes(range(1, 33))
URLSAFE_ONLY_KEY = b"\xfb" * 32  # url-safe base64 gives "-_v7...", which standard base64 rejects
CONTEXT = "customer.full_name"

KEYRING = Keyring({"k1": OLD_KEY}, "k1", INDEX_KEY)
ROTATED = Keyring({"k2": NEW_KEY, "k1": OLD_KEY}, "k2", INDEX_KEY)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def key_spellings(key: bytes) -> list[str]:
    """Ways a key could leak into text: hex, base64 (both alphabets) and its bytes repr."""
    return [
        key.hex(),
        b64(key),
        base64.urlsafe_b64encode(key).decode("ascii"),
        repr(key),
    ]


def reencode(token: str, blob: bytes) -> str:
    prefix, _, _ = token.rpartition(".")
    return f"{prefix}.{base64.urlsafe_b64encode(blob).rstrip(b'=').decode('ascii')}"


def blob_of(token: str) -> bytes:
    payload = token.rpartition(".")[2]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))


# --- encryption -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext",
    ["Ivan Petrenko", "Іван Петренко", "Григорий 🦊💸👨‍👩‍👧", ""],
    ids=["ascii", "cyrillic", "emoji", "empty"],
)
def test_encrypted_value_decrypts_to_the_original(plaintext: str) -> None:
    token = KEYRING.encrypt(plaintext, context=CONTEXT)

    assert KEYRING.decrypt(token, context=CONTEXT) == plaintext


def test_token_is_versioned_ascii_with_the_active_key_id_and_no_padding() -> None:
    token = ROTATED.encrypt("Іван 🦊", context=CONTEXT)

    assert token.isascii()
    assert re.fullmatch(r"v1\.k2\.[A-Za-z0-9_-]+", token)


def test_encrypting_the_same_value_twice_gives_different_tokens() -> None:
    first = KEYRING.encrypt("same", context=CONTEXT)
    second = KEYRING.encrypt("same", context=CONTEXT)

    assert first != second
    assert blob_of(first)[:NONCE_SIZE] != blob_of(second)[:NONCE_SIZE]


def test_token_for_one_field_does_not_decrypt_in_another() -> None:
    token = KEYRING.encrypt("+380501234567", context="customer.phone")

    with pytest.raises(DecryptionError):
        KEYRING.decrypt(token, context="customer.full_name")


@pytest.mark.parametrize("position", [0, NONCE_SIZE, -1], ids=["nonce", "ciphertext", "tag"])
def test_tampered_token_does_not_decrypt(position: int) -> None:
    token = KEYRING.encrypt("Ivan Petrenko", context=CONTEXT)
    blob = bytearray(blob_of(token))
    blob[position] ^= 0x01

    with pytest.raises(DecryptionError, match="authentication failed"):
        KEYRING.decrypt(reencode(token, bytes(blob)), context=CONTEXT)


def test_truncated_token_does_not_decrypt() -> None:
    token = KEYRING.encrypt("Ivan Petrenko", context=CONTEXT)

    with pytest.raises(DecryptionError):
        KEYRING.decrypt(reencode(token, blob_of(token)[:-1]), context=CONTEXT)


def test_token_with_an_unknown_key_id_does_not_decrypt() -> None:
    token = ROTATED.encrypt("Ivan Petrenko", context=CONTEXT)

    with pytest.raises(DecryptionError, match="unknown key id"):
        KEYRING.decrypt(token, context=CONTEXT)


def test_token_relabelled_with_another_key_id_does_not_decrypt() -> None:
    token = ROTATED.encrypt("Ivan Petrenko", context=CONTEXT)

    with pytest.raises(DecryptionError):
        ROTATED.decrypt(token.replace("v1.k2.", "v1.k1.", 1), context=CONTEXT)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1",
        "v1.k1",
        "v1.k1.",
        "v1..AAAA",
        "v2.k1." + "A" * 40,
        "v1.k1." + "A" * 40 + "=",
        "v1.k1." + "A" * 39 + "+",
        "v1.k1." + "A" * 37,  # a length no base64 text can have
        "v1.k1." + "A" * 36,  # 27 bytes: shorter than nonce + tag
        "v1.k1." + "A" * 38 + "B",  # non-canonical: trailing bits set
        "v1.k1.AAAA.AAAA",
        " v1.k1." + "A" * 40,
        "v1.k1." + "A" * 40 + "\n",
        "v1.ключ." + "A" * 40,
        "v1." + "k" * 33 + "." + "A" * 40,
    ],
)
def test_malformed_token_does_not_decrypt(token: str) -> None:
    with pytest.raises(DecryptionError, match="malformed token"):
        KEYRING.decrypt(token, context=CONTEXT)


def test_decryption_error_shows_neither_token_nor_plaintext() -> None:
    token = KEYRING.encrypt("Ivan Petrenko", context="customer.phone")

    with pytest.raises(DecryptionError) as caught:
        KEYRING.decrypt(token, context=CONTEXT)

    message = str(caught.value)
    assert token.rpartition(".")[2] not in message
    assert "Ivan" not in message
    assert caught.value.code == "DECRYPTION_FAILED"


@pytest.mark.parametrize("context", ["", "customer\x00phone"])
def test_context_must_be_non_empty_without_nul(context: str) -> None:
    token = KEYRING.encrypt("x", context=CONTEXT)

    with pytest.raises(ValueError, match="context"):
        KEYRING.encrypt("x", context=context)
    with pytest.raises(ValueError, match="context"):
        KEYRING.decrypt(token, context=context)
    with pytest.raises(ValueError, match="context"):
        KEYRING.blind_index("x", context=context)


@given(
    plaintext=st.text(),
    context=st.text(min_size=1).filter(lambda text: "\x00" not in text),
)
def test_any_text_round_trips_in_any_context(plaintext: str, context: str) -> None:
    token = ROTATED.encrypt(plaintext, context=context)

    assert token.isascii()
    assert ROTATED.decrypt(token, context=context) == plaintext


# --- rotation ---------------------------------------------------------------------------------


def test_old_token_decrypts_after_a_new_active_key_is_added() -> None:
    token = KEYRING.encrypt("Ivan Petrenko", context=CONTEXT)

    assert ROTATED.active == "k2"
    assert ROTATED.decrypt(token, context=CONTEXT) == "Ivan Petrenko"


def test_rotate_moves_an_old_token_to_the_active_key() -> None:
    old = KEYRING.encrypt("Ivan Petrenko", context=CONTEXT)
    assert not KEYRING.needs_rotation(old)
    assert ROTATED.needs_rotation(old)

    new = ROTATED.rotate(old, context=CONTEXT)

    assert new.startswith("v1.k2.")
    assert not ROTATED.needs_rotation(new)
    assert ROTATED.decrypt(new, context=CONTEXT) == "Ivan Petrenko"
    assert Keyring({"k2": NEW_KEY}, "k2", INDEX_KEY).decrypt(new, context=CONTEXT) == (
        "Ivan Petrenko"
    )


def test_rotate_keeps_a_token_already_under_the_active_key() -> None:
    token = ROTATED.encrypt("Ivan Petrenko", context=CONTEXT)

    assert ROTATED.rotate(token, context=CONTEXT) == token


def test_rotate_refuses_a_token_it_cannot_decrypt() -> None:
    old = KEYRING.encrypt("Ivan Petrenko", context="customer.phone")

    with pytest.raises(DecryptionError):
        ROTATED.rotate(old, context=CONTEXT)


def test_token_under_an_unknown_key_needs_rotation_but_cannot_be_rotated() -> None:
    token = ROTATED.encrypt("Ivan Petrenko", context=CONTEXT)

    assert KEYRING.needs_rotation(token)
    with pytest.raises(DecryptionError, match="unknown key id"):
        KEYRING.rotate(token, context=CONTEXT)


def test_needs_rotation_rejects_a_malformed_token() -> None:
    with pytest.raises(DecryptionError, match="malformed token"):
        KEYRING.needs_rotation("not a token")


# --- blind index ------------------------------------------------------------------------------


def test_blind_index_is_the_documented_hmac() -> None:
    expected = hmac.new(INDEX_KEY, b"customer.phone\x00+380501234567", hashlib.sha256).hexdigest()

    assert KEYRING.blind_index("+380501234567", context="customer.phone") == expected


def test_blind_index_is_deterministic_and_independent_of_data_keys() -> None:
    first = KEYRING.blind_index("+380501234567", context="customer.phone")

    assert KEYRING.blind_index("+380501234567", context="customer.phone") == first
    assert ROTATED.blind_index("+380501234567", context="customer.phone") == first
    assert re.fullmatch(r"[0-9a-f]{64}", first)


def test_blind_index_differs_between_contexts() -> None:
    phone = KEYRING.blind_index("+380501234567", context="customer.phone")
    name = KEYRING.blind_index("+380501234567", context="customer.full_name")

    assert phone != name


def test_blind_index_differs_between_values() -> None:
    assert KEYRING.blind_index("+380501234567", context="customer.phone") != (
        KEYRING.blind_index("+380501234568", context="customer.phone")
    )


def test_blind_index_depends_on_the_index_key() -> None:
    other = Keyring({"k1": OLD_KEY}, "k1", OTHER_INDEX_KEY)

    assert other.blind_index("+380501234567", context="customer.phone") != (
        KEYRING.blind_index("+380501234567", context="customer.phone")
    )


# --- construction -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "active", "index_key", "message"),
    [
        ({}, "k1", INDEX_KEY, "at least one"),
        ({"k1": OLD_KEY[:16]}, "k1", INDEX_KEY, "32 bytes"),
        ({"k1": OLD_KEY + b"\x00"}, "k1", INDEX_KEY, "32 bytes"),
        ({"k1": OLD_KEY}, "k2", INDEX_KEY, "active"),
        ({"k.1": OLD_KEY}, "k.1", INDEX_KEY, "key id"),
        ({"": OLD_KEY}, "", INDEX_KEY, "key id"),
        ({"k" * 33: OLD_KEY}, "k" * 33, INDEX_KEY, "key id"),
        ({"k1": OLD_KEY}, "k1", INDEX_KEY[:31], "index key"),
        ({"k1": OLD_KEY}, "k1", OLD_KEY, "index key must differ"),
    ],
)
def test_invalid_keyring_is_refused_without_showing_keys(
    keys: dict[str, bytes], active: str, index_key: bytes, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        Keyring(keys, active, index_key)

    text = str(caught.value)
    for key in [OLD_KEY, OLD_KEY[:16], INDEX_KEY, INDEX_KEY[:31]]:
        for spelling in key_spellings(key):
            assert spelling not in text


def test_key_id_that_looks_like_a_key_is_not_echoed() -> None:
    misplaced = b64(NEW_KEY)

    with pytest.raises(ValueError, match="key id") as caught:
        Keyring({misplaced: OLD_KEY}, misplaced, INDEX_KEY)

    assert misplaced not in str(caught.value)


def test_repr_shows_key_ids_but_no_key_material() -> None:
    text = repr(ROTATED)

    assert text == "Keyring(active='k2', key_ids=('k2', 'k1'))"
    for key in [OLD_KEY, NEW_KEY, INDEX_KEY]:
        for spelling in key_spellings(key):
            assert spelling not in text
            assert spelling not in str(ROTATED)


# --- configuration spec -----------------------------------------------------------------------


def test_spec_makes_the_first_entry_the_active_key() -> None:
    spec = f"k2:{b64(NEW_KEY)}, k1:{b64(OLD_KEY)}"

    keyring = Keyring.parse_spec(spec, b64(INDEX_KEY))

    assert keyring.active == "k2"
    assert keyring.key_ids == ("k2", "k1")
    token = KEYRING.encrypt("Ivan Petrenko", context=CONTEXT)
    assert keyring.decrypt(token, context=CONTEXT) == "Ivan Petrenko"
    assert keyring.blind_index("x", context=CONTEXT) == KEYRING.blind_index("x", context=CONTEXT)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (f"k1:{b64(OLD_KEY)},", "#2"),
        (f"k1{b64(OLD_KEY)}", "#1 is not"),
        (f":{b64(OLD_KEY)}", "key id"),
        (f"k/1:{b64(OLD_KEY)}", "key id"),
        ("k1:not base64!", "base64"),
        (f"k1:{b64(OLD_KEY)[:-1]}", "base64"),
        (f"k1:{base64.urlsafe_b64encode(URLSAFE_ONLY_KEY).decode()}", "base64"),
        (f"k1:{b64(OLD_KEY[:16])}", "32 bytes"),
        (f"k1:{b64(OLD_KEY + b'!')}", "32 bytes"),
        (f"k1:{b64(OLD_KEY)},k1:{b64(NEW_KEY)}", "duplicate"),
    ],
)
def test_invalid_spec_is_refused_without_showing_keys(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        Keyring.parse_spec(spec, b64(INDEX_KEY))

    text = str(caught.value)
    for key in [OLD_KEY, NEW_KEY, OLD_KEY[:16], URLSAFE_ONLY_KEY]:
        for spelling in key_spellings(key):
            assert spelling not in text
    assert "not base64!" not in text


@pytest.mark.parametrize(
    ("index_key_b64", "message"),
    [("", "32 bytes"), ("%%%%", "base64"), (b64(INDEX_KEY[:31]), "32 bytes")],
)
def test_invalid_index_key_in_spec_is_refused(index_key_b64: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"index key.*{message}"):
        Keyring.parse_spec(f"k1:{b64(OLD_KEY)}", index_key_b64)


def test_generated_spec_parses_into_a_working_keyring() -> None:
    before = datetime.now(UTC)
    spec, index_key_b64 = Keyring.generate_spec()
    after = datetime.now(UTC)

    keyring = Keyring.parse_spec(spec, index_key_b64)

    today = {moment.strftime("k%Y%m%d") for moment in (before, after)}
    assert keyring.active in today
    assert keyring.key_ids == (keyring.active,)
    token = keyring.encrypt("Ivan Petrenko", context=CONTEXT)
    assert keyring.decrypt(token, context=CONTEXT) == "Ivan Petrenko"


def test_generated_specs_hold_fresh_keys() -> None:
    first_spec, first_index = Keyring.generate_spec()
    second_spec, second_index = Keyring.generate_spec()

    assert first_spec.partition(":")[2] != second_spec.partition(":")[2]
    assert first_index != second_index
    assert first_spec.partition(":")[2] != first_index


def test_generated_key_id_is_a_utc_date() -> None:
    spec, _ = Keyring.generate_spec()
    key_id = spec.partition(":")[0]

    parsed = datetime.strptime(key_id, "k%Y%m%d").replace(tzinfo=UTC)
    assert abs(parsed.date() - datetime.now(UTC).date()) <= timedelta(days=1)
