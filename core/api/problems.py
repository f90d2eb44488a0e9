"""Errors over HTTP: RFC 9457 ``application/problem+json`` with Teller's stable codes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import CoreError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def problem(status: int, code: str, title: str, **extra: Any) -> JSONResponse:
    """A problem response; ``type`` is a stable URN built from the code."""
    body = {
        "type": f"urn:teller:problem:{code.lower()}",
        "title": title,
        "status": status,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


class BodyTooLarge(StarletteHTTPException):
    """Raised while reading a body that turns out larger than the limit.

    An HTTPException on purpose: FastAPI turns any other exception raised while it reads
    the body into "400 There was an error parsing the body", but lets HTTPExceptions
    through to their handler.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than {max_bytes} bytes.")
        self.max_bytes = max_bytes


class ApiProblem(Exception):
    """An HTTP-level refusal (authentication, roles, headers) with a stable code."""

    def __init__(
        self, status: int, code: str, title: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(title)
        self.status, self.code, self.title, self.headers = status, code, title, headers


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem response."""

    @app.exception_handler(CoreError)
    async def _core(_: Request, exc: CoreError) -> JSONResponse:
        return problem(exc.http_status, exc.code, exc.message, data=_jsonable(exc.data))

    @app.exception_handler(ApiProblem)
    async def _api(_: Request, exc: ApiProblem) -> JSONResponse:
        response = problem(exc.status, exc.code, exc.title)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(400, "MALFORMED_JSON", "The request body is not valid JSON.")
        # Only locations and messages: never echo the submitted values back.
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
            for e in errors
        ]
        return problem(422, "VALIDATION_ERROR", "The request is not valid.", errors=fields)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_: Request, exc: BodyTooLarge) -> JSONResponse:
        return problem(
            413, "PAYLOAD_TOO_LARGE", f"The request body is larger than {exc.max_bytes} bytes."
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # FastAPI's "error parsing the body": a body that is not UTF-8 (or similar)
            # never reaches the JSON decoder, but to the client it is malformed JSON all
            # the same.
            return problem(400, "MALFORMED_JSON", "The request body is not valid JSON.")
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        response = problem(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})  # e.g. Allow on 405 (RFC 9110 15.5.6)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error in the core API")
        return problem(500, "INTERNAL_ERROR", "Something went wrong on our side.")


def _jsonable(data: dict[str, object]) -> dict[str, object]:
    return {k: v if isinstance(v, int | str | bool | None) else str(v) for k, v in data.items()}
