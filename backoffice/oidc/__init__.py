"""Signing staff in with an OpenID Connect provider (Keycloak): the authorization code
flow with PKCE, state and nonce, and realm roles mapped to the back office's roles."""
