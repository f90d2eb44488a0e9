"""What only ``HttpBank`` can get wrong: credentials, roles and keeping the key secret."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from integrations.bank import AccessDenied
from integrations.bank.http import HttpBank
from tests.e2e.conftest import KeyFactory


async def test_a_wrong_api_key_is_access_denied(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with HttpBank("http://teller.test", "tlr_00000000_wrong", transport=transport) as bank:
        with pytest.raises(AccessDenied) as caught:
            await bank.register_customer("Jan Novák", "cs")
    assert caught.value.code == "INVALID_API_KEY"
    assert not caught.value.retryable


async def test_a_missing_role_is_access_denied(app: FastAPI, make_key: KeyFactory) -> None:
    key = await make_key("bank.read")
    transport = httpx.ASGITransport(app=app)
    async with HttpBank("http://teller.test", key, transport=transport) as bank:
        with pytest.raises(AccessDenied) as caught:
            await bank.register_customer("Jan Novák", "cs")
        assert caught.value.code == "FORBIDDEN"
        assert key not in repr(bank)
