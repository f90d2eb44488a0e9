"""The back office's kyc pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/backoffice/kyc")
