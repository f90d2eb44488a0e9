"""Errors over HTTP for channel routes: ``application/problem+json`` with stable codes."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


def problem(status: int, code: str, title: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"urn:teller:problem:{code.lower()}",
        "title": title,
        "status": status,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)
