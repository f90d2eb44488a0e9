"""Customers: who they are, how to reach them, and how far their verification got."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from core.errors import ValidationFailed

LANGUAGES = ("en", "cs", "ru", "uk")
_PHONE = re.compile(r"\+[1-9]\d{7,14}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")


class KycStatus(StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class KycLevel(StrEnum):
    """How much the bank knows of a customer: drives limits and what they may open.

    ``NONE`` until identity documents are verified; ``FULL`` after. (A phone confirmed at
    onboarding does not raise the level: it proves a number, not a person.)
    """

    NONE = "none"
    FULL = "full"


def kyc_level(status: KycStatus) -> KycLevel:
    return KycLevel.FULL if status is KycStatus.VERIFIED else KycLevel.NONE


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: UUID
    full_name: str
    phone: str | None
    email: str | None
    language: str
    kyc_status: KycStatus
    created_at: datetime

    @property
    def kyc_level(self) -> KycLevel:
        return kyc_level(self.kyc_status)


def normalize_phone(raw: str) -> str:
    """E.164: ``+`` and 8–15 digits; spaces, dashes, dots and brackets are dropped."""
    compact = re.sub(r"[\s\-().]", "", raw)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not _PHONE.fullmatch(compact):
        raise ValidationFailed(
            "a phone number in international form, like +420 601 234 567", field="phone"
        )
    return compact


def normalize_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise ValidationFailed("an e-mail address like name@example.com", field="email")
    return email


def validate_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > 120 or not name.isprintable():
        raise ValidationFailed("a name of 1 to 120 printable characters", field="full_name")
    return name


def validate_language(raw: str) -> str:
    if raw not in LANGUAGES:
        raise ValidationFailed(f"one of {', '.join(LANGUAGES)}", field="language")
    return raw
