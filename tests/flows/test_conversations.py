"""Every conversation in tests/conversations/*.yaml, on both databases."""

from __future__ import annotations

import pytest

from tests.flows.conftest import Teller
from tests.flows.conversation_runner import Case, cases, run


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.id)
async def test_conversation(teller: Teller, case: Case) -> None:
    await run(teller, case)
