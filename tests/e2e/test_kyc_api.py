"""KYC through the core REST API: roles, uploads and their limits, staff decisions and
document reading, problem codes."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.actors import SYSTEM
from core.audit.log import recent
from core.bank import Bank
from core.crypto import Keyring
from core.kyc.files import MAX_DOCUMENT_BYTES
from core.persistence.database import Database
from tests.e2e.conftest import KeyFactory
from tests.fakes import MutableClock, run_jobs
from tests.kyc_support import Applicant, bank_with_kyc, selfie

API = "/api/v1"
JANA = Applicant()
DECLARED = {
    "given_names": "Jana",
    "surname": "Dvořáková",
    "date_of_birth": "1990-05-17",
    "nationality": "CZ",
    "document_kind": "passport",
    "document_number": JANA.number,
    "issuing_country": "CZE",
    "document_expiry": "2031-01-09",
}


@pytest.fixture
async def bank(database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path) -> Bank:
    built = bank_with_kyc(database, keyring, clock, tmp_path / "documents")
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


@pytest.fixture
async def agent(make_key: KeyFactory) -> dict[str, str]:
    return {"X-API-Key": await make_key("bank.customers", "bank.read")}


@pytest.fixture
async def staff(make_key: KeyFactory) -> dict[str, str]:
    return {"X-API-Key": await make_key("bank.admin")}


def upload(kind: str, content: bytes) -> dict[str, str]:
    return {"kind": kind, "content_base64": base64.b64encode(content).decode()}


async def application_for(
    http: httpx.AsyncClient, headers: dict[str, str], name: str = "Jana Dvořáková"
) -> dict[str, Any]:
    customer = await http.post(f"{API}/customers", json={"full_name": name}, headers=headers)
    started = await http.post(
        f"{API}/customers/{customer.json()['id']}/kyc/applications", headers=headers
    )
    assert started.status_code == 201, started.text
    body: dict[str, Any] = started.json()
    return body


async def submitted(
    http: httpx.AsyncClient, headers: dict[str, str], name: str = "Jana Dvořáková"
) -> str:
    application_id = str((await application_for(http, headers, name))["id"])
    path = f"{API}/kyc/applications/{application_id}"
    assert (await http.put(f"{path}/personal-data", json=DECLARED, headers=headers)).is_success
    for kind, content in (("passport", JANA.passport()), ("selfie", selfie())):
        r = await http.post(f"{path}/documents", json=upload(kind, content), headers=headers)
        assert r.status_code == 201, r.text
    assert (await http.post(f"{path}/submit", headers=headers)).is_success
    return application_id


async def test_an_agent_applies_and_staff_decide_a_review(
    http: httpx.AsyncClient, bank: Bank, agent: dict[str, str], staff: dict[str, str]
) -> None:
    application_id = await submitted(http, agent, name="Jena Dvorokava")
    await run_jobs(bank)
    path = f"{API}/kyc/applications/{application_id}"
    review = (await http.get(path, headers=agent)).json()
    assert (review["status"], review["reasons"]) == ("manual_review", ["NAME_MISMATCH"])
    assert [a["id"] for a in (await http.get(f"{API}/kyc/reviews", headers=staff)).json()] == [
        application_id
    ]

    refused = await http.post(
        f"{path}/decision", json={"decision": "verified", "reason": "ok"}, headers=agent
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN")
    decided = await http.post(
        f"{path}/decision",
        json={"decision": "verified", "reason": "Typo at registration"},
        headers=staff,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "verified"
    customer = (await http.get(f"{API}/customers/{review['customer_id']}", headers=agent)).json()
    assert customer["kyc_status"] == "verified"
    again = await http.post(
        f"{path}/decision", json={"decision": "rejected", "reason": "no"}, headers=staff
    )
    assert (again.status_code, again.json()["code"]) == (409, "KYC_NOT_IN_REVIEW")


async def test_staff_read_documents_and_personal_data_audited_and_agents_cannot(
    http: httpx.AsyncClient, bank: Bank, agent: dict[str, str], staff: dict[str, str]
) -> None:
    application_id = await submitted(http, agent)
    application = (
        await http.get(f"{API}/kyc/applications/{application_id}", headers=agent)
    ).json()
    passport = next(d for d in application["documents"] if d["kind"] == "passport")
    url = f"{API}/kyc/documents/{passport['id']}/content"
    assert (await http.get(url, headers=agent)).status_code == 403
    response = await http.get(url, headers=staff)
    assert response.status_code == 200
    assert response.content == JANA.passport()
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    data_url = f"{API}/kyc/applications/{application_id}/personal-data"
    assert (await http.get(data_url, headers=agent)).status_code == 403
    personal = (await http.get(data_url, headers=staff)).json()
    assert (personal["document_number"], personal["nationality"]) == (JANA.number, "CZE")
    async with bank.db.read() as conn:
        actions = [r.action for _, r in await recent(conn, limit=50)]
    assert "kyc_view_document" in actions
    assert "kyc_view_personal_data" in actions
    missing = await http.get(f"{API}/kyc/documents/{application_id}/content", headers=staff)
    assert (missing.status_code, missing.json()["code"]) == (404, "KYC_DOCUMENT_NOT_FOUND")


async def test_uploads_take_large_files_and_refuse_what_they_must(
    http: httpx.AsyncClient, agent: dict[str, str]
) -> None:
    application_id = (await application_for(http, agent))["id"]
    path = f"{API}/kyc/applications/{application_id}/documents"
    too_large = await http.post(
        path, json=upload("passport", b"\x00" * (MAX_DOCUMENT_BYTES + 1)), headers=agent
    )
    assert (too_large.status_code, too_large.json()["code"]) == (413, "KYC_DOCUMENT_TOO_LARGE")
    assert too_large.headers["content-type"] == "application/problem+json"
    far_too_large = await http.post(
        path, json=upload("passport", b"\x00" * (MAX_DOCUMENT_BYTES * 2)), headers=agent
    )
    assert (far_too_large.status_code, far_too_large.json()["code"]) == (
        413,
        "PAYLOAD_TOO_LARGE",
    )
    bad_base64 = await http.post(
        path, json={"kind": "passport", "content_base64": "not base64!"}, headers=agent
    )
    assert (bad_base64.status_code, bad_base64.json()["code"]) == (422, "VALIDATION_ERROR")
    gif = await http.post(path, json=upload("passport", b"GIF89a" + b"\0" * 99), headers=agent)
    assert (gif.status_code, gif.json()["code"]) == (415, "KYC_DOCUMENT_TYPE_NOT_ALLOWED")
    # Only this route takes large bodies: elsewhere the API's own limit stands.
    big = await http.post(f"{API}/customers", json={"full_name": "x" * 70_000}, headers=agent)
    assert (big.status_code, big.json()["code"]) == (413, "PAYLOAD_TOO_LARGE")


async def test_reading_applications_needs_a_role(
    http: httpx.AsyncClient, agent: dict[str, str], make_key: KeyFactory
) -> None:
    application_id = (await application_for(http, agent))["id"]
    reader = {"X-API-Key": await make_key("bank.read")}
    path = f"{API}/kyc/applications/{application_id}"
    assert (await http.get(path, headers=reader)).status_code == 200
    submit = await http.post(f"{path}/submit", headers=reader)
    assert (submit.status_code, submit.json()["code"]) == (403, "FORBIDDEN")
    assert (await http.get(path)).status_code == 401
