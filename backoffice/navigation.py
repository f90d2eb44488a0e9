"""The back office's sections and who sees them. A section's routes check the same roles
(``require``); the menu only hides what a role could not open anyway."""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.roles import Role


@dataclass(frozen=True, slots=True)
class Section:
    key: str  # text key nav.<key>
    href: str
    roles: frozenset[Role]


SECTIONS = (
    Section("inbox", "/backoffice/inbox", frozenset({Role.AGENT})),
    Section("kyc", "/backoffice/kyc", frozenset({Role.KYC_REVIEWER})),
    Section("marketing", "/backoffice/marketing", frozenset({Role.MARKETER})),
    Section("risk", "/backoffice/risk", frozenset({Role.RISK_OFFICER})),
    Section("settings", "/backoffice/settings", frozenset({Role.ADMIN})),
    Section("staff", "/backoffice/staff", frozenset({Role.ADMIN})),
    Section("audit", "/backoffice/audit", frozenset({Role.AUDITOR, Role.ADMIN})),
)


def sections_for(roles: frozenset[Role]) -> list[Section]:
    return [s for s in SECTIONS if s.roles & roles]
