"""The receipts part of the ``BankAPI`` contract: a sealed code reads back as the facts
it was sealed with, on both banks; a forged or altered one is refused the same way."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from integrations.bank import BankAPI, InvalidRequest, ReceiptFacts, ReceiptKind

FACTS = ReceiptFacts(
    reference="TR-2026-000123",
    kind=ReceiptKind.TRANSFER,
    amount_minor=5_000,
    currency="EUR",
    at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
)


async def test_a_sealed_receipt_reads_back_as_its_facts(bank_api: BankAPI) -> None:
    code = await bank_api.seal_receipt(FACTS)
    assert code == await bank_api.seal_receipt(FACTS)  # sealing is a pure function
    assert await bank_api.verify_receipt(code) == FACTS


async def test_an_altered_receipt_is_not_genuine(bank_api: BankAPI) -> None:
    code = await bank_api.seal_receipt(FACTS)
    other = await bank_api.seal_receipt(replace(FACTS, amount_minor=500_000))
    payload, mac = code.split(".")
    for forged in (other.split(".")[0] + "." + mac, payload + "." + "0" * len(mac), "junk"):
        with pytest.raises(InvalidRequest) as refused:
            await bank_api.verify_receipt(forged)
        assert refused.value.code == "RECEIPT_NOT_GENUINE"


@pytest.mark.parametrize(
    "changes",
    [{"reference": ""}, {"amount_minor": 0}, {"currency": "XYZ"}, {"at": datetime(2026, 3, 2)}],  # noqa: DTZ001
)
async def test_facts_that_cannot_be_true_are_not_sealed(
    bank_api: BankAPI, changes: dict[str, object]
) -> None:
    with pytest.raises(InvalidRequest):
        await bank_api.seal_receipt(replace(FACTS, **changes))  # type: ignore[arg-type]


async def test_anyone_may_check_a_receipt_without_an_api_key(
    app: object, bank_api: BankAPI
) -> None:
    code = await bank_api.seal_receipt(FACTS)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://teller") as client:
        good = await client.get("/api/v1/receipts/verify", params={"code": code})
        bad = await client.get("/api/v1/receipts/verify", params={"code": code[:-1] + "x"})
    assert good.status_code == 200
    assert good.json()["genuine"] is True
    assert good.json()["amount_minor"] == 5_000
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["code"] == "RECEIPT_NOT_GENUINE"
