"""The back office's settings pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/backoffice/settings")
