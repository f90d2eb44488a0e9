"""Who is calling the core API, and may they do this?

Two ways in: an API key (``X-API-Key``), the embedded default; and in production an
OpenID Connect bearer token from Keycloak, verified against the provider's JWKS (issuer,
audience, expiry, signature), whose realm and client roles map to Teller's roles.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import Request

from core.actors import Actor, ActorKind
from core.api.apikeys import ROLES, ApiKeys
from core.api.problems import ApiProblem

_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
# A token's client acts as "api:oidc:<client>". The namespace keeps it apart from an API
# key client of the same name: the actor scopes idempotency keys and names the caller in
# the audit log. The whole must fit the 80-character actor columns.
_MAX_ACTOR_ID = 80 - len("api:")


@dataclass(frozen=True, slots=True)
class Principal:
    actor: Actor
    roles: frozenset[str]


def _unauthenticated(code: str, title: str) -> ApiProblem:
    return ApiProblem(401, code, title, headers={"WWW-Authenticate": 'Bearer realm="teller"'})


class OidcVerifier:
    """Bearer tokens issued by an OpenID Connect provider in Keycloak's format."""

    def __init__(self, issuer: str, audience: str, jwks_url: str) -> None:
        self.issuer = issuer
        self.audience = audience
        # PyJWKClient caches the key set for ``lifespan`` and refetches on an unknown key
        # id (rotation). Not ``cache_keys``: that memoizes each key by kid with no expiry,
        # so a key withdrawn from the realm (compromised) would verify tokens until restart.
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=False, lifespan=300, timeout=5)

    async def verify(self, token: str) -> Principal:
        try:
            # The JWKS fetch is blocking I/O: keep it off the event loop.
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=_ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "sub"]},
            )
            roles = _roles(claims, self.audience)
        except jwt.ExpiredSignatureError as exc:
            raise _unauthenticated("TOKEN_EXPIRED", "The access token has expired.") from exc
        except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
            raise _unauthenticated("INVALID_TOKEN", "The access token is not valid.") from exc
        name = str(claims.get("azp") or claims.get("preferred_username") or claims["sub"])
        return Principal(Actor(ActorKind.API_CLIENT, _actor_id(name)), roles)


def _roles(claims: dict[str, Any], audience: str) -> frozenset[str]:
    """Teller's roles among the realm roles, this client's roles and the scopes.

    A claim of the wrong shape makes the token invalid (rather than a crash).
    """

    def member(parent: object, name: str) -> object:
        if parent is None:
            return None
        if not isinstance(parent, dict):
            raise jwt.InvalidTokenError(f"malformed role claim {name}")
        return parent.get(name)

    def strings(value: object, name: str) -> set[str]:
        if value is None:
            return set()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise jwt.InvalidTokenError(f"malformed role claim {name}")
        return set(value)

    roles = strings(member(claims.get("realm_access"), "roles"), "realm_access")
    client = member(claims.get("resource_access"), audience)
    roles |= strings(member(client, "roles"), "resource_access")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise jwt.InvalidTokenError("malformed claim scope")
    roles |= set(scope.split())
    return frozenset(roles & set(ROLES))


def _actor_id(name: str) -> str:
    actor_id = f"oidc:{name}"
    if len(actor_id) <= _MAX_ACTOR_ID:
        return actor_id
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]  # stays unique when cut short
    return f"{actor_id[: _MAX_ACTOR_ID - len(digest) - 1]}~{digest}"


class Authenticator:
    """Turns a request's credentials into a :class:`Principal`, or refuses it."""

    def __init__(self, api_keys: ApiKeys, oidc: OidcVerifier | None = None) -> None:
        self.api_keys = api_keys
        self.oidc = oidc

    async def principal(self, request: Request) -> Principal:
        api_key = request.headers.get("x-api-key")
        authorization = request.headers.get("authorization", "")
        if api_key:
            client = await self.api_keys.authenticate(api_key)
            if client is None:
                raise _unauthenticated("INVALID_API_KEY", "The API key is not valid.")
            return Principal(Actor(ActorKind.API_CLIENT, client.name), client.roles)
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token:
            if self.oidc is None:
                raise _unauthenticated("INVALID_TOKEN", "Bearer tokens are not enabled.")
            return await self.oidc.verify(token.strip())
        raise _unauthenticated("UNAUTHENTICATED", "Send an X-API-Key or a bearer token.")


def require(role: str) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency: the caller, who must hold ``role``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role}")

    async def dependency(request: Request) -> Principal:
        authenticator: Authenticator = request.app.state.authenticator
        principal = await authenticator.principal(request)
        if role not in principal.roles and "bank.admin" not in principal.roles:
            raise ApiProblem(403, "FORBIDDEN", f"This operation needs the role {role}.")
        return principal

    return dependency
