"""The back office assembled: sign-in, each area's routes, static files, and the
refusal handler. ``teller.app`` includes it under ``/backoffice``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from backoffice import signin
from backoffice.context import Backoffice
from backoffice.security import install

STATIC = Path(__file__).with_name("static")

# Each area of the back office adds its router here.
ROUTERS: list[APIRouter] = [signin.router]


def mount_backoffice(app: FastAPI, bo: Backoffice) -> None:
    app.state.backoffice = bo
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.mount("/backoffice/static", StaticFiles(directory=STATIC), name="backoffice-static")
    install(app)
