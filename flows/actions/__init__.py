"""Every action flows can ``call``; importing this package registers them all."""

from flows.actions import (  # noqa: F401  (imported for their registrations)
    accounts,
    auth,
    bills,
    cards,
    conversation,
    exchange,
    kyc_documents,
    onboarding,
    referrals,
    settings,
    topup,
    transfers,
)
from flows.actions.registry import ACTIONS, Outcome, action

__all__ = ["ACTIONS", "Outcome", "action"]
