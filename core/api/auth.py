"""Who is calling the core API, and may they do this?

Two ways in: an API key (``X-API-Key``), the embedded default; and in production an
OpenID Connect bearer token from Keycloak, verified against the provider's JWKS (issuer,
audience, expiry, signature), whose realm and client roles map to Teller's roles.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import Request

from core.actors import Actor, ActorKind
from core.api.apikeys import ROLES, ApiKeys
from core.api.problems import ApiProblem

_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


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
        # PyJWKClient caches the key set and refetches on an unknown key id (rotation).
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5)

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
        except jwt.ExpiredSignatureError as exc:
            raise _unauthenticated("TOKEN_EXPIRED", "The access token has expired.") from exc
        except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
            raise _unauthenticated("INVALID_TOKEN", "The access token is not valid.") from exc
        roles = set(claims.get("realm_access", {}).get("roles", []))
        client_roles = claims.get("resource_access", {}).get(self.audience, {})
        roles |= set(client_roles.get("roles", []))
        roles |= set(str(claims.get("scope", "")).split())
        name = str(claims.get("azp") or claims.get("preferred_username") or claims["sub"])
        return Principal(Actor(ActorKind.API_CLIENT, name), frozenset(roles & set(ROLES)))


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
