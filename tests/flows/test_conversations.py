"""Every conversation in tests/conversations/*.yaml, on both databases."""

from __future__ import annotations

import pytest

from tests.flows.conftest import Teller
from tests.flows.conversation_runner import Case, cases, run

# The bank with every outside system simulated (acquirer, billers, FX rates), so that every
# flow can be written as a YAML conversation.
from tests.flows.money_support import acquirer, bank, gateway

__all__ = ["acquirer", "bank", "gateway"]


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.id)
async def test_conversation(teller: Teller, case: Case) -> None:
    await run(teller, case)
