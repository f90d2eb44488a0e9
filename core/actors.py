"""Who performs a command: recorded in the audit log and scoping idempotency keys."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    API_CLIENT = "api"
    STAFF = "staff"
    CUSTOMER = "customer"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


SYSTEM = Actor(ActorKind.SYSTEM, "teller")
