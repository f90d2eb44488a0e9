"""The back office assembled: sign-in, each area's routes, static files, and the
refusal handler. ``teller.app`` includes it under ``/backoffice``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from backoffice import signin
from backoffice.audit import routes as audit
from backoffice.context import BackofficeConfig
from backoffice.inbox import routes as inbox
from backoffice.kyc import routes as kyc
from backoffice.marketing import links as marketing_links
from backoffice.marketing import routes as marketing
from backoffice.oidc import routes as oidc
from backoffice.oidc.provider import Provider
from backoffice.risk import routes as risk
from backoffice.security import install
from backoffice.settings import routes as settings
from backoffice.staff import routes as staff

STATIC = Path(__file__).with_name("static")

ROUTERS: list[APIRouter] = [
    signin.router,
    inbox.router,
    kyc.router,
    marketing.router,
    marketing_links.public,  # /r/<code>/<channel>: tracked program links, no sign-in
    risk.router,
    settings.router,
    staff.router,
    audit.router,
    oidc.router,
]


def mount_backoffice(app: FastAPI, config: BackofficeConfig) -> None:
    """The back office's routes. Its parts (``app.state.backoffice``, a
    :class:`~backoffice.context.Backoffice`) are set when the app starts, with the bank's."""
    # The sign-in page offers the identity provider when this is set.
    app.state.backoffice_oidc = Provider(config.oidc) if config.oidc else None
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.mount("/backoffice/static", StaticFiles(directory=STATIC), name="backoffice-static")
    install(app)
