"""The provider's side of staff sign-in, through python-keycloak's ``KeycloakOpenID``:
the authorization URL, the code exchange, and the ID token's verification (signature by
one of the realm's keys, issuer, audience, expiry, nonce) and role mapping.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from jwcrypto.common import JWException
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError
from keycloak.pkce_utils import generate_code_challenge, generate_code_verifier

from backoffice.context import OidcConfig
from backoffice.roles import Role

log = logging.getLogger(__name__)

SCOPE = "openid profile email"
LEEWAY_SECONDS = 30  # clock drift allowed between Teller and the provider


class SignInRefused(Exception):
    """The provider's answer does not sign anyone in; ``code`` says why."""

    def __init__(self, code: str, who: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.who = who


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the browser's round trip to the provider must bring back."""

    state: str
    nonce: str
    verifier: str  # PKCE: the provider gets only its S256 challenge


@dataclass(frozen=True, slots=True)
class Identity:
    subject: str
    username: str
    name: str
    roles: frozenset[Role]
    id_token: str  # kept (sealed) for signing out of the provider too (sign_out)


def new_attempt() -> Attempt:
    return Attempt(
        secrets.token_urlsafe(32), secrets.token_urlsafe(32), generate_code_verifier(96)
    )


def realm_of(issuer: str) -> tuple[str, str]:
    """Keycloak's server URL and realm from an issuer ``<server>/realms/<realm>``."""
    server, found, realm = issuer.rstrip("/").rpartition("/realms/")
    if not found or not server or not realm or "/" in realm:
        raise ValueError(f"not a Keycloak realm issuer: {issuer!r} (…/realms/<realm>)")
    return server + "/", realm


def mapped_roles(claims: dict[str, Any], prefix: str) -> frozenset[Role]:
    """Teller roles among the realm roles named ``<prefix><role>`` (``teller-agent``)."""
    realm_access = claims.get("realm_access")
    names = realm_access.get("roles") if isinstance(realm_access, dict) else None
    if not isinstance(names, list):
        return frozenset()
    found = set()
    for name in names:
        if isinstance(name, str) and name.startswith(prefix):
            value = name[len(prefix) :].replace("-", "_")
            if value in Role._value2member_map_:
                found.add(Role(value))
    return frozenset(found)


class Provider:
    """One provider, configured once; each sign-in step opens its own client."""

    def __init__(self, config: OidcConfig) -> None:
        self.config = config

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[KeycloakOpenID]:
        client = KeycloakOpenID(
            server_url=self.config.server_url,
            realm_name=self.config.realm,
            client_id=self.config.client_id,
            client_secret_key=self.config.client_secret,
            timeout=10,
        )
        try:
            yield client
        finally:
            await client.connection.aclose()

    async def authorization_url(self, attempt: Attempt, redirect_uri: str) -> str:
        async with self._client() as client:
            try:
                endpoint = str((await client.a_well_known())["authorization_endpoint"])
            except (KeycloakError, KeyError, TypeError, ValueError) as exc:
                raise SignInRefused("PROVIDER_UNAVAILABLE") from exc
        challenge, method = generate_code_challenge(attempt.verifier, "S256")
        # Built here rather than with ``a_auth_url``, which puts the values into the query
        # string without encoding them (the redirect URI and the spaces of the scope).
        query = urlencode(
            {
                "client_id": self.config.client_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "scope": SCOPE,
                "state": attempt.state,
                "nonce": attempt.nonce,
                "code_challenge": challenge,
                "code_challenge_method": method,
            }
        )
        return f"{endpoint}?{query}"

    async def end_session_url(self, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """The provider's end-session address for ``id_token``'s session, or None when
        the provider does not answer or has no such endpoint (Teller's own session is
        ended either way)."""
        async with self._client() as client:
            try:
                endpoint = (await client.a_well_known()).get("end_session_endpoint")
            except (KeycloakError, AttributeError, TypeError, ValueError):
                log.warning("identity provider unavailable for sign-out")
                return None
        if not isinstance(endpoint, str) or not endpoint:
            return None
        query = urlencode(
            {
                "client_id": self.config.client_id,
                "id_token_hint": id_token,
                "post_logout_redirect_uri": post_logout_redirect_uri,
            }
        )
        return f"{endpoint}?{query}"

    async def identity(self, code: str, attempt: Attempt, redirect_uri: str) -> Identity:
        """Exchange ``code`` (with the PKCE verifier) and verify the ID token it brings."""
        async with self._client() as client:
            try:
                tokens = await client.a_token(
                    grant_type="authorization_code",
                    code=code,
                    redirect_uri=redirect_uri,
                    code_verifier=attempt.verifier,
                    scope=SCOPE,
                )
            except (KeycloakError, TypeError, ValueError) as exc:
                raise SignInRefused("CODE_REFUSED") from exc
            id_token = tokens.get("id_token")
            if not isinstance(id_token, str):
                raise SignInRefused("NO_ID_TOKEN")
            claims = await self._verified(client, id_token, attempt.nonce)
        return self._identity(claims, id_token)

    async def _verified(self, client: KeycloakOpenID, token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, checked against the realm's current keys (JWKS)."""
        try:
            claims: dict[str, Any] = await client.a_decode_token(
                token,
                expected_type="JWS",
                leeway=LEEWAY_SECONDS,
                check_claims={
                    "iss": self.config.issuer,
                    "aud": self.config.client_id,
                    "exp": None,
                    "iat": None,
                    "sub": None,
                    "nonce": None,
                },
            )
        except KeycloakError as exc:
            raise SignInRefused("PROVIDER_UNAVAILABLE") from exc
        except (JWException, KeyError, ValueError, TypeError) as exc:
            raise SignInRefused("INVALID_ID_TOKEN") from exc
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, nonce):
            raise SignInRefused("NONCE_MISMATCH", _who(claims))
        audience = claims.get("aud")
        # With several audiences the token must have been issued to us (OIDC Core 3.1.3.7).
        if (
            isinstance(audience, list)
            and len(audience) > 1
            and claims.get("azp") != self.config.client_id
        ):
            raise SignInRefused("INVALID_ID_TOKEN", _who(claims))
        return claims

    def _identity(self, claims: dict[str, Any], id_token: str) -> Identity:
        roles = mapped_roles(claims, self.config.role_prefix)
        who = _who(claims)
        if not roles:
            raise SignInRefused("NO_ROLE", who)
        name = claims.get("name")
        return Identity(
            str(claims["sub"]),
            who,
            str(name) if isinstance(name, str) and name.strip() else who,
            roles,
            id_token,
        )


def _who(claims: dict[str, Any]) -> str:
    username = claims.get("preferred_username")
    return (username if isinstance(username, str) and username else str(claims.get("sub")))[:60]
