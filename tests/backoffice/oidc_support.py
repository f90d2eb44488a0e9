"""A fake OpenID Connect provider on loopback, laid out like a Keycloak realm: the
discovery document, the realm's keys (JWKS) and a token endpoint that checks the client,
the redirect URI and the PKCE verifier before it hands out an ID token signed with a test
RSA key. The test plays the browser: it "authorizes" an authorization URL and gets the
code and state the provider would send back."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

REALM = "teller"
CLIENT_ID = "teller-backoffice"
CLIENT_SECRET = "backoffice-test-secret"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    claims: dict[str, Any]


@dataclass
class FakeProvider:
    base: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    kid: str = "test-key-1"
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    id_tokens: list[str] = field(default_factory=list)  # as issued, newest last
    end_session: bool = True  # whether discovery names an end-session endpoint

    @property
    def issuer(self) -> str:
        return f"{self.base}/realms/{REALM}"

    def discovery(self) -> dict[str, Any]:
        endpoints = f"{self.issuer}/protocol/openid-connect"
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{endpoints}/auth",
            "token_endpoint": f"{endpoints}/token",
            "jwks_uri": f"{endpoints}/certs",
            **({"end_session_endpoint": f"{endpoints}/logout"} if self.end_session else {}),
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def claims(self, expected_nonce: str, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "sub": "3f1c6a52-subject-anna",
            "iat": now,
            "exp": now + 300,
            "nonce": expected_nonce,
            "preferred_username": "anna",
            "name": "Anna Novak",
            "realm_access": {"roles": ["teller-agent", "teller-auditor", "offline_access"]},
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def authorize(
        self,
        authorization_url: str,
        *,
        key: rsa.RSAPrivateKey | None = None,
        **changes: Any,
    ) -> dict[str, str]:
        """What the provider sends back to the redirect URI after the person signs in:
        ``code`` and ``state``. ``changes`` alter the ID token's claims; ``key`` signs it
        with another key."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        assert params["response_type"] == "code"
        assert params["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        claims = self.claims(params["nonce"], **changes)
        if key is not None:
            claims["_key"] = key
        self.grants[code] = Grant(
            params["client_id"], params["redirect_uri"], params["code_challenge"], "", claims
        )
        return {"code": code, "state": params["state"]}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != grant.client_id or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "unauthorized_client"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        claims = dict(grant.claims)
        key = claims.pop("_key", self.key)
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        self.id_tokens.append(id_token)
        return 200, {
            "access_token": "opaque-access-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            prefix = f"/realms/{REALM}"
            if path == f"{prefix}/.well-known/openid-configuration":
                self._answer(200, provider.discovery())
            elif path == f"{prefix}/protocol/openid-connect/certs":
                self._answer(200, provider.jwks())
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            if urlsplit(self.path).path != f"/realms/{REALM}/protocol/openid-connect/token":
                self._answer(404, {"error": "not_found"})
                return
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            self._answer(*provider.token(form))

    return Handler


@contextmanager
def running_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
