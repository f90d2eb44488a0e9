import httpx


async def test_transfer_through_the_api(
    http: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    customer = (
        await http.post(
            "/api/v1/customers", json={"full_name": "Jan Novák"}, headers=admin_headers
        )
    ).json()
    a = (
        await http.post(
            f"/api/v1/customers/{customer['id']}/accounts",
            json={"currency": "EUR"},
            headers=admin_headers,
        )
    ).json()
    b = (
        await http.post(
            f"/api/v1/customers/{customer['id']}/accounts",
            json={"currency": "EUR"},
            headers=admin_headers,
        )
    ).json()
    r = await http.post(
        "/api/v1/deposits",
        json={"account_id": a["id"], "amount": "100.00", "currency": "EUR"},
        headers={**admin_headers, "Idempotency-Key": "d1"},
    )
    assert r.status_code == 201, r.text
    r = await http.post(
        "/api/v1/transfers",
        json={
            "source_account_id": a["id"],
            "destination_account_id": b["id"],
            "amount_minor": 2550,
            "currency": "EUR",
        },
        headers={**admin_headers, "Idempotency-Key": "t1"},
    )
    assert r.status_code == 201, r.text
    balance = (await http.get(f"/api/v1/accounts/{b['id']}/balance", headers=admin_headers)).json()
    assert balance["available_minor"] == 2550
