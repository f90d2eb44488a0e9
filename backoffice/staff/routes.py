"""The back office's staff pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/backoffice/staff")
