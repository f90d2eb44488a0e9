"""Staff ask for more documents through the core REST API; the customer's side uploads and
submits again, and the application is back in the review queue (decision 0081)."""

from __future__ import annotations

import httpx

from core.bank import Bank
from tests.e2e.test_kyc_api import (  # noqa: F401  (fixtures: bank with KYC ports, keys)
    API,
    JANA,
    agent,
    bank,
    staff,
    submitted,
    upload,
)
from tests.fakes import MutableClock, run_jobs


async def test_staff_ask_for_documents_and_the_application_comes_back(
    http: httpx.AsyncClient,
    bank: Bank,  # noqa: F811
    clock: MutableClock,
    agent: dict[str, str],  # noqa: F811
    staff: dict[str, str],  # noqa: F811
) -> None:
    application_id = await submitted(http, agent, name="Jena Dvorokava")
    await run_jobs(bank)
    path = f"{API}/kyc/applications/{application_id}"
    ask = {"decision": "more_documents", "reason": "A sharper passport photo, please."}
    refused = await http.post(f"{path}/decision", json=ask, headers=agent)
    assert refused.status_code == 403
    asked = await http.post(f"{path}/decision", json=ask, headers=staff)
    assert asked.status_code == 200, asked.text
    assert (asked.json()["status"], asked.json()["decision"]) == (
        "more_documents",
        "more_documents",
    )
    assert (await http.get(f"{API}/kyc/reviews", headers=staff)).json() == []
    clock.advance(seconds=5)
    passport = upload("passport", JANA.passport())
    sent = await http.post(f"{path}/documents", json=passport, headers=agent)
    assert sent.status_code == 201, sent.text
    again = await http.post(f"{path}/submit", headers=agent)
    assert again.json()["status"] == "manual_review"
    assert [a["id"] for a in (await http.get(f"{API}/kyc/reviews", headers=staff)).json()] == [
        application_id
    ]
    bad_code = {"decision": "rejected", "reason": "no", "code": "not a code"}
    assert (await http.post(f"{path}/decision", json=bad_code, headers=staff)).status_code == 422
    rejected = {"decision": "rejected", "reason": "someone else", "code": "SELFIE_MISMATCH"}
    done = await http.post(f"{path}/decision", json=rejected, headers=staff)
    assert done.json()["status"] == "rejected"
