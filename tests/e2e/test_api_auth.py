"""Who may call the core API: API keys, OpenID Connect bearer tokens, and roles.

Bearer tokens are minted here in Keycloak's shape and verified by the app against a
Keycloak-style JWKS endpoint served on loopback by a real HTTP server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from core.actors import Actor, ActorKind
from core.api import apikeys
from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator, OidcVerifier
from core.audit.chain import AuditRecord
from core.audit.log import recent
from core.bank import Bank
from core.errors import ValidationFailed
from core.ledger.model import BankPurpose
from core.persistence.tables import customers, holds
from teller.app import create_app
from teller.settings import Settings
from teller.wiring import Container
from tests.e2e.conftest import KeyFactory

API = "/api/v1"
JWKS_PATH = "/realms/teller/protocol/openid-connect/certs"
AUDIENCE = "teller-api"
KID = "teller-rs256-1"
STAFF = Actor(ActorKind.STAFF, "tests")


def problem(r: httpx.Response, status: int, code: str, case: object = None) -> dict[str, Any]:
    """Assert ``r`` is an RFC 9457 problem with ``status`` and ``code``; return its body."""
    about = f"{case!r}: {r.text}"
    assert r.status_code == status, about
    assert r.headers["content-type"] == "application/problem+json", about
    body: dict[str, Any] = r.json()
    assert body["code"] == code, about
    if status == 401:
        assert r.headers["www-authenticate"] == 'Bearer realm="teller"', about
    return body


async def audit(bank: Bank) -> list[AuditRecord]:
    async with bank.db.read() as conn:
        return [record for _, record in await recent(conn, limit=100)]


@dataclass(frozen=True)
class World:
    """What an admin set up: a customer with two funded EUR accounts and an empty one."""

    customer: str
    a: str
    b: str
    c: str
    entry: str  # a deposit of 5.00 into c, free to be reversed


@pytest.fixture
async def world(http: httpx.AsyncClient, admin_headers: dict[str, str]) -> World:
    async def post(path: str, body: object) -> dict[str, Any]:
        headers = {**admin_headers, "Idempotency-Key": str(uuid4())}
        r = await http.post(API + path, json=body, headers=headers)
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    customer = (await post("/customers", {"full_name": "Eva Svobodová"}))["id"]
    a, b, c = [
        (await post(f"/customers/{customer}/accounts", {"currency": "EUR"}))["id"]
        for _ in range(3)
    ]
    for account in (a, b):
        await post("/deposits", {"account_id": account, "amount_minor": 10_000, "currency": "EUR"})
    entry = await post("/deposits", {"account_id": c, "amount_minor": 500, "currency": "EUR"})
    return World(customer, a, b, c, entry["id"])


async def snapshot(bank: Bank, http: httpx.AsyncClient, admin: dict[str, str], w: World) -> object:
    """Everything the operations below could change."""
    report = await bank.verify_ledger()
    assert report.ok, report.problems
    async with bank.db.read() as conn:
        people = (await conn.execute(select(func.count()).select_from(customers))).scalar_one()
        held = (await conn.execute(select(func.count()).select_from(holds))).scalar_one()
    seen = [
        (await http.get(f"{API}{path}", headers=admin)).json()
        for path in (f"/accounts/{w.a}", f"/accounts/{w.b}", f"/accounts/{w.c}")
    ]
    seen.append((await http.get(f"{API}/customers/{w.customer}", headers=admin)).json())
    seen.append((await http.get(f"{API}/customers/{w.customer}/accounts", headers=admin)).json())
    return report.entries, report.postings, people, held, seen


def operations(w: World) -> dict[str, tuple[str, str, str, object]]:
    """Operation name → (role it needs, method, path, body), in an order that all succeed."""
    eur = {"amount_minor": 100, "currency": "EUR"}
    return {
        "read balance": ("bank.read", "GET", f"/accounts/{w.a}/balance", None),
        "read statement": ("bank.read", "GET", f"/accounts/{w.a}/statement", None),
        "read entry": ("bank.read", "GET", f"/entries/{w.entry}", None),
        "create customer": ("bank.customers", "POST", "/customers", {"full_name": "Petr"}),
        "open account": (
            "bank.customers",
            "POST",
            f"/customers/{w.customer}/accounts",
            {"currency": "EUR"},
        ),
        "set kyc": (
            "bank.customers",
            "PUT",
            f"/customers/{w.customer}/kyc",
            {"status": "pending"},
        ),
        "deposit": ("bank.cash", "POST", "/deposits", {"account_id": w.a, **eur}),
        "withdraw": ("bank.cash", "POST", "/withdrawals", {"account_id": w.a, **eur}),
        "transfer": (
            "bank.payments",
            "POST",
            "/transfers",
            {"source_account_id": w.a, "destination_account_id": w.b, **eur},
        ),
        "hold": (
            "bank.payments",
            "POST",
            "/holds",
            {"account_id": w.a, "counterparty_account_id": w.b, **eur},
        ),
        "reverse": ("bank.admin", "POST", f"/entries/{w.entry}/reversal", {"reason": "mistake"}),
        "overdraft": (
            "bank.admin",
            "PUT",
            f"/accounts/{w.b}/overdraft-limit",
            {"overdraft_limit_minor": 100},
        ),
        "freeze": ("bank.admin", "POST", f"/accounts/{w.b}/freeze", {"reason": "review"}),
    }


async def perform(
    http: httpx.AsyncClient, headers: dict[str, str], method: str, path: str, body: object
) -> httpx.Response:
    headers = {**headers, "Idempotency-Key": str(uuid4())}
    return await http.request(method, API + path, json=body, headers=headers)


# -- API keys --------------------------------------------------------------------------------


async def test_request_without_credentials_is_unauthenticated(
    http: httpx.AsyncClient, world: World
) -> None:
    for headers in (
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"X-API-Key": ""},
    ):
        for method, path in (
            ("GET", f"/customers/{world.customer}"),
            ("GET", f"/accounts/{world.a}/statement"),
            ("POST", "/deposits"),
        ):
            r = await http.request(method, API + path, headers=headers)
            problem(r, 401, "UNAUTHENTICATED", (headers, path))


async def test_credentials_are_checked_before_the_request_is_judged(
    http: httpx.AsyncClient, world: World
) -> None:
    """A stranger learns nothing from validation: no 422, no missing-key 400, no 404."""
    for headers in ({}, {"X-API-Key": "tlr_00000000_nope"}):
        r = await http.post(f"{API}/deposits", json={"amount": "abc"}, headers=headers)
        assert r.status_code == 401, r.text
        r = await http.get(f"{API}/customers/{uuid4()}", headers=headers)
        assert r.status_code == 401, r.text


async def test_unknown_or_malformed_api_key_is_invalid(
    http: httpx.AsyncClient, make_key: KeyFactory, world: World
) -> None:
    real = await make_key("bank.read")
    _, prefix, secret = real.split("_", 2)
    for key in (
        "nope",
        "tlr_",
        "tlr_deadbeef_" + "x" * 43,
        f"tlr_{prefix}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}",  # one char off
        f"tlr_{prefix}_",
        f"TLR_{prefix}_{secret}",
        real + " ",
    ):
        r = await http.get(f"{API}/accounts/{world.a}", headers={"X-API-Key": key})
        problem(r, 401, "INVALID_API_KEY", key)
    r = await http.get(f"{API}/accounts/{world.a}", headers={"X-API-Key": real})
    assert r.status_code == 200, r.text


async def test_revoked_api_key_is_refused_at_once(
    http: httpx.AsyncClient, api_keys: ApiKeys, world: World
) -> None:
    _, key = await api_keys.create("leaving-partner", ["bank.read"], STAFF)
    url = f"{API}/accounts/{world.a}"
    assert (await http.get(url, headers={"X-API-Key": key})).status_code == 200  # now cached
    assert await api_keys.revoke("leaving-partner", STAFF)
    problem(await http.get(url, headers={"X-API-Key": key}), 401, "INVALID_API_KEY")
    assert not await api_keys.revoke("leaving-partner", STAFF)


@pytest.mark.parametrize(
    "role", ["bank.read", "bank.customers", "bank.payments", "bank.cash", "bank.admin"]
)
async def test_each_role_may_do_its_own_operations_and_nothing_else(
    http: httpx.AsyncClient,
    bank: Bank,
    make_key: KeyFactory,
    admin_headers: dict[str, str],
    world: World,
    role: str,
) -> None:
    headers = {"X-API-Key": await make_key(role)}
    ops = operations(world)
    before = await snapshot(bank, http, admin_headers, world)
    for name, (needs, method, path, body) in ops.items():
        if role in (needs, "bank.admin"):
            continue
        r = await perform(http, headers, method, path, body)
        assert "needs the role " + needs in problem(r, 403, "FORBIDDEN", name)["title"]
    assert await snapshot(bank, http, admin_headers, world) == before
    for name, (needs, method, path, body) in ops.items():
        if role in (needs, "bank.admin"):
            r = await perform(http, headers, method, path, body)
            assert r.status_code in (200, 201), (name, r.text)


async def test_only_an_admin_may_take_money_out_of_the_bank_own_accounts(
    http: httpx.AsyncClient,
    bank: Bank,
    make_key: KeyFactory,
    admin_headers: dict[str, str],
    world: World,
) -> None:
    """The bank's accounts have no limit: paying out of one would create money."""
    payments = {"X-API-Key": await make_key("bank.payments", "bank.cash", "bank.read")}
    # Anyone who reads a deposit sees the settlement account it came from.
    entry = (await http.get(f"{API}/entries/{world.entry}", headers=payments)).json()
    settlement = next(p["account_id"] for p in entry["postings"] if p["amount_minor"] < 0)
    assert settlement == str(await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR"))
    fees = str(await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "EUR"))
    eur = {"amount_minor": 1_000_000, "currency": "EUR"}
    before = await snapshot(bank, http, admin_headers, world)
    for path, body in [
        ("/transfers", {"source_account_id": settlement, "destination_account_id": world.a}),
        ("/transfers", {"source_account_id": fees, "destination_account_id": world.a}),
        ("/holds", {"account_id": settlement, "counterparty_account_id": world.a}),
        ("/withdrawals", {"account_id": fees}),
    ]:
        r = await perform(http, payments, "POST", path, {**body, **eur})
        problem(r, 403, "FORBIDDEN", (path, body))
    assert await snapshot(bank, http, admin_headers, world) == before
    body = {"source_account_id": fees, "destination_account_id": world.a, **eur}
    r = await perform(http, admin_headers, "POST", "/transfers", body)
    assert r.status_code == 201, r.text  # a correction by an admin


async def test_customer_to_customer_money_needs_no_admin(
    http: httpx.AsyncClient, make_key: KeyFactory, world: World
) -> None:
    payments = {"X-API-Key": await make_key("bank.payments")}
    body = {"source_account_id": world.a, "destination_account_id": world.b}
    body = {**body, "amount": "1", "currency": "EUR"}
    r = await perform(http, payments, "POST", "/transfers", body)
    assert r.status_code == 201, r.text
    r = await perform(
        http, payments, "POST", "/transfers", {**body, "source_account_id": str(uuid4())}
    )
    problem(r, 404, "ACCOUNT_NOT_FOUND")  # not a 403: unknown accounts stay the ledger's call


async def test_idempotency_keys_belong_to_the_client_that_sent_them(
    http: httpx.AsyncClient, bank: Bank, make_key: KeyFactory, world: World
) -> None:
    body = {
        "source_account_id": world.a,
        "destination_account_id": world.b,
        "amount_minor": 100,
        "currency": "EUR",
    }
    ids = set()
    for key in (await make_key("bank.payments"), await make_key("bank.payments")):
        headers = {"X-API-Key": key, "Idempotency-Key": "order-42"}
        r = await http.post(f"{API}/transfers", json=body, headers=headers)
        assert r.status_code == 201, r.text
        ids.add(r.json()["id"])
    assert len(ids) == 2
    assert (await bank.ledger.balance(UUID(world.b))).ledger == 10_200  # both moved money


async def test_audit_log_names_the_api_client(
    http: httpx.AsyncClient, bank: Bank, api_keys: ApiKeys, world: World
) -> None:
    _, key = await api_keys.create("till-7", ["bank.cash"], STAFF)
    body = {"account_id": world.a, "amount_minor": 100, "currency": "EUR"}
    r = await http.post(
        f"{API}/deposits", json=body, headers={"X-API-Key": key, "Idempotency-Key": "d"}
    )
    assert r.status_code == 201, r.text
    r = await http.post(
        f"{API}/withdrawals",
        json={**body, "amount_minor": 10**6},
        headers={"X-API-Key": key, "Idempotency-Key": "w"},
    )
    problem(r, 422, "INSUFFICIENT_FUNDS")
    records = await audit(bank)
    mine = [(r.action, r.outcome) for r in records if r.actor == "api:till-7"]
    assert ("deposit", "ok") in mine
    assert ("withdraw", "rejected:INSUFFICIENT_FUNDS") in mine


async def test_api_client_name_must_fit_the_audit_log(
    http: httpx.AsyncClient, bank: Bank, api_keys: ApiKeys, world: World
) -> None:
    with pytest.raises(ValidationFailed):
        await api_keys.create("n" * (apikeys.MAX_NAME + 1), ["bank.cash"], STAFF)
    name = "n" * apikeys.MAX_NAME
    _, key = await api_keys.create(name, ["bank.cash"], STAFF)
    body = {"account_id": world.a, "amount_minor": 100, "currency": "EUR"}
    headers = {"X-API-Key": key, "Idempotency-Key": "long-name"}
    r = await http.post(f"{API}/deposits", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert (await audit(bank))[0].actor == f"api:{name}"


async def test_guessing_api_keys_does_not_grow_the_key_cache_without_end(
    api_keys: ApiKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apikeys, "_CACHE_MAX", 5)
    for n in range(12):
        assert await api_keys.authenticate(f"tlr_{n:08x}_guess") is None
        assert len(api_keys._cache) <= 5


# -- OpenID Connect bearer tokens -------------------------------------------------------------


def _b64url(value: int | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.to_bytes((value.bit_length() + 7) // 8)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Realm:
    """A Keycloak realm's key set on loopback; tests change ``keys`` to rotate them."""

    keys: dict[str, rsa.RSAPrivateKey]
    port: int = 0
    fetches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/realms/teller"

    @property
    def jwks_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{JWKS_PATH}"

    def jwks(self) -> dict[str, Any]:
        """The key set as Keycloak publishes it."""
        published = []
        for kid, key in self.keys.items():
            numbers = key.public_key().public_numbers()
            published.append(
                {
                    "kid": kid,
                    "kty": "RSA",
                    "alg": "RS256",
                    "use": "sig",
                    "n": _b64url(numbers.n),
                    "e": _b64url(numbers.e),
                }
            )
        return {"keys": published}


def _handler(realm: Realm) -> type[BaseHTTPRequestHandler]:
    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != JWKS_PATH:
                self.send_error(404)
                return
            with realm.lock:
                realm.fetches += 1
                body = json.dumps(realm.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test output is not the place for an access log."""

    return JwksHandler


@dataclass(frozen=True)
class Keys:
    main: rsa.RSAPrivateKey
    other: rsa.RSAPrivateKey
    next: rsa.RSAPrivateKey


@pytest.fixture(scope="module")
def keys() -> Keys:
    new = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]
    return Keys(*new)


@pytest.fixture
def realm(keys: Keys) -> Iterator[Realm]:
    realm = Realm({KID: keys.main})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(realm))
    realm.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield realm
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def oidc(realm: Realm) -> OidcVerifier:
    return OidcVerifier(issuer=realm.issuer, audience=AUDIENCE, jwks_url=realm.jwks_url)


class _ShiftedMonotonic:
    """``time`` for PyJWT's key set cache and refetch cooldown, moved on by hand."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def jwks_time(monkeypatch: pytest.MonkeyPatch) -> _ShiftedMonotonic:
    shifted = _ShiftedMonotonic()
    for module in ("jwt.jwk_set_cache", "jwt.jwks_client", "jwt.api_jwk"):
        monkeypatch.setattr(importlib.import_module(module), "time", shifted)
    return shifted


_subjects = itertools.count(1)


def mint(
    realm: Realm,
    *,
    realm_roles: tuple[str, ...] = (),
    client_roles: tuple[str, ...] = (),
    key: rsa.RSAPrivateKey | None = None,
    kid: str | None = KID,
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """An access token in Keycloak's shape (client credentials of ``teller-bff``)."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid4()),
        "iss": realm.issuer,
        "aud": [AUDIENCE, "account"],
        "sub": f"service-account-{next(_subjects)}",
        "typ": "Bearer",
        "azp": "teller-bff",
        "realm_access": {"roles": ["offline_access", "uma_authorization", *realm_roles]},
        "resource_access": {
            AUDIENCE: {"roles": list(client_roles)},
            "account": {"roles": ["manage-account", "view-profile"]},
        },
        "scope": "profile email",
        "clientId": "teller-bff",
        **claims,
    }
    for name in drop:
        payload.pop(name)
    headers = {"kid": kid} if kid is not None else {}
    signing = key or realm.keys.get(kid or "") or next(iter(realm.keys.values()))
    return jwt.encode(payload, signing, algorithm="RS256", headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_token_with_a_realm_role_may_read(
    http: httpx.AsyncClient, realm: Realm, world: World
) -> None:
    token = mint(realm, realm_roles=("bank.read",))
    for scheme in ("Bearer", "bearer"):
        r = await http.get(
            f"{API}/accounts/{world.a}", headers={"Authorization": f"{scheme} {token}"}
        )
        assert r.status_code == 200, r.text
    assert realm.fetches == 1  # the key set is cached


async def test_token_with_a_client_role_may_pay_and_is_audited_as_its_client(
    http: httpx.AsyncClient, bank: Bank, realm: Realm, world: World
) -> None:
    token = mint(realm, client_roles=("bank.payments",))
    body = {
        "source_account_id": world.a,
        "destination_account_id": world.b,
        "amount_minor": 250,
        "currency": "EUR",
    }
    r = await http.post(
        f"{API}/transfers", json=body, headers={**bearer(token), "Idempotency-Key": "t-1"}
    )
    assert r.status_code == 201, r.text
    record = next(r for r in await audit(bank) if r.action == "transfer")
    assert record.actor == "api:oidc:teller-bff"
    assert record.outcome == "ok"
    assert record.details["entry_id"] == r.json()["id"]


async def test_token_without_the_needed_role_is_forbidden(
    http: httpx.AsyncClient,
    bank: Bank,
    realm: Realm,
    admin_headers: dict[str, str],
    world: World,
) -> None:
    body = {
        "source_account_id": world.a,
        "destination_account_id": world.b,
        "amount_minor": 250,
        "currency": "EUR",
    }
    before = await snapshot(bank, http, admin_headers, world)
    for token in (
        mint(realm, realm_roles=("bank.read",)),
        mint(realm),
        # Roles for another client do not count, however they are spelled.
        mint(realm, resource_access={"other-app": {"roles": ["bank.admin", "bank.payments"]}}),
        mint(realm, realm_roles=("payments", "admin", "BANK.PAYMENTS")),
    ):
        r = await http.post(
            f"{API}/transfers", json=body, headers={**bearer(token), "Idempotency-Key": "t"}
        )
        problem(r, 403, "FORBIDDEN", jwt.decode(token, options={"verify_signature": False}))
    assert await snapshot(bank, http, admin_headers, world) == before


async def test_expired_token_is_refused_as_expired(
    http: httpx.AsyncClient, realm: Realm, world: World
) -> None:
    now = int(time.time())
    token = mint(realm, realm_roles=("bank.admin",), iat=now - 600, exp=now - 1)
    r = await http.get(f"{API}/accounts/{world.a}", headers=bearer(token))
    problem(r, 401, "TOKEN_EXPIRED")


async def test_token_that_is_not_genuine_or_not_for_teller_is_invalid(
    http: httpx.AsyncClient, keys: Keys, realm: Realm, world: World
) -> None:
    admin = ("bank.admin",)
    now = int(time.time())
    for case, token in {
        "signed by another key under our kid": mint(realm, realm_roles=admin, key=keys.other),
        "another audience": mint(realm, realm_roles=admin, aud="account"),
        "no audience": mint(realm, realm_roles=admin, drop=("aud",)),
        "another issuer": mint(realm, realm_roles=admin, iss="http://127.0.0.1:1/realms/evil"),
        "another realm": mint(realm, realm_roles=admin, iss=realm.issuer + "-test"),
        "unknown kid": mint(realm, realm_roles=admin, key=keys.other, kid="teller-rs256-9"),
        "no kid": mint(realm, realm_roles=admin, kid=None),
        "no expiry": mint(realm, realm_roles=admin, drop=("exp",)),
        "no subject": mint(realm, realm_roles=admin, drop=("sub",)),
        "not yet valid": mint(realm, realm_roles=admin, nbf=now + 3600),
        "unsigned": _unsigned(realm, admin),
        "HMAC with our public key": _hmac_with_public_key(realm, keys.main, admin),
        "tampered payload": _tampered(mint(realm, realm_roles=("bank.read",))),
        "malformed realm roles": mint(realm, realm_access={"roles": "bank.admin"}),
        "malformed realm access": mint(realm, realm_access=["bank.admin"]),
        "malformed client roles": mint(realm, resource_access={AUDIENCE: ["bank.admin"]}),
        "malformed scope": mint(realm, scope=["bank.admin"]),
        "not a JWT": "not-a-token",
        "three dots": "a.b.c",
        "garbage base64": "eyJhbGciOiJSUzI1NiJ9.!!!.???",
    }.items():
        r = await http.get(f"{API}/accounts/{world.a}", headers=bearer(token))
        problem(r, 401, "INVALID_TOKEN", case)


def _unsigned(realm: Realm, roles: tuple[str, ...]) -> str:
    genuine = mint(realm, realm_roles=roles)
    header = _b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": KID}).encode())
    return f"{header}.{genuine.split('.')[1]}."


def _hmac_with_public_key(realm: Realm, key: rsa.RSAPrivateKey, roles: tuple[str, ...]) -> str:
    """The classic algorithm confusion: HS256 keyed with the RSA public key's PEM."""
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
    payload = mint(realm, realm_roles=roles).split(".")[1]
    signature = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["realm_access"]["roles"].append("bank.admin")
    return f"{header}.{_b64url(json.dumps(claims).encode())}.{signature}"


async def test_api_key_takes_precedence_over_a_bearer_token(
    http: httpx.AsyncClient, realm: Realm, world: World
) -> None:
    token = mint(realm, realm_roles=("bank.admin",))
    r = await http.get(
        f"{API}/accounts/{world.a}", headers={**bearer(token), "X-API-Key": "tlr_0_wrong"}
    )
    problem(r, 401, "INVALID_API_KEY")


async def test_token_client_and_api_key_client_of_one_name_are_different_callers(
    http: httpx.AsyncClient, bank: Bank, api_keys: ApiKeys, realm: Realm, world: World
) -> None:
    """Same name, same idempotency key, same body: still two callers, two transfers."""
    _, key = await api_keys.create("teller-bff", ["bank.payments"], STAFF)
    token = mint(realm, client_roles=("bank.payments",))  # azp teller-bff
    body = {
        "source_account_id": world.a,
        "destination_account_id": world.b,
        "amount_minor": 100,
        "currency": "EUR",
    }
    ids = set()
    for credentials in ({"X-API-Key": key}, bearer(token)):
        headers = {**credentials, "Idempotency-Key": "same-key"}
        r = await http.post(f"{API}/transfers", json=body, headers=headers)
        assert r.status_code == 201, r.text
        ids.add(r.json()["id"])
    assert len(ids) == 2
    actors = {r.actor for r in await audit(bank) if r.action == "transfer"}
    assert actors == {"api:teller-bff", "api:oidc:teller-bff"}


async def test_token_client_with_a_very_long_name_can_still_act(
    http: httpx.AsyncClient, bank: Bank, realm: Realm, world: World
) -> None:
    """The actor must fit the audit log's column on PostgreSQL, and stay distinct."""
    names = ["a" * 100, "a" * 99 + "b"]
    for n, name in enumerate(names):
        token = mint(realm, client_roles=("bank.payments",), azp=name)
        body = {
            "source_account_id": world.a,
            "destination_account_id": world.b,
            "amount_minor": 1,
            "currency": "EUR",
        }
        headers = {**bearer(token), "Idempotency-Key": f"long-{n}"}
        r = await http.post(f"{API}/transfers", json=body, headers=headers)
        assert r.status_code == 201, r.text
    actors = [r.actor for r in await audit(bank) if r.action == "transfer"]
    assert len(set(actors)) == 2
    assert all(len(a) <= 80 and a.startswith("api:oidc:aaaa") for a in actors)


async def test_new_signing_key_is_fetched_when_a_token_first_names_it(
    http: httpx.AsyncClient, keys: Keys, realm: Realm, world: World, jwks_time: _ShiftedMonotonic
) -> None:
    url = f"{API}/accounts/{world.a}"
    old = mint(realm, realm_roles=("bank.read",))
    assert (await http.get(url, headers=bearer(old))).status_code == 200
    realm.keys["teller-rs256-2"] = keys.next  # Keycloak rotates: a new active key
    new = mint(realm, realm_roles=("bank.read",), key=keys.next, kid="teller-rs256-2")
    # Right after a fetch an unknown kid is refused without asking again: PyJWT's
    # cooldown keeps made-up kids from turning every request into a JWKS fetch.
    problem(await http.get(url, headers=bearer(new)), 401, "INVALID_TOKEN")
    assert realm.fetches == 1
    jwks_time.offset += 31
    assert (await http.get(url, headers=bearer(new))).status_code == 200
    assert realm.fetches == 2
    assert (await http.get(url, headers=bearer(old))).status_code == 200


async def test_signing_key_removed_from_the_realm_stops_working_when_the_key_set_expires(
    http: httpx.AsyncClient, keys: Keys, realm: Realm, world: World, jwks_time: _ShiftedMonotonic
) -> None:
    url = f"{API}/accounts/{world.a}"
    leaked = mint(realm, realm_roles=("bank.admin",))
    assert (await http.get(url, headers=bearer(leaked))).status_code == 200
    realm.keys = {"teller-rs256-2": keys.next}  # the compromised key is withdrawn
    jwks_time.offset += 301  # past the five minutes the key set is cached
    problem(await http.get(url, headers=bearer(leaked)), 401, "INVALID_TOKEN")
    assert realm.fetches == 2


@asynccontextmanager
async def app_with(
    settings: Settings, bank: Bank, api_keys: ApiKeys, oidc: OidcVerifier | None
) -> AsyncIterator[httpx.AsyncClient]:
    container = Container(settings, bank.db, bank, api_keys, Authenticator(api_keys, oidc))
    app = create_app(settings, run_jobs=False, container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://teller.test") as client:
        yield client


async def test_bearer_token_is_refused_when_oidc_is_not_configured(
    settings: Settings, bank: Bank, api_keys: ApiKeys, realm: Realm, world: World
) -> None:
    token = mint(realm, realm_roles=("bank.admin",))
    async with app_with(settings, bank, api_keys, None) as http:
        r = await http.get(f"{API}/accounts/{world.a}", headers=bearer(token))
        problem(r, 401, "INVALID_TOKEN")
    assert realm.fetches == 0


async def test_unreachable_key_set_refuses_tokens_without_crashing(
    settings: Settings, bank: Bank, api_keys: ApiKeys, realm: Realm, world: World
) -> None:
    closed = free_port()  # nothing listens there
    verifier = OidcVerifier(
        realm.issuer, AUDIENCE, f"http://127.0.0.1:{closed}/realms/teller{JWKS_PATH}"
    )
    token = mint(realm, realm_roles=("bank.admin",))
    async with app_with(settings, bank, api_keys, verifier) as http:
        r = await http.get(f"{API}/accounts/{world.a}", headers=bearer(token))
        problem(r, 401, "INVALID_TOKEN")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
