"""``/metrics``: request counts by route template, queue depths, an optional token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from core.actors import SYSTEM
from core.bank import Bank
from core.ledger.commands import PlaceHold
from teller.app import create_app
from teller.settings import Settings
from teller.wiring import Container
from tests.integration.helpers import funded_account


async def test_requests_are_counted_by_route_template_never_by_raw_path(
    http: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    customer = "00000000-0000-4000-8000-000000000001"
    await http.get(f"/api/v1/customers/{customer}", headers=admin_headers)
    await http.get("/healthz")
    body = (await http.get("/metrics")).text
    assert (
        'teller_http_requests_total{method="GET",route="/api/v1/customers/{customer_id}",'
        'status="404"} 1.0' in body
    )
    assert 'route="/healthz",status="200"} 1.0' in body
    assert customer not in body


async def test_pending_holds_and_jobs_are_reported(http: httpx.AsyncClient, bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    await bank.ledger.place_hold(PlaceHold("h", a.id, b.id, 100, "EUR"), SYSTEM)
    body = (await http.get("/metrics")).text
    assert "teller_holds_pending 1.0" in body
    assert 'teller_jobs{status="dead"} 0.0' in body


@pytest.fixture
def guarded(tmp_path: Path, bank: Bank, app: FastAPI) -> FastAPI:
    settings = Settings(data_dir=tmp_path, metrics_token="s3cret-token")
    container: Container = app.state.container
    guarded_container = Container(
        settings, bank.db, bank, container.api_keys, container.authenticator
    )
    return create_app(settings, run_jobs=False, container=guarded_container)


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 401), ("Bearer wrong", 401), ("Bearer s3cret-token", 200)],
)
async def test_a_metrics_token_keeps_others_out(
    guarded: FastAPI, header: str | None, status: int
) -> None:
    transport = httpx.ASGITransport(app=guarded)
    async with httpx.AsyncClient(transport=transport, base_url="http://teller.test") as client:
        headers = {"Authorization": header} if header else {}
        assert (await client.get("/metrics", headers=headers)).status_code == status
