"""The Keycloak realm that docker-compose imports gives Teller what its sign-in expects
(Keycloak itself does not run in these tests: the fake provider in
tests/backoffice/test_oidc.py stands in for it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from backoffice.oidc.provider import mapped_roles
from backoffice.roles import Role

ROOT = Path(__file__).resolve().parents[2]
REALM = ROOT / "deploy" / "keycloak" / "teller-realm.json"
PREFIX = "teller-"


def _realm() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(REALM.read_text(encoding="utf-8"))
    return loaded


def _client(realm: dict[str, Any]) -> dict[str, Any]:
    [client] = [c for c in realm["clients"] if c["clientId"] == "teller-backoffice"]
    return client


def test_every_realm_role_maps_to_one_teller_role_and_back() -> None:
    names = [r["name"] for r in _realm()["roles"]["realm"]]
    assert mapped_roles({"realm_access": {"roles": names}}, PREFIX) == frozenset(Role)
    for name in names:
        assert len(mapped_roles({"realm_access": {"roles": [name]}}, PREFIX)) == 1, name


def test_the_client_uses_the_code_flow_with_pkce_and_puts_realm_roles_in_the_id_token() -> None:
    client = _client(_realm())
    assert client["standardFlowEnabled"] is True
    assert client.get("implicitFlowEnabled", False) is False
    assert client.get("directAccessGrantsEnabled", False) is False
    assert client["publicClient"] is False
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert all(uri.endswith("/backoffice/oidc/callback") for uri in client["redirectUris"])
    # Signing out of Teller ends the realm's session and comes back to the sign-in page.
    back = client["attributes"]["post.logout.redirect.uris"].split("##")
    assert all(uri.endswith("/backoffice/login") for uri in back)
    [mapper] = [
        m
        for m in client["protocolMappers"]
        if m["config"].get("claim.name") == "realm_access.roles"
    ]
    assert mapper["config"]["id.token.claim"] == "true"


def test_the_realm_holds_no_people_and_compose_imports_it() -> None:
    assert _realm().get("users", []) == []
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    keycloak = compose["services"]["keycloak"]
    assert "--import-realm" in keycloak["command"]
    assert any(
        v.startswith("./deploy/keycloak:/opt/keycloak/data/import") for v in keycloak["volumes"]
    )
    app_env = compose["services"]["app"]["environment"]
    assert app_env["TELLER_BACKOFFICE_OIDC_CLIENT_ID"] == _client(_realm())["clientId"]
