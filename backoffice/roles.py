"""Staff roles. Each page and action names the roles that may use it; ``admin`` is not a
wildcard (an admin does not read KYC documents or answer chats by being admin)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"  # answers escalated conversations
    KYC_REVIEWER = "kyc_reviewer"  # decides identity applications in manual review
    MARKETER = "marketer"  # referral and partner programs, flow texts
    RISK_OFFICER = "risk_officer"  # held transactions, risk rule thresholds
    ADMIN = "admin"  # switches, FX, fees and limits, staff accounts
    AUDITOR = "auditor"  # reads the audit log; changes nothing


ALL_ROLES = frozenset(Role)


def parse_roles(values: str | list[str]) -> frozenset[Role]:
    """Roles from a comma-separated string or a list; unknown names raise ValueError."""
    items = values.split(",") if isinstance(values, str) else values
    return frozenset(Role(v.strip()) for v in items if v.strip())
