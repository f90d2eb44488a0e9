"""The back office's risk pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/backoffice/risk")
