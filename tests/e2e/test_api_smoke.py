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


async def test_registration_with_a_key_is_idempotent(
    http: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "reg-42"}
    body = {"full_name": "Olena Kovalenko", "language": "uk"}
    first = await http.post("/api/v1/customers", json=body, headers=headers)
    again = await http.post("/api/v1/customers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    other = await http.post(
        "/api/v1/customers", json={**body, "full_name": "Other"}, headers=headers
    )
    assert other.json()["code"] == "IDEMPOTENCY_CONFLICT"
    path = f"/api/v1/customers/{first.json()['id']}/accounts"
    opened = [
        await http.post(
            path, json={"currency": "EUR"}, headers={**admin_headers, "Idempotency-Key": "acc-42"}
        )
        for _ in range(2)
    ]
    assert opened[0].json()["id"] == opened[1].json()["id"]
    listed = await http.get(path, headers=admin_headers)
    assert len(listed.json()) == 1
